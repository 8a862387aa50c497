-- A platform's webhook says a post it was finishing has moved on (TikTok: complete, failed,
-- publicly available after moderation, which can take hours). The publisher asks about a
-- processing post less and less often (up to every 15 minutes), so the notice makes it due now:
-- the publisher asks the platform at its next look (every few seconds) and records what the
-- platform answers, as it would have later (streams.publish.tiktok_notices).
--
-- The webhook carries no key, so no tenant is known: this function (run as the owner, which
-- bypasses row-level security) touches only the due time of the processing TikTok posts whose
-- upload session names that publish id, and says how many.
CREATE OR REPLACE FUNCTION tiktok_post_moved(p_publish_id text)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH moved AS (
        UPDATE posts p SET next_attempt_at = least(p.next_attempt_at, now())
        FROM platform_accounts a
        WHERE a.account_id = p.account_id AND a.platform = 'tiktok' AND p.status = 'processing'
          AND CASE WHEN p.upload_session LIKE '{%' THEN p.upload_session::jsonb ->> 'publish_id' END = p_publish_id
        RETURNING 1
    )
    SELECT count(*)::integer FROM moved
$$;
REVOKE ALL ON FUNCTION tiktok_post_moved(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_post_moved(text) TO clipstream_app;
