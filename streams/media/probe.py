"""Checking an upload before any work is spent on it: is it media, does it have audio that
decodes from start to end, and is it within the configured limits.

Every refusal is a ``MediaError`` whose message names the file as the user called it
(``display_name``, made printable by ``printable_name``) and says what is wrong in plain words; the
temp path never appears. The worker runs ``probe`` in ``streams.media.sandbox``'s child process.
"""

from __future__ import annotations

import codecs
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import av

from streams.errors import (
    EmptyMedia,
    MediaLimitExceeded,
    MediaUnreadable,
    NoAudio,
    NotMedia,
    TruncatedMedia,
)
from streams.media.audio import SAFE_OPTIONS, file_url
from streams.media.source import SourceInfo, cover_of, frame_rate, picture_end, rotation_or_zero, video_track

GIB = 1024**3
HEAD_FRAMES = 8  # audio frames decoded at the start to prove the track really decodes
NAME_CHARS = 120  # a longer file name is shortened in messages, keeping its end (the extension)


@dataclass(frozen=True)
class MediaLimits:
    """What an upload may be.

    Attributes:
        max_bytes: largest file size.
        max_duration_seconds: longest running time.
        max_width: widest video frame, in pixels.
        max_height: tallest video frame, in pixels.
        max_streams: most streams (video, audio, subtitle, data) in one container.
        min_duration_seconds: shortest running time; anything shorter has nothing to clip.
    """

    max_bytes: int = 8 * GIB
    max_duration_seconds: float = 4 * 3600.0
    max_width: int = 7680
    max_height: int = 4320
    max_streams: int = 16
    min_duration_seconds: float = 1.0


# Containers FFmpeg names (``format_name``, its demuxer's list of names) and the type a browser is
# told for each, with and without a picture. Only video and audio types: whatever a user uploads,
# it is never served as a type a browser would run (HTML, SVG, XML, script).
_SERVED_TYPES: dict[str, tuple[str, str]] = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("video/mp4", "audio/mp4"),
    "matroska,webm": ("video/x-matroska", "audio/x-matroska"),
    "wav": ("audio/wav", "audio/wav"),
    "mp3": ("audio/mpeg", "audio/mpeg"),
    "ogg": ("video/ogg", "audio/ogg"),
    "flac": ("audio/flac", "audio/flac"),
    "aac": ("audio/aac", "audio/aac"),
    "avi": ("video/x-msvideo", "audio/x-wav"),
    "mpegts": ("video/mp2t", "audio/mp2t"),
    "mpeg": ("video/mpeg", "audio/mpeg"),
    "asf": ("video/x-ms-asf", "audio/x-ms-wma"),
    "flv": ("video/x-flv", "video/x-flv"),
    "aiff": ("audio/aiff", "audio/aiff"),
    "caf": ("audio/x-caf", "audio/x-caf"),
}
SERVED_TYPES = frozenset(t for pair in _SERVED_TYPES.values() for t in pair) | {"video/webm", "audio/webm"}
_WEBM_CODECS = {None, "vp8", "vp9", "av1"}


def served_type(format_name: str, has_video: bool, video_codec: str | None = None) -> str | None:
    """The media type a probed upload is served as, from what FFmpeg found it to be (never from its
    file name); None for a container outside the allow-list (served as an attachment of
    ``application/octet-stream``)."""
    pair = _SERVED_TYPES.get(format_name)
    if pair is None:
        return None
    if format_name == "matroska,webm" and (video_codec in _WEBM_CODECS):
        return "video/webm" if has_video else "audio/webm"
    return pair[0] if has_video else pair[1]


@dataclass(frozen=True)
class MediaInfo:
    """What probing found.

    Attributes:
        duration: running time in seconds (the container's, else the audio stream's).
        format_name: FFmpeg's name for the container, e.g. ``mov,mp4,m4a,3gp,3g2,mj2``.
        size_bytes: file size.
        has_video: whether there is a real video stream (cover art does not count).
        width: video frame width in pixels as shown (after its display rotation), None without video.
        height: video frame height in pixels as shown, None without video.
        fps: average video frame rate, None without video.
        video_codec: e.g. ``h264``, None without video.
        audio_codec: codec of the first audio stream, e.g. ``aac``.
        sample_rate: sample rate of the first audio stream, in Hz.
        channels: channel count of the first audio stream.
        stream_count: streams of every kind in the container.
        artwork: the index of its cover art's stream (``source.cover_of``), None without one.
        picture_end: where its pictures end, in seconds (``source.picture_end``), None when unknown.
    """

    duration: float
    format_name: str
    size_bytes: int
    has_video: bool
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str
    sample_rate: int
    channels: int
    stream_count: int
    artwork: int | None = None
    picture_end: float | None = None

    @property
    def served_type(self) -> str | None:
        """The type the source is served as (:func:`served_type`)."""
        return served_type(self.format_name, self.has_video, self.video_codec)

    @property
    def source(self) -> SourceInfo:
        """What the probe found in the renderer's terms (``source.describe`` reads the same)."""
        has_video = bool(self.has_video and self.width and self.height)
        return SourceInfo(
            has_video=has_video,
            has_audio=True,  # a probe refuses a file without audio
            width=(self.width or 0) if has_video else 0,
            height=(self.height or 0) if has_video else 0,
            fps=self.fps if has_video else None,
            duration=self.duration,
            artwork=self.artwork,
            picture_end=self.picture_end if has_video else None,
        )


