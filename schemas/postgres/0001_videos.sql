-- The system of record for videos and their processing. Later migrations add transcripts,
-- moments, clips, tenants and webhooks.
CREATE TABLE videos (
    video_id     text PRIMARY KEY,
    tenant_id    text NOT NULL DEFAULT 'default',
    filename     text NOT NULL,
    source_uri   text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'processing', 'completed', 'failed')),
    error_code   text,
    error        text,
    options      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX videos_tenant_created ON videos (tenant_id, created_at DESC);

-- Per-stage state and progress of one video (ingest, transcribe, moments, render).
CREATE TABLE video_stages (
    video_id     text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
    stage        text NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    progress     real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    error        text,
    started_at   timestamptz,
    finished_at  timestamptz,
    PRIMARY KEY (video_id, stage)
);
