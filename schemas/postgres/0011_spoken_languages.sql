-- A chunk's language is identified (streams.asr.spoken): how sure that was (null when the upload
-- named the language), and the spans of speech in each language when more than one is spoken.
ALTER TABLE transcript_chunks ADD COLUMN IF NOT EXISTS language_probability double precision;
ALTER TABLE transcript_chunks ADD COLUMN IF NOT EXISTS languages jsonb NOT NULL DEFAULT '[]'::jsonb;
