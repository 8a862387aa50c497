-- Views for analysts over the rollups: each merges its rollup's partial rows first (GROUP BY
-- the rollup's key), so it reads right whether or not ClickHouse has merged the parts yet.
-- Filter them by tenant_id like any table.

-- A video's row in one piece: status from the first terminal lifecycle event.
CREATE VIEW IF NOT EXISTS videos AS
SELECT tenant_id, video_id, min(uploaded_at) AS uploaded_at, max(size_bytes) AS size_bytes,
       max(duration_seconds) AS duration_seconds, min(first_clip_at) AS first_clip_at,
       min(completed_at) AS completed_at, min(failed_at) AS failed_at,
       multiIf(completed_at IS NOT NULL, 'completed', failed_at IS NOT NULL, 'failed', 'processing') AS status
FROM video_rollup
GROUP BY tenant_id, video_id;

-- Minutes processed per tenant per day (by upload day; failed videos' minutes are not usage).
CREATE VIEW IF NOT EXISTS usage_daily AS
SELECT tenant_id, toDate(uploaded_at) AS day, count() AS videos,
       countIf(status = 'completed') AS completed, countIf(status = 'failed') AS failed,
       sumIf(duration_seconds, status != 'failed') / 60 AS minutes
FROM videos
WHERE uploaded_at IS NOT NULL
GROUP BY tenant_id, day;

CREATE VIEW IF NOT EXISTS clips_per_video AS
SELECT tenant_id, video_id, count() AS clips, min(rendered_at) AS first_rendered_at,
       sum(clip_seconds) AS clip_seconds
FROM (SELECT tenant_id, video_id, clip_id, min(rendered_at) AS rendered_at, max(clip_seconds) AS clip_seconds
      FROM clip_rollup GROUP BY tenant_id, video_id, clip_id)
GROUP BY tenant_id, video_id;

-- One row per video and stage that finished, with its latency in seconds.
CREATE VIEW IF NOT EXISTS stage_runs AS
SELECT tenant_id, stage, video_id, started_at, finished_at,
       dateDiff('millisecond', started_at, finished_at) / 1000 AS seconds
FROM (SELECT tenant_id, stage, video_id, min(started_at) AS started_at, min(finished_at) AS finished_at,
             min(failed_at) AS failed_at
      FROM stage_rollup GROUP BY tenant_id, stage, video_id)
WHERE started_at IS NOT NULL AND finished_at IS NOT NULL AND failed_at IS NULL;

CREATE VIEW IF NOT EXISTS stage_latency AS
SELECT tenant_id, stage, toDate(finished_at) AS day, count() AS runs,
       quantileExact(0.5)(seconds) AS p50_seconds, quantileExact(0.95)(seconds) AS p95_seconds,
       quantileExact(0.99)(seconds) AS p99_seconds, max(seconds) AS max_seconds
FROM stage_runs
GROUP BY tenant_id, stage, day;

-- Per audio chunk: seconds from 'chunk cut' to 'transcript out' per second of audio.
CREATE VIEW IF NOT EXISTS asr_realtime_factor AS
SELECT tenant_id, video_id, chunk_index, audio_seconds, words, language,
       dateDiff('millisecond', announced_at, transcribed_at) / 1000 AS turnaround_seconds,
       turnaround_seconds / audio_seconds AS realtime_factor
FROM (SELECT tenant_id, video_id, chunk_index, min(announced_at) AS announced_at,
             min(transcribed_at) AS transcribed_at, max(audio_seconds) AS audio_seconds, max(words) AS words,
             anyLast(language) AS language
      FROM asr_chunk_rollup GROUP BY tenant_id, video_id, chunk_index)
WHERE announced_at IS NOT NULL AND transcribed_at IS NOT NULL AND audio_seconds > 0;

CREATE VIEW IF NOT EXISTS failures_by_reason AS
SELECT tenant_id, day, stage, kind, error_code, uniqExactMerge(videos) AS videos,
       uniqExactMerge(events) AS events, anyLast(sample_reason) AS sample_reason
FROM failure_rollup
GROUP BY tenant_id, day, stage, kind, error_code;
