-- A published post's statistics (post_stats_fetched: the publisher fetches them from the platform
-- on a schedule): the counts on the event row, and a view with each post's latest sample.
ALTER TABLE events ADD COLUMN IF NOT EXISTS post_id String COMMENT 'post_stats_fetched: the post (pst_...)';
ALTER TABLE events ADD COLUMN IF NOT EXISTS platform LowCardinality(String) COMMENT 'post_stats_fetched: youtube, tiktok';
ALTER TABLE events ADD COLUMN IF NOT EXISTS views Nullable(UInt64) COMMENT 'post_stats_fetched: views on the platform (NULL: not given)';
ALTER TABLE events ADD COLUMN IF NOT EXISTS likes Nullable(UInt64);
ALTER TABLE events ADD COLUMN IF NOT EXISTS comments Nullable(UInt64);

CREATE VIEW IF NOT EXISTS post_stats_latest AS
SELECT tenant_id, post_id, any(video_id) AS video_id, any(clip_id) AS clip_id, any(platform) AS platform,
       argMax(views, event_time) AS views, argMax(likes, event_time) AS likes,
       argMax(comments, event_time) AS comments, max(event_time) AS fetched_at, uniqExact(event_id) AS samples
FROM events
WHERE event_type = 'post_stats_fetched' AND post_id != ''
GROUP BY tenant_id, post_id;
