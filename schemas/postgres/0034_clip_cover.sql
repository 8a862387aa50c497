-- Where a clip's cover art is stored: the picture an audio-only upload carries (a podcast's
-- artwork), kept as a PNG beside the clip's MP4 (``api.downloads.cover_key``). The clip listing
-- links it only where there is one. NULL for a clip without cover art, and for clips rendered
-- before it was kept (``?file=cover`` still finds their file in storage).
ALTER TABLE clips ADD COLUMN IF NOT EXISTS cover_uri text;
