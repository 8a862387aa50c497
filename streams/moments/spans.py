"""Clip spans chosen by a person rather than by the scorer, kept on whole sentences.

``snap`` widens a user's start/end (from a search hit, say) to the sentences it touches;
``refit`` finds the run of whole sentences closest to an existing clip that fits another length
range (a re-render "as a 15-30 s clip"). Both return sentence starts and ends exactly, so a clip
made from them starts at a sentence start and ends at a sentence end like every scored moment.
"""

from __future__ import annotations

from typing import Sequence

from streams.moments.sentences import Sentence


class NoSentences(ValueError):
    """No sentence lies in the asked range (silence, or outside the transcript)."""


def snap(sentences: Sequence[Sentence], start: float, end: float) -> tuple[float, float]:
    """The smallest run of whole sentences covering every sentence that overlaps [start, end].

    A range that falls between two sentences (in a pause) snaps to the nearer one.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    touched = [s for s in sentences if s.end > start and s.start < end]
    if not touched:
        if not sentences:
            raise NoSentences("the transcript has no sentences")
        mid = (start + end) / 2
        nearest = min(sentences, key=lambda s: min(abs(s.start - mid), abs(s.end - mid)))
        if min(abs(nearest.start - mid), abs(nearest.end - mid)) > max(5.0, end - start):
            raise NoSentences(f"no speech near {start:.1f}-{end:.1f} s")
        touched = [nearest]
    return touched[0].start, touched[-1].end


def refit(
    sentences: Sequence[Sentence], start: float, end: float, min_seconds: float, max_seconds: float
) -> tuple[float, float]:
    """The run of whole sentences that fits ``[min_seconds, max_seconds]`` and keeps most of the
    clip [start, end]: first one that still holds the clip's opening sentence (its hook), then
    the one that keeps the most of the clip, then the one that starts nearest to it.

    When no run of sentences fits the range (one sentence longer than ``max_seconds``, or a
    transcript shorter than ``min_seconds``), the run whose length is nearest to the range wins.
    """
    if not 0 < min_seconds <= max_seconds:
        raise ValueError(f"need 0 < min_seconds <= max_seconds, got {min_seconds} and {max_seconds}")
    if not sentences:
        raise NoSentences("the transcript has no sentences")
    # Runs that start far from the clip cannot keep any of it: look only near it.
    lo = start - max_seconds
    hi = end + max_seconds
    pool = [s for s in sentences if s.end >= lo and s.start <= hi] or list(sentences)
    best: tuple | None = None
    best_span = (pool[0].start, pool[0].end)
    for i, first in enumerate(pool):
        for last in pool[i:]:
            length = last.end - first.start
            miss = max(0.0, min_seconds - length, length - max_seconds)
            kept = max(0.0, min(end, last.end) - max(start, first.start))
            opening = first.start <= start + 0.01 and last.start >= start - 0.01
            key = (-round(miss, 3), opening, round(kept, 3), -round(abs(first.start - start), 3), -length)
            if best is None or key > best:
                best, best_span = key, (first.start, last.end)
            if length > max_seconds and last.start > end:
                break
    return best_span
