-- Stripe does not send its webhooks in the order it made the events, sends again for up to three
-- days one it thinks was not taken, and may send one twice: written as they came, a late
-- `customer.subscription.updated` put a cancelled workspace back to `active`, and a subscription's
-- `created` event (`incomplete`) arriving after the one that paid it left it `incomplete`.
--
-- The subscription's state is now the one its newest event carries: each event's time (Stripe's
-- `created`, whole seconds) is kept with the state it wrote, and an older event changes nothing.
-- Events made in the same second are put in the order a subscription goes through its states
-- (made `incomplete` and paid `active` at once is the common case); an event of another
-- subscription in that second replaces it.
ALTER TABLE billing_customers ADD COLUMN IF NOT EXISTS subscription_event_at timestamptz;

-- Where a status comes in a subscription's life (0: a status not known here).
CREATE OR REPLACE FUNCTION subscription_status_order(p_status text)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_position(ARRAY['incomplete', 'trialing', 'active', 'paused', 'past_due', 'unpaid',
                                         'incomplete_expired', 'canceled'], p_status), 0)
$$;

DROP FUNCTION IF EXISTS record_subscription(text, text, text);
CREATE OR REPLACE FUNCTION record_subscription(p_customer text, p_subscription text, p_status text,
                                               p_at timestamptz)
RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE billing_customers SET subscription_id = coalesce(p_subscription, subscription_id),
           subscription_status = p_status, subscription_event_at = p_at, updated_at = now()
    WHERE customer_id = p_customer
      AND (subscription_event_at IS NULL OR p_at > subscription_event_at
           OR (p_at = subscription_event_at
               AND (coalesce(p_subscription, subscription_id) IS DISTINCT FROM subscription_id
                    OR subscription_status_order(p_status) >= subscription_status_order(subscription_status))))
    RETURNING tenant_id
$$;
REVOKE ALL ON FUNCTION record_subscription(text, text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_subscription(text, text, text, timestamptz) TO clipstream_app;
