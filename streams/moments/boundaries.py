"""Boundaries: once a stretch of talk is chosen, set the clip's edges where the thought does.

Scoring picks *what* to clip; its window can still start a sentence or two into a story, or stop
before the line that lands (the sentences at a story's edges often say little on their own). A
speaker marks where a passage starts and ends with a longer pause than those between its
sentences, so ``settle_edges`` moves each edge of a chosen window to the clearest break nearby:
it may reach up to ``REACH_OUT`` sentences outward (to take in a setup or a punchline) or
``REACH_IN`` inward (to drop a stray sentence of the neighbouring passage), and keeps the clip
inside the length range and clear of the other picks. A break's clearness is its pause's rank
among all the talk's pauses between sentences, so it adapts to fast and slow speakers alike; a
pause under ``CLEAR_RATIO`` times the talk's median pause is no break at all (ranks among
near-equal pauses are noise), and neither is the talk's very start or end (greetings and
goodbyes are no clip's setup or payoff). Each sentence moved costs ``MOVE_COST``, so the edges
stay put unless a clearly better break is near; but a start moves out up to ``SETUP`` sentences to
a break about as clear as its own (``ABOUT_AS_CLEAR``), since a setup comes before its hook. A move
that costs the clip more than ``TOLERANCE`` of its score is not made. Pure: sentences in, a window out.
"""

from __future__ import annotations

import bisect
from statistics import median
from typing import Callable, Sequence

from streams.moments.lengths import LengthRange
from streams.moments.pauses import gaps_between
from streams.moments.sentences import Sentence
from streams.moments.windows import Window
from streams.prosody.pitch import PitchTrack

# Sentences an edge may move outward: a setup or a payoff. At 7 a stand-up bit of short lines
# ("I scan a banana.") lost its first two to the clip picked on its closing line; 9, 10 and 12 all
# keep every labelled talk's hits whole (bench/moments_quality.py).
REACH_OUT = 10
REACH_IN = 2  # sentences an edge may move inward: a stray sentence from the next passage
MOVE_COST = 0.02  # in pause-rank units (0-1) per sentence moved: ties go to the chosen edges
TOLERANCE = 15.0  # score points (of 100) a settled clip may lose against the window chosen
CLEAR_RATIO = 1.5  # a pause this many times the talk's median pause between sentences is a break
# A start may move this many sentences outward, to a break about as clear as its own (a pause at
# least ``ABOUT_AS_CLEAR`` of its length), whatever the ranks say: near-equal pauses do not tell
# which one opens the passage, and a story's setup comes before the line that hooks (the
# commencement speech's clip began two sentences into its story, after its setup).
SETUP = 2
ABOUT_AS_CLEAR = 0.9


class Breaks:
    """How clear a break lies before each sentence of a talk, as the rank of its pause.

    ``clearness(i)`` is for the boundary before sentence ``i`` (``i == len(sentences)`` is the
    end of the last one): 0.0 at the talk's ends and for a pause under ``CLEAR_RATIO`` times
    the median, else the share of the talk's pauses that are shorter than this one. Given the
    voice's ``pitch`` track, a pause also counts how long the voice is absent around it
    (``pauses.gaps_between``); the ``breaks`` signal that scores windows reads word gaps alone
    (with both, one talk in nine lost a hit to a near tie: bench/moments_quality.py).
    """

    def __init__(self, sentences: Sequence[Sentence], pitch: PitchTrack | None = None) -> None:
        self.sentences = tuple(sentences)
        self._gaps = gaps_between(self.sentences, pitch)
        self._sorted = sorted(self._gaps)
        self._least = CLEAR_RATIO * median(self._gaps) if self._gaps else 0.0
        self._index = {s.start: i for i, s in enumerate(self.sentences)}

    def clearness(self, i: int) -> float:
        if i <= 0 or i >= len(self.sentences):
            return 0.0
        gap = self._gaps[i - 1]
        if gap < self._least or gap <= 0.0:
            return 0.0
        return bisect.bisect_left(self._sorted, gap) / len(self._sorted)

    def about_as_clear(self, i: int, j: int, ratio: float = ABOUT_AS_CLEAR) -> bool:
        """Whether the break before sentence ``i`` is a pause at least ``ratio`` times the one before ``j``."""
        if min(i, j) <= 0 or max(i, j) >= len(self.sentences) or self.clearness(i) == 0.0:
            return False
        return self._gaps[i - 1] >= ratio * self._gaps[j - 1]

    def position(self, sentence: Sentence) -> int:
        return self._index[sentence.start]


def settle_edges(
    window: Window,
    breaks: Breaks,
    length: LengthRange,
    allowed: Callable[[Window], bool] = lambda w: True,
    worth: Callable[[Window], float] | None = None,
) -> Window:
    """``window`` with its edges moved to the clearest breaks within reach (see the module doc),
    still inside ``length`` and ``allowed`` (the selector allows what collides with no other
    pick), and, given ``worth`` (the 0-100 score), worth at most ``TOLERANCE`` less than
    ``window``: a break is no reason to lose the hook or the story that made the window the pick.
    ``window`` itself when no move helps. Every sentence of ``window`` must be in ``breaks``."""
    sentences = breaks.sentences
    floor = worth(window) - TOLERANCE if worth is not None else None
    first = breaks.position(window.sentences[0])
    stop = breaks.position(window.sentences[-1]) + 1
    best, best_key = window, breaks.clearness(first) + breaks.clearness(stop)
    for lo in range(max(0, first - REACH_OUT), min(stop, first + REACH_IN + 1)):
        for hi in range(max(lo + 1, stop - REACH_IN), min(len(sentences), stop + REACH_OUT) + 1):
            duration = sentences[hi - 1].end - sentences[lo].start
            if not length.min_seconds <= duration <= length.max_seconds:
                continue
            start, moved = breaks.clearness(lo), abs(lo - first)
            if first - SETUP <= lo < first and breaks.about_as_clear(lo, first):
                start, moved = max(start, breaks.clearness(first)) + 1e-6, 0  # as clear as its own, and free
            key = start + breaks.clearness(hi) - MOVE_COST * (moved + abs(hi - stop))
            if key <= best_key:
                continue
            candidate = Window(tuple(sentences[lo:hi]))
            if not allowed(candidate) or (worth is not None and floor is not None and worth(candidate) < floor):
                continue
            best, best_key = candidate, key
    return best
