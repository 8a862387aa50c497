-- The corrected words a clip was drawn with (``streams.domain.corrections.words_mark``: empty when
-- none were corrected in its span, else a digest of their times and words). The API compares it
-- with the span's mark now to say whether the clip's captions read as the transcript does
-- (``captions_current``), which a page reloaded after a correction still knows. NULL for clips
-- rendered before it was kept: whether they do is not known.
ALTER TABLE clips ADD COLUMN IF NOT EXISTS words_mark text;
