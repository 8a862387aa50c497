-- Tenants, their API keys and stored idempotent responses; row-level security on every table
-- that holds a tenant's data.
--
-- Roles: the owner role (``clipstream``: migrations and the pipeline worker, BYPASSRLS) and the
-- application role ``clipstream_app`` (the API: not the owner, no BYPASSRLS, so every query it
-- runs is filtered by the policies below). Both must exist before this migration runs; the local
-- stack creates them, a deployment's operator creates them once (see deploy/README.md).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clipstream_app') THEN
        RAISE EXCEPTION 'role clipstream_app is missing: CREATE ROLE clipstream_app LOGIN NOBYPASSRLS first';
    END IF;
END $$;

CREATE TABLE tenants (
    tenant_id   text PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Videos submitted before tenants existed belong to this one.
INSERT INTO tenants (tenant_id, name) VALUES ('default', 'default');
ALTER TABLE videos ADD CONSTRAINT videos_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);

-- A key is shown once; only its SHA-256 is kept. key_id is its public, non-secret part
-- (the key reads ``csk_<key_id>_<secret>``), so a key can be named and revoked by prefix.
CREATE TABLE api_keys (
    key_id       text PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    secret_hash  bytea NOT NULL,
    scope        text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    name         text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

-- Stripe-style idempotency: the first response to a key is stored and replayed.
CREATE TABLE idempotency_keys (
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    fingerprint      text NOT NULL,          -- method, path and body of the first request
    state            text NOT NULL CHECK (state IN ('in_flight', 'done')),
    locked_until     timestamptz NOT NULL,   -- an in-flight claim older than this is abandoned
    response_status  integer,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Tables that carry tenant_id: visible and writable only under the tenant set for the
-- transaction (``SELECT set_config('app.tenant_id', $1, true)``).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'api_keys', 'idempotency_keys', 'videos'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true))'
            ' WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
    -- A video's parts are visible exactly when the video is (videos is itself filtered).
    FOREACH t IN ARRAY ARRAY['video_stages', 'transcript_chunks', 'moments', 'clips'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I'
            ' USING (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = %I.video_id))'
            ' WITH CHECK (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = %I.video_id))', t, t, t);
    END LOOP;
END $$;

GRANT USAGE ON SCHEMA public TO clipstream_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    tenants, api_keys, idempotency_keys, videos, video_stages, transcript_chunks, moments, clips
    TO clipstream_app;

-- Authentication runs before the tenant is known: this function (run as the owner, which
-- bypasses row-level security) returns one key's tenant, scope and hash, and nothing else.
CREATE FUNCTION authenticate_key(p_key_id text)
RETURNS TABLE (tenant_id text, scope text, secret_hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT k.tenant_id, k.scope, k.secret_hash FROM api_keys k WHERE k.key_id = p_key_id AND k.revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION authenticate_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authenticate_key(text) TO clipstream_app;
