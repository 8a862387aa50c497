-- One row per video and stage from the lifecycle events: when the stage first started, first
-- finished and first failed. A stage's latency is finished_at - started_at (the same first-time
-- semantics as PostgreSQL's video_stages); quantiles are taken over these rows at query time,
-- so a replayed or re-reported event never skews them. The stage 'video' is the whole video.
CREATE TABLE IF NOT EXISTS stage_rollup
(
    tenant_id    LowCardinality(String),
    stage        LowCardinality(String),
    video_id     String,
    started_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    finished_at  SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    failed_at    SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    error_code   SimpleAggregateFunction(anyLast, LowCardinality(String)),
    last_event_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, stage, video_id)
TTL toDateTime(last_event_at) + INTERVAL 3 YEAR DELETE;

CREATE MATERIALIZED VIEW IF NOT EXISTS stage_rollup_mv TO stage_rollup AS
SELECT tenant_id, stage, video_id,
       minOrNullIf(event_time, status = 'started')  AS started_at,
       minOrNullIf(event_time, status = 'finished') AS finished_at,
       minOrNullIf(event_time, status = 'failed')   AS failed_at,
       anyIf(error_code, status = 'failed')         AS error_code,
       max(event_time)                              AS last_event_at
FROM events
WHERE event_type = 'lifecycle' AND video_id != ''
GROUP BY tenant_id, stage, video_id;
