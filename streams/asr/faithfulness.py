"""Signs that a decode was not faithful to the audio, and where to decode again.

Whisper can fail a window of speech in two ways that its own scores do not show: it skips speech
(a stretch the voice activity detector calls speech gets no words: a window's unfinished last
sentence dropped, or a jump ahead inside a window), or it loops (the same words again and again).
A skip can hide behind one word stretched over the speech it skipped (``C'est le`` over 17 s of
a French talk; one made-up word over 17 s of a French lecture), so a word is taken to cover no
more than it could take to say (``word_reach``). Both are found here from the decode's timed words
and the speech spans alone, so the caller can decode just those stretches again the safer way
(sequentially, with temperature fallback) and put the result in their place. Pure: no model, no
audio.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from streams.domain.words import TimedWord

#: Uncovered speech shorter than this is ignored (a breath, a VAD span's own padding, a word whose
#: timing is a little short).
MIN_GAP_SECONDS = 1.0
#: ... unless it lies where a word stretched past its reach claims it: that word is a sign of the
#: skip already (tiny.en gave "the" 3 s over "middle of a sentence", 0.67 s of it uncovered).
STRETCHED_GAP_SECONDS = 0.5
#: A piece decoded alone is decoded again from the start of a word at least this long before its
#: gap, so the decoder has a lead-in (a decode begun at the skipped word misread it).
LEAD_IN_SECONDS = 1.0
#: How much of each side of a speech span may be silence (the VAD pads every span by 400 ms).
SPAN_PAD_SECONDS = 0.4
#: A word is taken to cover its own time and this much around it (word timings are approximate).
WORD_SLACK_SECONDS = 0.25
#: How long a word may take to say, at most, from its start: a base and a share per character (an
#: alphabet's letter, a syllable of a script written a syllable a character, a digit read out as a
#: word). Generous, so a word said slowly is not taken for a skip (DEVELOPERS: stretched words).
WORD_BASE_SECONDS = 0.3
LETTER_SECONDS = 0.08
SYLLABLE_SECONDS = 0.3
DIGIT_SECONDS = 0.4
#: The longest phrase looked for repeating back to back: whole sentences, as Whisper loops them (a
#: two-sentence loop of 18 words on eSpeak's Portuguese went unseen at 8).
MAX_LOOP_WORDS = 40


Span = tuple[float, float]


def speech_gaps(
    spans: Sequence[Span],
    words: Sequence[TimedWord],
    *,
    min_gap: float = MIN_GAP_SECONDS,
    span_pad: float = SPAN_PAD_SECONDS,
    slack: float = WORD_SLACK_SECONDS,
) -> list[Span]:
    """Stretches of at least ``min_gap`` seconds inside the speech ``spans`` (seconds, sorted)
    that no word covers, or of ``STRETCHED_GAP_SECONDS`` where a word stretched past its reach
    claims the stretch's start. Each span is first shrunk by its padding (``span_pad`` a side,
    never to less than its middle), and each word covers ``slack`` seconds either side of itself,
    itself reaching no further than ``word_reach`` from its start."""
    reached = [(w.start, min(w.end, w.start + word_reach(w.word)), w.end) for w in words]
    covered = _union((start - slack, reach + slack) for start, reach, _ in reached)
    stretched = [(reach + slack, end) for _, reach, end in reached if end > reach + slack]
    gaps: list[Span] = []
    for start, end in spans:
        pad = min(span_pad, max(0.0, (end - start) / 2 - 1e-3))
        for gap in _subtract((start + pad, end - pad), covered):
            claimed = any(a - 1e-6 <= gap[0] < b for a, b in stretched)
            if gap[1] - gap[0] >= (min(min_gap, STRETCHED_GAP_SECONDS) if claimed else min_gap):
                gaps.append((round(gap[0], 3), round(gap[1], 3)))
    return gaps


def word_reach(word: str) -> float:
    """The longest ``word`` may take to say, in seconds (``WORD_BASE_SECONDS`` and a share per
    character): Whisper's time for a word longer than this holds speech the word is not."""
    reach = WORD_BASE_SECONDS
    for char in word:
        if char.isdigit():
            reach += DIGIT_SECONDS
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            reach += SYLLABLE_SECONDS
        elif char.isalpha():
            reach += LETTER_SECONDS
    return reach


