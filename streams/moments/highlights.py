"""Labelled talks and how a ranking of clips is scored against them (``../shared/eval/highlights``).

A labelled talk is a script of passages in speaking order, each marked ``highlight`` (what a good
short-form editor would clip) or ``filler``. Spoken one passage after another with a fixed pause
between, each passage's time span follows from the measured durations alone (``passage_spans``).

The scoring rule, from the labels' README:

- A clip *hits* a highlight when at least 60% of the highlight lies inside the clip and at least
  50% of the clip lies inside the highlight.
- The first K clips are taken in rank order; each highlight is credited to the highest-ranked clip
  that hits it, and a later clip hitting the same highlight is a miss, as is a missing clip.
- precision@K = credited clips / K; recall = highlights hit / highlights.

Chance is measured, not assumed: ``chance`` places K windows of the ranking's own lengths at
random, without overlap (the pipeline's clips never overlap by default), and scores them by the
same rule. The README's simpler figure, the share of talk time the highlights cover, is
``LabelledTalk.highlight_share``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterable, Sequence

HIGHLIGHT_INSIDE_CLIP = 0.6  # share of the highlight that must lie inside the clip
CLIP_INSIDE_HIGHLIGHT = 0.5  # share of the clip that must lie inside the highlight
PASSAGE_GAP_SECONDS = 0.6  # silence between two passages in the recipe


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a span cannot end ({self.end}) before it starts ({self.start})")

    @property
    def length(self) -> float:
        return self.end - self.start

    def overlap(self, other: Span) -> float:
        return max(0.0, min(self.end, other.end) - max(self.start, other.start))


@dataclass(frozen=True)
class Passage:
    kind: str  # "highlight" or "filler"
    speaker: str
    text: str


@dataclass(frozen=True)
class LabelledTalk:
    """A talk's passages and their spans in the built audio.

    Attributes:
        passages: the script, in speaking order.
        spans: where each passage is spoken, same order.
        duration: the length of the built audio (the end of the last passage).
    """

    passages: tuple[Passage, ...]
    spans: tuple[Span, ...]
    duration: float

    @property
    def highlights(self) -> list[Span]:
        return [s for p, s in zip(self.passages, self.spans) if p.kind == "highlight"]

    @property
    def highlight_share(self) -> float:
        """The README's chance figure: highlight time / talk time."""
        return sum(h.length for h in self.highlights) / self.duration


def parse_script(text: str) -> list[Passage]:
    """The passages of a ``kind<TAB>speaker<TAB>text`` file (with its header line)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or lines[0].split("\t") != ["kind", "speaker", "text"]:
        raise ValueError("a labelled talk starts with the header 'kind<TAB>speaker<TAB>text'")
    passages = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != 3 or cells[0] not in ("highlight", "filler") or not cells[2].strip():
            raise ValueError(f"line {number} is not 'highlight|filler<TAB>speaker<TAB>text': {line[:60]!r}")
        passages.append(Passage(cells[0], cells[1], cells[2].strip()))
    return passages


def passage_spans(durations: Sequence[float], gap: float = PASSAGE_GAP_SECONDS) -> list[Span]:
    """Each passage's [start, end) when spoken back to back with ``gap`` seconds between two."""
    spans, at = [], 0.0
    for d in durations:
        spans.append(Span(at, at + d))
        at += d + gap
    return spans


def labelled_talk(
    passages: Sequence[Passage], durations: Sequence[float], gap: float = PASSAGE_GAP_SECONDS
) -> LabelledTalk:
    if len(passages) != len(durations) or not passages:
        raise ValueError(f"{len(passages)} passages but {len(durations)} durations")
    spans = passage_spans(durations, gap)
    return LabelledTalk(tuple(passages), tuple(spans), spans[-1].end)


def hits(clip: Span, highlight: Span) -> bool:
    inside = clip.overlap(highlight)
    return (
        highlight.length > 0
        and clip.length > 0
        and inside / highlight.length >= HIGHLIGHT_INSIDE_CLIP
        and inside / clip.length >= CLIP_INSIDE_HIGHLIGHT
    )


@dataclass(frozen=True)
class ClipVerdict:
    """One of the first K clips. ``highlight`` is the index (among the talk's highlights) it is
    credited with, or None; ``coverage`` is the share of that highlight inside the clip."""

    clip: Span | None  # None: the ranking had fewer than K clips
    highlight: int | None = None
    coverage: float | None = None


@dataclass(frozen=True)
class HighlightScore:
    k: int
    verdicts: tuple[ClipVerdict, ...]
    highlight_count: int
    coverages: tuple[float, ...] = field(default=())  # of each credited clip, in rank order

    @property
    def credited(self) -> int:
        return sum(v.highlight is not None for v in self.verdicts)

    @property
    def precision(self) -> float:
        return self.credited / self.k

    @property
    def recall(self) -> float:
        return self.credited / self.highlight_count if self.highlight_count else 0.0


def score(ranked: Iterable[Span], highlights: Sequence[Span], k: int) -> HighlightScore:
    """Score the first ``k`` clips of ``ranked`` (best first) against ``highlights``."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    top = list(ranked)[:k]
    credited: set[int] = set()
    verdicts = []
    for clip in top:
        # Highlights never touch (a pause lies between two passages), so at most one holds half
        # of a clip: a clip hits one highlight or none.
        hit = next((i for i, h in enumerate(highlights) if hits(clip, h)), None)
        if hit is None or hit in credited:
            verdicts.append(ClipVerdict(clip))
        else:
            credited.add(hit)
            verdicts.append(ClipVerdict(clip, hit, clip.overlap(highlights[hit]) / highlights[hit].length))
    verdicts += [ClipVerdict(None)] * (k - len(top))
    return HighlightScore(
        k, tuple(verdicts), len(highlights), tuple(v.coverage for v in verdicts if v.coverage is not None)
    )


@dataclass(frozen=True)
class Chance:
    precision: float
    recall: float
    trials: int


def random_windows(lengths: Sequence[float], duration: float, rng: random.Random, attempts: int = 1000) -> list[Span]:
    """Windows of ``lengths`` placed uniformly at random in [0, duration], none overlapping
    another (each redrawn until it fits, up to ``attempts`` times; one that never fits is left out)."""
    placed: list[Span] = []
    for length in lengths:
        if length > duration:
            continue
        for _ in range(attempts):
            start = rng.uniform(0.0, duration - length)
            window = Span(start, start + length)
            if all(window.overlap(p) == 0.0 for p in placed):
                placed.append(window)
                break
    return placed


def chance(
    lengths: Sequence[float], highlights: Sequence[Span], duration: float, k: int, trials: int = 20000, seed: int = 17
) -> Chance:
    """The expected precision@K and recall of K random non-overlapping windows of ``lengths``
    (the ranking's own clip lengths, so that chance and the system are held to the same lengths)."""
    rng = random.Random(seed)
    precision = recall = 0.0
    for _ in range(trials):
        s = score(random_windows(lengths[:k], duration, rng), highlights, k)
        precision += s.precision
        recall += s.recall
    return Chance(precision / trials, recall / trials, trials)
