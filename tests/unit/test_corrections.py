"""A person's corrections of a transcript's words (``streams.domain.corrections``): which word a
correction names, what a corrected word keeps, taking a correction back, and the segment texts."""

from __future__ import annotations

import pytest

from streams.domain.corrections import (
    Corrected,
    WordFix,
    corrected,
    corrections_in,
    requoted,
    resegmented,
    retitled,
    typed,
    words_mark,
)
from streams.domain.words import Word
from streams.errors import CorrectionRefused, WordChanged

WORDS = [
    {"word": "A", "start": 0.0, "end": 0.2, "probability": 0.9},
    {"word": "pear", "start": 0.2, "end": 0.6, "probability": 0.41, "speaker": "S1"},
    {"word": "ate", "start": 0.6, "end": 0.9, "probability": 0.8},
    {"word": "honey.", "start": 0.9, "end": 1.4, "probability": 0.7},
]
SEGMENTS = [{"start": 0.0, "end": 0.9, "text": " A pear ate"}, {"start": 0.9, "end": 1.4, "text": " honey."}]


def test_a_corrected_word_keeps_its_times_and_speaker_is_typed_and_remembers_what_was_heard():
    out, used, changed = corrected(WORDS, [WordFix(0.2, "bear")])
    assert out[1] == {"word": "bear", "start": 0.2, "end": 0.6, "probability": 1.0, "speaker": "S1",
                      "heard": {"word": "pear", "probability": 0.41}}
    assert out[0] == WORDS[0] and out[2:] == WORDS[2:]
    assert used == [WordFix(0.2, "bear")] and changed == [(WORDS[1], out[1])]
    # its readers take it as any word: the extra key is the store's
    assert Word.from_json(out[1]) == Word("bear", 0.2, 0.6, 1.0, "S1")
    assert WORDS[1]["word"] == "pear"  # the words given are left as they were


def test_a_correction_names_its_word_by_start_to_the_millisecond_and_only_a_word_there():
    out, used, changed = corrected(WORDS, [WordFix(0.9004, "money."), WordFix(5.0, "x"), WordFix(0.25, "y")])
    assert [w["word"] for w in out] == ["A", "pear", "ate", "money."]
    assert used == [WordFix(0.9004, "money.")]  # 5.0 and 0.25 name no word of these
    assert len(changed) == 1


def test_was_makes_sure_it_is_the_word_the_person_saw():
    out, _, _ = corrected(WORDS, [WordFix(0.2, "bear", was="pear")])
    assert out[1]["word"] == "bear"
    with pytest.raises(WordChanged) as refused:
        corrected(out, [WordFix(0.2, "bare", was="pear")])
    assert "'bear'" in refused.value.message and refused.value.code == "word_changed"
    assert isinstance(refused.value, CorrectionRefused)
    # the same request sent again (its answer lost, or search behind): nothing to do, no conflict
    again, used, changed = corrected(out, [WordFix(0.2, "bear", was="pear")])
    assert (again, len(used), changed) == (out, 1, [])
    back, _, _ = corrected(out, [WordFix(0.2, None, was="bear")])
    assert corrected(back, [WordFix(0.2, None, was="bear")])[1:] == ([WordFix(0.2, None, was="bear")], [])


def test_a_second_correction_keeps_what_was_first_heard_and_null_or_the_heard_word_takes_it_back():
    once, _, _ = corrected(WORDS, [WordFix(0.2, "bear")])
    twice, _, _ = corrected(once, [WordFix(0.2, "Bear")])
    assert twice[1]["heard"] == {"word": "pear", "probability": 0.41}
    for back in (None, "pear"):
        restored, used, changed = corrected(twice, [WordFix(0.2, back)])
        assert restored == WORDS and len(used) == 1 and changed == [(twice[1], WORDS[1])]


