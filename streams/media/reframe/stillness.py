"""Whether a stretch of video shows one still picture: a "video podcast" uploaded as an MP4 of one
image over the episode's sound, or a talk's slide left up. Reframing such a clip crops or fits a
picture that never moves; drawn as an audio-only clip is (``streams.media.audiogram``), with the
picture as its cover and bars that follow the voice, it looks alive.

``Change`` measures how much of the picture differs from the stretch's first frame, fed the cut
detector's small frames (about 160 pixels wide) of the frames sampled for the faces, inside the
media sandbox. Pixels are averaged in 4x4 blocks first: an encoder that codes the same picture
again at a keyframe moves single pixels by up to 67 levels (an x264 CRF 38 still, measured) but a
block's mean by under 10, while a moving mouth or hand moves whole blocks. ``is_still`` adds the
faces: a stretch in which a face was found is taken for a still only when its faces are those of
a picture (``faces_of_a_picture``: two or more, none of them moving: a podcast's cover with its
hosts), since a small speaker filmed wide can move no block (``bench/stillness.py`` measures
both). ``picture_ended`` is the other way a clip is drawn still: its source's picture track ended
before it (one frame muxed over the sound), so there is nothing to crop.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from streams.media.reframe.observations import Box, FrameFaces

BLOCK = 4  # pixels of a small frame averaged together (each side)
LEVEL = 12.0  # a block whose mean moved by more than this (0-255, any channel) has changed
STILL = 0.001  # the most a still picture's blocks may change, as a share (no block of a 160x90 frame)
HELD = 0.005  # the most a printed face moves from its place, as a share of its height (median of the samples)


class Change:
    """The largest share of blocks any frame fed changed against the first (0 with one frame; 1
    when the picture's size changes)."""

    def __init__(self) -> None:
        self.first: np.ndarray | None = None
        self.share = 0.0

    def add(self, image: np.ndarray) -> None:
        """One more frame (an ``height x width x channels`` array), in time order."""
        blocks = _blocks(image)
        if self.first is None:
            self.first = blocks
        elif self.first.shape != blocks.shape:
            self.share = 1.0
        elif self.share < 1.0:
            moved = np.abs(blocks - self.first).max(axis=2) > LEVEL * BLOCK * BLOCK
            self.share = max(self.share, float(moved.mean()))


def _blocks(image: np.ndarray) -> np.ndarray:
    """``image``'s ``BLOCK`` x ``BLOCK`` sums (the ragged edge dropped), as int32."""
    h, w = image.shape[0] // BLOCK * BLOCK, image.shape[1] // BLOCK * BLOCK
    if h == 0 or w == 0:
        return image.astype(np.int32) * BLOCK * BLOCK
    return image[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK, -1).sum(axis=(1, 3), dtype=np.int32)


def is_still(change: float, frames: Sequence[FrameFaces]) -> bool:
    """Whether a stretch whose picture changed by ``change`` (``Change.share``) and whose sampled
    frames showed ``frames`` is one still picture: no face in it, or faces of a picture
    (``faces_of_a_picture``). Any other face, however small or unsure, keeps the stretch a video (a
    person sitting very still on a locked-off wide shot can change no block of a small frame: a GRID
    face at 8 % of a 720p still measured 0). A stretch with no frame sampled (a picture track that
    ended before it) is not a still either."""
    if not frames or change > STILL:
        return False
    return not any(frame.faces for frame in frames) or faces_of_a_picture(frames)


def faces_of_a_picture(frames: Sequence[FrameFaces]) -> bool:
    """Whether the faces found on ``frames`` are printed on one picture, a podcast's cover with its
    hosts, not people filmed: two or more on one frame, and each face found on any frame sits where
    one of those is, its box moved from its usual place by at most ``HELD`` of its height (median
    over the frames it is found on; a face the detector misses on some frames may). One face is
    not enough: a crop shows it whole, and a still portrait is framed as a video of it. Measured
    (``bench/stillness.py``): a cover's two faces, 80-130 pixels tall, moved 0.01-0.03 % (x264 CRF 23
    and 38); GRID faces talking moved 1.2-2.7 %, and 1.6-2.2 % small on a still stage, which moves no
    block; a cover's faces 63 and 36 pixels tall moved 0.25 and 1.6 % at CRF 38, so a cover of small
    faces is still framed."""
    moved = faces_moved(frames)
    return len(moved) >= 2 and all(share <= HELD for share in moved)


def faces_moved(frames: Sequence[FrameFaces]) -> list[float]:
    """How far each face of the frame showing the most moved from its usual place over ``frames``,
    as a share of its height (``_moved``); ``[inf]`` when a face was found away from all of them."""
    most = max(frames, key=lambda frame: len(frame.faces)).faces if frames else ()
    places: list[list[Box]] = [[] for _ in most]
    for frame in frames:
        for face in frame.faces:
            apart, i = min((_apart(known.box, face.box), i) for i, known in enumerate(most))
            if apart > most[i].box.height:  # a face of its own: someone moved in
                return [math.inf]
            places[i].append(face.box)
    return [_moved(boxes) for boxes in places]


def _apart(a: Box, b: Box) -> float:
    return max(abs(a.cx - b.cx), abs(a.cy - b.cy))


def _moved(boxes: Sequence[Box]) -> float:
    """How far ``boxes`` (one face's) lie from their median place and size, as a share of its
    height: the median over the boxes of the largest of the three differences."""
    cx, cy, height = (float(np.median([getattr(b, k) for b in boxes])) for k in ("cx", "cy", "height"))
    if height <= 0:
        return math.inf
    return float(np.median([max(abs(b.cx - cx), abs(b.cy - cy), abs(b.height - height)) for b in boxes])) / height


def picture_ended(picture_end: float | None, start: float, end: float) -> bool:
    """Whether a source whose pictures end at ``picture_end`` (``SourceInfo.picture_end``; None:
    unknown, taken as lasting) shows none over most of the clip ``[start, end]``: its picture track
    ends before the clip's middle (one frame muxed over a whole episode). Such a clip has nothing
    to crop or fit, so it is drawn as a still, its source's last picture the cover."""
    return picture_end is not None and picture_end < (start + end) / 2
