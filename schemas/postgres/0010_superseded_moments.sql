-- The final ranking chooses again among every candidate of the whole video; a pick made while
-- streaming that loses its place is superseded: its clips stay, but it has no rank and is not final.
ALTER TABLE moments ADD COLUMN IF NOT EXISTS superseded boolean NOT NULL DEFAULT false;
