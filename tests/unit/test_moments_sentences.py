from streams.domain.words import Word
from streams.moments.sentences import Sentence, build_sentences, ends_sentence
from tests.unit.moments_text import timed_words


def texts(sentences: list[Sentence]) -> list[str]:
    return [s.text for s in sentences]


def test_ends_on_full_stop_question_and_exclamation_even_inside_quotes_or_brackets():
    words = timed_words('He said "stop." Then what? (Nothing at all!) Fine.')
    assert texts(build_sentences(words)) == ['He said "stop."', "Then what?", "(Nothing at all!)", "Fine."]


def test_abbreviations_and_initials_do_not_end_a_sentence():
    text = "I met Dr. Smith, Mrs. Jones and Mr. Lee on St. Mark's road, e.g. near i.e. the park. J. R. Doe left."
    sentences = build_sentences(timed_words(text))
    assert texts(sentences) == [
        "I met Dr. Smith, Mrs. Jones and Mr. Lee on St. Mark's road, e.g. near i.e. the park.",
        "J. R. Doe left.",
    ]
    assert not ends_sentence("Dr.") and not ends_sentence("J.") and ends_sentence("park.")
    assert ends_sentence('why?")') and not ends_sentence("so,")


def test_every_word_lands_in_exactly_one_sentence_in_order():
    words = timed_words("One two. Three four five? Six " + "word " * 120 + "end! Trailing words without punctuation")
    sentences = build_sentences(words)
    assert [w for s in sentences for w in s.words] == words
    assert all(s.words for s in sentences)


def test_a_long_unpunctuated_run_is_split_at_its_longest_pause():
    # 60 words (21 s), a 2 s pause, 40 more words: 37 s in all, over the 25 s limit.
    text = " ".join(["alpha"] * 60 + ["<2.0>"] + ["beta"] * 40)
    sentences = build_sentences(timed_words(text), max_seconds=25.0)
    assert [len(s.words) for s in sentences] == [60, 40]
    assert {w.word for w in sentences[0].words} == {"alpha"}
    assert sentences[1].start - sentences[0].end >= 2.0


def test_long_runs_are_split_recursively_until_each_fits():
    words = timed_words(" ".join(["word"] * 300))  # 105 s without a pause or punctuation
    sentences = build_sentences(words, max_seconds=25.0)
    assert len(sentences) >= 5
    assert all(s.duration <= 25.0 for s in sentences)
    assert sum(len(s.words) for s in sentences) == 300


def test_a_punctuated_sentence_over_the_limit_is_split_too():
    words = timed_words(" ".join(["word"] * 40 + ["<1.5>"] + ["word"] * 40) + " done.")
    sentences = build_sentences(words, max_seconds=20.0)
    assert len(sentences) == 2 and all(s.duration <= 20.0 for s in sentences)
    assert sentences[-1].ending == "." and sentences[0].ending == ""


def test_a_single_word_may_exceed_the_limit():
    words = [Word("Ooooh", 0.0, 30.0, 0.9), Word("ok.", 30.5, 31.0, 0.9)]
    sentences = build_sentences(words, max_seconds=25.0)
    assert [len(s.words) for s in sentences] == [1, 1]


def test_sentence_properties():
    (sentence,) = build_sentences(timed_words("Why does this work?", start=10.0))
    assert sentence.start == 10.0
    assert sentence.end == sentence.words[-1].end == 11.35
    assert sentence.text == "Why does this work?"
    assert sentence.ending == "?"


def test_no_words_no_sentences():
    assert build_sentences([]) == []


def test_join_words_glues_whisper_fragments_back_together():
    from streams.moments.sentences import join_words

    assert join_words(["Steam", "-powered", "railways,", "i", ".e", "the", "1870", "'s", "50", "%"]) == \
        "Steam-powered railways, i.e the 1870's 50%"
    assert join_words(["", " Hello ", "world."]) == "Hello world."


def test_a_long_pause_before_a_capital_ends_a_sentence_without_punctuation():
    sentences = build_sentences(timed_words("so that was the plan <1.2> Then we left early <0.4> Maria came"))
    assert texts(sentences) == ["so that was the plan", "Then we left early Maria came"]
    assert sentences[0].ending == ""


