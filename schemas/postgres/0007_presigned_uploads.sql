-- Direct-to-storage uploads: ``POST /v1/uploads`` hands out a presigned S3 POST for one key under
-- the tenant's prefix and records what the upload is for; ``POST /v1/uploads/{id}/confirm`` checks
-- the object and submits it as a video with the same id. Row-level security as everywhere else.
CREATE TABLE presigned_uploads (
    upload_id     text PRIMARY KEY,               -- also the video id once confirmed
    tenant_id     text NOT NULL,
    storage_key   text NOT NULL,
    filename      text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    max_bytes     bigint NOT NULL CHECK (max_bytes > 0),
    options       jsonb NOT NULL,
    expires_at    timestamptz NOT NULL,           -- the presigned form's expiry
    confirmed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX presigned_uploads_unconfirmed ON presigned_uploads (expires_at) WHERE confirmed_at IS NULL;

ALTER TABLE presigned_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE presigned_uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON presigned_uploads
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON presigned_uploads TO clipstream_app;
