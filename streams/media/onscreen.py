"""What is on screen in a stretch of video, looked at cheaply, for scoring moments: how many
faces (Triton's ``face_detector`` on about one frame a second) and where the shots change
(PySceneDetect's adaptive detector, ``reframe.scenes``).

One decode pass serves both, and it skips what neither needs: the in-loop deblocking filter and,
by default, the frames no other frame is predicted from (B-frames, often half of an H.264
stream). Cuts are then found a frame or two late, which is plenty for a signal that asks whether a
clip opens on a fresh shot (within half a second); the reframer looks again, frame by frame, at
each moment that is rendered. Frames for the detector are shrunk to ``detect_width`` and sent in
batches while the next batch decodes in a worker thread.

A face counts when the reframer's tracker would keep it (``TrackingRules``: confident enough and at
least 3 % of the frame height): a face too small to follow is no speaker to frame.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

from streams.media.reframe.observations import Face
from streams.media.reframe.sampling import MAX_BATCH, SampleClock, detect_faces, detection_size
from streams.media.reframe.scenes import CutDetector, SceneOptions, SmallFrames
from streams.media.reframe.tracking import TrackingRules

if TYPE_CHECKING:
    from streams.adapters.triton import TritonClient


@dataclass(frozen=True)
class GlanceOptions:
    """How a stretch of video is looked at.

    Attributes:
        fps: frames sent to the face detector per second of video.
        detect_width: those frames are shrunk to at most this many pixels wide.
        skip_nonref: decode only the frames other frames are predicted from (about half the
            decoding; cuts a frame or two late).
        scene: the cut detector's settings.
        faces: which detections count as a face on screen.
    """

    fps: float = 1.0
    detect_width: int = 640
    skip_nonref: bool = True
    scene: SceneOptions = field(default_factory=SceneOptions)
    faces: TrackingRules = field(default_factory=TrackingRules)

    def __post_init__(self) -> None:
        if not self.fps > 0:
            raise ValueError(f"fps must be positive, got {self.fps}")


@dataclass(frozen=True)
class OnScreen:
    """What a stretch of video shows.

    Attributes:
        faces: ``(seconds, faces on screen)`` per sampled frame, in time order.
        cuts: source times of the first frames of new shots, ascending.
    """

    faces: tuple[tuple[float, int], ...] = ()
    cuts: tuple[float, ...] = ()


def count_faces(faces: Sequence[Face], frame_height: float, rules: TrackingRules = TrackingRules()) -> int:
    """How many of ``faces`` (one frame's detections) the reframer's tracker would keep."""
    min_height = rules.min_face_fraction * frame_height
    return sum(1 for f in faces if f.score >= rules.min_score and f.box.height >= min_height)


class Glance:
    """The blocking half: one decode of ``[start, end)`` of ``path`` that feeds every decoded frame
    to a cut detector and hands out the frames due for face detection in batches. Not thread safe:
    one thread at a time. Use as a context manager.

    Raises ``MediaError`` when the file has no video track or does not decode."""

    def __init__(self, path: Path | str, start: float, end: float, options: GlanceOptions = GlanceOptions()) -> None:
        self.start, self.end, self.options = start, end, options
        self.frames = SmallFrames(Path(path), options.scene.width, skip_nonref=options.skip_nonref)
        fps = self.frames.fps
        stream = self.frames.stream.codec_context
        self.width, self.height = stream.width, stream.height
        self.detect_size = detection_size(self.width, self.height, options.detect_width)
        # The detector counts frames: with non-reference frames skipped it sees about half of them.
        self.cuts = CutDetector(fps / 2 if options.skip_nonref else fps, options.scene)
        self._clock = SampleClock(start, min(options.fps, fps), 1.0 / fps)
        self._decoded = self.frames.decoded(max(0.0, start - self.cuts.margin), end + self.cuts.margin)

    @property
    def scale(self) -> tuple[float, float]:
        """Detection pixels per source pixel, horizontally and vertically."""
        return self.detect_size[0] / self.width, self.detect_size[1] / self.height

    def __enter__(self) -> "Glance":
        return self

    def __exit__(self, *exc) -> None:
        self._decoded.close()
        self.frames.__exit__(*exc)

    def next_batch(self) -> list[tuple[float, np.ndarray]]:
        """Up to ``MAX_BATCH`` ``(t, rgb)`` frames due for detection; empty when the range is done
        (every frame up to then has gone to the cut detector)."""
        batch = []
        for t, image in self._due():
            batch.append((t, image))
            if len(batch) == MAX_BATCH:
                break
        return batch

    def _due(self) -> Iterator[tuple[float, np.ndarray]]:
        width, height = self.detect_size
        for t, frame in self._decoded:
            self.cuts.add(t, self.frames.shrink(frame))
            if self.start <= t < self.end and self._clock.take(t):
                yield t, frame.to_ndarray(width=width, height=height, format="rgb24")

    def cut_times(self) -> tuple[float, ...]:
        """The cuts in ``[start, end)``; call once, after the last batch."""
        return tuple(t for t in self.cuts.cuts() if self.start <= t < self.end)


async def look(client: "TritonClient", path: Path | str, start: float, end: float,
               options: GlanceOptions = GlanceOptions()) -> OnScreen:
    """Faces on screen and scene cuts in ``[start, end)`` (source seconds) of the video at
    ``path``. Raises ``MediaError`` (no video track, or it does not decode) and ``InferenceError``
    (Triton failed)."""
    glance = await asyncio.to_thread(Glance, path, start, end, options)
    faces: list[tuple[float, int]] = []
    pending: asyncio.Future | None = None
    try:
        pending = asyncio.ensure_future(asyncio.to_thread(glance.next_batch))
        while True:
            batch = await pending
            pending = None
            if not batch:
                return OnScreen(tuple(faces), await asyncio.to_thread(glance.cut_times))
            pending = asyncio.ensure_future(asyncio.to_thread(glance.next_batch))
            found = await detect_faces(client, np.stack([image for _, image in batch]), glance.scale,
                                       (glance.width, glance.height))
            faces += [(round(t, 3), count_faces(f, glance.height, options.faces)) for (t, _), f in zip(batch, found)]
    finally:
        if pending is not None:  # the decoding thread must finish before its container closes
            await asyncio.gather(pending, return_exceptions=True)
        glance.__exit__(None, None, None)
