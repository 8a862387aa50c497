"""Every event as a Faust record, mirroring ``schemas/events``: the worker's binding of the events
(the envelope's fields and ids are ``streams.domain.envelope``, which the API uses without Faust).
Never rename a class or field casually: the JSON Schemas are the public contract, and tests check
that these agree with them."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List, Optional

import faust

from streams.domain.clip import Clip
from streams.domain.envelope import (
    SCHEMA_VERSION,
    clip_event_id,
    lifecycle_identity,
    new_event_id,
    stamp,
    utc_now,
)
from streams.domain.options import defaults


class Event(faust.Record, abstract=True, include_metadata=False, serializer="json"):
    schema_version: int
    event_id: str
    tenant_id: str
    video_id: str
    produced_at: str


_DEFAULT = defaults()  # the contract's, declared once (streams.domain.options)


class UploadOptions(faust.Record, include_metadata=False):
    clip_count: int = _DEFAULT["clip_count"]
    min_seconds: float = _DEFAULT["min_seconds"]
    max_seconds: float = _DEFAULT["max_seconds"]
    aspect_ratios: List[str] = list(_DEFAULT["aspect_ratios"])
    caption_style: str = _DEFAULT["caption_style"]
    language: str = _DEFAULT["language"]  # or a code (streams.asr.languages.CODES)
    length: Optional[str] = _DEFAULT["length"]
    max_overlap: float = _DEFAULT["max_overlap"]
    framing: str = _DEFAULT["framing"]
    brand: Optional[dict] = _DEFAULT["brand"]


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


class TranscriptLanguage(faust.Record, include_metadata=False):
    language: str
    start: float
    end: float
    probability: Optional[float]


class TranscriptChunkReady(Event):
    chunk_index: int
    start: float
    end: float
    language: str
    words: List[TranscriptWord]
    segments: List[TranscriptSegment]
    is_last: bool
    language_probability: Optional[float] = None
    languages: List[TranscriptLanguage] = []


class MomentCandidate(faust.Record, include_metadata=False):
    moment_id: str
    rank: int
    start: float
    end: float
    score: float
    signals: Dict[str, float]
    reason: str
    title: str
    speakers: List[str] = []


class MomentsFound(Event):
    """Provisional picks per chunk, then the final ranking (``is_final``), which names the streamed
    picks it left out (``superseded``: their moment ids; their clips stay but rank after it)."""

    is_final: bool
    moments: List[MomentCandidate]
    through_chunk: Optional[int] = None
    superseded: List[str] = []


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
    cover_uri: Optional[str] = None  # an audio-only upload's clip's cover art, where it has one


class RenderRequested(Event):
    """Render a moment again, with another caption style, aspect or length, as clip ``clip_id``.
    ``start``/``end`` (whole sentences, chosen by the API) replace the moment's bounds; ``trim``,
    ``hook_title``, ``emphasis`` and ``emoji`` replace the video's editing choices where given."""

    clip_id: str
    moment_id: str
    aspect: str
    caption_style: str
    variant: Optional[str] = None
    start: Optional[float] = None
    end: Optional[float] = None
    trim: Optional[str] = None
    hook_title: Optional[bool] = None
    emphasis: Optional[bool] = None
    emoji: Optional[bool] = None


class SpeakerTalk(faust.Record, include_metadata=False):
    """One of a video's speakers on ``transcribe finished``: its label and seconds talked."""

    speaker: str
    talk_seconds: float


class Lifecycle(Event):
    stage: str
    status: str
    progress: Optional[float] = None
    error_code: Optional[str] = None
    reason: Optional[str] = None
    duration_seconds: Optional[float] = None
    speakers: Optional[List[SpeakerTalk]] = None


def lifecycle(
    tenant_id: str, video_id: str, stage: str, status: str, recorded_at: datetime | None = None, **fields
) -> Lifecycle:
    """A lifecycle event. A milestone is one occurrence: its id comes from (video, stage, status,
    and for a failure its time) and its time is ``recorded_at``, when the catalog recorded it (now,
    if unknown), so announcing it again gives the same event, which consumers keep once
    (ClickHouse's ``events`` by sorting key, webhooks by occurrence). ``progress`` is a new event
    each time."""
    event_id, produced_at = lifecycle_identity(video_id, stage, status, recorded_at)
    return Lifecycle(
        schema_version=SCHEMA_VERSION,
        event_id=event_id,
        tenant_id=tenant_id,
        video_id=video_id,
        produced_at=produced_at,
        stage=stage,
        status=status,
        **fields,
    )


def clip_rendered(tenant_id: str, clip: Clip, rank: int) -> ClipRendered:
    """The ``ClipRendered`` of a stored clip (``Catalog.clip``), announced as its
    moment ranks now: built from the record, so every announcement of a clip is the same event
    (only ``rank`` follows the moment, whose provisional rank the final ranking may change)."""
    return ClipRendered(
        schema_version=SCHEMA_VERSION,
        event_id=clip_event_id(clip.clip_id),
        tenant_id=tenant_id,
        video_id=clip.video_id,
        produced_at=stamp(clip.created_at),
        clip_id=clip.clip_id,
        moment_id=clip.moment_id,
        rank=rank,
        aspect=clip.aspect,
        start=clip.start_s,
        end=clip.end_s,
        duration=clip.duration,
        mp4_uri=clip.mp4_uri,
        srt_uri=clip.srt_uri,
        vtt_uri=clip.vtt_uri,
        thumbnail_uri=clip.thumbnail_uri,
        cover_uri=clip.cover_uri,
    )


class PostStatsFetched(Event):
    """A published post's counts as its platform gave them at ``produced_at`` (None: not given)."""

    post_id: str
    clip_id: str
    platform: str
    platform_id: str
    views: Optional[int] = None
    likes: Optional[int] = None
    comments: Optional[int] = None


def post_stats(
    tenant_id: str,
    video_id: str,
    post_id: str,
    clip_id: str,
    platform: str,
    platform_id: str,
    views: Optional[int],
    likes: Optional[int],
    comments: Optional[int],
) -> PostStatsFetched:
    """A fetch of a post's statistics: a new sample each time (the report reads the latest)."""
    return PostStatsFetched(
        schema_version=SCHEMA_VERSION,
        event_id=new_event_id(),
        tenant_id=tenant_id,
        video_id=video_id,
        produced_at=utc_now(),
        post_id=post_id,
        clip_id=clip_id,
        platform=platform,
        platform_id=platform_id,
        views=views,
        likes=likes,
        comments=comments,
    )


EVENT_RECORDS: dict[str, type[Event]] = {
    "upload_received": UploadReceived,
    "audio_chunk_ready": AudioChunkReady,
    "transcript_chunk_ready": TranscriptChunkReady,
    "moments_found": MomentsFound,
    "clip_rendered": ClipRendered,
    "lifecycle": Lifecycle,
    "render_requested": RenderRequested,
    "post_stats_fetched": PostStatsFetched,
}


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
