-- Webhooks (Standard Webhooks): the endpoints a tenant registered, one delivery per (endpoint,
-- occurrence), and every attempt at a delivery. Every table carries tenant_id under row-level
-- security: the API's role (clipstream_app) sees only the tenant named by app.tenant_id; the
-- worker's owner role (clipstream, BYPASSRLS) sees every tenant. Both roles come from 0004.
-- Composite keys (id, tenant_id) make a delivery share its endpoint's tenant, and an attempt its
-- delivery's. No foreign key to tenants: a tenant's webhooks are deleted with its endpoints.

CREATE TABLE webhook_endpoints (
    endpoint_id      text PRIMARY KEY,
    tenant_id        text NOT NULL,
    url              text NOT NULL,
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    event_types      text[] NOT NULL DEFAULT '{}',  -- empty: every type
    secrets          jsonb NOT NULL,                 -- [{secret, created_at, expires_at}], current first
    status           text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
    disabled_reason  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, tenant_id)
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at DESC, endpoint_id DESC);

CREATE TABLE webhook_deliveries (
    delivery_id       text PRIMARY KEY,
    tenant_id         text NOT NULL,
    endpoint_id       text NOT NULL,
    event_type        text NOT NULL,
    msg_id            text NOT NULL,  -- the webhook-id: the same on every attempt
    payload           jsonb NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivered', 'failed', 'disabled')),
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    schedule_step     integer NOT NULL DEFAULT 0 CHECK (schedule_step >= 0),  -- failures since enqueue or replay
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz,
    UNIQUE (endpoint_id, msg_id),
    UNIQUE (delivery_id, tenant_id),
    FOREIGN KEY (endpoint_id, tenant_id) REFERENCES webhook_endpoints (endpoint_id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, delivery_id DESC);

CREATE TABLE webhook_attempts (
    delivery_id   text NOT NULL,
    attempt       integer NOT NULL CHECK (attempt >= 1),
    tenant_id     text NOT NULL,
    status_code   integer,
    error         text,
    duration_ms   integer NOT NULL CHECK (duration_ms >= 0),
    at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (delivery_id, attempt),
    FOREIGN KEY (delivery_id, tenant_id) REFERENCES webhook_deliveries (delivery_id, tenant_id) ON DELETE CASCADE
);

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_endpoints
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO clipstream_app;

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_deliveries
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_deliveries TO clipstream_app;

ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_attempts
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_attempts TO clipstream_app;
