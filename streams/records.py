"""Every event as a Faust record, mirroring ``schemas/events``. Never rename a class or field
casually: the JSON Schemas are the public contract, and tests check that these agree with them."""

from __future__ import annotations

import hashlib

import uuid
from datetime import datetime, timezone
from typing import Dict, List, Optional

import faust

SCHEMA_VERSION = 1


def new_event_id() -> str:
    return uuid.uuid4().hex


def iso_z(value: datetime | None) -> str | None:
    """A timezone-aware time as ISO 8601 ending in ``Z`` (None stays None)."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Event(faust.Record, abstract=True, include_metadata=False, serializer="json"):
    schema_version: int
    event_id: str
    tenant_id: str
    video_id: str
    produced_at: str


class UploadOptions(faust.Record, include_metadata=False):
    clip_count: int = 5
    min_seconds: float = 20.0
    max_seconds: float = 60.0
    aspect_ratios: List[str] = ["9:16"]
    caption_style: str = "bold"
    language: str = "en"
    length: Optional[str] = None
    max_overlap: float = 0.0
    framing: str = "auto"
    brand: Optional[dict] = None


class UploadReceived(Event):
    source_uri: str
    filename: str
    size_bytes: int
    options: UploadOptions
    source_url: Optional[str] = None  # download from here into source_uri first


class AudioChunkReady(Event):
    chunk_index: int
    start: float
    end: float
    audio_uri: str
    is_last: bool
    video_duration: Optional[float] = None


class TranscriptWord(faust.Record, include_metadata=False):
    word: str
    start: float
    end: float
    probability: float


class TranscriptSegment(faust.Record, include_metadata=False):
    text: str
    start: float
    end: float


class TranscriptChunkReady(Event):
    chunk_index: int
    start: float
    end: float
    language: str
    words: List[TranscriptWord]
    segments: List[TranscriptSegment]
    is_last: bool


class MomentCandidate(faust.Record, include_metadata=False):
    moment_id: str
    rank: int
    start: float
    end: float
    score: float
    signals: Dict[str, float]
    reason: str
    title: str


class MomentsFound(Event):
    is_final: bool
    moments: List[MomentCandidate]
    through_chunk: Optional[int] = None


class ClipRendered(Event):
    clip_id: str
    moment_id: str
    rank: int
    aspect: str
    start: float
    end: float
    duration: float
    mp4_uri: str
    srt_uri: str
    vtt_uri: str
    thumbnail_uri: str


class RenderRequested(Event):
    """Render a moment again, with another caption style, aspect or length, as clip ``clip_id``.
    ``start``/``end`` (whole sentences, chosen by the API) replace the moment's bounds."""

    clip_id: str
    moment_id: str
    aspect: str
    caption_style: str
    variant: Optional[str] = None
    start: Optional[float] = None
    end: Optional[float] = None


class Lifecycle(Event):
    stage: str
    status: str
    progress: Optional[float] = None
    error_code: Optional[str] = None
    reason: Optional[str] = None
    duration_seconds: Optional[float] = None


EVENT_RECORDS: dict[str, type[Event]] = {
    "upload_received": UploadReceived,
    "audio_chunk_ready": AudioChunkReady,
    "transcript_chunk_ready": TranscriptChunkReady,
    "moments_found": MomentsFound,
    "clip_rendered": ClipRendered,
    "lifecycle": Lifecycle,
    "render_requested": RenderRequested,
}


def clip_id(video_id: str, moment_id: str, aspect: str, variant: str = "") -> str:
    """Deterministic: a redelivered event renders onto the same clip. ``variant`` names a
    re-render (its caption style); the original render has none."""
    key = f"{video_id}:{moment_id}:{aspect}" + (f":{variant}" if variant else "")
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def to_payload(record: faust.Record) -> dict:
    """The JSON object a record puts on the wire, optional fields left out when unset."""
    data = record.to_representation()

    def prune(value):
        if isinstance(value, dict):
            return {k: prune(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [prune(v) for v in value]
        if isinstance(value, faust.Record):
            return prune(value.to_representation())
        return value

    return prune(data)
