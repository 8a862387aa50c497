"""One pipeline message as one row of the ``events`` table. Pure: no I/O, no ClickHouse.

Every topic is read as raw bytes, so a message this code does not understand still becomes a row
(``unreadable``) instead of stopping the sink. A row's sorting key (tenant, video, event time,
event id) depends only on the message's bytes, so the same message read twice, re-published or
re-fed, is the same row and ClickHouse keeps one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Mapping

from streams.domain.pipeline import DEAD_LETTER_SUFFIX, EVENT_TYPES, PRODUCERS

COLUMNS = (
    "event_id",
    "event_time",
    "tenant_id",
    "video_id",
    "topic",
    "event_type",
    "schema_version",
    "stage",
    "status",
    "progress",
    "duration_seconds",
    "media_start",
    "media_end",
    "media_seconds",
    "video_duration",
    "size_bytes",
    "chunk_index",
    "is_last",
    "language",
    "model",
    "words",
    "segments",
    "clip_id",
    "moment_id",
    "rank",
    "aspect",
    "caption_style",
    "moment_ids",
    "scores",
    "reasons",
    "signals",
    "error_code",
    "reason",
    "source_topic",
    "speakers",
    "talk_seconds",
    "post_id",
    "platform",
    "views",
    "likes",
    "comments",
)

TOPICS = {topic: (event_type, PRODUCERS[topic]) for topic, event_type in EVENT_TYPES.items()}


def from_message(
    topic: str, value: bytes, headers: Mapping[str, bytes] | None = None, timestamp: float | None = None
) -> tuple:
    """The ``events`` row (values in ``COLUMNS`` order) of one message read from ``topic``.
    ``timestamp`` (the broker's, seconds) stands in for the event time only when the payload
    has none."""
    payload = _loads(value)
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(topic=topic, moment_ids=[], scores=[], reasons=[], signals=[], speakers=[], talk_seconds=[])
    row.update(
        tenant_id=_text(payload.get("tenant_id")),
        video_id=_text(payload.get("video_id")),
        schema_version=_int(payload.get("schema_version")) or 0,
    )
    row["event_time"] = _time(payload.get("produced_at")) or _from_timestamp(timestamp)
    if topic.endswith(DEAD_LETTER_SUFFIX):
        headers = headers or {}
        row.update(
            event_type="dead_letter",
            stage=topic[: -len(DEAD_LETTER_SUFFIX)],
            status="dead_lettered",
            event_id=_digest(topic, value),
            error_code=_header(headers, "error_code"),
            reason=_header(headers, "error"),
            source_topic=_header(headers, "source_topic"),
        )
    elif topic in TOPICS and payload.get("event_id"):
        event_type, stage = TOPICS[topic]
        row.update(event_type=event_type, stage=stage, event_id=_text(payload["event_id"]))
        _FIELDS[event_type](row, payload)
    else:
        row.update(event_type="unreadable", event_id=_digest(topic, value))
    return tuple(_blank(name, row[name]) for name in COLUMNS)


def _upload(row: dict, p: dict) -> None:
    row.update(size_bytes=_int(p.get("size_bytes")), status="received")


def _audio_chunk(row: dict, p: dict) -> None:
    _span(row, p)
    row.update(
        chunk_index=_int(p.get("chunk_index")),
        is_last=_bool(p.get("is_last")),
        video_duration=_float(p.get("video_duration")),
    )


def _transcript(row: dict, p: dict) -> None:
    _span(row, p)
    row.update(
        chunk_index=_int(p.get("chunk_index")),
        is_last=_bool(p.get("is_last")),
        language=_text(p.get("language")),
        model=_text(p.get("model")),
        words=_count(p.get("words")),
        segments=_count(p.get("segments")),
    )


def _moments(row: dict, p: dict) -> None:
    found = [m for m in p.get("moments") or [] if isinstance(m, dict)]
    row.update(
        is_last=_bool(p.get("is_final")),
        chunk_index=_int(p.get("through_chunk")),
        moment_ids=[_text(m.get("moment_id")) for m in found],
        scores=[_float(m.get("score")) or 0.0 for m in found],
        reasons=[_text(m.get("reason")) for m in found],
        signals=[
            {str(k): float(v) for k, v in (m.get("signals") or {}).items() if _float(v) is not None} for m in found
        ],
    )


def _clip(row: dict, p: dict) -> None:
    _span(row, p)
    row.update(
        clip_id=_text(p.get("clip_id")),
        moment_id=_text(p.get("moment_id")),
        rank=_int(p.get("rank")),
        aspect=_text(p.get("aspect")),
        media_seconds=_float(p.get("duration")),
    )


def _render_request(row: dict, p: dict) -> None:
    _span(row, p)
    row.update(
        clip_id=_text(p.get("clip_id")),
        moment_id=_text(p.get("moment_id")),
        aspect=_text(p.get("aspect")),
        caption_style=_text(p.get("caption_style")),
        status="requested",
    )


def _lifecycle(row: dict, p: dict) -> None:
    row.update(
        stage=_text(p.get("stage")),
        status=_text(p.get("status")),
        progress=_float(p.get("progress")),
        error_code=_text(p.get("error_code")),
        reason=_text(p.get("reason")),
        duration_seconds=_float(p.get("duration_seconds")),
    )
    talked = [s for s in p.get("speakers") or [] if isinstance(s, dict)]
    row.update(
        speakers=[_text(s.get("speaker")) for s in talked],
        talk_seconds=[_float(s.get("talk_seconds")) or 0.0 for s in talked],
    )


def _post_stats(row: dict, p: dict) -> None:
    row.update(
        clip_id=_text(p.get("clip_id")),
        post_id=_text(p.get("post_id")),
        platform=_text(p.get("platform")),
        views=_int(p.get("views")),
        likes=_int(p.get("likes")),
        comments=_int(p.get("comments")),
    )


_FIELDS = {
    "upload_received": _upload,
    "audio_chunk_ready": _audio_chunk,
    "transcript_chunk_ready": _transcript,
    "moments_found": _moments,
    "clip_rendered": _clip,
    "render_requested": _render_request,
    "lifecycle": _lifecycle,
    "post_stats_fetched": _post_stats,
}


def _span(row: dict, p: dict) -> None:
    start, end = _float(p.get("start")), _float(p.get("end"))
    row.update(
        media_start=start,
        media_end=end,
        media_seconds=round(end - start, 3) if start is not None and end is not None else None,
    )


# -- tolerant readers: a field of the wrong type is left out (NULL), never fatal -------------------
_STRINGS = {
    "event_id",
    "tenant_id",
    "video_id",
    "topic",
    "event_type",
    "stage",
    "status",
    "language",
    "model",
    "clip_id",
    "moment_id",
    "aspect",
    "caption_style",
    "error_code",
    "reason",
    "source_topic",
    "post_id",
    "platform",
}


def _blank(name: str, value: Any) -> Any:
    return "" if value is None and name in _STRINGS else value


def _loads(value: bytes) -> dict:
    try:
        payload = json.loads(value)
    except (ValueError, TypeError, RecursionError):  # deep nesting too: a row, not a crash
        return {}
    return payload if isinstance(payload, dict) else {}


def _digest(topic: str, value: bytes) -> str:
    return hashlib.sha1(topic.encode() + b"\0" + (value or b"")).hexdigest()


def _header(headers: Mapping[str, bytes], name: str) -> str:
    value = headers.get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _from_timestamp(seconds: float | None) -> datetime:
    if seconds is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(seconds, UTC)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return len(value) if isinstance(value, list) else None
