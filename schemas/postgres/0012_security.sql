-- Issue 47: what an attacker's probe found.
--
-- An Idempotency-Key is bound to the API key that sent it: another key (a smaller one of the
-- same tenant) never sees or replays its response. Rows kept from before have no key and lapse
-- with their expiry.
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS key_id text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys DROP CONSTRAINT IF EXISTS idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (tenant_id, key_id, idempotency_key);

-- What the probe found the upload to be, as a served type from an allow-list of video and audio
-- types (streams.media.probe.served_type); null until probed or when it is no such type, and the
-- source is then served as an attachment of application/octet-stream.
ALTER TABLE videos ADD COLUMN IF NOT EXISTS media_type text;

-- A brand kit's logo: an image uploaded through the API, checked as an image and stored under its
-- tenant's prefix (tenants/<tenant>/brand/<asset_id>.png), named in options by its id.
CREATE TABLE IF NOT EXISTS brand_assets (
    asset_id     text PRIMARY KEY CHECK (asset_id ~ '^bra_[0-9a-f]{24}$'),
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    width        integer NOT NULL CHECK (width > 0),
    height       integer NOT NULL CHECK (height > 0),
    size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS brand_assets_by_tenant ON brand_assets (tenant_id, created_at DESC);

ALTER TABLE brand_assets ENABLE ROW LEVEL SECURITY;
ALTER TABLE brand_assets FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON brand_assets;
CREATE POLICY tenant_isolation ON brand_assets
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON brand_assets TO clipstream_app;
