import io
import time

import pytest

from streams.adapters.storage import FileStorage, open_storage, put_once
from streams.errors import ConfigError, StorageError
from streams.settings import Settings


def test_put_get_list_delete(tmp_path):
    storage = FileStorage(tmp_path)
    assert storage.put_stream("videos/v1/source.mp4", io.BytesIO(b"abc" * 1000)) == 3000
    assert storage.put_stream("videos/v1/source.mp4", io.BytesIO(b"xyz")) == 3  # overwrite, one object
    assert list(storage.list("videos/")) == ["videos/v1/source.mp4"]
    assert storage.get_bytes("videos/v1/source.mp4") == b"xyz"
    assert storage.key_of(storage.uri("videos/v1/source.mp4")) == "videos/v1/source.mp4"
    storage.delete("videos/v1/source.mp4")
    assert not storage.exists("videos/v1/source.mp4")
    with pytest.raises(StorageError, match="not found"):
        storage.get_bytes("videos/v1/source.mp4")


@pytest.mark.parametrize("key", ["../etc/passwd", "a/../../b", "", "/", "a/\x00b"])
def test_keys_cannot_escape_the_root(tmp_path, key):
    with pytest.raises(StorageError, match="invalid object key"):
        FileStorage(tmp_path).put_stream(key, io.BytesIO(b"x"))


def test_storage_url_schemes(tmp_path):
    assert isinstance(open_storage(Settings(data_dir=tmp_path)), FileStorage)
    with pytest.raises(ConfigError, match="names no bucket"):
        open_storage(Settings(data_dir=tmp_path, storage_url="s3://"))
    with pytest.raises(ConfigError, match="use file:///abs/dir or s3://"):
        open_storage(Settings(data_dir=tmp_path, storage_url="ftp://x"))


def test_a_failed_write_leaves_no_partial_object_and_temp_files_are_never_listed(tmp_path):
    import io

    from streams.adapters.storage import FileStorage

    class Broken(io.RawIOBase):
        def __init__(self):
            self.calls = 0

        def read(self, size=-1):
            self.calls += 1
            if self.calls > 2:
                raise OSError("connection reset")
            return b"x" * 1024

    storage = FileStorage(tmp_path)
    storage.put_bytes("videos/v/clips/a.mp4", b"whole")
    with pytest.raises(OSError):
        storage.put_stream("videos/v/clips/b.mp4", Broken())
    assert sorted(p.name for p in (tmp_path / "videos/v/clips").iterdir()) == ["a.mp4"]
    assert list((tmp_path / ".incoming").iterdir()) == []
    (tmp_path / ".incoming" / "123.abc.tmp").write_bytes(b"left by a killed writer")
    assert list(storage.list()) == ["videos/v/clips/a.mp4"]


def test_put_once_keeps_the_stored_bytes_and_their_time(tmp_path):
    """A chunk stored by a killed run is not written again: its write time, which its event
    carries, stays the same. Other bytes under the key are replaced."""
    storage = FileStorage(tmp_path)
    assert storage.stat("audio/00000.wav") is None
    first = put_once(storage, "audio/00000.wav", b"RIFF-one")
    stat = storage.stat("audio/00000.wav")
    assert (stat.size, stat.modified_at) == (8, first)
    assert first.tzinfo is not None
    time.sleep(0.02)
    assert put_once(storage, "audio/00000.wav", b"RIFF-one") == first
    changed = put_once(storage, "audio/00000.wav", b"RIFF-two")  # same size, other bytes
    assert changed > first and storage.get_bytes("audio/00000.wav") == b"RIFF-two"
    assert put_once(storage, "audio/00000.wav", b"RIFF-longer") > changed
    assert storage.get_bytes("audio/00000.wav") == b"RIFF-longer"


def test_bytes_under_a_folder_counts_its_objects_only(tmp_path):
    storage = FileStorage(tmp_path)
    storage.put_bytes("tenants/a/videos/v/source.wav", b"x" * 10)
    storage.put_bytes("tenants/a/videos/v/clips/c.mp4", b"x" * 5)
    storage.put_bytes("tenants/ab/videos/v/source.wav", b"x" * 7)
    (tmp_path / "tenants" / "a" / ".partial").write_bytes(b"y" * 100)  # a hidden temporary file
    assert storage.bytes_under("tenants/a/") == 15
    assert storage.bytes_under("tenants/ab/") == 7 and storage.bytes_under("tenants/none/") == 0
    assert storage.bytes_under("tenants/a") == 22  # a bare prefix matches as list() does
