-- Re-renders: one moment and aspect may have several clips, one per variant (the original render
-- has variant '', a re-render with another caption style has that style's name).
ALTER TABLE clips
    ADD COLUMN variant        text NOT NULL DEFAULT '',
    ADD COLUMN caption_style  text;
ALTER TABLE clips DROP CONSTRAINT clips_video_id_moment_id_aspect_key;
ALTER TABLE clips ADD CONSTRAINT clips_variant_key UNIQUE (video_id, moment_id, aspect, variant);
