"""Whether a stretch of video shows one still picture: a "video podcast" uploaded as an MP4 of one
image over the episode's sound, or a talk's slide left up. Reframing such a clip crops or fits a
picture that never moves; drawn as an audio-only clip is (``streams.media.audiogram``), with the
picture as its cover and bars that follow the voice, it looks alive.

Two measures, both pure:

- ``Change``: how much of the picture differs from the stretch's first frame, fed the cut
  detector's small frames (about 160 pixels wide) inside the media sandbox. Pixels are averaged in
  4x4 blocks first: an encoder that codes the same picture again at a keyframe moves single pixels
  by up to 60 levels (an x264 CRF 38 still, measured) but a block's mean by under 10, while a
  moving mouth or hand moves whole blocks.
- ``faces_hold``: whether the faces found on the sampled frames stay where they were. A person who
  sits very still on a locked-off camera can change no block of a small frame for a few seconds;
  their face box still moves.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from streams.media.reframe.observations import Face, FrameFaces

BLOCK = 4  # pixels of a small frame averaged together (each side)
LEVEL = 12.0  # a block whose mean moved by more than this (0-255, any channel) has changed
STILL = 0.001  # the most a still picture's blocks may change, as a share (no block of a 160x90 frame)
FACE_SHIFT = 0.02  # a face box edge moving more than this share of the box's height has moved
FACE_SLACK = 1.0  # ... or more than this many pixels (a detector's rounding)


class Change:
    """The largest share of blocks any frame fed changed against the first (0 with one frame)."""

    def __init__(self) -> None:
        self.first: np.ndarray | None = None
        self.share = 0.0

    def add(self, image: np.ndarray) -> None:
        """One more frame (an ``height x width x channels`` array), in time order."""
        blocks = _blocks(image)
        if self.first is None or self.first.shape != blocks.shape:
            self.first = blocks
            return
        if self.share < 1.0:
            moved = np.abs(blocks - self.first).max(axis=2) > LEVEL
            self.share = max(self.share, float(moved.mean()))


def _blocks(image: np.ndarray) -> np.ndarray:
    """``image``'s ``BLOCK`` x ``BLOCK`` means (the ragged edge dropped), as float32."""
    h, w = image.shape[0] // BLOCK * BLOCK, image.shape[1] // BLOCK * BLOCK
    if h == 0 or w == 0:
        return image.astype(np.float32)
    cut = image[:h, :w].astype(np.float32)
    return cut.reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK, -1).mean(axis=(1, 3))


def faces_hold(frames: Sequence[FrameFaces]) -> bool:
    """Whether every sampled frame shows the faces of the first, each where it was (within
    ``FACE_SHIFT`` of its height or ``FACE_SLACK`` pixels): a photograph's faces, not a person's."""
    if not frames:
        return True
    first = sorted(frames[0].faces, key=lambda f: (f.box.x0, f.box.y0))
    for frame in frames[1:]:
        faces = sorted(frame.faces, key=lambda f: (f.box.x0, f.box.y0))
        if len(faces) != len(first) or not all(_same_place(a, b) for a, b in zip(first, faces)):
            return False
    return True


def _same_place(a: Face, b: Face) -> bool:
    slack = max(FACE_SLACK, FACE_SHIFT * a.box.height)
    edges = zip((a.box.x0, a.box.y0, a.box.x1, a.box.y1), (b.box.x0, b.box.y0, b.box.x1, b.box.y1))
    return all(abs(p - q) <= slack for p, q in edges)


def is_still(change: float, frames: Sequence[FrameFaces]) -> bool:
    """Whether a stretch whose picture changed by ``change`` (``Change.share``) and whose sampled
    frames showed ``frames`` is one still picture."""
    return change <= STILL and faces_hold(frames)
