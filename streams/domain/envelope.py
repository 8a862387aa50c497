"""The envelope every event carries, as the API (``streams.domain.events``) and the worker both write it: the schema version,
the event ids (random for what happens once, derived for what may be announced again, so that
consumers keep each once), the times in the format the JSON Schemas give, and the clip id a
moment's render gets. Pure: no Faust, no service."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import overload

SCHEMA_VERSION = 1


# A lifecycle status that happens once in a video's life (per stage). ``progress`` is not one.
MILESTONES = ("started", "finished", "failed")

# The namespace of derived event ids (uuid5): any fixed value would do; this one never changes.
_EVENT_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://clipstream.dev/events")


def new_event_id() -> str:
    return uuid.uuid4().hex


def milestone_event_id(video_id: str, stage: str, status: str, failed_at: datetime | None = None) -> str:
    """The event id of a milestone (``MILESTONES``) of a stage, or of the stage ``video``: the same
    every time it is announced, in the format of ``new_event_id``.

    A video fails once per life, but an operator may revive it (``clipstream dlq replay``) and it
    may fail again: that is a new failure, so a ``failed`` id also names ``failed_at``, when the
    failure was recorded (every announcement of one failure carries that time)."""
    occurrence = f"lifecycle/{video_id}/{stage}/{status}"
    if status == "failed" and failed_at is not None:
        occurrence += f"/{stamp(failed_at)}"
    return uuid.uuid5(_EVENT_IDS, occurrence).hex


def lifecycle_identity(video_id: str, stage: str, status: str, recorded_at: datetime | None) -> tuple[str, str]:
    """The event id and ``produced_at`` of a lifecycle event: a milestone's derived from the
    occurrence and timed when the catalog recorded it (``recorded_at``; now if unknown), so every
    announcement of it is the same event; ``progress`` a new id, now."""
    if status in MILESTONES:
        return milestone_event_id(video_id, stage, status, recorded_at), (
            stamp(recorded_at) if recorded_at is not None else utc_now()
        )
    return new_event_id(), utc_now()


def clip_event_id(clip_id: str) -> str:
    """The event id of a clip's ``ClipRendered``: the same every time it is announced."""
    return uuid.uuid5(_EVENT_IDS, f"clip_rendered/{clip_id}").hex


def audio_chunk_event_id(video_id: str, chunk_index: int) -> str:
    """The event id of a chunk's ``AudioChunkReady``: the same every time it is announced."""
    return uuid.uuid5(_EVENT_IDS, f"audio_chunk_ready/{video_id}/{chunk_index}").hex


def transcript_event_id(video_id: str, chunk_index: int) -> str:
    """The event id of a chunk's ``TranscriptChunkReady``: the same every time it is announced."""
    return uuid.uuid5(_EVENT_IDS, f"transcript_chunk_ready/{video_id}/{chunk_index}").hex


def moments_event_id(video_id: str, through_chunk: int, is_final: bool) -> str:
    """The event id of the ``MomentsFound`` a video's moments stage sends after a chunk (the final
    ranking, or the candidates picked there): the same every time it is announced."""
    kind = "final" if is_final else "provisional"
    return uuid.uuid5(_EVENT_IDS, f"moments_found/{video_id}/{through_chunk}/{kind}").hex


@overload
def iso_z(value: datetime) -> str: ...
@overload
def iso_z(value: None) -> None: ...
@overload
def iso_z(value: datetime | None) -> str | None: ...
def iso_z(value: datetime | None) -> str | None:
    """A timezone-aware time as ISO 8601 ending in ``Z`` (None stays None)."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def stamp(value: datetime) -> str:
    """A timezone-aware time as ``produced_at`` writes it: UTC, milliseconds, ``Z``."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    return stamp(datetime.now(UTC))


def clip_id(video_id: str, moment_id: str, aspect: str, variant: str = "") -> str:
    """Deterministic: a redelivered event renders onto the same clip. ``variant`` names a
    re-render (its caption style); the original render has none."""
    key = f"{video_id}:{moment_id}:{aspect}" + (f":{variant}" if variant else "")
    return hashlib.sha1(key.encode()).hexdigest()[:16]
