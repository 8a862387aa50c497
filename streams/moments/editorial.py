"""Editorial: does a stretch of talk read like what an editor clips, or like what they skip?

Editors clip stories with a turn, surprising facts, hard-won lessons and dramatic moments; they
skip greetings, thanks, agendas, announcements, summaries, product details and plans. Each kind
is written down as a few plain-English descriptions (``PICKS`` and ``SKIPS``). A sentence is
embedded together with its neighbours (``context`` on each side: one sentence alone says too
little), and its raw score is how much closer that embedding lies to the nearest pick than to
the nearest skip. Raw scores are then measured against the talk's own (median and MAD of the
sentences known so far), since some talks are all stories and some all logistics: what matters
is which parts of *this* talk stand out.

A window's value rewards being made of standout sentences and being a whole story: its
duration-weighted mean score, plus how far that mean rises above the better of the two
sentences just outside it. A window cut inside a story has a neighbour as strong as itself; a
window that runs on into filler lowers its own mean. The result goes through a logistic to
[0, 1]. Pure: embeddings in, numbers out; the agent does the embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from streams.moments.sentences import Sentence

PICKS: tuple[str, ...] = (
    "a surprising true story with a twist and a punchline",
    "a memorable lesson learned the hard way",
    "an unexpected fact that changes how you see something",
    "a dramatic moment when everything went wrong",
)
SKIPS: tuple[str, ...] = (
    "housekeeping announcements and logistics",
    "an outline of what this talk will cover",
    "thanking the organisers and the team",
    "a summary of what we discussed",
    "product features, pricing and the roadmap",
)
# The descriptions are English and so is the encoder (all-MiniLM-L6-v2 was trained on English
# pairs): a sentence in another language lies about as close to the picks as to the skips
# (DEVELOPERS.md, "Moments in other languages"), so only English sentences are scored on this.
LANGUAGE = "en"
CONTEXT = 1  # neighbours on each side embedded with a sentence
CONTRAST = 1.0  # weight of "rises above what is just outside" against "stands out in the talk"
EDGE = -1.0  # the score assumed beyond the talk's first and last sentence (no story continues there)
_MAD_TO_SD = 1.4826
_FLOOR = 1e-6


@dataclass(frozen=True)
class EditorialMap:
    """Each sentence's editorial score, measured against the talk (0 is the talk's median; one
    unit is one robust standard deviation), and the pick it resembles most.

    Attributes:
        starts: the sentences' start times, ascending (the sentences the map was made from).
        scores: the score of each sentence, same order.
        nearest: for each sentence, the index into ``PICKS`` of the description it is closest to.
    """

    starts: tuple[float, ...]
    scores: tuple[float, ...]
    nearest: tuple[int, ...]

    def __post_init__(self) -> None:
        if not len(self.starts) == len(self.scores) == len(self.nearest):
            raise ValueError("starts, scores and nearest must have one entry per sentence")

    @cached_property
    def _index(self) -> dict[float, int]:
        return {start: i for i, start in enumerate(self.starts)}

    def covers(self, sentences: Sequence[Sentence]) -> bool:
        """Whether every one of ``sentences`` is in the map (a map of fewer sentences says
        nothing about the rest)."""
        return bool(sentences) and all(s.start in self._index for s in sentences)

    def value(self, sentences: Sequence[Sentence]) -> float:
        """How much a window of consecutive ``sentences`` (all in the map) is a whole standout
        story, in [0, 1]: 0.5 is an ordinary stretch of this talk."""
        first, last = self._index[sentences[0].start], self._index[sentences[-1].start]
        scores = np.asarray(self.scores[first : last + 1])
        durations = np.asarray([max(s.end - s.start, 0.01) for s in sentences])
        inside = float((scores * durations).sum() / durations.sum())
        before = self.scores[first - 1] if first > 0 else EDGE
        after = self.scores[last + 1] if last + 1 < len(self.scores) else EDGE
        lift = inside + CONTRAST * (inside - max(before, after))
        return float(1.0 / (1.0 + np.exp(-lift)))

    def strongest_pick(self, sentences: Sequence[Sentence]) -> str:
        """The description of ``PICKS`` the window's best sentence is closest to (for reasons)."""
        best = max((self._index[s.start] for s in sentences), key=lambda i: self.scores[i])
        return PICKS[self.nearest[best]]


def editorial_map(
    sentences: Sequence[Sentence],
    embeddings: np.ndarray,
    picks: np.ndarray,
    skips: np.ndarray,
    context: int = CONTEXT,
) -> EditorialMap:
    """The editorial map of ``sentences`` from their unit-length ``embeddings`` (one row each) and
    those of the ``PICKS`` and ``SKIPS`` descriptions (same model, same order)."""
    if len(sentences) != len(embeddings):
        raise ValueError(f"{len(sentences)} sentences but {len(embeddings)} embeddings")
    if len(picks) == 0 or len(skips) == 0:
        raise ValueError("need at least one pick and one skip description")
    if not sentences:
        return EditorialMap((), (), ())
    embeddings = np.asarray(embeddings, dtype=np.float32)
    # Each sentence with its neighbours: a running sum makes every window's mean one subtraction.
    cumulative = np.vstack([np.zeros((1, embeddings.shape[1]), np.float32), np.cumsum(embeddings, axis=0)])
    n = len(sentences)
    lo = np.clip(np.arange(n) - context, 0, n)
    hi = np.clip(np.arange(n) + context + 1, 0, n)
    around = (cumulative[hi] - cumulative[lo]) / (hi - lo)[:, None]
    around /= np.maximum(np.linalg.norm(around, axis=1, keepdims=True), _FLOOR)
    to_picks, to_skips = around @ np.asarray(picks).T, around @ np.asarray(skips).T
    raw = to_picks.max(axis=1) - to_skips.max(axis=1)
    median = float(np.median(raw))
    spread = float(np.median(np.abs(raw - median))) * _MAD_TO_SD
    scores = (raw - median) / max(spread, _FLOOR)
    return EditorialMap(
        starts=tuple(s.start for s in sentences),
        scores=tuple(round(float(v), 4) for v in scores),
        nearest=tuple(int(i) for i in to_picks.argmax(axis=1)),
    )
