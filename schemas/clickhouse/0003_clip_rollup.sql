-- One row per rendered clip (clip ids are deterministic, so a re-emitted clip_rendered event
-- lands on the same row): clips per video and per day count rows here.
CREATE TABLE IF NOT EXISTS clip_rollup
(
    tenant_id     LowCardinality(String),
    video_id      String,
    clip_id       String,
    rendered_at   SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    aspect        SimpleAggregateFunction(any, LowCardinality(String)),
    rank          SimpleAggregateFunction(min, Nullable(UInt16)),
    clip_seconds  SimpleAggregateFunction(max, Nullable(Float64))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, video_id, clip_id)
TTL toDateTime(rendered_at) + INTERVAL 3 YEAR DELETE;

CREATE MATERIALIZED VIEW IF NOT EXISTS clip_rollup_mv TO clip_rollup AS
SELECT tenant_id, video_id, clip_id, min(event_time) AS rendered_at, any(aspect) AS aspect, min(rank) AS rank,
       max(media_seconds) AS clip_seconds
FROM events
WHERE event_type = 'clip_rendered' AND clip_id != ''
GROUP BY tenant_id, video_id, clip_id;
