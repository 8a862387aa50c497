-- Failures by day, stage and error code: a stage's 'failed' lifecycle event (published once per
-- failed video) and each dead-lettered message. Counted as distinct videos and distinct events
-- (uniqExact), so a replay never adds one.
CREATE TABLE IF NOT EXISTS failure_rollup
(
    tenant_id   LowCardinality(String),
    day         Date,
    stage       LowCardinality(String),
    kind        LowCardinality(String) COMMENT 'failed (a video failed at this stage) or dead_lettered (a message went to the DLQ)',
    error_code  LowCardinality(String),
    videos      AggregateFunction(uniqExact, String),
    events      AggregateFunction(uniqExact, String),
    sample_reason SimpleAggregateFunction(anyLast, String)
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, day, stage, kind, error_code)
TTL day + INTERVAL 3 YEAR DELETE;

CREATE MATERIALIZED VIEW IF NOT EXISTS failure_rollup_mv TO failure_rollup AS
SELECT tenant_id, toDate(event_time) AS day, stage,
       if(event_type = 'dead_letter', 'dead_lettered', 'failed') AS kind, error_code,
       uniqExactStateIf(video_id, video_id != '') AS videos,
       uniqExactState(event_id) AS events,
       anyLast(reason) AS sample_reason
FROM events
WHERE (event_type = 'lifecycle' AND status = 'failed' AND stage != 'video') OR event_type = 'dead_letter'
GROUP BY tenant_id, day, stage, kind, error_code;