def probe(path: Path | str, limits: MediaLimits = MediaLimits(), display_name: str | None = None) -> MediaInfo:
    """Describe the media file at ``path`` or raise the ``MediaError`` that says why it is unusable.

    Besides reading headers this decodes a few frames at the start of the first audio stream and
    checks that audio packets exist near the end (by seeking), so a file cut off during upload is
    refused here rather than after minutes of transcription. Without a duration in the headers
    (e.g. a browser recording) the audio packets are read through once to measure it.
    """
    path = Path(path)
    name = printable_name(display_name or path.name)
    size = path.stat().st_size
    if size == 0:
        raise EmptyMedia(f"{name} is empty (0 bytes), so the upload probably failed; please try again")
    if size > limits.max_bytes:
        raise MediaLimitExceeded(f"{name} is {_bytes(size)}; the largest file we accept is {_bytes(limits.max_bytes)}")
    try:
        container = av.open(file_url(path), options=SAFE_OPTIONS)
    except av.error.MemoryError as exc:
        raise out_of_memory(name) from exc
    except av.error.FFmpegError as exc:
        raise _unreadable(path, name, size) from exc
    with container:
        audio = next(iter(container.streams.audio), None)
        video = video_track(container)
        if audio is None and video is None:
            raise NotMedia(f"{name} is not a video or audio file FFmpeg can read ({_what_it_looks_like(path)})")
        if audio is None:
            raise NoAudio(f"{name} has no audio track, so there is nothing to transcribe")
        duration = _header_duration(container, audio)
        reached = _check_audio_decodes(container, audio, name, read_to_end=duration is None)
        if duration is None:  # no length in the headers: measured by reading to the last packet
            duration = max(0.0, reached - _start(audio))
        else:
            _check_end_exists(container, audio, duration, name)
        vcc, acc = video.codec_context if video is not None else None, audio.codec_context
        stored = (vcc.width, vcc.height) if vcc is not None else (None, None)
        width, height = stored
        if video is not None and width and height and not _oversized(width, height, limits):
            if rotation_or_zero(container, video) % 180:  # shown turned: a phone video held upright
                width, height = height, width
        info = MediaInfo(
            duration=duration,
            format_name=container.format.name,
            size_bytes=size,
            has_video=video is not None,
            width=width,
            height=height,
            fps=frame_rate(video) if video is not None else None,
            video_codec=vcc.name if vcc is not None else None,
            audio_codec=acc.name,
            sample_rate=acc.sample_rate,
            channels=acc.layout.nb_channels,
            stream_count=len(container.streams),
            artwork=cover_of(container),
            picture_end=picture_end(container, video) if video is not None else None,
        )
    _check_limits(info, limits, name, stored)
    return info


def _oversized(width: int, height: int, limits: MediaLimits) -> bool:
    """Whether a picture stored ``width`` x ``height`` is over the limits."""
    return width > limits.max_width or height > limits.max_height


def printable_name(name: str, limit: int = NAME_CHARS) -> str:
    """A user's file name as it may appear in a message: control and format characters (newlines,
    NUL, escape sequences, right-to-left overrides) shown as ``\\n``/``\\u202e`` escapes, and a name
    longer than ``limit`` characters shortened in the middle, so its extension stays visible."""
    shown = "".join(_printable(ch) for ch in name) or "(no name)"
    if len(shown) <= limit:
        return shown
    keep_end = limit // 3
    return shown[: limit - keep_end - 1] + "…" + shown[-keep_end:]


def _printable(ch: str) -> str:
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return ch.encode("unicode_escape").decode("ascii")
    return ch


def out_of_memory(name: str) -> MediaUnreadable:
    return MediaUnreadable(
        f"{name} needs more memory to read than one video may use; it may be damaged or built to exhaust readers"
    )


def _check_limits(info: MediaInfo, limits: MediaLimits, name: str, stored: tuple[int | None, int | None]) -> None:
    """``stored``: the picture's size as stored (what decoding costs), which ``info`` gives as
    shown."""
    too = [
        (
            info.duration > limits.max_duration_seconds,
            f"is {_span(info.duration)} long; the longest we accept is {_span(limits.max_duration_seconds)}",
        ),
        (
            info.duration < limits.min_duration_seconds,
            f"is only {_span(info.duration)} long; the shortest we accept is {_span(limits.min_duration_seconds)}",
        ),
        (
            info.has_video and not (info.width and info.height),  # FFmpeg clears a size it cannot decode
            f"has a video track whose picture size is missing or too large to decode; the largest picture "
            f"we accept is {limits.max_width}x{limits.max_height}",
        ),
        (
            info.has_video and _oversized(stored[0] or 0, stored[1] or 0, limits),
            f"is {stored[0]}x{stored[1]} pixels; the largest picture we accept is "
            f"{limits.max_width}x{limits.max_height}",
        ),
        (
            info.stream_count > limits.max_streams,
            f"has {info.stream_count} tracks; the most we accept in one file is {limits.max_streams}",
        ),
    ]
    for over, what in too:
        if over:
            raise MediaLimitExceeded(f"{name} {what}")


