"""Objects in a local directory (``file:///abs/dir``), written whole and atomically
(``streams.adapters.storage``)."""

from __future__ import annotations

import io
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import urlparse

from streams.adapters.object_keys import CHUNK, ObjectStat, folder_of, safe_key
from streams.errors import ObjectNotFound, StorageError


class FileStorage:
    """Objects as files under a root directory; writes go through a temp file and a rename."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def uri(self, key: str) -> str:
        return (self.root / safe_key(key)).as_uri()

    def key_of(self, uri: str) -> str:
        path = Path(urlparse(uri).path)
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            raise StorageError(f"{uri} is outside storage root {self.root}") from None

    def local_path(self, key: str) -> Path:
        return self.root / safe_key(key)

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
        keys = list(self.list(folder_of(prefix)))
        for key in keys:
            self.delete(key)
        folder = self.root / safe_key(prefix)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        return len(keys)
