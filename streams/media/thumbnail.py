"""The clip's thumbnail: a sharp frame with the speaker's face, near the hook.

Frames are read from the rendered MP4 (so the thumbnail shows what viewers see, captions
included) at ``CANDIDATES`` times spread over the first ``LATEST`` seconds of the clip (the hook)
and scored by the variance of the Laplacian of their grey levels (blurred and mid-motion frames
score low). When the caller knows where the speaker's face is (the reframe plan's faces), a frame
that shows it inside the picture beats any frame without it; if none of the hook's frames does
(the clip opens on a wide shot or a cutaway), as many frames up to ``FACE_LATEST`` seconds are
looked at for one. Without a face anywhere, the sharpest frame of the hook is taken.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

CANDIDATES = 5
EARLIEST, LATEST = 0.3, 3.0
FACE_LATEST = 6.0


def candidate_times(duration: float, count: int = CANDIDATES) -> list[float]:
    """``count`` clip times from ``EARLIEST`` to ``LATEST`` s, kept inside short clips."""
    last = min(LATEST, duration - 0.1)
    if last <= EARLIEST:
        return [max(0.0, duration / 2)]
    return [round(EARLIEST + (last - EARLIEST) * i / (count - 1), 3) for i in range(count)]


def later_times(duration: float, count: int = CANDIDATES) -> list[float]:
    """``count`` clip times after ``LATEST`` up to ``FACE_LATEST`` s (inside the clip), where a
    face is looked for when the hook shows none; empty for a clip that ends before."""
    last = min(FACE_LATEST, duration - 0.1)
    if last <= LATEST:
        return []
    step = (last - LATEST) / count
    return [round(LATEST + step * (i + 1), 3) for i in range(count)]


def sharpness(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of a grey image (every other pixel, which is plenty
    for ranking and four times cheaper)."""
    g = gray[::2, ::2].astype(np.float32)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(lap.var())


def choose(scores: list[tuple[float, float, bool | None]]) -> float:
    """The time of the best ``(time, sharpness, face_visible)``: the sharpest with a visible face
    in the hook (up to ``LATEST``), else the sharpest with one later, else the sharpest of the
    hook (of all, if none is in the hook)."""
    hook = [s for s in scores if s[0] <= LATEST] or scores
    later = [s for s in scores if s[0] > LATEST]
    for group in ([s for s in hook if s[2]], [s for s in later if s[2]], hook):
        if group:
            return max(group, key=lambda s: s[1])[0]
    raise ValueError("no frames to choose from")


def write_thumbnail(
    mp4: Path,
    duration: float,
    out: Path,
    face_visible: Callable[[float], bool | None] | None = None,
    quality: int = 88,
) -> float:
    """Write the chosen frame of ``mp4`` to ``out`` as a JPEG; the clip time it was taken at.
    ``face_visible(t)`` says whether a face is inside the picture at clip time ``t`` (None: not
    known). Blocking: call it in a thread from async code."""
    import av
    from PIL import Image

    wanted = candidate_times(duration) + (later_times(duration) if face_visible else [])
    frames: dict[float, av.VideoFrame] = {}
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        half_frame = 0.5 / float(stream.average_rate or 30)
        pending = list(wanted)
        last = None
        for frame in container.decode(stream):
            last = frame
            while pending and frame.time is not None and frame.time >= pending[0] - half_frame:
                frames[pending.pop(0)] = frame
            if not pending:
                break
        for t in pending:  # the clip is shorter than its metadata said
            if last is not None:
                frames[t] = last
    if not frames:
        raise ValueError(f"{mp4.name} has no video frames")
    scores = [
        (t, sharpness(f.to_ndarray(format="gray")), face_visible(t) if face_visible else None)
        for t, f in frames.items()
    ]
    at = choose(scores)
    Image.fromarray(frames[at].to_ndarray(format="rgb24")).save(out, format="JPEG", quality=quality)
    return at
