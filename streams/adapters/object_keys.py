"""How stored objects are named (pure): keys under a tenant's and a video's prefix, checked so
no key climbs out of its place (``streams.adapters.storage``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.errors import StorageError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ObjectStat:
    """What storage says of a stored object: its size and when it was written (S3 keeps that to
    the second; a file to the nanosecond)."""

    size: int
    modified_at: datetime


def tenant_prefix(tenant_id: str) -> str:
    """Where every object of one tenant lives, so its objects (and a presigned upload's key) can be
    confined there and measured together."""
    return f"tenants/{tenant_id}/"


def video_prefix(tenant_id: str, video_id: str) -> str:
    """Where every object of one video lives: under its tenant's prefix (``tenant_prefix``)."""
    return f"{tenant_prefix(tenant_id)}videos/{video_id}/"


def audio_prefix(tenant_id: str, video_id: str) -> str:
    """Where a video's audio chunks live while it is processed (deleted once it completes)."""
    return f"{video_prefix(tenant_id, video_id)}audio/"


def audio_chunk_key(tenant_id: str, video_id: str, index: int) -> str:
    """Where the audio chunk at ``index`` (from 0) is stored: 16 kHz mono WAV."""
    return f"{audio_prefix(tenant_id, video_id)}{index:05d}.wav"


def clip_file_key(tenant_id: str, video_id: str, clip_id: str, suffix: str) -> str:
    """Where one of a clip's files (``suffix``: ``.mp4``, ``.jpg``, ...) is stored."""
    return f"{video_prefix(tenant_id, video_id)}clips/{clip_id}{suffix}"


def safe_key(key: str) -> str:
    parts = [p for p in key.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts) or "\x00" in key:
        raise StorageError(f"invalid object key {key!r}")
    return "/".join(parts)


def folder_of(prefix: str) -> str:
    if not prefix.endswith("/"):
        raise StorageError(f"a prefix to delete must end in '/': {prefix!r}")
    return safe_key(prefix) + "/"
