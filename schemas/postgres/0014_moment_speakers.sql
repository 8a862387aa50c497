-- Who speaks in each moment (streams.moments): the speaker labels heard in it (S1, S2, ... as the
-- video's turns give them), first heard first; empty where fewer than two voices are known. The
-- names shown for them come from speaker_names when read, so a rename shows on every clip.
ALTER TABLE moments ADD COLUMN IF NOT EXISTS speakers jsonb NOT NULL DEFAULT '[]'::jsonb;
