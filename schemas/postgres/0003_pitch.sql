-- Voiced pitch per transcript chunk, for the moments' pitch-variation signal.
ALTER TABLE transcript_chunks
    ADD COLUMN IF NOT EXISTS pitch real[] NOT NULL DEFAULT '{}';  -- f0 Hz per 40 ms from start_s, 0 = unvoiced
