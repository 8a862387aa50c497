"""The moments agent's loop before ``streams.moments.streaming`` (it was ``agents.moments.replay``
until 2026-11-24), kept as a reference: for every chunk, every word heard so far cut into
sentences again and every figure measured again over the whole talk so far. A stream must make
its picks while the talk fits the horizon (``tests/unit/test_moments_streaming.py``), and
``bench/moments_streaming.py`` times it as the baseline."""

from __future__ import annotations

from typing import Sequence

from streams.domain.transcript import TranscriptChunk
from streams.moments import LengthRange, ScoredMoment, StreamingSelector
from streams.moments.sentences import MAX_SENTENCE_SECONDS, build_sentences
from streams.moments.stored import evidence_of, words_of
from streams.moments.streaming import from_words


def read_again_from_the_start(chunks: Sequence[TranscriptChunk], count: int, length: LengthRange, encoder=None,
                              through: int | None = None) -> list[list[ScoredMoment]]:
    """The picks after each of ``chunks[: through + 1]`` (all by default), none of them the video's
    last, the video lasting until the last of ``chunks`` ends."""
    selector = StreamingSelector(count=count, video_duration=chunks[-1].end_s, length=length)
    max_sentence = min(MAX_SENTENCE_SECONDS, length.max_seconds)
    picks_after = []
    for i in range(len(chunks) if through is None else through + 1):
        known = chunks[: i + 1]
        sentences = build_sentences(words_of(known), max_seconds=max_sentence)
        settled = sentences[-1].start if sentences else known[-1].start_s
        selector.advance(sentences, settled, False, evidence_of(known, **from_words(sentences, encoder)))
        picks_after.append(selector.picked)
    return picks_after
