"""Reasons in the talk's language (issue 49): every phrase of a reason is written in each language
the ranking speaks, with the same blanks as the English one, and a clip is told in its own."""

from __future__ import annotations

import string

import pytest

from streams.moments.editorial import PICK_KINDS, EditorialMap
from streams.moments.evidence import Evidence
from streams.moments.pauses import Pauses
from streams.moments.rhetoric import NAMES
from streams.moments.scoring import score_window
from streams.moments.windows import Window
from streams.moments.sentences import build_sentences
from streams.moments.wording import ENGLISH, PHRASES, name_of, phrases_for, say
from tests.unit.moments_text import timed_words
from tests.unit.test_moments_lexicon import spoken


def _blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", sorted(set(PHRASES) - {"en"}))
def test_every_phrase_is_written_in_every_language_with_the_same_blanks(language):
    phrases = PHRASES[language]
    assert set(phrases) == set(ENGLISH), set(phrases) ^ set(ENGLISH)
    for key, english in ENGLISH.items():
        assert _blanks(phrases[key]) == _blanks(english), (language, key)
        assert phrases[key] != english or key == "separator" or key.startswith("length"), (language, key)


def test_every_kind_and_device_has_a_name():
    for name in [k.name for k in PICK_KINDS] + list(NAMES):
        assert all(f"kind:{name}" in phrases for phrases in PHRASES.values()), name


def test_a_language_without_phrases_and_an_unknown_one_are_told_in_english():
    assert phrases_for("sw") is ENGLISH and phrases_for(None) is ENGLISH
    assert phrases_for("pt-BR") is PHRASES["pt"]
    assert say("de", "numbers_many", n=3) == "3 konkrete Zahlen"
    assert name_of("fr", "a punchline") == "une chute"


GERMAN = "Warum scheitern die meisten Startups? Wir hatten drei Bäckereien und dann vierzig. Deshalb haben wir alles geändert."
ENGLISH_TALK = "Why do most startups fail? We had three bakeries and then forty-one. That's why we changed everything."


def _reason(text: str, language: str | None) -> str:
    w = Window(tuple(build_sentences(timed_words(text))))
    standout = EditorialMap(tuple(s.start for s in w.sentences), (3.0,) * len(w.sentences), (0,) * len(w.sentences),
                            multilingual=True)
    return score_window(w, Evidence(editorial=standout, languages=spoken(language) if language else None)).reason


def test_a_german_clip_is_told_in_german_and_an_english_one_as_before():
    german = _reason(GERMAN, "de")
    assert german.startswith("Wirkt wie ") and "Frage" in german, german
    assert not any(w in german for w in ("reads like", "opens with", "numbers")), german
    english = _reason(ENGLISH_TALK, None)
    assert english.startswith("Reads like ") and "opens with a question" in english, english


PLAIN = "We met in the morning. The room was upstairs. Lunch was in the hall. Then we went home."


def test_a_clip_of_the_whole_video_is_not_said_to_be_like_the_rest_of_it():
    """A plain stretch is "much like the rest of the talk"; a clip that is the whole (short)
    video has no rest to be like."""
    sentences = tuple(build_sentences(timed_words(PLAIN)))
    plain = EditorialMap(tuple(s.start for s in sentences), (0.0,) * len(sentences), (0,) * len(sentences))
    whole = score_window(Window(sentences), Evidence(editorial=plain)).reason
    part = score_window(Window(sentences[1:3]), Evidence(editorial=plain)).reason
    assert whole.startswith("The whole video in one clip"), whole
    assert part.startswith("Much like the rest of the talk"), part
    # its edges are the video's own: counted as no break in the ranking, but no cut to warn of
    paused = Pauses.of(sentences)
    assert paused.breaks(sentences) < 0.4
    whole = score_window(Window(sentences), Evidence(editorial=plain, pauses=paused)).reason
    part = score_window(Window(sentences[:2]), Evidence(editorial=plain, pauses=paused)).reason
    assert say(None, "breaks_weak") not in whole.lower() and whole.startswith("The whole video"), whole
    assert say(None, "breaks_weak") in part.lower(), part


def test_a_clip_is_warned_of_its_cuts_alone_not_of_the_videos_own_edges():
    """A clip from the video's first sentence is cut at its end alone: a clear pause there is no
    cut to warn of, though the ranking counts the video's start as no break; an ordinary pause there is."""
    sentences = tuple(build_sentences(timed_words(PLAIN)))
    plain = EditorialMap(tuple(s.start for s in sentences), (0.0,) * len(sentences), (0,) * len(sentences))
    before = {s.start: 0.3 for s in sentences} | {sentences[0].start: 0.0}
    after = {s.end: 0.3 for s in sentences} | {sentences[-1].end: 0.0}
    ordinary = Pauses(before, after, typical=0.3)
    clear = Pauses(before, after | {sentences[1].end: 0.5}, typical=0.3)
    opening = sentences[:2]
    assert clear.breaks(opening) < 0.4 < clear.cuts(opening) and ordinary.cuts(opening) < 0.4
    assert clear.cuts(sentences) is None and ordinary.cuts(sentences[1:3]) < 0.4
    warned = say(None, "breaks_weak")
    said = {name: score_window(Window(opening), Evidence(editorial=plain, pauses=p)).reason
            for name, p in (("clear", clear), ("ordinary", ordinary))}
    assert warned not in said["clear"].lower() and warned in said["ordinary"].lower(), said
    assert say("de", "whole_video") == "das ganze Video in einem Clip"
