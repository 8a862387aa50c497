"""Selection: the best moments that do not overlap, picked once and for all while a video streams.

A pick is published as soon as it is made (its clip starts rendering), so a pick is never taken
back. ``StreamingSelector`` therefore paces itself: by the time it has heard a fraction of the
video it has used at most that fraction of the clip budget, keeping room for what comes later.
"""

from __future__ import annotations

import math
from typing import Iterable, Protocol, Sequence

from streams.moments.scoring import (
    ScoredMoment,
    Window,
    candidate_windows,
    score_window,
)
from streams.moments.sentences import Sentence
from streams.moments.signals import EnergyEnvelope

FALLBACK_MIN_SECONDS = 3.0
# Guards the quota against float noise (5 * 120 / 600 must give 1, not 0.999...).
_EPSILON = 1e-9


class Span(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


def overlaps(a: Span, b: Span) -> bool:
    """Whether two time spans share time; spans that only touch at a boundary do not."""
    return a.start < b.end and b.start < a.end


def _rank_key(moment: ScoredMoment) -> tuple[float, float, float]:
    return (-moment.score, moment.start, moment.end)


def select(scored: Iterable[ScoredMoment], count: int, taken: Iterable[Span] = ()) -> list[ScoredMoment]:
    """Up to ``count`` moments, greedily by score (earlier first on ties), overlapping neither each
    other nor anything in ``taken``. Returned best first."""
    chosen: list[ScoredMoment] = []
    blocked: list[Span] = list(taken)
    for moment in sorted(scored, key=_rank_key):
        if len(chosen) >= count:
            break
        if any(overlaps(moment, other) for other in blocked):
            continue
        chosen.append(moment)
        blocked.append(moment)
    return chosen


def final_ranking(picks: Iterable[ScoredMoment]) -> list[tuple[int, ScoredMoment]]:
    """``(rank, moment)`` with rank 1 for the best score; earlier moments first on ties."""
    return list(enumerate(sorted(picks, key=_rank_key), start=1))


class StreamingSelector:
    """Picks up to ``count`` non-overlapping moments while the transcript grows.

    Deterministic: the same sequence of ``advance`` calls gives the same picks, and after a
    restart ``restore`` seeds a new selector with the picks already published.
    """

    def __init__(
        self, count: int, video_duration: float, min_seconds: float = 20.0, max_seconds: float = 60.0
    ) -> None:
        if count < 0:
            raise ValueError(f"count must be 0 or more, got {count}")
        if video_duration <= 0:
            raise ValueError(f"video_duration must be positive, got {video_duration}")
        if not 0 < min_seconds <= max_seconds:
            raise ValueError(f"need 0 < min_seconds <= max_seconds, got {min_seconds} and {max_seconds}")
        self.count = count
        self.video_duration = video_duration
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds
        self._picked: list[ScoredMoment] = []

    @property
    def picked(self) -> list[ScoredMoment]:
        """Every pick so far, in the order they were made (a copy)."""
        return list(self._picked)

    def restore(self, picked: Iterable[ScoredMoment]) -> "StreamingSelector":
        """Replace the picks with ones made before a restart; returns the selector for chaining."""
        picks = list(picked)
        for i, a in enumerate(picks):
            for b in picks[i + 1 :]:
                if overlaps(a, b):
                    raise ValueError(f"restored picks overlap: {a.start}-{a.end} and {b.start}-{b.end}")
        self._picked = picks
        return self

    def quota(self, settled_until: float, final: bool) -> int:
        """How many picks in total may exist once the transcript is settled up to ``settled_until``."""
        if final:
            return self.count
        share = self.count * max(0.0, settled_until) / self.video_duration
        return min(self.count, math.floor(share + _EPSILON))

    def advance(
        self,
        sentences_so_far: Sequence[Sentence],
        settled_until: float,
        final: bool,
        envelope: EnergyEnvelope | None = None,
    ) -> list[ScoredMoment]:
        """New picks only. Before ``final`` only sentences ending by ``settled_until`` are used
        (later words may still be revised); at ``final`` all of them, and a short video that fits
        no window still yields one moment."""
        sentences = sentences_so_far if final else [s for s in sentences_so_far if s.end <= settled_until]
        need = self.quota(settled_until, final) - len(self._picked)
        new: list[ScoredMoment] = []
        if need > 0:
            windows = candidate_windows(sentences, self.min_seconds, self.max_seconds)
            new = select(self._score_free(windows, envelope), need, taken=self._picked)
        if final and not self._picked and not new and self.count > 0:
            new = self._fallback(sentences, envelope)
        self._picked.extend(new)
        return new

    def _score_free(self, windows: Iterable[Window], envelope: EnergyEnvelope | None) -> list[ScoredMoment]:
        # Scoring is the costly part; windows that collide with a pick can never be chosen.
        limits = (self.min_seconds, self.max_seconds)
        return [
            score_window(w, envelope, limits=limits)
            for w in windows
            if not any(overlaps(w, p) for p in self._picked)
        ]

    def _fallback(self, sentences: Sequence[Sentence], envelope: EnergyEnvelope | None) -> list[ScoredMoment]:
        """The best run of at least a few seconds, else the whole transcript: a short video still
        gets a clip."""
        if not sentences:
            return []
        windows = list(candidate_windows(sentences, FALLBACK_MIN_SECONDS, self.max_seconds))
        if not windows:
            windows = [Window(tuple(sentences))]
        return select(self._score_free(windows, envelope), 1)
