"""The word signals listen in the talk's language (issue 19): a German hook is a hook, a Japanese
talk is not marked down for having no English words, and English scores as it always did."""

import pytest

from streams.asr.languages import SpokenLanguages
from streams.moments import signals
from streams.moments.editorial import EditorialMap
from streams.moments.evidence import NEUTRAL, Evidence
from streams.moments.lexicon import ENGLISH, FRENCH, GERMAN, LEXICONS, PORTUGUESE, SPANISH, for_language
from streams.moments.scoring import score_window, signal_values
from streams.moments.windows import Window
from streams.moments.titles import title
from streams.moments.sentences import build_sentences
from tests.unit.moments_text import timed_words


def sentence(text: str):
    (only,) = build_sentences(timed_words(text))
    return only


def spoken(language: str, seconds: float = 600.0) -> SpokenLanguages:
    return SpokenLanguages(chunks=((language, 0.0, seconds),))


def test_a_language_is_read_with_its_own_lists_and_an_unknown_one_as_english():
    assert for_language("de") is GERMAN
    assert for_language("pt-BR") is PORTUGUESE and for_language("ES") is SPANISH
    assert for_language(None) is ENGLISH  # nothing identified: as before languages were known
    assert for_language("ja") is None and for_language("ru") is None
    assert set(LEXICONS) == {"en", "de", "es", "fr", "it", "pt"}


# The same openers in six languages, each with the cues English has: the hook must be as strong.
PARALLEL_HOOKS = {
    "en": ("Why do most startups fail?", "Your morning routine is costing you an hour.",
           "Nobody talks about the worst part of moving house.", "The meeting room was on the left."),
    "de": ("Warum scheitern die meisten Startups?", "Deine Morgenroutine kostet dich eine Stunde.",
           "Niemand spricht über den schlimmsten Teil eines Umzugs.", "Der Raum war auf der linken Seite."),
    "es": ("¿Por qué fracasan la mayoría de las empresas?", "Tu rutina de la mañana te cuesta una hora.",
           "Nadie habla de la peor parte de una mudanza.", "La sala estaba a la izquierda."),
    "fr": ("Pourquoi la plupart des startups échouent?", "Votre routine du matin vous coûte une heure.",
           "Personne ne parle de la pire partie d'un déménagement.", "La salle était sur la gauche."),
    "it": ("Come mai la maggior parte delle startup fallisce?", "La tua routine del mattino ti costa un'ora.",
           "Nessuno parla della parte peggiore di un trasloco.", "La sala era sulla sinistra."),
    "pt": ("Por que a maioria das startups fracassa?", "Você perde uma hora com a sua rotina da manhã.",
           "Ninguém fala da pior parte de uma mudança.", "A sala ficava à esquerda."),
}


@pytest.mark.parametrize("language", sorted(set(PARALLEL_HOOKS) - {"en"}))
def test_an_opener_hooks_as_strongly_in_each_language_as_in_english(language):
    english = [signals.hook(sentence(text), ENGLISH) for text in PARALLEL_HOOKS["en"]]
    here = [signals.hook(sentence(text), for_language(language)) for text in PARALLEL_HOOKS[language]]
    assert english[0] == 1.0 and english[3] == 0.0  # a question with "why" and "most"; a flat opener
    assert here[0] == english[0] and here[3] == 0.0
    assert here[1] >= 0.25 and here[2] >= 0.25  # speaks to the viewer; a bold claim
    # Read with the English lists, the same openers lose everything but the question mark.
    assert signals.hook(sentence(PARALLEL_HOOKS[language][1]), ENGLISH) == 0.0


def test_payoffs_fillers_numbers_and_dangling_openers_in_german():
    de = GERMAN
    assert signals.payoff_phrase(sentence("Und deshalb haben wir alles geändert."), de) == "deshalb"
    assert signals.payoff(sentence("Also merkt euch das."), None, de) > 0
    assert signals.count_fillers(timed_words("Ähm, ich denke, äh, es geht, sozusagen, gut."), de) == 3
    assert signals.count_numbers(timed_words("Wir hatten drei Bäckereien und 41 Filialen."), de) == 2
    assert signals.count_numbers(timed_words("Wir hatten drei Bäckereien und 41 Filialen."), ENGLISH) == 1
    assert signals.opens_mid_thought([sentence("Und dann kam der Brief.")], de) == "und"
    assert signals.opens_mid_thought([sentence("Der Brief kam am Montag.")], de) is None
    # French elision: "c'est" points back the way "it's" does.
    assert signals.opens_mid_thought([sentence("C'est là que tout a changé.")], FRENCH) == "c"
    # A French sentence opens on "qui" or "que" only to ask or to wish: no reference back.
    assert signals.opens_mid_thought([sentence("Qui a payé la facture ?")], FRENCH) is None
    assert signals.opens_mid_thought([sentence("Que ce soit bien clair.")], FRENCH) is None
    assert signals.opens_mid_thought([sentence("Parce que personne ne répondait.")], FRENCH) == "parce"