def _check_audio_decodes(container, audio, name: str, read_to_end: bool) -> float:
    """Decode the first frames of ``audio``; with ``read_to_end`` go on demuxing (not decoding) to
    the last packet. Returns the end time in seconds of the last packet read."""
    frames, reached = 0, 0.0
    try:
        for packet in container.demux(audio):
            reached = max(reached, _packet_end(packet) or 0.0)
            if frames < HEAD_FRAMES:
                frames += len(packet.decode())
            elif not read_to_end:
                break
    except av.error.DecoderNotFoundError as exc:
        codec = audio.codec_context.name
        raise NotMedia(f"{name} uses an audio format ({codec}) that FFmpeg cannot decode") from exc
    except av.error.MemoryError as exc:
        raise out_of_memory(name) from exc
    except av.error.FFmpegError as exc:
        raise TruncatedMedia(f"{name} is damaged: its audio cannot be decoded from the start") from exc
    if frames == 0:
        raise TruncatedMedia(f"{name} has an audio track but no sound could be read from it; it may be cut off")
    return reached


def _check_end_exists(container, audio, duration: float, name: str) -> None:
    """Raise TruncatedMedia unless audio packets reach near ``duration`` (the tolerance of
    ``chunking.iter_chunks``: 90% of it, or within 2 s)."""
    needed = min(0.9 * duration, duration - 2.0)
    if needed <= 0 or audio.time_base is None:
        return
    start = _start(audio)
    try:
        container.seek(int((start + needed) / audio.time_base), stream=audio, backward=True)
    except av.error.FFmpegError:
        return  # cannot seek in this container: iter_chunks still catches the short decode
    reached = 0.0
    for packet in container.demux(audio):  # from the seek point (a cue or keyframe) to ``needed``
        reached = max(reached, (_packet_end(packet) or 0.0) - start)
        if reached >= needed:
            break
    if reached < needed:
        raise TruncatedMedia(
            f"{name} is cut off: it says it is {_span(duration)} long, but its audio stops early. "
            "The upload was probably interrupted; please upload the complete file again"
        )


def _packet_end(packet) -> float | None:
    ts = packet.pts if packet.pts is not None else packet.dts
    if ts is None or packet.time_base is None:
        return None
    return float((ts + (packet.duration or 0)) * packet.time_base)


def _header_duration(container, audio) -> float | None:
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    if audio.duration is not None and audio.time_base is not None:
        return float(audio.duration * audio.time_base)
    return None


def _start(stream) -> float:
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def _unreadable(path: Path, name: str, size: int) -> Exception:
    """The error for a file FFmpeg refused to open, as specific as its first bytes allow."""
    if _mp4_cut_off(path, size):
        return TruncatedMedia(
            f"{name} is cut off: it is an MP4/MOV file that ends before the index players need to read it. "
            "The upload was probably interrupted; please upload the complete file again"
        )
    return NotMedia(f"{name} is not a video or audio file FFmpeg can read ({_what_it_looks_like(path)})")


def _mp4_cut_off(path: Path, size: int) -> bool:
    """Whether ``path`` starts like an MP4/MOV (an ``ftyp`` box) and its last box runs past the end.

    MP4 writers put the index (``moov``) after the media unless asked for "fast start", so cutting
    such a file anywhere loses the index and FFmpeg can only say the data is invalid.
    """
    offset = 0
    with path.open("rb") as f:
        while offset + 8 <= size:
            f.seek(offset)
            head = f.read(16)
            box_size, kind = struct.unpack(">I4s", head[:8])
            if box_size == 1 and len(head) == 16:  # 64-bit size follows the type
                box_size = struct.unpack(">Q", head[8:])[0]
            if (offset == 0 and kind != b"ftyp") or box_size < 8:  # not MP4, or 0 = "to the end"
                return False
            offset += box_size
    return offset > size


def _what_it_looks_like(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4096)
    for marker, what in PLAYLISTS:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(marker):
            return f"it is {what}, which only points at other files; please upload the video itself"
    try:  # incremental: a multi-byte character cut at the end of ``head`` is fine
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        text = ""
    if text and sum(ch.isprintable() or ch in "\t\n\r\f" for ch in text) >= 0.95 * len(text):
        return "it looks like text"
    return "it does not look like any media format"


PLAYLISTS = (
    (b"#EXTM3U", "an HLS playlist"),
    (b"ffconcat", "an FFmpeg concat script"),
    (b"<MPD", "a DASH manifest"),
)


def _span(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def _bytes(n: int) -> str:
    return f"{n / GIB:.1f} GiB" if n >= GIB else f"{n / 1024**2:.1f} MiB"
