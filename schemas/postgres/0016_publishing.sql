-- Issue 52: publishing clips to social platforms.
--
-- A platform account is a tenant's grant on a platform (YouTube, TikTok), kept only sealed
-- (streams.publish.tokens: Fernet, keys from settings); status 'reconnect_required' once the
-- platform no longer honours it, until its owner connects it again.
CREATE TABLE IF NOT EXISTS platform_accounts (
    account_id    text PRIMARY KEY CHECK (account_id ~ '^acc_[0-9a-f]{32}$'),
    tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    platform      text NOT NULL CHECK (platform IN ('youtube', 'tiktok')),
    name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    grant_sealed  bytea NOT NULL,
    status        text NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'reconnect_required')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS platform_accounts_by_tenant ON platform_accounts (tenant_id, created_at);

-- A post: a clip to publish on an account at publish_at. The publisher claims due posts with
-- FOR UPDATE SKIP LOCKED and a lease (next_attempt_at pushed out, attempts counted), records the
-- platform's upload session before it sends a byte, and writes only under the attempt it claimed
-- (streams.publish.store): a worker that dies is followed by one that resumes the same session.
CREATE TABLE IF NOT EXISTS posts (
    post_id          text PRIMARY KEY CHECK (post_id ~ '^pst_[0-9a-f]{32}$'),
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    clip_id          text NOT NULL REFERENCES clips (clip_id) ON DELETE CASCADE,
    account_id       text NOT NULL REFERENCES platform_accounts (account_id) ON DELETE CASCADE,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    tags             jsonb NOT NULL DEFAULT '[]'::jsonb,
    privacy          text NOT NULL DEFAULT 'public' CHECK (privacy IN ('public', 'unlisted', 'private')),
    publish_at       timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'publishing', 'published', 'failed', 'cancelled')),
    upload_session   text,
    platform_id      text,
    url              text,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    error_code       text,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    published_at     timestamptz
);
CREATE INDEX IF NOT EXISTS posts_due ON posts (next_attempt_at) WHERE status IN ('scheduled', 'publishing');
CREATE INDEX IF NOT EXISTS posts_by_clip ON posts (clip_id, created_at);
CREATE INDEX IF NOT EXISTS posts_by_tenant ON posts (tenant_id, created_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['platform_accounts', 'posts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true))'
            ' WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_accounts, posts TO clipstream_app;
