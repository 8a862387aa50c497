-- One row per video: when it was uploaded, how long and big it is, when it completed or failed,
-- and when its first clip was out. Every column is an idempotent aggregate (min, max), so a
-- replayed event never changes a value, merged or not. Minutes per tenant per day sum over it.
CREATE TABLE IF NOT EXISTS video_rollup
(
    tenant_id        LowCardinality(String),
    video_id         String,
    uploaded_at      SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    size_bytes       SimpleAggregateFunction(max, Nullable(UInt64)),
    duration_seconds SimpleAggregateFunction(max, Nullable(Float64)),
    first_clip_at    SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    completed_at     SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    failed_at        SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_event_at    SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, video_id)
TTL toDateTime(last_event_at) + INTERVAL 3 YEAR DELETE;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_rollup_mv TO video_rollup AS
SELECT
    tenant_id,
    video_id,
    minOrNullIf(event_time, event_type = 'upload_received')                    AS uploaded_at,
    maxOrNullIf(size_bytes, event_type = 'upload_received')                    AS size_bytes,
    maxOrNullIf(video_duration, event_type = 'audio_chunk_ready')              AS duration_seconds,
    minOrNullIf(event_time, event_type = 'clip_rendered')                      AS first_clip_at,
    minOrNullIf(event_time, stage = 'video' AND status = 'finished')           AS completed_at,
    minOrNullIf(event_time, stage = 'video' AND status = 'failed')             AS failed_at,
    max(event_time)                                                            AS last_event_at
FROM events
WHERE video_id != ''
GROUP BY tenant_id, video_id;
