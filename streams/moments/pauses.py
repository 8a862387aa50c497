"""Pauses: speakers breathe between thoughts, so a clip that starts and ends at a longer pause than
usual is more likely to hold one whole thought.

``Pauses`` records the silence before and after every sentence of the talk so far and the talk's
median gap between sentences. A window's ``breaks`` value is the mean of its two edge pauses
(each capped at ``CAP_SECONDS``) against ``STRONG_GAPS`` times that median, capped at 1. The
talk's first and last sentence count as no break: a talk opens on greetings and ends on thanks,
not on a clip's setup or payoff (and while streaming, the last sentence heard is not the last of
the talk). Measured on the labelled talks, counting them as full breaks pulled the greeting into
the ranking when the whole video is ranked at once. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Sequence

from streams.moments.sentences import Sentence
from streams.prosody.pitch import PitchTrack

CAP_SECONDS = 2.0  # a longer silence says no more about a break than this one
STRONG_GAPS = 3.0  # an edge pause this many times the usual gap between sentences is a full break
MIN_TYPICAL_GAP = 0.05  # sentences run together in fast speech; keeps the ratio finite


def gaps_between(sentences: Sequence[Sentence], pitch: PitchTrack | None = None) -> list[float]:
    """The silence between each two consecutive sentences, in order (never negative). Given the
    voice's ``pitch`` track, each gap also counts the longest stretch without voice from the start
    of one sentence's last word to the end of the next one's first word: a recogniser may stretch a
    last word over the pause after it (Whisper stretched "globe." 0.8 s into the break that opens
    the next passage of a speech), and the voice's absence cannot be stretched. Over our labelled
    talks the sum tells a passage's edge from a pause inside it better than either part alone."""
    gaps = []
    for a, b in zip(sentences, sentences[1:]):
        gap = max(0.0, b.start - a.end)
        unvoiced = pitch.longest_unvoiced(a.words[-1].start, b.words[0].end) if pitch is not None else None
        gaps.append(gap if unvoiced is None else gap + unvoiced)
    return gaps


@dataclass(frozen=True)
class Pauses:
    """Attributes:
    before: sentence start -> seconds of silence before it (0 for the first).
    after: sentence end -> seconds of silence after it (0 for the last).
    typical: the median gap between two sentences of the talk.
    """

    before: dict[float, float]
    after: dict[float, float]
    typical: float

    @classmethod
    def of(cls, sentences: Sequence[Sentence]) -> Pauses:
        gaps = gaps_between(sentences)
        before = {s.start: min(CAP_SECONDS, g) for s, g in zip(sentences[1:], gaps)}
        after = {s.end: min(CAP_SECONDS, g) for s, g in zip(sentences, gaps)}
        if sentences:
            before[sentences[0].start] = 0.0
            after[sentences[-1].end] = 0.0
        return cls(before, after, max(MIN_TYPICAL_GAP, median(gaps)) if gaps else MIN_TYPICAL_GAP)

    def breaks(self, sentences: Sequence[Sentence]) -> float:
        """How clearly a window of ``sentences`` is set off by pauses at both ends, in [0, 1]."""
        return self._clearness([self.before.get(sentences[0].start, 0.0), self.after.get(sentences[-1].end, 0.0)])

    def cuts(self, sentences: Sequence[Sentence]) -> float | None:
        """How clearly the window's cuts are set off by pauses, in [0, 1], as ``breaks`` counts
        them but of the edges inside the talk alone: the talk's own start and end cut nothing.
        None for a window of the whole talk. What a clip's reason warns of (``breaks`` counts a
        talk's edges as no break, for the ranking's sake)."""
        if not self.before or not sentences:
            return None
        edges = []
        if sentences[0].start != min(self.before):
            edges.append(self.before.get(sentences[0].start, 0.0))
        if sentences[-1].end != max(self.after):
            edges.append(self.after.get(sentences[-1].end, 0.0))
        return self._clearness(edges) if edges else None

    def _clearness(self, edges: Sequence[float]) -> float:
        """The mean of edge pauses against ``STRONG_GAPS`` times the talk's usual gap, capped at 1."""
        return min(1.0, sum(edges) / len(edges) / (STRONG_GAPS * self.typical))
