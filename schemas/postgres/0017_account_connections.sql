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
-- The callback carries no API key: it is found by its state alone, so the API reads this table
-- as the owner role would. Tenants never list it.
GRANT SELECT, INSERT, DELETE ON account_connections TO clipstream_app;
