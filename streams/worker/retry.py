"""The retry budget of a stage: how long, and how many times, one message's transient failure is
tried again before the message is dead-lettered and its video failed.

A budget has two limits, whichever comes first: ``attempts`` (tries in all, the first included)
and ``seconds`` (from the first try's start; a pause that would end past it is not taken). Pauses
grow from ``backoff`` by doubling up to ``max_backoff``, each drawn between half and all of that
("equal jitter": never zero, so an outage gets real time to pass, and spread out, so workers that
failed together do not come back together).

While a message is retried its stage waits (the agent handles one message at a time): transient
failures are nearly always shared (Triton, the database, the store are down for everyone), so the
stage holding back is the right pressure, and the budget bounds it.

Every stage has the defaults of the ``stage_*`` settings; ``stage_retry_budgets`` overrides them per
stage as ``stage=attempts/seconds`` pairs, e.g. ``transcribe=12/600,render=4/120``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace
from typing import Callable

from streams.errors import ConfigError
from streams.settings import Settings


@dataclass(frozen=True)
class RetryBudget:
    """Attributes:
    attempts: tries in all, the first included (at least 1).
    seconds: the most time from the first try's start within which another try may begin.
    backoff: the first pause's upper bound; doubled after each try.
    max_backoff: the largest pause bound.
    """

    attempts: int = 8
    seconds: float = 300.0
    backoff: float = 1.0
    max_backoff: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.seconds < 0 or self.backoff < 0 or self.max_backoff < self.backoff:
            raise ConfigError(
                f"a retry budget needs attempts >= 1, seconds >= 0 and 0 <= backoff <= max_backoff; got {self}"
            )

    def start(
        self, clock: Callable[[], float] = time.monotonic, rng: Callable[[float, float], float] = random.uniform
    ) -> Tries:
        return Tries(self, clock, rng)

    def describe(self) -> str:
        return f"{self.attempts} tries within {self.seconds:g} s"


class Tries:
    """One message's use of a budget: ask ``pause()`` after each failed try."""

    def __init__(self, budget: RetryBudget, clock: Callable[[], float], rng: Callable[[float, float], float]):
        self.budget, self.clock, self.rng = budget, clock, rng
        self.began = clock()
        self.count = 1  # the try under way
        self._bound = budget.backoff

    @property
    def elapsed(self) -> float:
        return self.clock() - self.began

    def pause(self) -> float | None:
        """Seconds to wait before the next try, or None when the budget is spent."""
        if self.count >= self.budget.attempts:
            return None
        bound = min(self._bound, self.budget.max_backoff)
        wait = self.rng(bound / 2, bound)
        if self.elapsed + wait > self.budget.seconds:
            return None
        self._bound = bound * 2
        self.count += 1
        return wait

    def spent(self) -> str:
        """How much of the budget went, for a reason a person reads."""
        tries = "1 try" if self.count == 1 else f"{self.count} tries"
        return f"gave up after {tries} in {self.elapsed:.0f} s"


def budget_for(stage: str, settings: Settings) -> RetryBudget:
    """``stage``'s budget: the ``stage_*`` settings, with its ``stage_retry_budgets`` entry if any."""
    budget = RetryBudget(
        attempts=settings.stage_attempts,
        seconds=settings.stage_retry_seconds,
        backoff=settings.stage_retry_backoff_seconds,
        max_backoff=max(settings.stage_retry_backoff_seconds, settings.stage_retry_max_backoff_seconds),
    )
    override = parse_overrides(settings.stage_retry_budgets).get(stage)
    if override is not None:
        budget = replace(budget, attempts=override[0], seconds=override[1])
    return budget


def parse_overrides(text: str) -> dict[str, tuple[int, float]]:
    """``"transcribe=12/600, render=4/120"`` as ``{stage: (attempts, seconds)}``."""
    out: dict[str, tuple[int, float]] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        stage, sep, limits = item.partition("=")
        attempts, slash, seconds = limits.partition("/")
        try:
            if not sep or not slash or not stage.strip():
                raise ValueError
            out[stage.strip()] = (int(attempts), float(seconds))
        except ValueError:
            raise ConfigError(
                f"CLIPSTREAM_STAGE_RETRY_BUDGETS: {item!r} is not stage=attempts/seconds (e.g. transcribe=12/600)"
            ) from None
        if out[stage.strip()][0] < 1 or out[stage.strip()][1] < 0:
            raise ConfigError(f"CLIPSTREAM_STAGE_RETRY_BUDGETS: {item!r} needs attempts >= 1 and seconds >= 0")
    return out
