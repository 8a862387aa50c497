-- Every message of every pipeline topic, one row per event, typed. Deduplicated by event id:
-- a replayed event has the same event_time and event_id, so it lands on the same sorting key
-- and ReplacingMergeTree keeps one row (the latest ingested). Until a merge has run, read it
-- with FINAL (or GROUP BY event_id); the rollups (0002-0006) never need to.
CREATE TABLE IF NOT EXISTS events
(
    event_id         String,
    event_time       DateTime64(3, 'UTC') COMMENT 'when the producer made the event (produced_at)',
    tenant_id        LowCardinality(String),
    video_id         String,
    topic            LowCardinality(String) COMMENT 'the Kafka topic it was read from',
    event_type       LowCardinality(String) COMMENT 'upload_received, audio_chunk_ready, transcript_chunk_ready, moments_found, clip_rendered, render_requested, lifecycle, dead_letter, unreadable',
    schema_version   UInt16,
    stage            LowCardinality(String) COMMENT 'the stage that produced it (lifecycle: the stage reported; dead_letter: the stage that gave up)',
    status           LowCardinality(String) COMMENT 'lifecycle: started, progress, finished, failed; dead_letter: dead_lettered',
    progress         Nullable(Float32),
    duration_seconds Nullable(Float64) COMMENT 'wall seconds the work took, where the producer measured it',
    media_start      Nullable(Float64) COMMENT 'seconds into the video',
    media_end        Nullable(Float64),
    media_seconds    Nullable(Float64) COMMENT 'seconds of media the event covers (an audio chunk, a clip)',
    video_duration   Nullable(Float64),
    size_bytes       Nullable(UInt64),
    chunk_index      Nullable(UInt32),
    is_last          Nullable(Bool),
    language         LowCardinality(String),
    model            LowCardinality(String) COMMENT 'the model named by the event, where the contract carries one',
    words            Nullable(UInt32),
    segments         Nullable(UInt32),
    clip_id          String,
    moment_id        String,
    rank             Nullable(UInt16),
    aspect           LowCardinality(String),
    caption_style    LowCardinality(String),
    moment_ids       Array(String) COMMENT 'moments_found: the candidates, best first',
    scores           Array(Float32),
    reasons          Array(String),
    signals          Array(Map(LowCardinality(String), Float32)),
    error_code       LowCardinality(String),
    reason           String,
    source_topic     LowCardinality(String) COMMENT 'dead_letter: the topic the failed message came from',
    ingested_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, video_id, event_time, event_id)
TTL toDateTime(event_time) + INTERVAL 400 DAY DELETE;
