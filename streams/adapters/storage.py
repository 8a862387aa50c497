"""Object storage: a local directory (``file:///abs/dir``) or S3 (``s3://bucket[/prefix]``).

Both backends speak in *keys* (``videos/<id>/source.mp4``) and *URIs* (what events carry).
Writes are whole-object and idempotent: putting the same key twice leaves one object.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

from streams.adapters.file_storage import FileStorage
from streams.adapters.object_keys import (
    CHUNK,
    ObjectStat,
    audio_chunk_key,
    audio_prefix,
    clip_file_key,
    safe_key,
    tenant_prefix,
    video_prefix,
)
from streams.adapters.s3_storage import S3Storage
from streams.errors import ConfigError, ObjectNotFound, StorageError
from streams.settings import Settings

__all__ = [
    "CHUNK",
    "FileStorage",
    "ObjectStat",
    "S3Storage",
    "Storage",
    "TenantStorage",
    "audio_chunk_key",
    "audio_prefix",
    "clip_file_key",
    "open_storage",
    "put_once",
    "video_prefix",
]

Storage = FileStorage | S3Storage


def open_storage(settings: Settings) -> Storage:
    parsed = urlparse(settings.storage_url)
    if parsed.scheme == "file":
        return FileStorage(Path(parsed.path))
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ConfigError(f"CLIPSTREAM_STORAGE_URL={settings.storage_url!r} names no bucket (s3://bucket/prefix)")
        return S3Storage(parsed.netloc, parsed.path, settings)
    raise ConfigError(f"CLIPSTREAM_STORAGE_URL={settings.storage_url!r}: use file:///abs/dir or s3://bucket[/prefix]")


def put_once(storage: Storage, key: str, data: bytes) -> datetime:
    """Store ``data`` under ``key`` unless exactly these bytes are stored there already (a run
    killed after writing them); when the stored object was written. A producer that derives an
    event from the object (its time) thus gives the same event every time it runs. Other bytes
    under the key are replaced."""
    stored = storage.stat(key)
    if stored is None or stored.size != len(data) or storage.get_bytes(key) != data:
        storage.put_bytes(key, data)
        stored = storage.stat(key)
        if stored is None:
            raise StorageError(f"put {key}: the object is not there after writing it")
    return stored.modified_at


class TenantStorage:
    """One tenant's part of storage, the only way to reach stored objects on a tenant's behalf: it
    names keys relative to ``tenants/<tenant_id>/`` and refuses any object outside that prefix
    (``ObjectNotFound``, as if it were not there), whatever URI a row or an option names."""

    def __init__(self, storage: Storage, tenant_id: str) -> None:
        if not tenant_id or "/" in tenant_id or tenant_id in (".", ".."):
            raise StorageError(f"invalid tenant id {tenant_id!r}")
        self.storage, self.tenant_id = storage, tenant_id
        self.prefix = tenant_prefix(tenant_id)

    def key(self, relative: str) -> str:
        """The full key of ``relative`` (``videos/<id>/source.mp4``, ``brand/<asset>.png``)."""
        return self.prefix + safe_key(relative)

    def key_of(self, uri: str) -> str:
        """The full key of a stored object's URI, if it is this tenant's; else ``ObjectNotFound``."""
        try:
            key = safe_key(self.storage.key_of(uri))
        except StorageError:
            raise ObjectNotFound("no such stored object") from None
        if not key.startswith(self.prefix):
            raise ObjectNotFound("no such stored object")
        return key

    def brand_asset_key(self, asset_id: str) -> str:
        return self.key(f"brand/{asset_id}.png")

    def uri(self, relative: str) -> str:
        return self.storage.uri(self.key(relative))

    def put_bytes(self, relative: str, data: bytes) -> int:
        return self.storage.put_bytes(self.key(relative), data)

    def get_bytes(self, key: str) -> bytes:
        return self.storage.get_bytes(self._own(key))

    def download(self, key: str, dest: Path) -> Path:
        return self.storage.download(self._own(key), dest)

    def open_read(self, key: str) -> BinaryIO:
        return self.storage.open_read(self._own(key))

    def delete(self, key: str) -> None:
        self.storage.delete(self._own(key))

    def _own(self, key: str) -> str:
        try:
            key = safe_key(key)
        except StorageError:
            raise ObjectNotFound("no such stored object") from None
        if not key.startswith(self.prefix):
            raise ObjectNotFound("no such stored object")
        return key