def test_a_pause_after_a_hanging_word_or_comma_is_hesitation():
    words = timed_words("we went to the <1.5> Market and then, <1.5> Later we ate")
    assert len(build_sentences(words)) == 1


def test_a_long_silence_ends_a_sentence_whatever_follows():
    sentences = build_sentences(timed_words("that was all for today <3.5> okay welcome back"))
    assert texts(sentences) == ["that was all for today", "okay welcome back"]
    # A short pause before a lower-case word does not.
    assert len(build_sentences(timed_words("that was all <1.5> okay welcome back"))) == 1


def test_a_full_stop_followed_by_a_lower_case_word_is_an_abbreviation():
    sentences = build_sentences(timed_words("It costs approx. five dollars in the U.S. and more abroad. Fine."))
    assert texts(sentences) == ["It costs approx. five dollars in the U.S. and more abroad.", "Fine."]
    # After a real pause the full stop stands.
    assert len(build_sentences(timed_words("We stopped. <1.5> then we went on."))) == 2


def test_a_decimal_split_by_whisper_does_not_end_a_sentence():
    words = [Word("It", 0.0, 0.2, 0.9), Word("rose", 0.25, 0.5, 0.9), Word("3.", 0.55, 0.7, 0.9),
             Word("5", 0.7, 0.8, 0.9), Word("percent.", 0.85, 1.2, 0.9), Word("2020", 1.8, 2.1, 0.9),
             Word("was", 2.15, 2.3, 0.9), Word("odd.", 2.35, 2.6, 0.9)]
    assert [len(s.words) for s in build_sentences(words)] == [5, 3]


def test_breaks_after_the_last_word_only_on_punctuation():
    from streams.moments.sentences import breaks_after

    assert breaks_after(Word("done.", 0, 1, 1), None) and not breaks_after(Word("done", 0, 1, 1), None)
    assert breaks_after(Word("why?", 0, 1, 1), Word("because", 1.1, 1.5, 1))


def test_words_stamped_at_one_instant_never_start_two_sentences():
    # Whisper sometimes stamps a run of Japanese tokens at one instant; two sentences starting
    # together broke every map keyed on a sentence's start (a Japanese talk failed its moments).
    from streams.moments.sentences import closed_sentences

    words = [Word("はい。", 10.0, 10.0), Word("では。", 10.0, 10.0), Word("始めましょう。", 10.0, 11.0),
             Word("後ろの方、", 11.5, 12.0), Word("聞こえますか？", 12.0, 12.8), Word("いいですね。", 13.5, 14.0)]
    sentences = build_sentences(words)
    starts = [s.start for s in sentences]
    assert starts == sorted(set(starts)), starts
    assert [w for s in sentences for w in s.words] == words  # every word once, in order
    assert [s.text for s in sentences][-2:] == ["後ろの方、聞こえますか？", "いいですね。"]
    closed, rest = closed_sentences(words)
    assert closed + build_sentences(rest) == sentences  # streamed as a whole


def test_a_long_run_is_not_split_where_both_halves_would_start_together():
    words = [Word(f"w{i}", 0.0, 0.0) for i in range(5)] + [Word("end.", 0.0, 80.0)]
    [only] = build_sentences(words, max_seconds=30.0)
    assert len(only.words) == 6


def test_an_elided_article_is_not_part_of_the_word_a_list_looks_for():
    from streams.moments.sentences import unelided
    from streams.moments.signals import bold_claim, is_number

    assert [unelided(w) for w in ("l'erreur", "dell'errore", "l'Europe", "quest'anno")] == [
        "erreur", "errore", "Europe", "anno"]
    # contractions and words with an apostrophe inside stay whole
    assert [unelided(w) for w in ("it's", "don't", "qu'on", "aujourd'hui", "jusqu'à")] == [
        "it's", "don't", "qu'on", "aujourd'hui", "jusqu'à"]
    from streams.moments.lexicon import FRENCH, ITALIAN

    assert bold_claim(build_sentences(timed_words("C'est l'erreur que tout le monde fait."))[0], FRENCH) == "l'erreur"
    assert is_number("dell'otto", ITALIAN) and not is_number("dell'auto", ITALIAN)
