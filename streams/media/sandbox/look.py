"""Looking at a stretch of an upload's picture from inside the media sandbox: the worker's side.

The decoding (``onscreen.Glance``: every frame to the cut detector, frames sampled for face
detection, and for the reframer the audio's loudness too) runs in the confined child of
``streams.media.sandbox``; the worker gets the pictures and runs the models on them. A decoder
that hangs, crashes or eats memory on a hostile file so costs that file's job, never the worker.

The child answers, in order: an ``I`` frame with the picture's geometry, a ``P`` frame per sampled
picture (read in batches, the next one decoding while Triton works on this one), an ``I`` frame
with the cuts, the change and the loudness, then ``D``. Nothing it says is trusted
(``sandbox_protocol.geometry_from_payload``, ``picture_from_payload``, ``result_from_payload``).
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, AsyncGenerator

import numpy as np

from streams.media.probe import printable_name
from streams.media.reframe.glance import MAX_SIDE
from streams.media.reframe.observations import Loudness
from streams.media.sandbox import protocol as wire
from streams.media.sandbox.handle import Child
from streams.media.sandbox.limits import SandboxLimits

if TYPE_CHECKING:
    from streams.media.reframe.glance import GlanceOptions

DECODER_THREADS = max(1, min(4, os.cpu_count() or 1))


@dataclass
class Picture:
    """A sampled frame: its time (source seconds), the shrunk RGB image for detection and, when
    asked for, the frame itself at up to ``GlanceOptions.full_width`` pixels wide (RGB), to cut
    faces out of."""

    t: float
    small: np.ndarray
    full: np.ndarray | None = None


@dataclass(frozen=True)
class LookResult:
    """What the child says once every picture is out: the cuts in ``[start, end)``, the
    loudness (None when not asked for, or there is no sound) and the largest share of the
    picture that changed against the stretch's first frame (``stillness.Change``)."""

    cuts: tuple[float, ...]
    loudness: Loudness | None
    change: float = 0.0


class Look:
    """``onscreen.Glance`` of ``[start, end)`` of ``path`` in a confined child (and, given
    ``loudness=(start, end, hop)``, ``sampling.read_loudness`` of that stretch): the geometry at
    once (``width``, ``height``, ``fps``, ``detect_size``, ``full_size``), ``next_batch`` for
    pictures, then ``result``. Blocking (call from a thread); one thread at a time; ``close()``
    (or the context manager) stops the child.

    Raises ``MediaError`` for a file that cannot be looked at (no video track, does not decode,
    too slow or too big to decode) and ``SandboxUnavailable`` when the child could not start.

    ``opened=False`` only starts the child: ``open()`` then waits for the geometry (``open_look``
    does, so that the child can be stopped meanwhile)."""

    def __init__(
        self,
        path: Path | str,
        start: float,
        end: float,
        options: GlanceOptions,
        *,
        loudness: tuple[float, float, float] | None = None,
        display_name: str | None = None,
        sandbox: SandboxLimits = SandboxLimits(),
        threads: int = DECODER_THREADS,
        opened: bool = True,
    ) -> None:
        self.name = printable_name(display_name or Path(path).name)
        self.options = options
        self.result: LookResult | None = None
        request = {
            "op": "look",
            "start": start,
            "end": end,
            "options": {**asdict(options), "threads": threads},
            "loudness": loudness,
        }
        seconds = sandbox.video_seconds(end - start)
        largest = 8 + 3 * MAX_SIDE * (options.detect_width + options.full_width)
        self._child = Child(path, self.name, request, sandbox, seconds, max_chunk_bytes=largest, cpu_threads=threads)
        if opened:
            self.open()

    def open(self) -> None:
        """Read the picture's geometry, the child's first answer (blocking; once). Closes the
        look if that fails."""
        try:
            kind, payload = self._child.next_frame()
            if kind != wire.INFO:
                raise self._child.unexpected(kind)
            self.geometry = self._child.parse(
                wire.geometry_from_payload, payload, self.options.detect_width, self.options.full_width, MAX_SIDE
            )
        except BaseException:
            self.close()
            raise
        self.width, self.height = self.geometry.width, self.geometry.height
        self.fps = self.geometry.fps
        self.detect_size, self.full_size = self.geometry.detect_size, self.geometry.full_size

    @property
    def pid(self) -> int:
        """The child's process id (to watch it; it is reaped here)."""
        return self._child.proc.pid

    @property
    def scale(self) -> tuple[float, float]:
        """Detection pixels per source pixel, horizontally and vertically."""
        return self.detect_size[0] / self.width, self.detect_size[1] / self.height

    @property
    def full_scale(self) -> tuple[float, float]:
        """Full-frame pixels per source pixel (1 unless the source is wider than ``full_width``)."""
        if self.full_size is None:
            return 1.0, 1.0
        return self.full_size[0] / self.width, self.full_size[1] / self.height

    def next_batch(self, size: int = 8) -> list[Picture]:
        """Up to ``size`` pictures; empty once they are all out (``result`` is then set)."""
        batch: list[Picture] = []
        while len(batch) < size and self.result is None:
            kind, payload = self._child.next_frame()
            if kind == wire.PICTURE:
                t, small, full = self._child.parse(wire.picture_from_payload, payload, self.detect_size, self.full_size)
                batch.append(Picture(t, small, full))
            elif kind == wire.INFO:
                cuts, loudness, change = self._child.parse(wire.result_from_payload, payload)
                self._child.finish()
                self.result = LookResult(cuts, loudness, change)
            else:
                raise self._child.unexpected(kind)
        return batch

    def stop(self) -> None:
        """Kill the child; safe from another thread while ``next_batch`` waits there (that call
        then raises ``SandboxUnavailable``)."""
        self._child.kill()

    def close(self) -> None:
        """Stop the child and reap it (idempotent; not while another thread reads)."""
        self._child.cleanup()  # kills it first

    def __enter__(self) -> Look:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


