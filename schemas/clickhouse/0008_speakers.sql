-- Who speaks (lifecycle transcribe finished carries each speaker's talk time): the labels and seconds
-- as parallel arrays on the event row, and a view with a row per speaker per video.
ALTER TABLE events ADD COLUMN IF NOT EXISTS speakers Array(String) COMMENT 'lifecycle transcribe finished: the video''s speakers (S1, S2, ... first heard first)';
ALTER TABLE events ADD COLUMN IF NOT EXISTS talk_seconds Array(Float32) COMMENT 'seconds each of speakers talks, in the same order';

CREATE VIEW IF NOT EXISTS speaker_talk_time AS
SELECT tenant_id, video_id, speaker, talk_seconds,
       talk_seconds / sum(talk_seconds) OVER (PARTITION BY tenant_id, video_id) AS share
FROM (SELECT tenant_id, video_id, argMax(speakers, event_time) AS s, argMax(talk_seconds, event_time) AS t
      FROM events
      WHERE event_type = 'lifecycle' AND stage = 'transcribe' AND status = 'finished' AND length(speakers) > 0
      GROUP BY tenant_id, video_id)
ARRAY JOIN s AS speaker, t AS talk_seconds;
