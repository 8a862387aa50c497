-- A video deleted before ingest took its upload stays deleted. Ingest registers the video of each
-- upload it reads (an outside producer's upload has no row yet); without a mark of the deletion it
-- registered a deleted video again, which then failed for want of its source and meanwhile held a
-- place in the workspace's plan. delete_video writes the mark in the deleting transaction.
CREATE TABLE IF NOT EXISTS deleted_videos (
    video_id    text PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    deleted_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE deleted_videos ENABLE ROW LEVEL SECURITY;
ALTER TABLE deleted_videos FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON deleted_videos;
CREATE POLICY tenant_isolation ON deleted_videos
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT ON deleted_videos TO clipstream_app;
