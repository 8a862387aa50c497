"""A worker's graceful stop: the state its parts share once SIGTERM or SIGINT arrives.

On the first signal the worker (``streams.worker.process.Worker``) calls ``begin`` with its grace period
(``Settings.worker_stop_grace_seconds``) and waits (``wait_idle``) until no message is in hand or
the grace is over; then Faust's own stop runs: the consumer leaves its groups and the agents are
cancelled. Meanwhile:

- ``runtime.run_guarded`` counts the message it works on as in hand (``holding``); a retriable
  failure, or a retry pause, while stopping ends its work on the message (``set_aside``): no
  dead letter, no failed video, since the cause is likely the stop itself (a child killed) and the
  next owner of the partition retries it anyway;
- ``runtime.handle_message`` (``handle_batch`` for the sinks' batches, which are in hand while
  written) starts no new message once stopping: it waits there, without acknowledging it (Faust
  acknowledges an event when its ``async for`` advances), until the agent is cancelled;
- a message set aside, or still taken when the grace is over (``abandon_taken``), or whose agent
  is cancelled with it, is ``abandon``-ed: Faust's stream still acknowledges it as it closes the
  agents' streams (which need not wait for the agents' cancellation; commits run meanwhile), and
  ``streams.worker.consumer.Consumer`` leaves its offset out of every commit, so the next owner of its
  partition reads it again;
- the media sandbox and the render read ``stopping`` (through ``streams.media.stopping``, which
  this module watches) to tell a child killed because the worker is stopping from a file that
  crashed its reader.

A second signal ends the grace at once (``hurry``). The state lives in one module-level
``STATE``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from contextlib import contextmanager
from typing import Any, Iterator, NoReturn

from streams.media import stopping as media_stopping


class Stopping:
    """Whether the worker is stopping, by when its work in hand should be done, and what is in hand."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Not stopping, nothing in hand, nothing abandoned (a new worker; tests)."""
        self.stopping = False
        self.deadline: float | None = None  # time.monotonic() at which the grace ends
        self._in_hand: dict[int, str] = {}
        self._tokens = itertools.count()
        self._waiters: list[asyncio.Future] = []
        self._abandoned: set[tuple[str, int, int]] = set()  # (topic, partition, offset)
        self._taken: dict[int, list] = {}  # weak references to the messages the agents are on

    # -- the worker --------------------------------------------------------------------------------
    def begin(self, grace_seconds: float) -> None:
        """Stop taking messages; what is in hand has ``grace_seconds`` to finish (the first signal)."""
        if not self.stopping:
            self.stopping = True
            self.deadline = time.monotonic() + max(0.0, grace_seconds)
        self._wake()

    def hurry(self) -> None:
        """End the grace now (a second signal): nothing in hand is waited for any longer."""
        self.stopping = True
        self.deadline = time.monotonic()
        self._wake()

    def grace_left(self) -> float:
        """Seconds of grace left (0 once over; infinite while not stopping)."""
        if not self.stopping or self.deadline is None:
            return float("inf")
        return max(0.0, self.deadline - time.monotonic())

    async def wait_idle(self, until: float | None = None) -> bool:
        """Until nothing is in hand (True), or the grace (or ``until``, a ``time.monotonic()``) is
        over first (False)."""
        while self._in_hand:
            left = self.grace_left()
            if until is not None:
                left = min(left, until - time.monotonic())
            if left <= 0:
                return False
            await self._changed(left)
        return True

    # -- the work ----------------------------------------------------------------------------------
    @contextmanager
    def holding(self, what: str) -> Iterator[None]:
        """``what`` (a stage and a video) is in hand for the duration."""
        try:
            with self._entered(self._in_hand, what):
                yield
        finally:
            if not self._in_hand:
                self._wake()

    @contextmanager
    def taking(self, messages: list) -> Iterator[None]:
        """The agent is on ``messages`` (weak references to Faust messages) for the duration,
        working or set aside: ``abandon_taken`` marks them if the worker gives up on them."""
        with self._entered(self._taken, messages):
            yield

    @contextmanager
    def _entered(self, registry: dict, entry: Any) -> Iterator[None]:
        """``entry`` in ``registry`` (under a token of its own) for the duration."""
        token = next(self._tokens)
        registry[token] = entry
        try:
            yield
        finally:
            registry.pop(token, None)

    def abandon_taken(self) -> int:
        """Abandon every message an agent is on (the grace is over): from now on nothing Faust
        does as it stops (it acknowledges them as it closes the agents' streams) can commit them.
        How many."""
        count = 0
        for messages in list(self._taken.values()):
            for message in messages:
                self.abandon(message())
                count += 1
        return count

    @property
    def in_hand(self) -> list[str]:
        return list(self._in_hand.values())

    async def pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` (a retry's pause), ending early when the worker begins to stop; True if
        it is stopping."""
        deadline = time.monotonic() + seconds
        while not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await self._changed(left)
        return self.stopping

    async def set_aside(self) -> NoReturn:
        """Wait until cancelled: the message in hand is neither finished nor acknowledged, and the
        agent goes no further (the worker is stopping; Faust cancels its agents at the end)."""
        while True:
            await asyncio.get_running_loop().create_future()

    def abandon(self, message) -> None:
        """``message`` (a Faust ``Message``; None: nothing) was not finished: never commit it. Its
        place is kept (not the object: it is collected once its stream acknowledged it, and its
        offset must stay uncommitted after that)."""
        if message is not None:
            self._abandoned.add((message.topic, message.partition, message.offset))

    def abandoned(self, message) -> bool:
        return (
            getattr(message, "topic", None),
            getattr(message, "partition", None),
            getattr(message, "offset", None),
        ) in self._abandoned

    def abandoned_offsets(self, topic: str, partition: int) -> set[int]:
        """The offsets of ``topic``'s ``partition`` abandoned here."""
        return {o for t, p, o in self._abandoned if t == topic and p == partition}

    # -- waking ------------------------------------------------------------------------------------
    async def _changed(self, timeout: float) -> None:
        """Until the state changes (stopping begins, the grace is cut, nothing is in hand) or
        ``timeout`` seconds pass."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, None if timeout == float("inf") else timeout)
        except TimeoutError:
            pass
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


STATE = Stopping()
media_stopping.watch(lambda: STATE.stopping)  # a reader killed while stopping is not the file's fault
