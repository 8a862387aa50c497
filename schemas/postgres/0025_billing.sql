-- Issue 54: Stripe billing, off unless configured (streams.billing).
--
-- A workspace that chose a subscription through Stripe Checkout has a Stripe customer here, and the
-- subscription's state as Stripe's webhooks last told it. Each ledger row of source seconds is
-- reported once as a Stripe meter event whose identifier is the row's own key, so a report retried
-- after a crash, a timeout or a lost answer is the same event to Stripe (it keeps one per
-- identifier); reported_at marks it sent, report_attempts counts the tries.
CREATE TABLE IF NOT EXISTS billing_customers (
    tenant_id            text PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    customer_id          text NOT NULL UNIQUE,
    subscription_id      text,
    subscription_status  text,
    checkout_session_id  text,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE billing_customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_customers FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON billing_customers;
CREATE POLICY tenant_isolation ON billing_customers
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE ON billing_customers TO clipstream_app;

ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS reported_at timestamptz;
ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS report_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS report_error text;
CREATE INDEX IF NOT EXISTS usage_records_unreported ON usage_records (recorded_at)
    WHERE reported_at IS NULL AND kind = 'source_seconds';

-- Stripe's webhooks name a customer, not a tenant: the subscription state they carry is written
-- through this owner function (the webhook route runs before any tenant is known).
CREATE OR REPLACE FUNCTION record_subscription(p_customer text, p_subscription text, p_status text)
RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE billing_customers SET subscription_id = coalesce(p_subscription, subscription_id),
           subscription_status = p_status, updated_at = now()
    WHERE customer_id = p_customer RETURNING tenant_id
$$;
REVOKE ALL ON FUNCTION record_subscription(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_subscription(text, text, text) TO clipstream_app;
