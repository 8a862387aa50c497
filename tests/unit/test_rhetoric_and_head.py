"""The rhetoric found in the words (``streams.moments.rhetoric``) and the trained editorial head
(``streams.moments.editorial_head``), issue 48."""

from __future__ import annotations

import numpy as np
import pytest

from streams.errors import ModelMissing
from streams.moments import editorial_head
from streams.moments.lexicon import ENGLISH
from streams.moments.rhetoric import ANTITHESIS, CHIASMUS, PARALLEL, REFRAIN, devices
from streams.moments.sentences import build_sentences
from tests.unit.moments_text import timed_words


def found(text: str) -> list:
    sentences = build_sentences(timed_words(text))
    return list(zip([s.text for s in sentences], devices(sentences, lambda s: ENGLISH)))


def test_each_device_is_found_where_it_is_and_ordinary_prose_has_none():
    text = ("Good morning, everyone, and thank you for coming. We took the train to the coast and then "
            "walked to the hotel. It rained for most of the week. Knowledge will get you hired. Kindness "
            "will get you trusted. Ask not what your country can do for you, ask what you can do for your "
            "country. Winter is not the end of the story. For the mother at the table, winter is not the end "
            "of the story. For the man without work, winter is not the end of the story. Success is not "
            "about talent but about showing up.")
    by_text = dict(found(text))
    for plain in ("Good morning, everyone, and thank you for coming.",
                  "We took the train to the coast and then walked to the hotel.",
                  "It rained for most of the week."):
        assert by_text[plain] is None, plain
    assert by_text["Knowledge will get you hired."].kind == PARALLEL
    assert by_text["Kindness will get you trusted."].kind == PARALLEL
    reversed_pair = next(d for t, d in by_text.items() if t.startswith("Ask not"))
    assert reversed_pair.kind == CHIASMUS and reversed_pair.strength == 1.0
    refrains = [d for t, d in by_text.items() if "winter is not the end" in t.lower()]
    assert len(refrains) == 3 and all(d.kind == REFRAIN for d in refrains)
    assert refrains[0].phrase == "winter is not the end of the story"
    contrast = by_text["Success is not about talent but about showing up."]
    assert contrast.kind == ANTITHESIS and contrast.phrase == "not ... but"


def test_korean_is_not_read_for_figures_its_words_change_form_with_their_role():
    # From the Korean refrigeration lecture: a relative clause before its noun makes a "reversed
    # pair" (결정이 ... 세포를 / 세포를 ... 결정이) that the English ("crystals that tear the cells
    # apart ... crystals that leave the cells intact") does not have.
    text = ("천천히 얼리면 큰 얼음 결정이 자라서 세포를 찢어 놓습니다. "
            "아주 빨리 얼리면 세포를 온전히 남기는 아주 작은 결정이 생깁니다.")
    sentences = build_sentences(timed_words(text))
    assert any(devices(sentences, lambda s: None))  # read as words alone, a figure appears
    assert devices(sentences, lambda s: None, lambda s: "ko") == [None, None]
    # in a talk of two languages, the English sentences are still read
    english = build_sentences(timed_words("Knowledge will get you hired. Kindness will get you trusted. " + text))
    language = {s.start: ("en" if s.text.isascii() else "ko") for s in english}
    found_here = devices(english, lambda s: ENGLISH, lambda s: language[s.start])
    assert [d.kind if d else None for d in found_here] == [PARALLEL, PARALLEL, None, None]


def test_three_short_clauses_built_on_one_word_are_a_list_and_a_plain_series_is_not():
    by_text = dict(found(
        "We shall pay any price, bear any burden, meet any hardship, support any friend. "
        "We bought bread, cheese and apples, then walked home. "
        "Mix the flour, add the water, rest it overnight."))
    pledge = by_text["We shall pay any price, bear any burden, meet any hardship, support any friend."]
    assert pledge.kind == PARALLEL and pledge.phrase.startswith("bear any burden, meet any hardship")
    assert by_text["We bought bread, cheese and apples, then walked home."] is None
    # two steps built alike, then a third that is not: no list of three
    assert by_text["Mix the flour, add the water, rest it overnight."] is None


