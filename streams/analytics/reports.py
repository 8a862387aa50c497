"""A tenant's usage report from the ClickHouse rollups: the body of ``GET /v1/analytics``, with each
published post's latest platform statistics.

Every query is filtered by the caller's tenant id, bound as a server-side parameter (never
formatted into the SQL). Quantiles are PostgreSQL's ``percentile_cont`` (linear interpolation,
``quantileExactInclusive``) so the two stores agree on the same samples. Totals are all-time;
``daily`` covers the last ``days`` days (UTC), today last.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from streams.domain.envelope import iso_z
from streams.domain.pipeline import VIDEO_STAGES

LEVELS = "quantilesExactInclusive(0.5, 0.95, 0.99)"

TOTALS = f"""
SELECT count(), countIf(status = 'completed'), countIf(status = 'failed'),
       coalesce(sumIf(duration_seconds, status != 'failed'), 0) / 60,
       {LEVELS}(dateDiff('millisecond', uploaded_at, completed_at) / 1000),
       countIf(completed_at IS NOT NULL),
       {LEVELS}(dateDiff('millisecond', uploaded_at, first_clip_at) / 1000),
       countIf(first_clip_at IS NOT NULL)
FROM videos WHERE tenant_id = {{tenant:String}} AND uploaded_at IS NOT NULL
"""

CLIPS = "SELECT uniqExact(clip_id) FROM clip_rollup WHERE tenant_id = {tenant:String}"

STAGE_LATENCY = f"""
SELECT stage, count(), {LEVELS}(seconds) FROM stage_runs WHERE tenant_id = {{tenant:String}} GROUP BY stage
"""

ASR = f"""
SELECT count(), sum(audio_seconds) / 60, {LEVELS}(realtime_factor)
FROM asr_realtime_factor WHERE tenant_id = {{tenant:String}}
"""

# Speech per language: a chunk's minutes count for the language with the most speech in it; a
# chunk without speech ('und', streams.asr.languages.UNDETERMINED) counts for none. Read
# from the chunk's own events, not from asr_chunk_rollup: that rollup keeps anyLast(language) of
# rows made per insert, and a row made from an audio_chunk_ready alone carries '' (which one is
# "last" depends on how the sink's batches fell, so a replay changed the answer).
LANGUAGES = """
SELECT language, uniqExact(video_id), sum(seconds) / 60 FROM
  (SELECT video_id, chunk_index, max(language) AS language, max(media_seconds) AS seconds FROM events
   WHERE tenant_id = {tenant:String} AND event_type IN ('audio_chunk_ready', 'transcript_chunk_ready')
     AND chunk_index IS NOT NULL
   GROUP BY video_id, chunk_index)
WHERE language NOT IN ('', 'und') AND seconds > 0 GROUP BY language ORDER BY 3 DESC, language
"""

FAILURES = """
SELECT stage, kind, error_code, uniqExactMerge(videos) AS videos, uniqExactMerge(events) AS events,
       anyLast(sample_reason)
FROM failure_rollup WHERE tenant_id = {tenant:String}
GROUP BY stage, kind, error_code ORDER BY events DESC, stage, error_code
"""

DAILY_VIDEOS = """
SELECT day, videos, minutes FROM usage_daily
WHERE tenant_id = {tenant:String} AND day >= {since:Date}
"""

DAILY_CLIPS = """
SELECT toDate(rendered_at) AS day, count() FROM
  (SELECT clip_id, min(rendered_at) AS rendered_at FROM clip_rollup WHERE tenant_id = {tenant:String} GROUP BY clip_id)
WHERE day >= {since:Date} GROUP BY day
"""


# Each published post's latest counts (the publisher fetches them on a schedule), most viewed first.
POSTS = """
SELECT post_id, clip_id, video_id, platform, views, likes, comments, fetched_at, samples
FROM post_stats_latest WHERE tenant_id = {tenant:String}
ORDER BY coalesce(views, 0) DESC, post_id LIMIT 1000
"""


def usage(client, tenant_id: str, days: int = 30, today: date | None = None) -> dict:
    """The tenant's report, JSON-ready. ``client`` is a clickhouse-connect client (embedded or
    server)."""
    today = today or datetime.now(UTC).date()
    since = today - timedelta(days=days - 1)
    params = {"tenant": tenant_id, "since": since}

    def rows(sql: str) -> list[tuple]:
        return client.query(sql, parameters=params).result_rows

    videos, completed, failed, minutes, e2e, e2e_n, first, first_n = rows(TOTALS)[0]
    stages = {stage: (count, q) for stage, count, q in rows(STAGE_LATENCY)}
    chunks, audio_minutes, rtf = rows(ASR)[0]
    per_day = {day: [n, m, 0] for day, n, m in rows(DAILY_VIDEOS)}
    for day, clips_that_day in rows(DAILY_CLIPS):
        per_day.setdefault(day, [0, 0.0, 0])[2] = clips_that_day
    return {
        "source": "clickhouse",
        "videos": videos,
        "completed": completed,
        "failed": failed,
        "processing": videos - completed - failed,
        "usage_minutes": round(float(minutes or 0), 2),
        "clips": rows(CLIPS)[0][0],
        "stages": {stage: _latency(*stages.get(stage, (0, []))) for stage in VIDEO_STAGES},
        "end_to_end": _latency(e2e_n, e2e),
        "first_clip": _latency(first_n, first),
        "asr": {
            "chunks": chunks,
            "audio_minutes": round(float(audio_minutes or 0), 2),
            "realtime_factor_p50": _number(rtf, 0),
            "realtime_factor_p95": _number(rtf, 1),
        },
        "languages": [
            {"language": language, "videos": n, "minutes": round(float(m), 2)} for language, n, m in rows(LANGUAGES)
        ],
        "failures": [
            {"stage": stage, "kind": kind, "error_code": code, "videos": n_videos, "events": n_events, "reason": reason}
            for stage, kind, code, n_videos, n_events, reason in rows(FAILURES)
        ],
        "posts": [_post(*row) for row in rows(POSTS)],
        "daily": [
            {
                "day": day.isoformat(),
                "videos": per_day.get(day, [0])[0],
                "minutes": round(float(per_day.get(day, [0, 0.0])[1] or 0), 2),
                "clips": per_day.get(day, [0, 0.0, 0])[2],
            }
            for day in (since + timedelta(days=i) for i in range(days))
        ],
    }


def _post(post_id, clip_id, video_id, platform, views, likes, comments, fetched_at, samples) -> dict:
    return {
        "post_id": post_id,
        "clip_id": clip_id,
        "video_id": video_id,
        "platform": platform,
        "views": views,
        "likes": likes,
        "comments": comments,
        "fetched_at": iso_z(fetched_at.astimezone(UTC)),
        "samples": samples,
    }


def _latency(count: int, quantiles: list[float]) -> dict:
    return {
        "count": count,
        "p50_seconds": _number(quantiles, 0),
        "p95_seconds": _number(quantiles, 1),
        "p99_seconds": _number(quantiles, 2),
    }


def _number(values: list[float], i: int) -> float | None:
    if not values or i >= len(values) or values[i] is None or math.isnan(values[i]):
        return None
    return round(float(values[i]), 3)
