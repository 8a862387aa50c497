"""What passes between the worker and the child process that reads an upload, and what the
child's end means; pure (no processes, no I/O), so every rule here is unit-tested on bytes.

The child writes frames to its stdout: one kind byte, a 4-byte big-endian length, the payload.

- ``R`` ready: the child has confined itself and is about to open the file; a JSON object says
  which confinements the machine allowed (``{"network": ..., "files": ...}``).
- ``I`` info: a JSON object: the ``MediaInfo`` of a probe, the ``SourceInfo`` of a source; for
  a look, first its geometry, then (after its pictures) its cuts and loudness.
- ``C`` chunk: one byte (1 if it is the last chunk) and the chunk's float32 mono samples.
- ``P`` picture (a look, ``sandbox_look``): its time (a big-endian double), then the detection
  image and the full frame (if asked for) as RGB bytes of the sizes the geometry announced.
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
from dataclasses import asdict, dataclass, fields

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
from streams.media.reframe.observations import Loudness
from streams.media.source import SourceInfo

READY, INFO, CHUNK, PICTURE, ERROR, DONE = b"R", b"I", b"C", b"P", b"E", b"D"
KINDS = frozenset((READY, INFO, CHUNK, PICTURE, ERROR, DONE))
LARGE = frozenset((CHUNK, PICTURE))  # the kinds bounded by the reader's max_chunk_bytes
HEADER = struct.Struct(">cI")
SMALL_FRAME = 64 * 1024  # every frame but a chunk: JSON of a few hundred bytes
MESSAGE_CHARS = 2000
# The errors a child may report by code; anything else it claims is treated as a broken reader.
REPORTABLE = {
    cls.code: cls
    for cls in (MediaError, EmptyMedia, NotMedia, TruncatedMedia, NoAudio, MediaLimitExceeded, MediaUnreadable)
}


class ProtocolViolation(Exception):
    """The child wrote something that is not a valid frame or payload."""


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def frame_parts(kind: bytes, *parts) -> list:
    """``frame(kind, b"".join(parts))`` as pieces to write one after another (no joined copy of
    a picture's megabytes)."""
    return [HEADER.pack(kind, sum(memoryview(p).nbytes for p in parts)), *parts]


class FrameReader:
    """Splits the child's byte stream into ``(kind, payload)`` frames, refusing unknown kinds and
    payloads over ``max_chunk_bytes`` (chunks and pictures) or ``SMALL_FRAME`` (everything else)."""

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
            if size > (self.max_chunk_bytes if kind in LARGE else SMALL_FRAME):
                raise ProtocolViolation(f"a {kind.decode()} frame of {size} bytes is over the limit")
            if len(self._buffer) < HEADER.size + size:
                break
            with memoryview(self._buffer) as view:  # one copy out of the buffer, not two
                frames.append((kind, bytes(view[HEADER.size : HEADER.size + size])))
            del self._buffer[: HEADER.size + size]
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


_INFO_TYPES = {
    "duration": float,
    "format_name": str,
    "size_bytes": int,
    "has_video": bool,
    "width": int,
    "height": int,
    "fps": float,
    "video_codec": str,
    "audio_codec": str,
    "sample_rate": int,
    "channels": int,
    "stream_count": int,
    "artwork": int,
    "picture_end": float,
}
_OPTIONAL = {"width", "height", "fps", "video_codec", "artwork", "picture_end"}


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
        if isinstance(item, float) and not math.isfinite(item):  # only a float field holds a float here
            raise ProtocolViolation(f"info field {name} is {item}")
        if isinstance(item, (int, float)) and item < 0:  # times, sizes, counts and a stream's index
            raise ProtocolViolation(f"info field {name} is {item}")
    return MediaInfo(**value)


def source_payload(info: SourceInfo) -> bytes:
    return json.dumps(asdict(info)).encode()


def source_from_payload(payload: bytes) -> SourceInfo:
    value = parse_json(payload)
    names = {f.name for f in fields(SourceInfo)}
    if set(value) != names:
        raise ProtocolViolation(f"source fields {sorted(value)} are not {sorted(names)}")
    if not isinstance(value["has_video"], bool) or not isinstance(value["has_audio"], bool):
        raise ProtocolViolation("source has_video and has_audio are booleans")
    if value["artwork"] is not None and (not _is_int(value["artwork"]) or value["artwork"] < 0):
        raise ProtocolViolation("source artwork is not a stream index")
    for name in ("width", "height"):
        if not _is_int(value[name]) or value[name] < 0:
            raise ProtocolViolation(f"source {name} is not a size")
    for name in ("fps", "duration"):
        if value[name] is not None and not _is_positive(value[name]):
            raise ProtocolViolation(f"source {name} is {value[name]!r}")
        if value[name] is not None:
            value[name] = float(value[name])
    ends = value["picture_end"]
    if ends is not None and not _is_time(ends):
        raise ProtocolViolation(f"source picture_end is {ends!r}")
    value["picture_end"] = None if ends is None else float(ends)
    return SourceInfo(**value)


@dataclass(frozen=True)
class Geometry:
    """A look's pictures: the source's size and frame rate, the detection images' size and the
    full frames' (None when not asked for)."""

    width: int
    height: int
    fps: float
    detect_size: tuple[int, int]
    full_size: tuple[int, int] | None


def geometry_payload(
    width: int, height: int, fps: float, detect_size: tuple[int, int], full_size: tuple[int, int] | None
) -> bytes:
    return json.dumps(
        {
            "width": width,
            "height": height,
            "fps": fps,
            "detect_size": list(detect_size),
            "full_size": list(full_size) if full_size else None,
        }
    ).encode()


def geometry_from_payload(payload: bytes, detect_width: int, full_width: int, max_side: int) -> Geometry:
    """The geometry a look announced, held to what was asked: images no wider than asked, full
    frames only if asked for, no side over ``max_side``."""
    value = parse_json(payload)
    if set(value) != {"width", "height", "fps", "detect_size", "full_size"}:
        raise ProtocolViolation(f"geometry fields {sorted(value)} are wrong")
    width, height, fps = value["width"], value["height"], value["fps"]
    if not (_is_side(width, max_side) and _is_side(height, max_side) and _is_positive(fps)):
        raise ProtocolViolation(f"geometry {width}x{height} at {fps} fps is not a picture")
    detect = _size(value["detect_size"], min(detect_width, width), max_side)
    full = None
    if value["full_size"] is not None or full_width:
        if not full_width or value["full_size"] is None:
            raise ProtocolViolation("full frames came without being asked for, or not when asked")
        full = _size(value["full_size"], min(full_width, width), max_side)
    return Geometry(width, height, float(fps), detect, full)


def picture_parts(t: float, small: np.ndarray, full: np.ndarray | None) -> list:
    """A ``P`` payload in pieces: the time, then the images' pixels as they lie in memory."""
    parts = [PICTURE_TIME.pack(t), np.ascontiguousarray(small, dtype=np.uint8).data]
    if full is not None:
        parts.append(np.ascontiguousarray(full, dtype=np.uint8).data)
    return parts


def picture_payload(t: float, small: np.ndarray, full: np.ndarray | None) -> bytes:
    return b"".join(bytes(p) for p in picture_parts(t, small, full))


def picture_from_payload(
    payload: bytes, detect_size: tuple[int, int], full_size: tuple[int, int] | None
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """``(t, small, full)`` of a ``P`` payload: exactly the bytes of the announced sizes."""
    small_bytes = detect_size[0] * detect_size[1] * 3
    full_bytes = full_size[0] * full_size[1] * 3 if full_size else 0
    if len(payload) != PICTURE_TIME.size + small_bytes + full_bytes:
        raise ProtocolViolation(f"a picture of {len(payload)} bytes does not match the announced sizes")
    (t,) = PICTURE_TIME.unpack_from(payload)
    if not math.isfinite(t) or t < 0:
        raise ProtocolViolation(f"a picture at {t} s")
    pixels = np.frombuffer(payload, np.uint8, offset=PICTURE_TIME.size)
    small = pixels[:small_bytes].reshape(detect_size[1], detect_size[0], 3)
    full = pixels[small_bytes:].reshape(full_size[1], full_size[0], 3) if full_size else None
    return t, small, full


def result_payload(cuts, loudness: Loudness | None, change: float = 0.0) -> bytes:
    return json.dumps(
        {"cuts": list(cuts), "loudness": asdict(loudness) if loudness else None, "change": change}
    ).encode()


def result_from_payload(payload: bytes) -> tuple[tuple[float, ...], Loudness | None, float]:
    """The cuts (ascending, finite, non-negative), the loudness and the share of the picture that
    changed (``stillness.Change``, 0 to 1) a look ended with."""
    value = parse_json(payload)
    cuts, loud, change = value.get("cuts"), value.get("loudness"), value.get("change", -1)
    if set(value) != {"cuts", "loudness", "change"} or not isinstance(cuts, list) or not all(_is_time(c) for c in cuts):
        raise ProtocolViolation("a look's result is its cuts (times), its loudness and its change")
    if cuts != sorted(cuts):
        raise ProtocolViolation("a look's cuts are not in order")
    if not (_is_number(change) and 0 <= change <= 1):
        raise ProtocolViolation("a look's change is a share, 0 to 1")
    times = tuple(float(c) for c in cuts)
    if loud is None:
        return times, None, float(change)
    if not isinstance(loud, dict) or set(loud) != {"hop_seconds", "start", "values"}:
        raise ProtocolViolation("a loudness is its hop, start and values")
    values = loud["values"]
    if not (
        _is_positive(loud["hop_seconds"])
        and _is_time(loud["start"])
        and isinstance(values, list)
        and all(_is_time(v) for v in values)
    ):
        raise ProtocolViolation("a loudness has a positive hop, a start time and non-negative levels")
    loudness = Loudness(float(loud["hop_seconds"]), float(loud["start"]), tuple(float(v) for v in values))
    return times, loudness, float(change)


PICTURE_TIME = struct.Struct(">d")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_positive(value) -> bool:
    return _is_number(value) and value > 0


def _is_time(value) -> bool:
    return _is_number(value) and value >= 0


def _is_side(value, max_side: int) -> bool:
    return _is_int(value) and 0 < value <= max_side


def _size(value, max_width: int, max_side: int) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(_is_side(v, max_side) for v in value)
        or value[0] > max_width
    ):
        raise ProtocolViolation(f"an image size {value!r} is over what was asked for")
    return value[0], value[1]


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


def failure_of_exit(
    name: str, *, returncode: int | None, timed_out: bool, wall_limit: float, cpu_seconds: float, cpu_limit: float
) -> MediaError:
    """The error for a child that ended without a result, said as the file's fault: the caller
    only asks once the child had announced it was ready, i.e. had opened nothing but its code."""
    if timed_out:
        return MediaTimeout(
            f"{name} took longer than {wall_limit:.0f} s to read, so reading it was stopped; "
            "it may be damaged or built to stall readers"
        )
    signum = -returncode if returncode is not None and returncode < 0 else None
    if signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_seconds >= cpu_limit - 0.5):
        return MediaUnreadable(
            f"{name} needs more than {cpu_limit:.0f} s of processor time to read; "
            "it may be damaged or built to exhaust readers"
        )
    if signum == signal.SIGKILL:
        return MediaUnreadable(
            f"{name} could not be read: the media reader was killed, probably for using too much memory"
        )
    if signum is not None:
        return MediaUnreadable(
            f"{name} could not be read: the media reader crashed on it "
            f"({signal.Signals(signum).name if signum in signal.valid_signals() else signum})"
        )
    return MediaUnreadable(
        f"{name} could not be read: the media reader stopped without an answer (exit status {returncode})"
    )
