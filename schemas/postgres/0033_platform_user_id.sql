-- The platform's id of the person who connected an account, where the platform gives one (TikTok's
-- open_id, in its token answer). TikTok's webhooks name an account only by it: authorization.removed
-- (the creator disconnected the app in TikTok, their account was deleted or banned) marks the account
-- reconnect_required at once, so the web page says so and its scheduled posts are not attempted with
-- a revoked grant.
ALTER TABLE platform_accounts ADD COLUMN IF NOT EXISTS platform_user_id text;
CREATE INDEX IF NOT EXISTS platform_accounts_by_platform_user ON platform_accounts (platform, platform_user_id)
    WHERE platform_user_id IS NOT NULL;

-- The webhook carries no key, so no tenant is known: this function (run as the owner, which bypasses
-- row-level security) only marks the connected accounts of that platform user, and says how many.
-- An account connected again after the removal (TikTok retries a notice for up to 72 hours) is left
-- alone: only a grant stored before p_at, when the platform says it was removed, is marked.
CREATE OR REPLACE FUNCTION platform_authorization_removed(p_platform text, p_user_id text, p_at timestamptz)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH marked AS (
        UPDATE platform_accounts SET status = 'reconnect_required', updated_at = now()
        WHERE platform = p_platform AND platform_user_id = p_user_id AND status = 'connected' AND updated_at < p_at
        RETURNING 1
    )
    SELECT count(*)::integer FROM marked
$$;
REVOKE ALL ON FUNCTION platform_authorization_removed(text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_authorization_removed(text, text, timestamptz) TO clipstream_app;
