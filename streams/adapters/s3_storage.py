"""Objects in an S3 bucket (``s3://bucket[/prefix]``; MinIO locally) through boto3
(``streams.adapters.storage``)."""

from __future__ import annotations

import io
from datetime import UTC
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import urlparse

from streams.adapters.object_keys import ObjectStat, folder_of, safe_key
from streams.errors import ObjectNotFound, StorageError, StorageUnavailable
from streams.settings import Settings


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
        key = safe_key(key)
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
        keys = list(self.list(folder_of(prefix)))
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
