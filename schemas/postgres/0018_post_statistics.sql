-- Issue 52: each published post's statistics fetched from its platform on a schedule.
--
-- stats_due_at: when the post's views, likes and comments are next fetched (set when it is
-- published; pushed out by the fetch that claims it with FOR UPDATE SKIP LOCKED, so two workers
-- never fetch the same post at once). The counts themselves go to ClickHouse (the post_stats
-- topic), where the analytics report reads the latest of each post.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS stats_due_at timestamptz;
UPDATE posts SET stats_due_at = now() WHERE status = 'published' AND stats_due_at IS NULL;
CREATE INDEX IF NOT EXISTS posts_stats_due ON posts (stats_due_at) WHERE status = 'published';
