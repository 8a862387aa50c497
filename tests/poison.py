"""Poison messages for every consumed topic: valid events to start from, and the ways a message can
be broken (not JSON, the wrong shape, an unknown schema version, too big, no key, a garbage key),
each with the error code its stage must dead-letter it under."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from streams.domain.envelope import SCHEMA_VERSION, new_event_id, utc_now

# topic -> (event type, the agents' dead-letter topics it must land on)
CONSUMERS = {
    "uploads": ("upload_received", ("ingest.dlq",)),
    "audio_chunks": ("audio_chunk_ready", ("transcribe.dlq",)),
    "transcripts": ("transcript_chunk_ready", ("moments.dlq", "search.dlq")),
    "moments": ("moments_found", ("render.dlq",)),
    "renders": ("clip_rendered", ("webhooks.dlq",)),
    "events": ("lifecycle", ("webhooks.dlq",)),
    "render_requests": ("render_requested", ("render.dlq",)),
}


def valid_event(event_type: str, video_id: str, tenant_id: str = "poison-test") -> dict:
    """A payload of ``event_type`` that passes its JSON Schema."""
    base = {"schema_version": SCHEMA_VERSION, "event_id": new_event_id(), "tenant_id": tenant_id,
            "video_id": video_id, "produced_at": utc_now()}
    uri = f"file:///nowhere/{video_id}"
    body = {
        "upload_received": {"source_uri": uri + "/source.mp4", "filename": "talk.mp4", "size_bytes": 10,
                            "options": {"clip_count": 1}},
        "audio_chunk_ready": {"chunk_index": 0, "start": 0.0, "end": 5.0, "audio_uri": uri + "/0.wav",
                              "is_last": True, "video_duration": 5.0},
        "transcript_chunk_ready": {"chunk_index": 0, "start": 0.0, "end": 5.0, "language": "en",
                                   "words": [{"word": "Hi", "start": 0.1, "end": 0.4, "probability": 0.9}],
                                   "segments": [{"text": "Hi.", "start": 0.1, "end": 0.4}], "is_last": True},
        "moments_found": {"is_final": True, "through_chunk": 0, "moments": [{
            "moment_id": "m1", "rank": 1, "start": 0.0, "end": 4.0, "score": 50.0, "signals": {"hook": 50.0},
            "reason": "a test", "title": "A test"}]},
        "clip_rendered": {"clip_id": "c1", "moment_id": "m1", "rank": 1, "aspect": "9:16", "start": 0.0, "end": 4.0,
                          "duration": 4.0, "mp4_uri": uri + "/c.mp4", "srt_uri": uri + "/c.srt",
                          "vtt_uri": uri + "/c.vtt", "thumbnail_uri": uri + "/c.jpg"},
        "lifecycle": {"stage": "ingest", "status": "started"},
        "render_requested": {"clip_id": "c2", "moment_id": "m1", "aspect": "1:1", "caption_style": "clean"},
        "post_stats_fetched": {"post_id": "pst_" + "0" * 32, "clip_id": "c1", "platform": "youtube",
                               "platform_id": "yt1", "views": 10},
    }[event_type]
    return {**base, **body}


@dataclass(frozen=True)
class Poison:
    name: str
    key: bytes | None
    value: bytes
    code: str


def poisons(event_type: str, huge_bytes: int) -> list[Poison]:
    """One message per way of being broken; each names a video nobody has (so none fails)."""
    def vid() -> str:
        return "poison-" + uuid.uuid4().hex[:12]

    def good(video_id: str, **changes) -> bytes:
        return json.dumps({**valid_event(event_type, video_id), **changes}).encode()

    wrong_shape = {"schema_version": SCHEMA_VERSION, "video_id": vid(), "chunk_index": "zero", "start": "later"}
    out = [
        Poison("not_json", vid().encode(), b"\x00\xffnot json " + uuid.uuid4().hex.encode(), "contract_violation"),
        Poison("wrong_shape", wrong_shape["video_id"].encode(), json.dumps(wrong_shape).encode(), "contract_violation"),
    ]
    v = vid()
    out.append(Poison("newer_version", v.encode(), good(v, schema_version=2), "unsupported_schema_version"))
    v = vid()
    padded = {**valid_event(event_type, v), "padding": "x" * huge_bytes}
    out.append(Poison("huge", v.encode(), json.dumps(padded).encode(), "event_too_large"))
    out.append(Poison("no_key", None, good(vid()), "invalid_key"))
    out.append(Poison("garbage_key", b"\xff\xfe" + uuid.uuid4().bytes, good(vid()), "invalid_key"))
    return out
