-- A TikTok post for everyone is moderated before TikTok gives its id, "usually within one minute,
-- in some cases a few hours". The publisher used to wait a minute and then record the post as
-- published with no id and no address: the post.published webhook carried no link, and the post's
-- statistics were never found (TikTok lists a video by its id, not by the upload's).
--
-- Such a post is now `processing`: TikTok has every byte and is finishing it. The publisher asks
-- again later (`processing_since` sets how long it waits between questions) and records it as
-- published, with its id and address, or as failed when TikTok refuses it.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS processing_since timestamptz;
ALTER TABLE posts DROP CONSTRAINT IF EXISTS posts_status_check;
ALTER TABLE posts ADD CONSTRAINT posts_status_check
    CHECK (status IN ('scheduled', 'publishing', 'processing', 'published', 'failed', 'cancelled'));
CREATE INDEX IF NOT EXISTS posts_processing ON posts (next_attempt_at) WHERE status = 'processing';
