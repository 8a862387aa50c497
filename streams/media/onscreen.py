"""What is on screen in a stretch of video, looked at cheaply, for scoring moments: how many
faces (the face detector passed in, Triton's in the pipeline, on about one frame a second, small
faces searched for and followed as the reframer does, ``reframe.finder``, at a glance's slower
pace) and where the shots change (PySceneDetect's adaptive detector, ``reframe.scenes``).

One decode pass serves both, and it skips what neither needs: the in-loop deblocking filter and,
by default, the frames no other frame is predicted from (B-frames, often half of an H.264
stream). Cuts are then found a frame or two late, which is plenty for a signal that asks whether a
clip opens on a fresh shot (within half a second); the reframer looks again, frame by frame, at
each moment that is rendered. Frames for the detector are shrunk to ``detect_width`` and sent in
batches while the next batch decodes.

``Glance`` is the decode; it parses the upload, so the worker never runs it itself: ``look`` runs
it in the media sandbox (``sandbox_look.Look``) and only sends its pictures to the detector.

A face counts when the reframer's tracker would keep it (``TrackingRules``: confident enough and at
least 3 % of the frame height): a face too small to follow is no speaker to frame.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from streams.errors import MediaLimitExceeded
from streams.media.reframe.finder import GLANCE, FaceFinder
from streams.media.reframe.glance import MAX_SIDE, GlanceOptions
from streams.media.reframe.observations import Face
from streams.media.reframe.sampling import (
    MAX_BATCH,
    SampleClock,
    detection_size,
    find_faces,
)
from streams.media.reframe.scenes import CutDetector, SmallFrames
from streams.media.reframe.stillness import Change
from streams.media.reframe.tracking import TrackingRules
from streams.media.sandbox.limits import SandboxLimits
from streams.media.sandbox.look import Picture, open_look, pictures
from streams.media.source import rotation_of, upright
from streams.vision.face_models import FaceModels


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
    one thread at a time. Use as a context manager. It parses the file: it runs inside the media
    sandbox (``streams.media.sandbox.look``), never in the worker.

    Raises ``MediaError`` when the file has no video track or does not decode."""

    def __init__(self, path: Path | str, start: float, end: float, options: GlanceOptions = GlanceOptions()) -> None:
        self.start, self.end, self.options = start, end, options
        self.frames = SmallFrames(
            Path(path),
            options.scene.width,
            skip_nonref=options.skip_nonref,
            deblock=options.deblock,
            threads=options.threads,
        )
        self.fps = fps = self.frames.fps
        stream = self.frames.stream.codec_context
        # Pictures are turned upright as the display matrix says (a phone held upright stores them
        # on their side), so faces are found upright and in the frame the renderer crops: FFmpeg
        # autorotates what it renders.
        self.rotation = rotation_of(Path(path))
        turned = self.rotation % 180 == 90
        self.width, self.height = (stream.height, stream.width) if turned else (stream.width, stream.height)
        if not (0 < self.width <= MAX_SIDE and 0 < self.height <= MAX_SIDE):
            self.frames.__exit__(None, None, None)
            raise MediaLimitExceeded(
                f"{Path(path).name}: a {self.width}x{self.height} picture is not one we can look at"
            )
        self.detect_size = detection_size(self.width, self.height, options.detect_width)
        self.full_size = detection_size(self.width, self.height, options.full_width) if options.full_width else None
        # The detector counts frames: with non-reference frames skipped it sees about half of them.
        self.cuts = CutDetector(fps / 2 if options.skip_nonref else fps, options.scene)
        self.change = Change()  # of the sampled frames: is it one still picture?
        self._clock = SampleClock(start, min(options.fps, fps), 1.0 / fps)
        self._decoded = self.frames.decoded(max(0.0, start - self.cuts.margin), end + self.cuts.margin)

    @property
    def scale(self) -> tuple[float, float]:
        """Detection pixels per source pixel, horizontally and vertically."""
        return self.detect_size[0] / self.width, self.detect_size[1] / self.height

    def __enter__(self) -> Glance:
        return self

    def __exit__(self, *exc) -> None:
        self._decoded.close()
        self.frames.__exit__(*exc)

    def next_batch(self) -> list[Picture]:
        """Up to ``MAX_BATCH`` pictures due for detection; empty when the range is done (every
        frame up to then has gone to the cut detector)."""
        batch = []
        for picture in self._due():
            batch.append(picture)
            if len(batch) == MAX_BATCH:
                break
        return batch

    def _due(self) -> Iterator[Picture]:
        for t, frame in self._decoded:
            small = self.frames.shrink(frame)
            self.cuts.add(t, small)
            if self.start <= t < self.end and self._clock.take(t):
                self.change.add(small)  # against the first: a sample a second would do
                full = self._picture(frame, self.full_size) if self.full_size is not None else None
                yield Picture(t, self._picture(frame, self.detect_size), full)

    def _picture(self, frame, size: tuple[int, int]) -> np.ndarray:
        """``frame`` as an upright RGB picture of ``size`` (width, height as shown)."""
        width, height = size if self.rotation % 180 == 0 else size[::-1]
        return upright(frame.to_ndarray(width=width, height=height, format="rgb24"), self.rotation)

    def cut_times(self) -> tuple[float, ...]:
        """The cuts in ``[start, end)``; call once, after the last batch."""
        return tuple(t for t in self.cuts.cuts() if self.start <= t < self.end)


async def look(
    models: FaceModels,
    path: Path | str,
    start: float,
    end: float,
    options: GlanceOptions = GlanceOptions(),
    *,
    display_name: str | None = None,
    sandbox: SandboxLimits = SandboxLimits(),
) -> OnScreen:
    """Faces on screen and scene cuts in ``[start, end)`` (source seconds) of the video at
    ``path``, decoded in the media sandbox. Raises ``MediaError`` (no video track, or it does not
    decode), ``SandboxUnavailable`` and ``InferenceError`` (the face models failed)."""
    faces: list[tuple[float, int]] = []
    seen = await open_look(path, start, end, options, display_name=display_name, sandbox=sandbox)
    finder = FaceFinder(seen.width, seen.height, GLANCE)
    async with aclosing(pictures(seen)) as batches:
        async for batch in batches:
            found = await find_faces(models, seen, batch, finder)
            faces += [(round(p.t, 3), count_faces(f, seen.height, options.faces)) for p, f in zip(batch, found)]
    result = seen.result
    assert result is not None  # pictures() ends once next_batch has read the result
    return OnScreen(tuple(faces), result.cuts)
