-- Clips that feel edited (streams.media.trim): the seconds of long pauses and hesitations cut out
-- inside a clip, so duration = end_s - start_s - trimmed_seconds (0 for a clip rendered whole).
ALTER TABLE clips ADD COLUMN IF NOT EXISTS trimmed_seconds double precision NOT NULL DEFAULT 0;
