-- Who speaks (streams.speakers): each chunk's voices (the speech found, the windows cut from it and a
-- voice print per window, float16 in base64), from which the video's speaker turns are worked out
-- again by any reader; null for chunks stored before diarization or with it turned off.
ALTER TABLE transcript_chunks ADD COLUMN IF NOT EXISTS voices jsonb;

-- The names people give a video's speakers (S1, S2, ... as found); every export and search uses them.
CREATE TABLE speaker_names (
    video_id   text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
    speaker    text NOT NULL,              -- the label diarization gave: S1, S2, ...
    name       text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (video_id, speaker)
);
ALTER TABLE speaker_names ENABLE ROW LEVEL SECURITY;
ALTER TABLE speaker_names FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON speaker_names
    USING (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = speaker_names.video_id))
    WITH CHECK (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = speaker_names.video_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON speaker_names TO clipstream_app;
