"""Whether the process this media work runs in is being stopped.

A reader or an ffmpeg ended by a signal is usually the file's doing (it crashed its reader) and
fails the video. Ended while the process is stopping, it is the stop's doing (a signal to the whole
process group, a container's shutdown) and worth retrying elsewhere. The media code cannot tell
which on its own, so whoever stops the process says how to: it ``watch``-es a predicate (the
worker does, with ``streams.worker.shutdown.STATE``). Nothing watched: nothing is stopping.
"""

from __future__ import annotations

from collections.abc import Callable

_watched: Callable[[], bool] | None = None


def watch(predicate: Callable[[], bool] | None) -> None:
    """Read ``predicate()`` to know whether the process is stopping (None: it never is)."""
    global _watched
    _watched = predicate


def stopping() -> bool:
    """Whether the process is being stopped, as the watched predicate says."""
    return _watched is not None and _watched()
