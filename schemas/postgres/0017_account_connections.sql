-- Issue 52: connecting a platform account (OAuth 2.0 authorization code with PKCE). A connection
-- started through the API waits here for the platform to send the browser back with a code: its
-- state (the random value the callback is matched by, used once), the PKCE verifier, and, to
-- connect an account again, which one. Ten minutes to live (streams.publish.oauth.STATE_SECONDS).
CREATE TABLE IF NOT EXISTS account_connections (
    state        text PRIMARY KEY CHECK (length(state) BETWEEN 32 AND 128),
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    platform     text NOT NULL CHECK (platform IN ('youtube', 'tiktok')),
    verifier     text NOT NULL CHECK (length(verifier) BETWEEN 43 AND 128),
    account_id   text REFERENCES platform_accounts (account_id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE account_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_connections FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON account_connections;
CREATE POLICY tenant_isolation ON account_connections
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, DELETE ON account_connections TO clipstream_app;

-- The callback carries no key, so no tenant is known yet: this function (run as the owner, which
-- bypasses row-level security) takes the one connection its state names, once, and says whether
-- it is still fresh.
CREATE OR REPLACE FUNCTION take_account_connection(p_state text, p_within_seconds double precision)
RETURNS TABLE (tenant_id text, platform text, verifier text, account_id text, fresh boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM account_connections c WHERE c.state = p_state
    RETURNING c.tenant_id, c.platform, c.verifier, c.account_id,
              c.created_at > now() - make_interval(secs => p_within_seconds)
$$;
REVOKE ALL ON FUNCTION take_account_connection(text, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION take_account_connection(text, double precision) TO clipstream_app;
