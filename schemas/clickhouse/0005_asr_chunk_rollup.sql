-- One row per audio chunk: when ingest announced it (audio_chunk_ready), when its transcript
-- came out (transcript_chunk_ready), and how many seconds of audio it holds. The chunk's
-- turnaround real-time factor is (transcribed_at - announced_at) / audio_seconds. It includes
-- queueing and the on-screen glance beside Whisper, so it bounds Whisper's own RTF from above:
-- the events do not carry the model's compute time.
CREATE TABLE IF NOT EXISTS asr_chunk_rollup
(
    tenant_id      LowCardinality(String),
    video_id       String,
    chunk_index    UInt32,
    announced_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    transcribed_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    audio_seconds  SimpleAggregateFunction(max, Nullable(Float64)),
    words          SimpleAggregateFunction(max, Nullable(UInt32)),
    language       SimpleAggregateFunction(anyLast, LowCardinality(String)),
    last_event_at  SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, video_id, chunk_index)
TTL toDateTime(last_event_at) + INTERVAL 3 YEAR DELETE;

CREATE MATERIALIZED VIEW IF NOT EXISTS asr_chunk_rollup_mv TO asr_chunk_rollup AS
SELECT tenant_id, video_id, assumeNotNull(chunk_index) AS chunk_index,
       minOrNullIf(event_time, event_type = 'audio_chunk_ready')      AS announced_at,
       minOrNullIf(event_time, event_type = 'transcript_chunk_ready') AS transcribed_at,
       max(media_seconds)                                             AS audio_seconds,
       maxIf(words, event_type = 'transcript_chunk_ready')            AS words,
       anyIf(language, event_type = 'transcript_chunk_ready')         AS language,
       max(event_time)                                                AS last_event_at
FROM events
WHERE event_type IN ('audio_chunk_ready', 'transcript_chunk_ready') AND chunk_index IS NOT NULL
GROUP BY tenant_id, video_id, chunk_index;
