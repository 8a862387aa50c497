-- Videos deleted in the catalog (PostgreSQL's deleted_videos), copied here by the analytics worker
-- (streams.analytics.forgetting). Their events stay, so what they counted does not change, but the
-- reasons of their rankings, which quote the talk, are emptied: a deleted talk's words are not kept.
CREATE TABLE IF NOT EXISTS forgotten_videos
(
    tenant_id  LowCardinality(String),
    video_id   String,
    deleted_at DateTime64(6, 'UTC') COMMENT 'when the catalog deleted it (to the microsecond, as PostgreSQL has it)'
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, video_id);
