-- The clip judge's checked verdicts, by content: the key is the sha256 of the judge model, the
-- prompt version and the passage as sent. A redelivered chunk or a restarted worker replays the
-- same picks and finds their verdicts here instead of asking the model again. Kept per video, so
-- they go with it when it is deleted and are visible exactly when the video is.
CREATE TABLE judge_verdicts (
    video_id    text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
    key         text NOT NULL,
    model       text NOT NULL,
    verdict     jsonb NOT NULL,  -- streams.judge.verdict.Verdict.as_json()
    attempts    smallint NOT NULL,  -- the model's answers it took, malformed ones included
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (video_id, key)
);
ALTER TABLE judge_verdicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE judge_verdicts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON judge_verdicts
    USING (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = judge_verdicts.video_id))
    WITH CHECK (EXISTS (SELECT 1 FROM videos v WHERE v.video_id = judge_verdicts.video_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON judge_verdicts TO clipstream_app;

-- How the video's moments were ranked, set when its moments stage starts:
-- {"judge": "on", "model": ..., "note": ...} or {"judge": "off", "model": null, "note": ...}.
ALTER TABLE videos ADD COLUMN IF NOT EXISTS ranking jsonb;
