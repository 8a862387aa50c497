-- A clip someone deleted stays deleted. A clip's id follows from its video, moment, aspect and
-- variant, so a redelivered ranking or render request would draw the same clip again; the render
-- path asks for this mark first and the insert of a clip's row checks it in the same statement.
-- Asking for the clip again through the API (POST /v1/clips, POST /v1/clips/{id}/renders) is a
-- person's choice: it removes the mark before the request is queued.
CREATE TABLE IF NOT EXISTS deleted_clips (
    clip_id     text PRIMARY KEY,
    video_id    text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
    deleted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS deleted_clips_video ON deleted_clips (video_id);
ALTER TABLE deleted_clips ENABLE ROW LEVEL SECURITY;
ALTER TABLE deleted_clips FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON deleted_clips;
-- Visible exactly when its video is (videos is itself filtered), as a clip is.
CREATE POLICY tenant_isolation ON deleted_clips
    USING (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = deleted_clips.video_id))
    WITH CHECK (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = deleted_clips.video_id));
GRANT SELECT, INSERT, DELETE ON deleted_clips TO clipstream_app;