def test_a_reversed_pair_may_turn_on_a_word_the_talk_says_often():
    # "you" is in five of thirty sentences here, a common word of this talk (not an everyday one
    # like "the"): the figure still turns on it
    text = " ".join(["I thank you all. I see you there. You came far. We owe you much."]
                    + [f"The river rose {n} feet that spring." for n in range(25)]
                    + ["And so: ask not what your country can do for you, ask what you can do for your country."])
    ask = dict(found(text))["And so: ask not what your country can do for you, ask what you can do for your country."]
    assert ask.kind == CHIASMUS and ask.phrase == "country ... you / you ... country"


def test_function_words_swapped_by_grammar_are_no_reversed_pair():
    # German puts the verb second, so "ich habe" and "habe ich" swap in ordinary sentences.
    text = " ".join(["Ich habe das Boot gesehen, und dann habe ich gelacht."] + [
        f"Ich habe heute {n} Dinge gekauft, und morgen habe ich frei." for n in ("zwei", "drei", "vier", "fünf")])
    found = devices(build_sentences(timed_words(text)), lambda s: None)
    assert all(d is None or d.kind != CHIASMUS for d in found), found


def test_a_language_without_contrast_markers_finds_only_the_shapes():
    sentences = build_sentences(timed_words("Das ist nicht gut, aber es geht. Wir fahren heute nach Hause."))
    assert devices(sentences, lambda s: None) == [None, None]


def test_the_head_learns_a_direction_and_keeps_to_it_once_saved(tmp_path):
    rng = np.random.default_rng(5)
    direction = rng.standard_normal(16)
    rows = rng.standard_normal((200, 16))
    labels = (rows @ direction) > 0.8  # the fewer, like highlights
    head = editorial_head.fit(rows, labels, trained_on="toy")
    logits = head.logits(rows)
    assert logits[labels].mean() > logits[~labels].mean() + 1.0
    path = tmp_path / "head.npz"
    head.save(path)
    again = editorial_head.load(path)
    assert again.trained_on == "toy" and np.allclose(again.logits(rows), logits)
    with pytest.raises(ValueError, match="both highlights and filler"):
        editorial_head.fit(rows, [True] * len(rows))


def test_a_missing_or_foreign_head_is_an_error_that_says_what_to_run(tmp_path):
    with pytest.raises(ModelMissing, match="scripts/setup.sh"):
        editorial_head.load(tmp_path / "nowhere.npz")
    np.savez(tmp_path / "old.npz", weights=np.zeros(4), bias=np.float32(0), trained_on=np.str_("x"),
             format=np.int32(editorial_head.FORMAT + 1))
    with pytest.raises(ModelMissing, match="format"):
        editorial_head.load(tmp_path / "old.npz")


def test_the_shipped_head_was_trained_on_our_labelled_talks():
    scripts = editorial_head.scripts_of(editorial_head.default_labels())
    assert {p.stem for p in scripts} >= {"commencement_speech", "standup_set", "tutorial_sourdough", "sermon_hope",
                                         "panel_city_transport"}
    assert editorial_head.load().trained_on == editorial_head.digest(scripts)  # setup retrains a stale one


class _Lengths:
    """Stands in for a sentence encoder: a sentence's row is its length, so the rows say how the
    script was cut."""

    def encode(self, texts):
        return np.asarray([[len(t), 1.0] for t in texts], np.float32)


def test_a_script_written_without_spaces_is_cut_into_sentences_at_its_full_stops(tmp_path):
    script = tmp_path / "talk.tsv"
    script.write_text("kind\tspeaker\ttext\n"
                      "filler\thost\tはい、始めましょう。聞こえますか？\n"
                      "highlight\thost\t冷蔵庫が世界を変えました。本当です！\n", encoding="utf-8")
    rows, labels = editorial_head.examples([script], _Lengths())
    assert labels == [False, False, True, True]  # four sentences, not two passages
    assert len(rows) == 4
