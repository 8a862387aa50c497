"""Objects through the real S3 server (MinIO) with boto3 and with the storage adapter."""

import io
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from streams.adapters.storage import S3Storage, open_storage, put_once
from streams.errors import StorageError

pytestmark = pytest.mark.integration


def test_object_put_read_delete_with_boto3(stack):
    s3 = boto3.client(
        "s3", endpoint_url=stack.s3_endpoint_url, aws_access_key_id=stack.s3_access_key,
        aws_secret_access_key=stack.s3_secret_key, region_name=stack.s3_region,
    )
    key = f"tests/{uuid.uuid4().hex}.bin"
    body = bytes(range(256)) * 1000
    s3.put_object(Bucket="clipstream", Key=key, Body=body)
    assert s3.get_object(Bucket="clipstream", Key=key)["Body"].read() == body
    s3.delete_object(Bucket="clipstream", Key=key)
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket="clipstream", Key=key)
    assert err.value.response["Error"]["Code"] in ("404", "NoSuchKey")


def test_storage_adapter_on_s3_streams_and_is_idempotent(stack):
    settings = stack.with_overrides(storage_url="s3://clipstream/adapter-test")
    storage = open_storage(settings)
    assert isinstance(storage, S3Storage)
    key = f"videos/{uuid.uuid4().hex}/source.mp4"
    payload = b"\x00\x01" * (3 * 1024 * 1024)  # 6 MiB: exercises multipart upload
    assert storage.put_stream(key, io.BytesIO(payload)) == len(payload)
    assert storage.put_stream(key, io.BytesIO(payload)) == len(payload)
    assert list(storage.list(key.rsplit("/", 1)[0])) == [key]
    assert storage.bytes_under(key.rsplit("/", 1)[0] + "/") == len(payload)  # a workspace's storage held
    assert storage.get_bytes(key) == payload
    assert storage.key_of(storage.uri(key)) == key
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(StorageError):
        storage.get_bytes(key)


def test_put_once_on_s3_keeps_the_stored_bytes_and_their_time(stack):
    storage = open_storage(stack.with_overrides(storage_url="s3://clipstream/adapter-test"))
    key = f"videos/{uuid.uuid4().hex}/audio/00000.wav"
    assert storage.stat(key) is None
    first = put_once(storage, key, b"RIFF-one")
    assert storage.stat(key).size == 8 and storage.stat(key).modified_at == first
    time.sleep(1.1)  # S3 keeps write times to the second
    assert put_once(storage, key, b"RIFF-one") == first
    assert put_once(storage, key, b"RIFF-two") > first
    assert storage.get_bytes(key) == b"RIFF-two"
    storage.delete(key)
