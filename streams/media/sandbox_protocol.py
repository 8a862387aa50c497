"""What passes between the worker and the child process that reads an upload, and what the
child's end means; pure (no processes, no I/O), so every rule here is unit-tested on bytes.

The child writes frames to its stdout: one kind byte, a 4-byte big-endian length, the payload.

- ``R`` ready: the child has confined itself and is about to open the file; a JSON object says
  which confinements the machine allowed (``{"network": ..., "files": ...}``).
- ``I`` info: the ``MediaInfo`` of a probe, as a JSON object.
- ``C`` chunk: one byte (1 if it is the last chunk) and the chunk's float32 mono samples.
- ``E`` error: ``{"code", "message"}`` of the typed error that refused the file.
- ``D`` done.

The parent trusts none of it: a decoder bug may have turned the child into the attacker's
program. Frames are size-capped, the info is type-checked, error codes outside the media
vocabulary become ``MediaUnreadable``, and chunk times are counted by the parent from the samples.
"""

from __future__ import annotations

import json
import math
import signal
import struct
from dataclasses import asdict, fields

import numpy as np

from streams.errors import (
    EmptyMedia,
    MediaError,
    MediaLimitExceeded,
    MediaTimeout,
    MediaUnreadable,
    NoAudio,
    NotMedia,
    TruncatedMedia,
)
from streams.media.chunking import AudioChunk
from streams.media.probe import MediaInfo

READY, INFO, CHUNK, ERROR, DONE = b"R", b"I", b"C", b"E", b"D"
KINDS = frozenset((READY, INFO, CHUNK, ERROR, DONE))
HEADER = struct.Struct(">cI")
SMALL_FRAME = 64 * 1024  # every frame but a chunk: JSON of a few hundred bytes
MESSAGE_CHARS = 2000
# The errors a child may report by code; anything else it claims is treated as a broken reader.
REPORTABLE = {cls.code: cls for cls in (EmptyMedia, NotMedia, TruncatedMedia, NoAudio, MediaLimitExceeded,
                                        MediaUnreadable)}


class ProtocolViolation(Exception):
    """The child wrote something that is not a valid frame or payload."""


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


class FrameReader:
    """Splits the child's byte stream into ``(kind, payload)`` frames, refusing unknown kinds and
    payloads over ``max_chunk_bytes`` (chunks) or ``SMALL_FRAME`` (everything else)."""

    def __init__(self, max_chunk_bytes: int) -> None:
        self.max_chunk_bytes = max_chunk_bytes
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= HEADER.size:
            kind, size = HEADER.unpack_from(self._buffer)
            if kind not in KINDS:
                raise ProtocolViolation(f"unknown frame kind {kind!r}")
            if size > (self.max_chunk_bytes if kind == CHUNK else SMALL_FRAME):
                raise ProtocolViolation(f"a {kind.decode()} frame of {size} bytes is over the limit")
            if len(self._buffer) < HEADER.size + size:
                break
            frames.append((kind, bytes(self._buffer[HEADER.size:HEADER.size + size])))
            del self._buffer[:HEADER.size + size]
        return frames

    @property
    def pending(self) -> int:
        """Bytes of a frame begun but not finished (non-zero at the end means the child was cut off)."""
        return len(self._buffer)


def parse_json(payload: bytes) -> dict:
    try:
        value = json.loads(payload)
    except ValueError as exc:
        raise ProtocolViolation(f"payload is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ProtocolViolation("payload is not a JSON object")
    return value


def info_payload(info: MediaInfo) -> bytes:
    return json.dumps(asdict(info)).encode()


_INFO_TYPES = {"duration": float, "format_name": str, "size_bytes": int, "has_video": bool, "width": int,
               "height": int, "fps": float, "video_codec": str, "audio_codec": str, "sample_rate": int,
               "channels": int, "stream_count": int}
_OPTIONAL = {"width", "height", "fps", "video_codec"}


def info_from_payload(payload: bytes) -> MediaInfo:
    value = parse_json(payload)
    names = {f.name for f in fields(MediaInfo)}
    if set(value) != names:
        raise ProtocolViolation(f"info fields {sorted(value)} are not {sorted(names)}")
    for name, kind in _INFO_TYPES.items():
        item = value[name]
        if item is None and name in _OPTIONAL:
            continue
        if kind is float and isinstance(item, int) and not isinstance(item, bool):
            item = value[name] = float(item)
        if not isinstance(item, kind) or (kind is int and isinstance(item, bool)):
            raise ProtocolViolation(f"info field {name} is {type(item).__name__}, not {kind.__name__}")
        if kind is float and not math.isfinite(item):
            raise ProtocolViolation(f"info field {name} is {item}")
    return MediaInfo(**value)


def chunk_payload(pcm: np.ndarray, is_last: bool) -> bytes:
    return (b"\x01" if is_last else b"\x00") + np.asarray(pcm, dtype="<f4").tobytes()


def chunk_from_payload(payload: bytes, index: int, start_sample: int, sample_rate: int) -> AudioChunk:
    """The chunk a ``C`` payload carries, placed in time by the samples that came before it."""
    if not payload or payload[0] not in (0, 1) or (len(payload) - 1) % 4:
        raise ProtocolViolation("a chunk payload is a last-chunk flag and whole float32 samples")
    pcm = np.frombuffer(payload, dtype="<f4", offset=1).astype(np.float32)
    end_sample = start_sample + pcm.size
    return AudioChunk(index, start_sample / sample_rate, end_sample / sample_rate, pcm, payload[0] == 1)


def error_payload(exc: MediaError) -> bytes:
    return json.dumps({"code": exc.code, "message": exc.message}).encode()


def error_from_payload(payload: bytes, name: str) -> MediaError:
    """The typed error a child reported; one it may not claim becomes ``MediaUnreadable``."""
    value = parse_json(payload)
    code, message = value.get("code"), value.get("message")
    if code not in REPORTABLE or not isinstance(message, str) or not message:
        return MediaUnreadable(f"{name} could not be read: the media reader failed on it")
    return REPORTABLE[code](message[:MESSAGE_CHARS])


def failure_of_exit(name: str, *, returncode: int | None, timed_out: bool, wall_limit: float,
                    cpu_seconds: float, cpu_limit: float) -> MediaError:
    """The error for a child that ended without a result, said as the file's fault: the caller
    only asks once the child had announced it was ready, i.e. had opened nothing but its code."""
    if timed_out:
        return MediaTimeout(f"{name} took longer than {wall_limit:.0f} s to read, so reading it was stopped; "
                            "it may be damaged or built to stall readers")
    signum = -returncode if returncode is not None and returncode < 0 else None
    if signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_seconds >= cpu_limit - 0.5):
        return MediaUnreadable(f"{name} needs more than {cpu_limit:.0f} s of processor time to read; "
                               "it may be damaged or built to exhaust readers")
    if signum == signal.SIGKILL:
        return MediaUnreadable(f"{name} could not be read: the media reader was killed, probably for using "
                               "too much memory")
    if signum is not None:
        return MediaUnreadable(f"{name} could not be read: the media reader crashed on it "
                               f"({signal.Signals(signum).name if signum in signal.valid_signals() else signum})")
    return MediaUnreadable(f"{name} could not be read: the media reader stopped without an answer "
                           f"(exit status {returncode})")
