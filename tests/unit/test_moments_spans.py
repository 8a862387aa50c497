"""Spans chosen by people (a search hit made into a clip, a re-render at another length) stay on
whole sentences."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.moments.sentences import build_sentences
from streams.moments.spans import NoSentences, refit, snap
from tests.unit.moments_text import timed_words
from tests.unit.test_moments_properties import transcripts

# Ten sentences of 8 words each: 0.35 s a word and 0.6 s after each sentence, so 3.4 s apart.
TALK = " ".join(f"Sentence number {n} has exactly eight words here." for n in range(10))


def sentences():
    return build_sentences(timed_words(TALK))


def test_snap_widens_to_the_sentences_touched():
    s = sentences()
    assert snap(s, s[2].start + 1.0, s[4].start + 0.5) == (s[2].start, s[4].end)
    assert snap(s, s[3].start, s[3].end) == (s[3].start, s[3].end)


def test_snap_in_a_pause_takes_the_nearer_sentence():
    s = sentences()
    gap_start = s[5].end + 0.05
    assert snap(s, gap_start, gap_start + 0.1) == (s[5].start, s[5].end)


def test_snap_far_from_any_speech_is_refused():
    with pytest.raises(NoSentences):
        snap(sentences(), 500.0, 510.0)
    with pytest.raises(NoSentences):
        snap([], 0.0, 1.0)
    with pytest.raises(ValueError):
        snap(sentences(), 5.0, 4.0)


def test_refit_shorter_keeps_the_opening_sentence():
    s = sentences()
    start, end = s[2].start, s[9].end  # about 26 s
    new = refit(s, start, end, 5.0, 10.0)
    assert new[0] == s[2].start
    assert 5.0 <= new[1] - new[0] <= 10.0


def test_refit_longer_grows_around_the_clip_from_its_start():
    s = sentences()
    new = refit(s, s[3].start, s[4].end, 15.0, 20.0)
    assert new[0] == s[3].start
    assert 15.0 <= new[1] - new[0] <= 20.0


def test_refit_when_nothing_fits_takes_the_nearest_length():
    s = sentences()
    new = refit(s, s[0].start, s[1].end, 100.0, 200.0)  # the whole talk is ~34 s
    assert new == (s[0].start, s[-1].end)
    with pytest.raises(ValueError):
        refit(s, 0.0, 1.0, 10.0, 5.0)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=transcripts, a=st.floats(0, 1), b=st.floats(0, 1), lo=st.floats(2.0, 40.0), extra=st.floats(0.0, 40.0))
def test_spans_always_start_and_end_on_sentence_bounds(words, a, b, lo, extra):
    s = build_sentences(words)
    if not s:
        return
    total = s[-1].end
    start, end = sorted((a * total, b * total))
    starts, ends = {x.start for x in s}, {x.end for x in s}
    try:
        span = snap(s, start, end)
    except NoSentences:
        pass
    else:
        assert span[0] in starts and span[1] in ends and span[0] < span[1]
    fitted = refit(s, start, end, lo, lo + extra)
    assert fitted[0] in starts and fitted[1] in ends and fitted[0] < fitted[1]
