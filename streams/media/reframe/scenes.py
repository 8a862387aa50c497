"""Scene cuts in a stretch of a video, with PySceneDetect's adaptive content detector.

Frames are decoded with PyAV (threaded, deblocking skipped: a cut detector does not need the
in-loop filter's last bit of quality) and shrunk to about ``SceneOptions.width`` pixels wide by
taking every n-th pixel of the YUV planes, which costs almost nothing next to decoding. Every frame
is looked at (no frame skipping), so a cut is reported on the exact first frame of the new shot.

The adaptive detector compares each frame's change against the mean change of its neighbours, so
a cut between two similar-looking shots (the same studio, another speaker) stands out from the
frame-to-frame noise of either shot, while a steady pan or a moving speaker does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generator, Iterator

import numpy as np

from streams.errors import EmptyMedia, MediaError, NotMedia, TruncatedMedia
from streams.media.audio import SAFE_OPTIONS
from streams.media.source import frame_rate, video_track

if TYPE_CHECKING:
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream


@dataclass(frozen=True)
class SceneOptions:
    """How cuts are found.

    Attributes:
        adaptive_threshold: how many times larger than its neighbours' mean a frame's change must
            be to count as a cut (PySceneDetect's ``adaptive_threshold``).
        min_change: the least change (PySceneDetect's ``content_val``, 0-255) a cut may have,
            however still the neighbouring frames are.
        window: frames on each side whose change is averaged for the comparison.
        min_scene_seconds: the shortest shot; a cut closer than this to the previous one is dropped.
        width: frames are shrunk to about this many pixels wide before comparing.
    """

    adaptive_threshold: float = 3.0
    min_change: float = 10.0
    window: int = 2
    min_scene_seconds: float = 0.5
    width: int = 160


def detect_cuts(
    path: Path | str, start: float = 0.0, end: float | None = None, options: SceneOptions = SceneOptions()
) -> list[float]:
    """Times in seconds (source time) of the first frame of each new shot strictly after ``start``
    and before ``end`` (the end of the video when None).

    Raises ``MediaError`` (``EmptyMedia``, ``NotMedia``, ``TruncatedMedia``) when ``path`` has no
    video that decodes, with a message that names the file."""
    if end is not None and end <= start:
        return []
    frames = SmallFrames(Path(path), options.width)
    with frames:
        detector = CutDetector(frames.fps, options)
        last = None if end is None else end + detector.margin
        for t, image in frames.between(max(0.0, start - detector.margin), last):
            detector.add(t, image)
    return [t for t in detector.cuts() if t > start and (end is None or t < end)]


class CutDetector:
    """PySceneDetect's adaptive detector fed one small BGR frame at a time, in time order.

    ``fps`` is the rate of the frames fed (it sets the window and the shortest shot in frames). A
    cut on frame i is only decided once ``options.window`` frames after it are seen, and needs the
    frames before it: feed frames from ``margin`` seconds before the range to ``margin`` after.
    """

    def __init__(self, fps: float, options: SceneOptions = SceneOptions()) -> None:
        from scenedetect import AdaptiveDetector

        self.fps = fps
        self.margin = (options.window + 1) / fps
        self._detector = AdaptiveDetector(
            adaptive_threshold=options.adaptive_threshold,
            min_content_val=options.min_change,
            window_width=options.window,
            min_scene_len=max(1, round(options.min_scene_seconds * fps)),
        )
        self._times: list[float] = []
        self._found: list = []

    def add(self, t: float, image: np.ndarray) -> None:
        from scenedetect.common import FrameTimecode

        self._found += self._detector.process_frame(FrameTimecode(len(self._times), fps=self.fps), image)
        self._times.append(t)

    def cuts(self) -> list[float]:
        """The times of the first frames of new shots among the frames fed, ascending (call once,
        after the last frame)."""
        from scenedetect.common import FrameTimecode

        times = self._times
        if times:
            self._found += self._detector.post_process(FrameTimecode(len(times) - 1, fps=self.fps))
        return sorted({times[c.frame_num] for c in self._found if 0 < c.frame_num < len(times)})


class SmallFrames:
    """A video's frames, shrunk to BGR images about ``width`` pixels wide, with their times in
    seconds from the start of the file. Use as a context manager.

    ``skip_nonref`` leaves out the frames no other frame is predicted from (B-frames: often half
    of an H.264 stream, for half the decoding); cuts are then found on the first decoded frame of
    the new shot, a frame or two late. ``deblock`` keeps the in-loop deblocking filter (skipped
    otherwise: a cut detector does not need it, a face crop looks better with it); ``threads``
    caps the decoder's threads (0: FFmpeg's choice)."""

    def __init__(
        self, path: Path, width: int, skip_nonref: bool = False, deblock: bool = False, threads: int = 0
    ) -> None:
        import av
        from av.codec.context import ThreadType

        self.path, self.width = path, width
        if not path.is_file():
            raise MediaError(f"{path.name} does not exist or is not a file")
        if path.stat().st_size == 0:
            raise EmptyMedia(f"{path.name} is empty (0 bytes)")
        try:
            self.container = av.open(str(path), options=SAFE_OPTIONS)
        except av.error.FFmpegError as exc:
            raise NotMedia(f"{path.name} is not a video FFmpeg can read") from exc
        stream = video_track(self.container)
        if stream is None:
            self.container.close()
            raise MediaError(f"{path.name} has no video track, so there are no scene cuts to find")
        self.stream: VideoStream = stream
        self.fps = frame_rate(self.stream) or 25.0
        start_time = self.container.start_time
        self.offset = start_time / 1_000_000 if start_time else 0.0
        self.stream.thread_type = ThreadType.AUTO
        if threads:
            self.stream.codec_context.thread_count = threads
        if not deblock:
            self.stream.codec_context.options = {"skip_loop_filter": "all"}
        if skip_nonref:
            self.stream.codec_context.skip_frame = "NONREF"

    def __enter__(self) -> SmallFrames:
        return self

    def __exit__(self, *exc) -> None:
        self.container.close()

    def between(self, first: float, last: float | None) -> Iterator[tuple[float, np.ndarray]]:
        """``(t, bgr)`` for each frame shown from ``first`` to ``last`` seconds (None: the end)."""
        for t, frame in self.decoded(first, last):
            yield t, self.shrink(frame)

    def shrink(self, frame) -> np.ndarray:
        """A decoded frame as a small BGR image about ``width`` pixels wide."""
        return _shrink(frame, self.width)

    def decoded(self, first: float, last: float | None) -> Generator[tuple[float, VideoFrame], None, None]:
        """``(t, frame)`` for each decoded ``av.VideoFrame`` shown from ``first`` to ``last``
        seconds (None: the end)."""
        import av

        if first > 0:
            self.container.seek(int((first + self.offset) * 1_000_000), backward=True)
        reached = first
        try:
            for frame in self.container.decode(self.stream):
                if frame.time is None:
                    continue
                t = frame.time - self.offset
                if t < first - 0.5 / self.fps:
                    continue
                if last is not None and t > last:
                    return
                reached = t
                yield t, frame
        except av.error.FFmpegError as exc:
            raise TruncatedMedia(
                f"{self.path.name}: the video stops decoding after {reached:.2f} s; the file may be cut off or damaged"
            ) from exc


def _shrink(frame, width: int) -> np.ndarray:
    """The frame as a small BGR image about ``width`` pixels wide."""
    import cv2

    step = max(1, frame.width // width)
    if frame.format.name in ("yuv420p", "yuvj420p") and step >= 2:
        step -= step % 2
        luma = _plane(frame.planes[0], frame.width, frame.height)[::step, ::step]
        cb = _plane(frame.planes[1], (frame.width + 1) // 2, (frame.height + 1) // 2)[:: step // 2, :: step // 2]
        cr = _plane(frame.planes[2], (frame.width + 1) // 2, (frame.height + 1) // 2)[:: step // 2, :: step // 2]
        h, w = min(luma.shape[0], cb.shape[0]), min(luma.shape[1], cb.shape[1])
        ycrcb = np.dstack([luma[:h, :w], cr[:h, :w], cb[:h, :w]])
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2BGR)
    size = (max(1, frame.width // step), max(1, frame.height // step))
    return frame.to_ndarray(width=size[0], height=size[1], format="bgr24")


def _plane(plane, width: int, height: int) -> np.ndarray:
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height, :width]
