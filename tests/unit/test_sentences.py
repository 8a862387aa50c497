"""Sentence-sized segments rebuilt from a batched window's timed words."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from streams.asr.sentences import ends_sentence, sentence_spans


@dataclass(frozen=True)
class W:
    word: str
    start: float
    end: float


def _words(text: str, gap: float = 0.05, length: float = 0.3, pauses: dict[int, float] | None = None) -> list[W]:
    """Words of ``text`` as Whisper writes them (leading space), one after another; ``pauses``
    puts extra silence before the word at that index."""
    out, t = [], 0.0
    for i, token in enumerate(text.split()):
        t += (pauses or {}).get(i, 0.0)
        out.append(W(" " + token, round(t, 3), round(t + length, 3)))
        t += length + gap
    return out


def _texts(words: list[W], spans: list[tuple[int, int]]) -> list[str]:
    return ["".join(w.word for w in words[i:j]).strip() for i, j in spans]


@pytest.mark.parametrize("word, ends", [
    (" done.", True), (" really?", True), (" stop!", True), (' said."', True), (" (aside.)", True),
    (" wait…", True), (" 終わり。", True), (" Mr.", False), (" Dr.", False), (" e.g.", False), (" etc.", False),
    (" and", False), (" well,", False), (" so...", True), (" 3.5", False),
])
def test_ends_sentence(word, ends):
    assert ends_sentence(word) is ends


def test_cuts_after_each_sentence_and_covers_every_word_in_order():
    words = _words("Printing is old. Is it art? Yes! Mr. Smith thinks so.")
    spans = sentence_spans(words)
    assert _texts(words, spans) == ["Printing is old.", "Is it art?", "Yes!", "Mr. Smith thinks so."]
    assert [k for i, j in spans for k in range(i, j)] == list(range(len(words)))


def test_cuts_where_the_speaker_pauses():
    words = _words("and then we went home after that we slept", pauses={5: 1.2})
    assert _texts(words, sentence_spans(words)) == ["and then we went home", "after that we slept"]
    assert _texts(words, sentence_spans(words, max_pause=1.5)) == ["and then we went home after that we slept"]


def test_a_long_run_on_piece_is_halved_at_its_longest_pause_then_after_a_comma():
    text = " ".join(["word"] * 20 + ["comma,"] + ["word"] * 9 + ["more"] * 30)
    words = _words(text, pauses={45: 0.6})  # 60 words of 0.35 s: 21.6 s, no sentence end
    spans = sentence_spans(words, max_seconds=15.0)
    # the 0.6 s pause cuts the whole; its first 16 s are then cut after the comma
    assert spans == [(0, 21), (21, 45), (45, 60)]
    assert all(words[j - 1].end - words[i].start <= 15.0 for i, j in spans)
    assert [k for i, j in spans for k in range(i, j)] == list(range(len(words)))

    no_pause = _words(" ".join(["word"] * 20 + ["comma,"] + ["word"] * 29))  # 50 words: 17.5 s
    assert sentence_spans(no_pause, max_seconds=15.0) == [(0, 21), (21, 50)]


def test_no_words_no_spans_and_one_word_is_one_span():
    assert sentence_spans([]) == []
    assert sentence_spans([W(" Hello", 0.0, 30.0)], max_seconds=15.0) == [(0, 1)]
