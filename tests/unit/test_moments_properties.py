"""Property: every selected moment is a run of whole sentences, for every length preset, while
streaming and at the end, whatever the transcript looks like."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.domain.words import Word
from streams.moments.evidence import Evidence
from streams.moments.lengths import LENGTH_PRESETS, LengthRange
from streams.moments.selection import StreamingSelector
from streams.moments.sentences import build_sentences, closed_sentences, settled_until
from streams.moments.topics import segment

VOCABULARY = ["so", "why", "the", "money", "you", "never", "and", "um", "like", "3", "percent", "works",
              "Mr.", "e.g.", "Dr.", "approx.", "U.S.", "i", "that's", "lesson", "seven", "best"]
MARKS = ["", "", "", "", ",", ".", ".", "?", "!", '."', "...", ";"]
LENGTHS = [*LENGTH_PRESETS.values(), LengthRange(5.0, 12.0)]


SPOKEN = [0.05, 0.12, 0.2, 0.3, 0.45, 0.8]
PAUSES = [0.0, 0.0, 0.05, 0.2, 0.6, 1.2, 3.5, 9.0]


def decode(codes: list[int], start: float) -> list[Word]:
    """One timed word per integer: its digits pick the word, mark, case, length and pause after it
    (one draw per word keeps generation fast; 0 shrinks to the plainest word)."""
    words: list[Word] = []
    t = start
    for code in codes:
        code, vocab = divmod(code, len(VOCABULARY))
        code, mark = divmod(code, len(MARKS))
        code, upper = divmod(code, 2)
        code, spoken = divmod(code, len(SPOKEN))
        pause = PAUSES[code % len(PAUSES)]
        text = VOCABULARY[vocab] + MARKS[mark]
        if upper:
            text = text[:1].upper() + text[1:]
        words.append(Word(text, t, t + SPOKEN[spoken], 0.9))
        t += SPOKEN[spoken] + pause
    return words


# The length is drawn first so that long transcripts (minutes of talk) are as common as short ones.
_codes = st.integers(min_value=0, max_value=240).flatmap(
    lambda n: st.lists(st.integers(min_value=0, max_value=2**31 - 1), min_size=n, max_size=n)
)
transcripts = st.builds(decode, _codes, st.sampled_from([0.0, 0.37, 4.0]))


def assert_whole_sentences(picks, sentences):
    starts = {s.words[0].start: i for i, s in enumerate(sentences)}
    ends = {s.words[-1].end: i for i, s in enumerate(sentences)}
    for pick in picks:
        assert pick.start in starts and pick.end in ends, (pick.start, pick.end)
        first, last = starts[pick.start], ends[pick.end]
        assert pick.start == sentences[first].start and pick.end == sentences[last].end
        assert pick.words == tuple(w for s in sentences[first : last + 1] for w in s.words)


def evidence_for(sentences, seed: int) -> Evidence:
    # Random topic vectors: boundaries land anywhere, as they would in real talk.
    vectors = np.random.default_rng(seed).standard_normal((len(sentences), 8))
    return Evidence(topics=segment(sentences, vectors) if sentences else None)


@pytest.mark.parametrize("length", LENGTHS, ids=lambda r: f"{r.min_seconds:g}-{r.max_seconds:g}")
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=transcripts, count=st.integers(min_value=1, max_value=4),
       max_overlap=st.sampled_from([0.0, 0.5]), seed=st.integers(0, 2**16), steps=st.integers(1, 3))
def test_every_moment_starts_and_ends_on_a_sentence_boundary(length, words, count, max_overlap, seed, steps):
    if True:
        max_sentence = min(25.0, length.max_seconds)
        sentences = build_sentences(words, max_seconds=max_sentence)
        duration = max(1.0, words[-1].end if words else 1.0)

        final = StreamingSelector(count, duration, length=length, max_overlap=max_overlap)
        picks = final.advance(sentences, duration, final=True, evidence=evidence_for(sentences, seed))
        assert_whole_sentences(picks, sentences)
        if sentences:
            assert 1 <= len(picks) <= count

        # Streaming as the moments agent does it: growing prefixes of the words, each settled up
        # to the start of its open words (the next word may still move the sentences there),
        # then the whole transcript.
        streaming = StreamingSelector(count, duration, length=length, max_overlap=max_overlap)
        for k in range(1, steps + 1):
            head = words[: len(words) * k // (steps + 1)]
            prefix = build_sentences(head, max_seconds=max_sentence)
            if prefix:
                _, open_words = closed_sentences(head, max_sentence)
                settled = settled_until(prefix, open_words, 0.0)
                streaming.advance(prefix, settled, final=False, evidence=evidence_for(prefix, seed))
        streaming.advance(sentences, duration, final=True, evidence=evidence_for(sentences, seed))
        assert_whole_sentences(streaming.picked, sentences)
        assert len(streaming.picked) <= count
        for pick in streaming.picked + picks:
            fallback = pick.duration < length.min_seconds
            assert fallback or pick.duration <= length.max_seconds