async def open_look(path: Path | str, start: float, end: float, options: GlanceOptions, **kwargs) -> Look:
    """``Look(path, start, end, options, **kwargs)``, opened in a thread, and safe to cancel: a
    caller cancelled while the child starts (Whisper failing beside the transcriber's look, say)
    gets the child stopped and reaped before the cancellation goes on. A ``to_thread(Look, ...)``
    cancelled there would leave the thread to open it for no one: a child running, its pipe full,
    until the worker stops."""
    lock, started, abandoned = threading.Lock(), [], False

    def opening() -> Look:
        look = Look(path, start, end, options, opened=False, **kwargs)
        with lock:
            started.append(look)
            if abandoned:
                look.stop()  # open() then fails at once, and closes it
        look.open()
        return look

    task = asyncio.ensure_future(asyncio.to_thread(opening))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with lock:
            abandoned = True
            for look in started:
                look.stop()
        await _settled(task)  # the child is killed or not started yet: moments
        if not task.cancelled() and task.exception() is None:
            await _closed(task.result())
        raise


async def _settled(task: asyncio.Future) -> None:
    """Wait for ``task`` to end, whatever cancels the waiter meanwhile (the task itself is never
    cancelled: a thread cannot be), and leave its outcome unread."""
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            continue
    if not task.cancelled():
        task.exception()


async def _closed(look: Look) -> None:
    """``look.close()`` in a thread, waited for even if the waiter is cancelled meanwhile."""
    await _settled(asyncio.ensure_future(asyncio.to_thread(look.close)))


async def pictures(look: Look, size: int = 8) -> AsyncGenerator[list[Picture], None]:
    """``look``'s pictures in batches of ``size``, the next batch read in a thread while the
    caller works on this one; ``look`` is closed at the end, however it ends, a second
    cancellation included (use it under ``contextlib.aclosing``, so that an error in the
    caller's loop ends it at once)."""
    pending: asyncio.Future | None = None
    try:
        pending = asyncio.ensure_future(asyncio.to_thread(look.next_batch, size))
        while True:
            batch = await asyncio.shield(pending)
            pending = None
            if not batch:
                return
            pending = asyncio.ensure_future(asyncio.to_thread(look.next_batch, size))
            yield batch
    finally:
        if pending is not None:  # the reading thread must finish before the child is reaped
            look.stop()
            await _settled(pending)
        await _closed(look)