def test_a_clips_words_mark_changes_with_a_correction_in_its_span_and_comes_back_with_the_words_heard():
    assert corrections_in(WORDS) == ()
    once, _, _ = corrected(WORDS, [WordFix(0.2, "bear")])
    assert corrections_in(once) == (Corrected(0.2, "bear", "pear"),)
    heard = words_mark(corrections_in(WORDS), 0.0, 1.4)
    bear = words_mark(corrections_in(once), 0.0, 1.4)
    assert heard == "" and len(bear) == 12 and bear != heard
    assert words_mark(corrections_in(corrected(once, [WordFix(0.2, "Bear")])[0]), 0.0, 1.4) not in (heard, bear)
    # taken back, the span reads as heard again: a clip drawn before the correction is current again
    assert words_mark(corrections_in(corrected(once, [WordFix(0.2, None)])[0]), 0.0, 1.4) == heard
    # only the words spoken in the span count: a clip after the word is not touched by it
    assert words_mark(corrections_in(once), 0.6, 1.4) == "" and words_mark(corrections_in(once), 0.2, 0.6) == bear


def test_a_correction_that_changes_nothing_is_used_and_changes_nothing():
    for fix in (WordFix(0.2, "pear"), WordFix(0.2, None)):
        out, used, changed = corrected(WORDS, [fix])
        assert out == WORDS and used == [fix] and changed == []


def test_a_typed_word_is_trimmed_and_held_to_one_line_of_at_most_a_hundred_characters():
    assert typed("  New \t York ") == "New York"
    for bad in ("", "   ", "x" * 101, "a\x00b", "a\x7fb", "a\x9fb"):
        with pytest.raises(ValueError):
            typed(bad)
    assert typed("x" * 100) == "x" * 100 and typed("a\x85b") == "a b"  # NEL is white space


def test_the_segment_text_that_holds_a_corrected_word_is_rewritten_and_no_other():
    out, _, _ = corrected(WORDS, [WordFix(0.2, "bear"), WordFix(0.9, "money.")])
    assert resegmented(SEGMENTS, WORDS, out) == [{"start": 0.0, "end": 0.9, "text": " A bear ate"},
                                                 {"start": 0.9, "end": 1.4, "text": " money."}]
    only, _, _ = corrected(WORDS, [WordFix(0.6, "8")])
    assert resegmented(SEGMENTS, WORDS, only) == [{"start": 0.0, "end": 0.9, "text": " A pear 8"}, SEGMENTS[1]]
    # the words are found in the texts in order, whatever the segments' times say
    shifted = [{"start": 0.0, "end": 0.3, "text": " A pear"}, {"start": 0.3, "end": 1.4, "text": " ate honey."}]
    assert resegmented(shifted, WORDS, only) == [shifted[0], {"start": 0.3, "end": 1.4, "text": " 8 honey."}]
    # the same word twice: the occurrence in its place is the one rewritten
    twice = [*WORDS, {"word": "pear", "start": 1.4, "end": 1.8}]
    tail, _, _ = corrected(twice, [WordFix(1.4, "bear")])
    assert resegmented([{"start": 0, "end": 2, "text": "A pear ate honey. pear"}], twice, tail)[0]["text"] == \
        "A pear ate honey. bear"
    # from a word the texts do not hold on, nothing more is rewritten
    odd = [{"start": 0.0, "end": 0.9, "text": " one pair 8"}, SEGMENTS[1]]
    assert resegmented(odd, WORDS, only) == odd


def test_a_title_reads_the_corrected_word_wherever_it_holds_it_whole_with_its_capital():
    assert retitled("Pear trees and a pear", [("pear,", "bear")]) == "Bear trees and a bear"
    assert retitled("Appears to be a pear?", [("pear", "bear")]) == "Appears to be a bear?"  # whole words only
    assert retitled("Ask what your country can do", [("country", "nation.")]) == "Ask what your nation can do"
    assert retitled("We met clip stream", [("stream", "Clipstream")]) == "We met clip Clipstream"
    assert retitled("Nothing of it", [("pear", "bear"), ("...", "x")]) == "Nothing of it"
    # taken back: the same swap the other way round
    assert retitled(retitled("My fellow Americans", [("Americans", "citizens")]), [("citizens", "Americans")]) == \
        "My fellow Americans"


def test_a_reason_reads_the_corrected_word_where_it_quotes_the_talk_and_nowhere_else():
    swaps = [("question", "quest")]
    assert requoted('opens with a question; opens with a hook ("A Question of time")', swaps) == (
        'opens with a question; opens with a hook ("A Quest of time")'
    )
    for quoted in ("„{}“", "«{}»", "« {} »", "“{}”", "「{}」"):
        assert requoted("x " + quoted.format("the question"), swaps) == "x " + quoted.format("the quest")
    assert requoted("a question and its whole answer", swaps) == "a question and its whole answer"