def repeated_runs(words: Sequence[TimedWord], *, max_ngram: int = MAX_LOOP_WORDS) -> list[tuple[int, int]]:
    """Index ranges ``[i, j)`` of ``words`` where a phrase repeats back to back more than speech
    does: one word four times or more ("the the the the"), two to four words three times or more,
    five words or more (up to ``max_ngram``) twice in a row. Ranges that touch are merged."""
    tokens = [_norm(w.word) for w in words]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        best = 0
        for n in range(1, max_ngram + 1):
            if i + 2 * n > len(tokens) or not all(tokens[i : i + n]):
                break
            copies = 1
            while tokens[i + copies * n : i + (copies + 1) * n] == tokens[i : i + n]:
                copies += 1
            needed = 4 if n == 1 else 3 if n <= 4 else 2
            if copies >= needed:
                best = max(best, copies * n)
        if best:
            found.append((i, i + best))
            i += best
        else:
            i += 1
    return _merge_index_ranges(found)


def regions(
    spans: Sequence[Span], words: Sequence[TimedWord], *, decoded_alone: bool = False, **gap_options
) -> list[Span]:
    """Where to decode again: every speech span (seconds) that holds a gap (``speech_gaps``) or a
    word of a repeated run (``repeated_runs``), merged where they overlap. Whole spans, so each
    region starts and ends in the silence the VAD cut at. ``decoded_alone``: ``words`` came from
    decoding all of ``spans`` as one, sequentially, so a region holding them all would be decoded
    the same way again (a bad 28-s recording cost twice): its gaps are decoded again from a word's
    start ``LEAD_IN_SECONDS`` before each (``_tails``) instead, and its loops are left."""
    gaps = speech_gaps(spans, words, **gap_options)
    marks = list(gaps)
    for i, j in repeated_runs(words):
        marks.append((words[i].start, words[j - 1].end))
    chosen = _union([(s, e) for s, e in spans if any(a < e and b > s for a, b in marks)])
    if decoded_alone and spans and any(a <= spans[0][0] and b >= spans[-1][1] for a, b in chosen):
        return _tails(spans, words, gaps)
    return chosen


def _tails(spans: Sequence[Span], words: Sequence[TimedWord], gaps: Sequence[Span]) -> list[Span]:
    """For a recording decoded as one: each gap's stretch from just before (``WORD_SLACK_SECONDS``)
    the last word that begins ``LEAD_IN_SECONDS`` or more before the word the gap follows to the
    end of the span the gap ends in; none that would start where the recording does (the same
    decode again)."""
    out: list[Span] = []
    for gap_start, gap_end in gaps:
        before = [w for w in words if w.start < gap_start]
        if not before:
            continue
        lead = [w.start for w in before if w.start <= before[-1].start - LEAD_IN_SECONDS]
        start = max(spans[0][0], lead[-1] - WORD_SLACK_SECONDS) if lead else spans[0][0]
        end = next((e for s, e in spans if s <= gap_end <= e), spans[-1][1])
        if start > spans[0][0]:
            out.append((start, end))
    return _union(out)


def _norm(word: str) -> str:
    return re.sub(r"[^\w']+", "", word.lower())


def _union(intervals) -> list[Span]:
    out: list[list[float]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _subtract(interval: Span, covered: Sequence[Span]) -> list[Span]:
    start, end = interval
    out: list[Span] = []
    for s, e in covered:
        if e <= start:
            continue
        if s >= end:
            break
        if s > start:
            out.append((start, s))
        start = max(start, e)
        if start >= end:
            return out
    if start < end:
        out.append((start, end))
    return out


def _merge_index_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i, j in sorted(ranges):
        if out and i <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], j))
        else:
            out.append((i, j))
    return out
