"""Reading a rendered clip's pictures back for the checks of what was drawn."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The first picture of ``path`` at or after ``seconds``, RGB, rows first, as signed integers
    (so differences of two frames do not wrap)."""
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            if frame.time >= seconds:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds}s in {path}")
