"""Object storage: a local directory (``file:///abs/dir``) or S3 (``s3://bucket[/prefix]``).

Both backends speak in *keys* (``videos/<id>/source.mp4``) and *URIs* (what events carry).
Writes are whole-object and idempotent: putting the same key twice leaves one object.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import urlparse

from streams.errors import ConfigError, ObjectNotFound, StorageError, StorageUnavailable
from streams.settings import Settings

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ObjectStat:
    """What storage says of a stored object: its size and when it was written (S3 keeps that to
    the second; a file to the nanosecond)."""

    size: int
    modified_at: datetime


def video_prefix(tenant_id: str, video_id: str) -> str:
    """Where every object of one video lives: under its tenant's prefix, so a tenant's objects
    (and a presigned upload's key) can be confined to ``tenants/<tenant_id>/``."""
    return f"tenants/{tenant_id}/videos/{video_id}/"


def clip_file_key(tenant_id: str, video_id: str, clip_id: str, suffix: str) -> str:
    """Where one of a clip's files (``suffix``: ``.mp4``, ``.jpg``, ...) is stored."""
    return f"{video_prefix(tenant_id, video_id)}clips/{clip_id}{suffix}"


def _safe_key(key: str) -> str:
    parts = [p for p in key.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts) or "\x00" in key:
        raise StorageError(f"invalid object key {key!r}")
    return "/".join(parts)


class FileStorage:
    """Objects as files under a root directory; writes go through a temp file and a rename."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def uri(self, key: str) -> str:
        return (self.root / _safe_key(key)).as_uri()

    def key_of(self, uri: str) -> str:
        path = Path(urlparse(uri).path)
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            raise StorageError(f"{uri} is outside storage root {self.root}") from None

    def local_path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    def put_stream(self, key: str, stream: BinaryIO) -> int:
        path = self.local_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: a writer killed mid-copy leaves its partial file in
        # .incoming/ (never beside the objects), and readers only ever see whole objects.
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        tmp = incoming / f"{os.getpid()}.{uuid.uuid4().hex}.tmp"
        size = 0
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
                    size += len(chunk)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return size

    def put_file(self, key: str, source: Path) -> int:
        with open(source, "rb") as f:
            return self.put_stream(key, f)

    def put_bytes(self, key: str, data: bytes) -> int:
        return self.put_stream(key, io.BytesIO(data))

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.local_path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"object {key} not found") from None

    def download(self, key: str, dest: Path) -> Path:
        try:
            shutil.copyfile(self.local_path(key), dest)
        except FileNotFoundError:
            raise StorageError(f"object {key} not found") from None
        return dest

    def exists(self, key: str) -> bool:
        return self.local_path(key).is_file()

    def delete(self, key: str) -> None:
        self.local_path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self.root
        for path in sorted(base.rglob("*")):
            key = str(path.relative_to(base))
            if path.is_file() and not any(part.startswith(".") for part in key.split("/")):
                if key.startswith(prefix):
                    yield key

    def bytes_under(self, prefix: str) -> int:
        """What every object under ``prefix`` (a folder's, ending in ``/``) holds together: only
        that folder is walked, hidden and temporary files left out as ``list`` leaves them."""
        folder = self.local_path(prefix.rstrip("/")) if prefix.endswith("/") else None
        if folder is None or not folder.is_dir():
            return sum(self.local_path(key).stat().st_size for key in self.list(prefix))
        total = 0
        for path in folder.rglob("*"):
            key = str(path.relative_to(self.root))
            if path.is_file() and not any(part.startswith(".") for part in key.split("/")):
                total += path.stat().st_size
        return total

    def open_read(self, key: str) -> BinaryIO:
        try:
            return open(self.local_path(key), "rb")
        except FileNotFoundError:
            raise ObjectNotFound(f"get {key}: not found") from None

    def size(self, key: str) -> int:
        try:
            return self.local_path(key).stat().st_size
        except FileNotFoundError:
            raise StorageError(f"head {key}: not found") from None

    def stat(self, key: str) -> ObjectStat | None:
        """The object's size and write time; None if there is none."""
        try:
            info = self.local_path(key).stat()
        except FileNotFoundError:
            return None
        return ObjectStat(info.st_size, datetime.fromtimestamp(info.st_mtime, tz=UTC))

    def presigned_get(
        self,
        key: str,
        expires: int,
        filename: str | None = None,
        *,
        media_type: str | None = None,
        inline: bool = False,
    ) -> str | None:
        """Local files have no presigned URLs: callers stream them instead."""
        return None

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix`` (a folder: it must end in ``/``); how many."""
        keys = list(self.list(_folder(prefix)))
        for key in keys:
            self.delete(key)
        folder = self.root / _safe_key(prefix)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        return len(keys)


def _folder(prefix: str) -> str:
    if not prefix.endswith("/"):
        raise StorageError(f"a prefix to delete must end in '/': {prefix!r}")
    return _safe_key(prefix) + "/"


class S3Storage:
    """Objects in an S3 bucket (MinIO locally) through boto3."""

    def __init__(self, bucket: str, prefix: str, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key,
            region_name=settings.s3_region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
            ),
        )

    def _full(self, key: str) -> str:
        key = _safe_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def key_of(self, uri: str) -> str:
        parsed = urlparse(uri)
        full = parsed.path.lstrip("/")
        if parsed.netloc != self.bucket or (self.prefix and not full.startswith(self.prefix + "/")):
            raise StorageError(f"{uri} is outside s3://{self.bucket}/{self.prefix}")
        return full[len(self.prefix) + 1 :] if self.prefix else full

    def _call(self, what: str, fn, *args, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ObjectNotFound(f"{what}: not found") from None
            raise _kind(exc)(f"{what}: {code or exc}") from exc
        except BotoCoreError as exc:
            raise _kind(exc)(f"{what}: {exc}") from exc

    def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self._call(f"create bucket {self.bucket}", self.client.create_bucket, Bucket=self.bucket)

    def put_stream(self, key: str, stream: BinaryIO) -> int:
        class Counting:
            def __init__(self, inner):
                self.inner, self.n = inner, 0

            def read(self, size=-1):
                data = self.inner.read(size)
                self.n += len(data)
                return data

        counted = Counting(stream)
        self._call(f"put {key}", self.client.upload_fileobj, counted, self.bucket, self._full(key))
        return counted.n

    def put_bytes(self, key: str, data: bytes) -> int:
        return self.put_stream(key, io.BytesIO(data))

    def put_file(self, key: str, source: Path) -> int:
        self._call(f"put {key}", self.client.upload_file, str(source), self.bucket, self._full(key))
        return source.stat().st_size

    def get_bytes(self, key: str) -> bytes:
        resp = self._call(f"get {key}", self.client.get_object, Bucket=self.bucket, Key=self._full(key))
        return resp["Body"].read()

    def download(self, key: str, dest: Path) -> Path:
        self._call(f"get {key}", self.client.download_file, self.bucket, self._full(key), str(dest))
        return dest

    def exists(self, key: str) -> bool:
        try:
            self._call(f"head {key}", self.client.head_object, Bucket=self.bucket, Key=self._full(key))
            return True
        except StorageUnavailable:  # not an answer: the caller's retry policy decides
            raise
        except StorageError:
            return False

    def delete(self, key: str) -> None:
        self._call(f"delete {key}", self.client.delete_object, Bucket=self.bucket, Key=self._full(key))

    def open_read(self, key: str) -> BinaryIO:
        return self._call(f"get {key}", self.client.get_object, Bucket=self.bucket, Key=self._full(key))["Body"]

    def size(self, key: str) -> int:
        head = self._call(f"head {key}", self.client.head_object, Bucket=self.bucket, Key=self._full(key))
        return int(head["ContentLength"])

    def stat(self, key: str) -> ObjectStat | None:
        """The object's size and write time; None if there is none."""
        try:
            head = self._call(f"head {key}", self.client.head_object, Bucket=self.bucket, Key=self._full(key))
        except ObjectNotFound:
            return None
        return ObjectStat(int(head["ContentLength"]), head["LastModified"].astimezone(UTC))

    def presigned_get(
        self,
        key: str,
        expires: int,
        filename: str | None = None,
        *,
        media_type: str | None = None,
        inline: bool = False,
    ) -> str | None:
        """A short-lived GET link; S3 answers it with ``media_type`` (not the type stored with the
        object) and as an attachment unless ``inline``."""
        params = {"Bucket": self.bucket, "Key": self._full(key)}
        if filename:
            params["ResponseContentDisposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
        if media_type:
            params["ResponseContentType"] = media_type
        return self._call(
            f"presign {key}", self.client.generate_presigned_url, "get_object", Params=params, ExpiresIn=expires
        )

    def presigned_post(self, key: str, expires: int, min_bytes: int, max_bytes: int) -> dict:
        """A browser-style POST form confined to exactly ``key`` and a size range."""
        return self._call(
            f"presign {key}",
            self.client.generate_presigned_post,
            self.bucket,
            self._full(key),
            Conditions=[["content-length-range", min_bytes, max_bytes]],
            ExpiresIn=expires,
        )

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self.list(_folder(prefix)))
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._full(k)} for k in keys[start : start + 1000]]
            self._call(
                f"delete {prefix}",
                self.client.delete_objects,
                Bucket=self.bucket,
                Delete={"Objects": batch, "Quiet": True},
            )
        return len(keys)

    def bytes_under(self, prefix: str) -> int:
        """What every object under ``prefix`` holds together, from the listing's sizes."""
        paginator = self.client.get_paginator("list_objects_v2")
        full_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        pages = self._call(f"list {prefix}", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=full_prefix)))
        return sum(obj["Size"] for page in pages for obj in page.get("Contents", []))

    def list(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        full_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                yield key[len(self.prefix) + 1 :] if self.prefix else key


def _kind(exc: Exception) -> type[StorageError]:
    """Throttling, 5xx answers, timeouts and dropped connections may pass (``StorageUnavailable``,
    retried); anything else (access denied, bad credentials) will not."""
    from streams.failures import classify

    return StorageUnavailable if isinstance(classify(exc), StorageUnavailable) else StorageError


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
        self.prefix = f"tenants/{tenant_id}/"

    def key(self, relative: str) -> str:
        """The full key of ``relative`` (``videos/<id>/source.mp4``, ``brand/<asset>.png``)."""
        return self.prefix + _safe_key(relative)

    def key_of(self, uri: str) -> str:
        """The full key of a stored object's URI, if it is this tenant's; else ``ObjectNotFound``."""
        try:
            key = _safe_key(self.storage.key_of(uri))
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
            key = _safe_key(key)
        except StorageError:
            raise ObjectNotFound("no such stored object") from None
        if not key.startswith(self.prefix):
            raise ObjectNotFound("no such stored object")
        return key
