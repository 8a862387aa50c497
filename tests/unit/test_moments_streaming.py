"""The moments carried forward chunk by chunk (``streams.moments.streaming``): the same picks as
reading every chunk again while the talk fits the horizon, bounded state after it, and the same
picks whether stepped one chunk at a time or replayed after a restart."""

import random

import pytest

from streams.agents.moments import _Streams, moment_stream, replay
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import Word
from streams.moments import LengthRange
from streams.moments.sentences import build_sentences, closed_sentences
from streams.moments.stored import envelope_of, pitch_of
from streams.moments.streaming import MomentStream
from tests.moments_replay import read_again_from_the_start
from tests.unit.test_moments_agent import CountingEncoder, chunks_of, toy_head  # noqa: F401 (a fixture)
from tests.unit.test_moments_selection import ten_minutes

LENGTH = LengthRange(20.0, 60.0)


def talk(readings: int):
    """``ten_minutes`` read ``readings`` times in a row."""
    words = [Word(w.word, w.start + 600.0 * k, w.end + 600.0 * k, w.probability)
             for k in range(readings) for s in ten_minutes() for w in s.words]
    return build_sentences(words)


def test_a_talk_inside_the_horizon_gets_the_picks_of_reading_every_chunk_again():
    chunks, duration = chunks_of(ten_minutes(), size=60.0)
    encoder = CountingEncoder()
    expected = read_again_from_the_start(chunks, 5, LENGTH, encoder)
    stream = MomentStream(count=5, length=LENGTH, encoder=encoder)
    for chunk, picks in zip(chunks, expected):
        stream.step(chunk, duration)
        assert stream.picks == picks
    assert expected[-1]  # the comparison was of picks, not of nothing


def test_a_long_talk_holds_only_its_horizon_and_streams_within_it():
    chunks, duration = chunks_of(talk(readings=4), size=120.0)  # 40 minutes
    stream = MomentStream(count=8, length=LENGTH, horizon=600.0)
    held = []
    for chunk in chunks[:-1]:
        new = stream.step(chunk, duration).new
        assert all(p.start >= chunk.end_s - 600.0 for p in new)
        held.append((stream.chunks_held, stream.sentences_held))
    assert max(c for c, _ in held) <= 6  # 600 s of 120 s chunks, and the one it starts in
    per_reading = len(ten_minutes())
    assert max(s for _, s in held) <= per_reading + 5  # about ten minutes of sentences, not forty
    assert held[-1][1] < len(talk(readings=4)) / 3
    last = stream.finish(chunks[-1], duration, chunks)
    assert len(last.final) == 8 and all(LENGTH.min_seconds <= m.duration <= LENGTH.max_seconds for m in last.final)
    # The streamed picks reached every part of the talk, not only its last minutes.
    assert min(p.start for p in last.picks) < 600.0 and max(p.start for p in last.picks) > 1400.0


def test_stepping_chunk_by_chunk_and_replaying_after_a_restart_make_the_same_picks():
    chunks, duration = chunks_of(talk(readings=3), size=90.0)
    options = {"clip_count": 6}
    stream = moment_stream(options, CountingEncoder())
    for i, chunk in enumerate(chunks[:-1]):
        stepped = stream.step(chunk, duration)
        again = replay("vid", chunks[: i + 1], options, duration, final=False, encoder=CountingEncoder())
        assert stepped.picks == again.picks and stepped.new == again.new
    done = stream.finish(chunks[-1], duration, chunks)
    assert done.final == replay("vid", chunks, options, duration, final=True, encoder=CountingEncoder()).final


def test_chunks_are_stepped_in_order_and_once():
    chunks, duration = chunks_of(ten_minutes())
    stream = MomentStream(count=3, length=LENGTH)
    stream.step(chunks[0], duration)
    with pytest.raises(ValueError, match="in order"):
        stream.step(chunks[0], duration)
    with pytest.raises(ValueError, match="longest clip"):
        MomentStream(count=3, length=LENGTH, horizon=LENGTH.max_seconds)


def test_sentences_closed_as_words_arrive_are_the_sentences_of_the_whole():
    words = [w for s in talk(readings=1) for w in s.words]
    # Some stretches without punctuation, so pauses and capitals decide too.
    words = [Word(w.word.rstrip(".?!") if i % 7 == 0 else w.word, w.start, w.end, w.probability)
             for i, w in enumerate(words)]
    whole = build_sentences(words, max_seconds=20.0)
    rng = random.Random(3)
    for _ in range(5):
        closed, pending, at = [], [], 0
        while at < len(words):
            step = rng.randint(1, 80)
            done, pending = closed_sentences(pending + words[at : at + step], max_seconds=20.0)
            closed += done
            at += step
            assert closed + build_sentences(pending, max_seconds=20.0) == build_sentences(words[:at], 20.0)
        assert closed + build_sentences(pending, max_seconds=20.0) == whole


def test_evidence_of_later_chunks_is_placed_where_they_start():
    chunks = [TranscriptChunk(chunk_index=i, start_s=60.0 * i, end_s=60.0 * (i + 1), language="en", words=(),
                              energy=(0.1 * (i + 1),) * 120, pitch=(100.0 + i,) * 1500) for i in range(5)]
    whole, tail = envelope_of(chunks), envelope_of(chunks[3:])
    assert tail.offset == 360 and len(tail.values) == 240
    assert tail.between(190.0, 230.0) == whole.between(190.0, 230.0) == (0.4,) * 80
    assert tail.median == pytest.approx(0.45) and whole.median == pytest.approx(0.3)
    track = pitch_of(chunks[3:])
    assert track.offset == 4500 and track.voiced_between(200.0, 201.0) == [103.0] * 25
    assert track.voiced_between(0.0, 100.0) == []  # before the track: nothing, not the first frames


def test_a_worker_keeps_the_stream_of_each_video_for_its_next_chunk_only():
    kept = _Streams(size=2)
    a, b, c = (MomentStream(count=1, length=LENGTH) for _ in range(3))
    a.through, b.through, c.through = 4, 7, 0
    kept.keep("a", a)
    assert kept.take("a", 6) is None  # chunk 5 was not stepped: replay instead
    assert kept.take("a", 5) is None  # and a take removes it, whatever it finds
    kept.keep("a", a)
    assert kept.take("a", 5) is a
    kept.keep("b", b)
    stale = MomentStream(count=1, length=LENGTH)
    stale.through = 3
    kept.keep("b", stale)  # a later chunk's stream is not replaced by an earlier one
    assert kept.take("b", 8) is b
    kept.keep("a", a), kept.keep("b", b), kept.keep("c", c)
    assert kept.take("a", 5) is None and kept.take("c", 1) is c  # the least recent dropped first
