-- What was on screen in each transcript chunk, for the moments' faces and scene-cuts signals.
-- NULL: not looked at (an audio-only upload, a picture that could not be read or a face model
-- that failed, or a chunk stored before this migration); the moments then score them neutral.
ALTER TABLE transcript_chunks
    ADD COLUMN IF NOT EXISTS face_times real[],      -- video seconds of each sampled frame
    ADD COLUMN IF NOT EXISTS face_counts smallint[], -- faces on screen in that frame
    ADD COLUMN IF NOT EXISTS scene_cuts real[];      -- video seconds of the first frame of each new shot
