"""A PyTorch checkpoint's tensors as numpy arrays, without torch and without running its pickle.

A ``.pt`` file is a pickle whose tensors point at raw storages. Unpickling it the usual way runs
whatever the file names, so a checkpoint is only ever read here through an unpickler that knows
five names (an ``OrderedDict``, torch's two tensor-rebuild functions and its storage types) and
refuses every other one with ``UnsafeCheckpoint``.

Both of torch's layouts are read:
- legacy (before torch 1.6; Resemblyzer's ``pretrained.pt``): pickles one after another (a magic
  number, the protocol, system facts, the object, the storage keys), then each storage as an
  int64 element count and its little-endian bytes;
- zip (torch 1.6 on): ``<name>/data.pkl`` and each storage in ``<name>/data/<key>``.
Tensors are rebuilt from their storage with their offset and strides, so views come out right.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any, BinaryIO, Callable

import numpy as np

from streams.errors import UnsafeCheckpoint as CheckpointError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _Storage:
    def __init__(self, dtype: np.dtype, numel: int) -> None:
        self.dtype, self.numel = dtype, numel
        self.array: np.ndarray | None = None


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = np.dtype(_DTYPES[name]).newbyteorder("<")


class _Tensor:
    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        base = self.storage.array
        if base is None:
            raise CheckpointError("a tensor's storage is missing from the checkpoint")
        if not self.size:
            return np.array(base[self.offset])
        item = base.dtype.itemsize
        end = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride)) + 1
        if min(self.size) > 0 and (self.offset < 0 or end > base.size):
            raise CheckpointError("a tensor reaches past its storage")
        view = np.lib.stride_tricks.as_strided(
            base[self.offset :], shape=self.size, strides=[s * item for s in self.stride], writeable=False
        )
        return np.ascontiguousarray(view).astype(base.dtype.newbyteorder("="))


def _rebuild_tensor_v2(storage, offset, size, stride, *_ignored) -> _Tensor:
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, *_ignored):
    return data


class _Unpickler(pickle.Unpickler):
    """Resolves only the five names a weights checkpoint needs; storages by persistent id."""

    def __init__(self, file: BinaryIO, storages: dict[str, _Storage], read: Callable[[str], bytes] | None) -> None:
        super().__init__(file)
        self._storages, self._read = storages, read

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"the checkpoint names {module}.{name}, which a weights file has no need of")

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError(f"the checkpoint refers to {pid!r}, which is not a storage")
        kind, key, numel = pid[1], str(pid[2]), int(pid[4])
        if len(pid) > 5 and pid[5] is not None:
            raise CheckpointError("legacy storage views are not read")
        if not isinstance(kind, _StorageType):
            raise CheckpointError("a storage of an unknown type")
        if key not in self._storages:
            storage = _Storage(kind.dtype, numel)
            if self._read is not None:
                storage.array = np.frombuffer(self._read(key), dtype=kind.dtype, count=numel)
            self._storages[key] = storage
        return self._storages[key]


class _NoGlobals(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise CheckpointError(f"the checkpoint's header names {module}.{name}")


def _arrays(obj: Any) -> Any:
    if isinstance(obj, _Tensor):
        return obj.array()
    if isinstance(obj, dict):
        return type(obj)((k, _arrays(v)) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return type(obj)(_arrays(v) for v in obj)
    return obj


def _load_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError(f"{path} is a zip without exactly one data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        storages: dict[str, _Storage] = {}
        data = archive.read(pickles[0])
        obj = _Unpickler(io.BytesIO(data), storages, lambda key: archive.read(f"{prefix}data/{key}")).load()
        return _arrays(obj)


def _load_legacy(path: Path) -> Any:
    with open(path, "rb") as f:
        try:
            if _NoGlobals(f).load() != LEGACY_MAGIC or _NoGlobals(f).load() != LEGACY_PROTOCOL:
                raise CheckpointError(f"{path} is not a torch checkpoint (magic number or protocol)")
            if not _NoGlobals(f).load().get("little_endian", True):
                raise CheckpointError(f"{path} is big-endian")
            storages: dict[str, _Storage] = {}
            obj = _Unpickler(f, storages, None).load()
            keys = _NoGlobals(f).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
            raise CheckpointError(f"{path} cannot be read as a torch checkpoint: {exc}") from None
        for key in keys:
            storage = storages.get(str(key))
            header = f.read(8)
            if storage is None or len(header) != 8:
                raise CheckpointError(f"{path}: storage {key} is missing or cut short")
            (numel,) = struct.unpack("<q", header)
            raw = f.read(numel * storage.dtype.itemsize)
            if numel != storage.numel or len(raw) != numel * storage.dtype.itemsize:
                raise CheckpointError(f"{path}: storage {key} holds {numel} elements, not {storage.numel}")
            storage.array = np.frombuffer(raw, dtype=storage.dtype, count=numel)
        if f.read(1):
            raise CheckpointError(f"{path} has bytes after its last storage")
    return _arrays(obj)


def load(path: Path) -> Any:
    """The checkpoint's object (dicts, lists and numbers), every tensor a numpy array."""
    return _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
