"""What the renderer needs to know about a source video: ``SourceInfo``, and ``describe``, which
reads it with PyAV. ``describe`` parses the upload, so the worker runs it in the media sandbox
(``sandbox.read_source``); it is plain here so the child can call it and tests can check it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from streams.errors import MediaUnreadable, NotMedia
from streams.media.audio import SAFE_OPTIONS, file_url


@dataclass(frozen=True)
class SourceInfo:
    """What rendering needs to know about a source. ``width``/``height`` are as displayed (after
    rotation metadata); 0 when there is no video. ``fps``/``duration`` are None when unknown."""

    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float | None = None
    duration: float | None = None


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
            attached = av.stream.Disposition.attached_pic  # cover art is not a video track
            video = next((s for s in container.streams.video if not s.disposition & attached), None)
            has_audio = bool(container.streams.audio)
            duration = container.duration / 1_000_000 if container.duration else None
            width, height, rate = 0, 0, None
            if video is not None:
                width, height = video.codec_context.width, video.codec_context.height
                rate = video.average_rate or video.guessed_rate
                frame = next(container.decode(video), None)
                if frame is not None and frame.rotation % 180 == 90:  # FFmpeg autorotates
                    width, height = height, width
            has_video = bool(video is not None and width and height)
            fps = float(rate) if has_video and rate else None
    except (av.FFmpegError, OSError) as exc:
        raise MediaUnreadable(f"cannot read source {name}: {exc}") from exc
    if not has_video and not has_audio:
        raise NotMedia(f"source {name} has neither a video nor an audio stream")
    return SourceInfo(has_video, has_audio, width, height, fps, duration)
