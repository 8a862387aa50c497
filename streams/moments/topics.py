"""Topics: where a talk moves on to something else, so a clip keeps its setup and its payoff.

TextTiling on sentence embeddings: at every gap between two sentences, compare the mean embedding
of the few sentences before it with that of the few after it. A topic change is a valley in that
similarity; its *depth* is how far the similarity climbs back up on both sides. Valleys whose
depth stands out (above ``mean - std / 2`` of every gap's depth, and above ``min_depth``) become
boundaries, at least ``min_sentences`` apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from streams.moments.sentences import Sentence

BLOCK = 3  # sentences on each side of a gap
MIN_DEPTH = 0.15  # cosine; below this even the deepest valley is just talk wandering
# The floor in multilingual-e5's space, whose cosines lie far closer together (at 0.15 it finds no
# topic in any labelled talk). Matched to MiniLM's boundaries (0.03-0.05: on the scripts in seven
# other languages as near the passages' starts as MiniLM's, and more of them), e5's topics cost
# the translated scripts up to 5 hits of 72; at 0.1 it keeps only its surest few, and each of the
# 41 labelled readings hits as many highlights as with MiniLM's topics (bench/results/
# ranking_sweep_topics.json against ranking_sweep_recut.json's 0.66).
MULTILINGUAL_MIN_DEPTH = 0.1
MIN_SENTENCES = 3  # the shortest topic


@dataclass(frozen=True)
class TopicMap:
    """Topic boundaries of one list of sentences, by time.

    Attributes:
        starts: start time of the first sentence of each topic, ascending; the first is the
            first sentence's start.
        ends: end time of the last sentence of each topic, in the same order.
        depths: how sharp each boundary is (cosine depth), for ``starts[1:]``.
    """

    starts: tuple[float, ...] = ()
    ends: tuple[float, ...] = ()
    depths: tuple[float, ...] = ()

    @cached_property
    def _starts(self) -> frozenset[float]:
        return frozenset(self.starts)

    @cached_property
    def _ends(self) -> frozenset[float]:
        return frozenset(self.ends)

    def boundaries_inside(self, sentences: Sequence[Sentence]) -> int:
        """How many topic changes fall between the first and last of ``sentences``."""
        return sum(1 for s in sentences[1:] if s.start in self._starts)

    def starts_topic(self, sentence: Sentence) -> bool:
        return sentence.start in self._starts

    def ends_topic(self, sentence: Sentence) -> bool:
        return sentence.end in self._ends


def gap_similarities(embeddings: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """Cosine similarity across each gap: ``result[g - 1]`` compares the ``block`` sentences before
    sentence ``g`` with the ``block`` from ``g`` on (fewer at the edges)."""
    vectors = np.asarray(embeddings, dtype=np.float64)
    n = len(vectors)
    if n < 2:
        return np.zeros(0)
    sums = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(vectors, axis=0)])
    out = np.empty(n - 1)
    for g in range(1, n):
        left = sums[g] - sums[max(0, g - block)]
        right = sums[min(n, g + block)] - sums[g]
        norm = np.linalg.norm(left) * np.linalg.norm(right)
        out[g - 1] = float(left @ right / norm) if norm > 0 else 1.0
    return out


def depth_scores(similarities: np.ndarray) -> np.ndarray:
    """For each gap, how far the similarity rises to the nearest peak on the left plus on the
    right (0 where the gap is not a valley)."""
    sims = np.asarray(similarities, dtype=np.float64)
    depths = np.zeros(len(sims))
    for i, value in enumerate(sims):
        left = i
        while left > 0 and sims[left - 1] >= sims[left]:
            left -= 1
        right = i
        while right < len(sims) - 1 and sims[right + 1] >= sims[right]:
            right += 1
        depths[i] = (sims[left] - value) + (sims[right] - value)
    return depths


def boundaries(
    embeddings: np.ndarray, block: int = BLOCK, min_depth: float = MIN_DEPTH, min_sentences: int = MIN_SENTENCES
) -> list[tuple[int, float]]:
    """``(index of the sentence that opens a new topic, depth)`` for each topic change, in order.

    Deterministic; the deepest valleys are kept first when two are closer than ``min_sentences``.
    """
    sims = gap_similarities(embeddings, block)
    if len(sims) == 0:
        return []
    depths = depth_scores(sims)
    valleys = [i for i in range(len(sims)) if depths[i] > 0 and _is_valley(sims, i)]
    if not valleys:
        return []
    cutoff = max(min_depth, float(depths.mean() - depths.std() / 2))
    chosen: list[int] = []
    for i in sorted(valleys, key=lambda i: (-depths[i], i)):
        at = i + 1  # gap i lies before sentence i + 1
        if depths[i] < cutoff or at < min_sentences or len(sims) + 1 - at < min_sentences:
            continue
        if all(abs(at - other) >= min_sentences for other in chosen):
            chosen.append(at)
    return [(at, float(depths[at - 1])) for at in sorted(chosen)]


def _is_valley(sims: np.ndarray, i: int) -> bool:
    left = sims[i - 1] if i > 0 else np.inf
    right = sims[i + 1] if i + 1 < len(sims) else np.inf
    return sims[i] <= left and sims[i] <= right and (sims[i] < left or sims[i] < right)


def segment(sentences: Sequence[Sentence], embeddings: np.ndarray, **options) -> TopicMap:
    """The topics of ``sentences`` given one embedding row per sentence (same order);
    ``options`` go to ``boundaries``."""
    if len(sentences) != len(embeddings):
        raise ValueError(f"{len(sentences)} sentences but {len(embeddings)} embeddings")
    if not sentences:
        return TopicMap()
    found = boundaries(embeddings, **options)
    firsts = [0] + [at for at, _ in found]
    lasts = [at - 1 for at in firsts[1:]] + [len(sentences) - 1]
    return TopicMap(
        starts=tuple(sentences[i].start for i in firsts),
        ends=tuple(sentences[i].end for i in lasts),
        depths=tuple(round(depth, 4) for _, depth in found),
    )
