"""Word timing against a reference alignment: reading GRID ``.align`` files and pairing recognised
words with reference words, so start times can be compared.

Pairing is by normalised text (``wer.normalise``), in order: the longest common subsequence of the
two token lists, so a word the recogniser dropped, added or got wrong is left out rather than
shifting every later pair. Pure code, no I/O beyond the text handed in.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from streams.asr.wer import normalise
from streams.domain.words import TimedWord, Word

# GRID's alignments count 1/1000 of a 25 fps video frame: a 3 s clip ends at 75000.
GRID_UNITS_PER_SECOND = 25_000.0
GRID_SILENCE = frozenset({"sil", "sp"})


@dataclass(frozen=True)
class WordPair:
    """A reference word and the recognised word matched to it (same normalised text)."""

    reference: TimedWord
    hypothesis: TimedWord

    @property
    def start_error(self) -> float:
        """Recognised start minus reference start, in seconds (negative: recognised early)."""
        return self.hypothesis.start - self.reference.start


def parse_grid_align(text: str, units_per_second: float = GRID_UNITS_PER_SECOND) -> list[Word]:
    """The spoken words of a GRID ``.align`` file (``start end word`` per line); silences dropped."""
    words = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise ValueError(f"line {number}: expected 'start end word', got {line!r}")
        start, end, word = int(fields[0]), int(fields[1]), fields[2]
        if word.lower() in GRID_SILENCE:
            continue
        words.append(Word(word, start / units_per_second, end / units_per_second))
    return words


def _tokens(words: Sequence[TimedWord]) -> tuple[list[str], list[int]]:
    """Normalised tokens of ``words`` and, for each token, the index of the word it came from
    (``well-known`` gives two tokens of one word; a lone dash gives none)."""
    tokens, owners = [], []
    for i, w in enumerate(words):
        for token in normalise(w.word):
            tokens.append(token)
            owners.append(i)
    return tokens, owners


def match_words(reference: Sequence[TimedWord], hypothesis: Sequence[TimedWord]) -> list[WordPair]:
    """Pairs of reference and recognised words with the same normalised text, in order, as many
    as possible (longest common subsequence). Each word appears in at most one pair."""
    ref, ref_owner = _tokens(reference)
    hyp, hyp_owner = _tokens(hypothesis)
    # lengths[i][j]: LCS length of ref[i:] and hyp[j:]
    lengths = [[0] * (len(hyp) + 1) for _ in range(len(ref) + 1)]
    for i in range(len(ref) - 1, -1, -1):
        for j in range(len(hyp) - 1, -1, -1):
            lengths[i][j] = lengths[i + 1][j + 1] + 1 if ref[i] == hyp[j] else max(lengths[i + 1][j], lengths[i][j + 1])
    pairs: list[WordPair] = []
    used_ref: set[int] = set()
    used_hyp: set[int] = set()
    i = j = 0
    while i < len(ref) and j < len(hyp):
        if ref[i] == hyp[j]:
            r, h = ref_owner[i], hyp_owner[j]
            if r not in used_ref and h not in used_hyp:
                pairs.append(WordPair(reference[r], hypothesis[h]))
                used_ref.add(r)
                used_hyp.add(h)
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def median_abs_start_error(pairs: Sequence[WordPair]) -> float:
    """Median of |recognised start - reference start| over ``pairs``, in seconds."""
    if not pairs:
        raise ValueError("no matched words to compare")
    return statistics.median(abs(p.start_error) for p in pairs)
