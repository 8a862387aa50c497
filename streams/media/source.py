"""What the renderer needs to know about a source video: ``SourceInfo``, and ``describe``, which
reads it with PyAV. ``describe`` parses the upload, so the worker runs it in the media sandbox
(``sandbox.read_source``); it is plain here so the child can call it and tests can check it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streams.errors import MediaUnreadable, NotMedia
from streams.media.audio import SAFE_OPTIONS, file_url

# Podcast directories ask for square cover art of 1400 to 3000 pixels a side (Apple Podcasts); a
# larger picture is not decoded for a clip's background.
ARTWORK_MAX = 4096


@dataclass(frozen=True)
class SourceInfo:
    """What rendering needs to know about a source. ``width``/``height`` are as displayed (after
    rotation metadata); 0 when there is no video. ``fps``/``duration`` are None when unknown.
    ``artwork``: the index of the stream of its cover art (``cover_of``), drawn in an audio-only
    clip; None without one. ``picture_end``: where the video track's pictures end, in seconds
    from the file's start (``picture_end``); None when the file does not say or has no video."""

    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float | None = None
    duration: float | None = None
    artwork: int | None = None
    picture_end: float | None = None


def video_track(container):
    """The first real video stream of an open PyAV ``container``, None without one: cover art (an
    attached picture, as in a podcast's MP4) is not a video track."""
    import av

    attached = av.stream.Disposition.attached_pic
    return next((s for s in container.streams.video if not s.disposition & attached), None)


def artwork_track(container):
    """The cover art of an open PyAV ``container``: its first attached picture (as podcasts' MP3 and
    M4A files carry), None without one or when that is larger than ``ARTWORK_MAX`` a side."""
    import av

    attached = av.stream.Disposition.attached_pic
    cover = next((s for s in container.streams.video if s.disposition & attached), None)
    if cover is None:
        return None
    width, height = cover.codec_context.width, cover.codec_context.height
    return cover if 0 < width <= ARTWORK_MAX and 0 < height <= ARTWORK_MAX else None


def cover_of(container) -> int | None:
    """The stream index of the open ``container``'s cover art (``artwork_track``) when its picture
    decodes, else None: a broken cover is left out rather than failing every clip's render. Seeks
    to the start to read it: seek again before decoding anything else."""
    import av

    cover = artwork_track(container)
    if cover is None:
        return None
    try:
        container.seek(0)
        picture = next(container.decode(cover), None)
    except av.FFmpegError:
        return None
    return cover.index if picture is not None else None


def picture_end(container, stream) -> float | None:
    """Where the pictures of the video ``stream`` of the open ``container`` end, in seconds from
    the file's start (as a clip's times count): from the ``DURATION`` tag FFmpeg writes into
    Matroska, else, in MP4 and QuickTime, from the track's own header (its start plus its
    duration); None otherwise. Elsewhere FFmpeg fills a stream's duration in from the file's, so it
    says nothing. A picture track can end long before the sound: one frame over a whole episode is
    what muxing an image with the audio, without looping it, makes."""
    end = _clock_seconds(stream.metadata.get("DURATION"))
    if end is None and stream.duration and stream.time_base and "mp4" in container.format.name.split(","):
        end = float((stream.duration + (stream.start_time or 0)) * stream.time_base)
    if end is None:
        return None
    return max(0.0, end - (container.start_time or 0) / 1_000_000)


def _clock_seconds(text: str | None) -> float | None:
    """Seconds in a ``HH:MM:SS.fraction`` tag; None when ``text`` is not one."""
    try:
        hours, minutes, seconds = (float(part) for part in (text or "").split(":"))
    except ValueError:  # not three numbers
        return None
    total = hours * 3600 + minutes * 60 + seconds
    return total if math.isfinite(total) and total >= 0 else None


def frame_rate(stream) -> float | None:
    """A video stream's frame rate: its average, else FFmpeg's guess; None when neither is known."""
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None


def display_rotation(container, stream) -> int:
    """How far (degrees counter-clockwise: 0, 90, 180 or 270) the pictures of the video ``stream``
    of an open PyAV ``container`` are turned to be shown upright, as its display matrix says and
    FFmpeg's autorotation does (a phone video held upright is stored on its side). Read from the
    first frame, so it decodes one: seek before decoding again. 0 when the stream has no frame;
    PyAV's error when the first one does not decode."""
    frame = next(container.decode(stream), None)
    return round((frame.rotation if frame is not None else 0) / 90) % 4 * 90


def rotation_or_zero(container, stream) -> int:
    """``display_rotation`` read from the start of the open ``container`` (sought back to it
    first); 0 when the first frame does not decode (the caller's own decode says why, or, for
    the probe, the picture is not what transcription needs)."""
    import av

    container.seek(0)
    try:
        return display_rotation(container, stream)
    except av.FFmpegError:
        return 0


def rotation_of(path: Path) -> int:
    """``rotation_or_zero`` of the video track (``video_track``) of the file at ``path``; 0
    without one or when the file does not open."""
    import av

    try:
        with av.open(file_url(path), options=SAFE_OPTIONS) as container:
            video = video_track(container)
            return rotation_or_zero(container, video) if video is not None else 0
    except av.FFmpegError:
        return 0


def upright(picture: np.ndarray, rotation: int) -> np.ndarray:
    """A decoded ``picture`` (rows first) turned as a ``rotation`` of ``display_rotation`` says."""
    if rotation % 360 == 0:
        return picture
    return np.ascontiguousarray(np.rot90(picture, rotation // 90))


def describe(path: Path, display_name: str | None = None) -> SourceInfo:
    """Open ``path`` with PyAV (local files only) and describe it. ``NotMedia`` when it does not
    open as media or holds neither video nor audio, ``MediaUnreadable`` when its first frame
    does not decode."""
    import av

    name = display_name or Path(path).name
    try:
        container = av.open(file_url(path), options=SAFE_OPTIONS)
    except (av.FFmpegError, OSError) as exc:
        raise NotMedia(f"cannot read source {name}: {exc}") from exc
    try:
        with container:
            video = video_track(container)
            has_audio = bool(container.streams.audio)
            duration = container.duration / 1_000_000 if container.duration else None
            width, height, rate, ends = 0, 0, None, None
            if video is not None:
                width, height = video.codec_context.width, video.codec_context.height
                rate, ends = frame_rate(video), picture_end(container, video)
                if display_rotation(container, video) % 180:  # FFmpeg autorotates
                    width, height = height, width
            has_video = bool(video is not None and width and height)
            fps, ends = (rate, ends) if has_video else (None, None)
            artwork = cover_of(container)
    except (av.FFmpegError, OSError) as exc:
        raise MediaUnreadable(f"cannot read source {name}: {exc}") from exc
    if not has_video and not has_audio:
        raise NotMedia(f"source {name} has neither a video nor an audio stream")
    return SourceInfo(has_video, has_audio, width, height, fps, duration, artwork, ends)