def test_french_everyday_words_are_no_claims_or_payoffs():
    # "plus" (more) and "tout" (all) open ordinary sentences; "à la fin" is mostly "at the end".
    assert signals.bold_claim(sentence("Plus, un après-midi, j'ai amarré le bateau."), FRENCH) is None
    assert signals.bold_claim(sentence("Tout a commencé un mardi."), FRENCH) is None
    assert signals.bold_claim(sentence("Personne ne l'avait vu venir."), FRENCH) == "personne"
    assert signals.payoff_phrase(sentence("Je garderai cinq minutes à la fin pour les questions."), FRENCH) is None
    assert signals.payoff_phrase(sentence("Au final, c'est la glace qui a gagné."), FRENCH) == "au final"


def test_spanish_and_portuguese_truth_markers_are_no_hooks_or_claims():
    # "La verdad es que", "de verdad" and "na verdade" say "honestly", "really" and "actually".
    for opener in ("Bueno, la verdad es que fue bastante poco a poco.", "Fue muy difícil, de verdad."):
        assert signals.hook(sentence(opener), SPANISH) == 0.0
    assert signals.hook(sentence("Na verdade, foi bem devagar."), PORTUGUESE) == 0.0
    # The truth about something is still a promise, as "the truth" is in English.
    assert signals.hook_phrase(sentence("La verdad sobre el pan de masa madre."), SPANISH) == "la verdad sobre"
    assert signals.hook_phrase(sentence("A verdade sobre o fermento natural."), PORTUGUESE) == "a verdade sobre"
    assert signals.hook(sentence("The truth is, nobody reads the manual."), ENGLISH) > 0


def test_without_a_lexicon_only_what_every_language_shares_counts():
    question = sentence("なぜスタートアップの多くは失敗するのでしょうか？")
    assert question.ending == "?"  # a full-width question mark is a question
    assert signals.hook(question, None) == 0.6
    assert signals.hook(sentence("売上は3倍になりました。"), None) == 0.3  # a numeral
    assert signals.count_fillers(timed_words("um uh well"), None) == 0
    assert signals.opens_mid_thought([sentence("And then it fell.")], None) is None


def japanese_window() -> Window:
    text = " ".join(["なぜ多くの会社は失敗するのでしょうか？", "私たちは三年間で四十一店舗に増えました。",
                     "それが一番大きな教訓でした。"] * 6)
    return Window(tuple(build_sentences(timed_words(text))))


def test_a_japanese_clip_is_not_scored_on_english_descriptions_or_an_english_pace():
    w = japanese_window()
    # An editorial map that would call the window a standout: it must not count for Japanese.
    standout = EditorialMap(tuple(s.start for s in w.sentences), (3.0,) * len(w.sentences), (0,) * len(w.sentences))
    as_english = signal_values(w, Evidence(editorial=standout))
    as_japanese = signal_values(w, Evidence(editorial=standout, languages=spoken("ja")))
    assert as_english["editorial"] > 0.9
    assert as_japanese["editorial"] == NEUTRAL and as_japanese["speech_rate"] == NEUTRAL
    assert as_japanese["hook"] == 0.6  # the question still hooks
    scored = score_window(w, Evidence(editorial=standout, languages=spoken("ja")))
    reason = scored.reason.lower()
    assert "reads like" not in reason and "words/s" not in reason and "pace" not in reason
    assert "flat opening" not in reason and "no clear payoff" not in reason


def test_a_german_window_is_not_marked_down_against_its_english_twin():
    english = Window(tuple(build_sentences(timed_words(
        "Why do most startups fail? We had three bakeries and then forty-one. That's why we changed everything."))))
    german = Window(tuple(build_sentences(timed_words(
        "Warum scheitern die meisten Startups? Wir hatten drei Bäckereien und dann vierzig. "
        "Deshalb haben wir alles geändert."))))
    en = signal_values(english, Evidence(languages=spoken("en")))
    de = signal_values(german, Evidence(languages=spoken("de")))
    for name in ("hook", "payoff", "completeness", "fluency"):
        assert de[name] == en[name], name
    assert de["numbers"] > 0
    # Read as English (what every talk was before), the German one lost its hook and payoff.
    as_english = signal_values(german, Evidence(languages=spoken("en")))
    assert as_english["hook"] < de["hook"] and as_english["payoff"] < de["payoff"]


def test_titles_drop_the_leading_fillers_of_the_clips_language():
    w = Window((sentence("Also, warum scheitern die meisten Startups?"),))
    assert title(w.sentences, Evidence(languages=spoken("de"))).startswith("Warum scheitern")
    assert title(w.sentences).startswith("Also")  # read as English, "also" is a word to keep


def test_each_sentence_of_a_mixed_talk_is_read_in_its_own_language():
    words = timed_words("So that is the plan. Warum scheitern die meisten Startups?")
    first, second = build_sentences(words)
    languages = SpokenLanguages(chunks=(("en", 0.0, first.end + 0.3), ("de", first.end + 0.3, 60.0)))
    ev = Evidence(languages=languages)
    assert ev.lexicon_of(first) is ENGLISH and ev.lexicon_of(second) is GERMAN
    both = Window((first, second))
    assert signal_values(both, ev)["payoff"] == signals.payoff(second, None, GERMAN)
    # A window with any German in it is not judged on the English descriptions.
    standout = EditorialMap((first.start, second.start), (3.0, 3.0), (0, 0))
    assert signal_values(both, Evidence(editorial=standout, languages=languages))["editorial"] == NEUTRAL
    assert signal_values(Window((first,)), Evidence(editorial=standout, languages=languages))["editorial"] > 0.9
