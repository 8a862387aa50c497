"""Windows: runs of consecutive whole sentences, each a clip the ranking could cut
(``candidate_windows``), which ``scoring`` scores and ``reasons`` describes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterator, Sequence

from streams.domain.words import Word
from streams.moments.lengths import DEFAULT_LENGTH
from streams.moments.sentences import Sentence


@dataclass(frozen=True)
class Window:
    """A run of consecutive sentences (in time order; never empty) that could become one clip."""

    sentences: tuple[Sentence, ...]

    @property
    def start(self) -> float:
        return self.sentences[0].start

    @property
    def end(self) -> float:
        return self.sentences[-1].end

    @property
    def duration(self) -> float:
        return self.end - self.start

    @cached_property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.sentences for w in s.words)


def candidate_windows(
    sentences: Sequence[Sentence],
    min_seconds: float = DEFAULT_LENGTH.min_seconds,
    max_seconds: float = DEFAULT_LENGTH.max_seconds,
) -> Iterator[Window]:
    """Every run of consecutive sentences spanning between ``min_seconds`` and ``max_seconds``,
    ordered by start then end."""
    for i, first in enumerate(sentences):
        for j in range(i, len(sentences)):
            span = sentences[j].end - first.start
            if span > max_seconds:
                break
            if span >= min_seconds:
                yield Window(tuple(sentences[i : j + 1]))
