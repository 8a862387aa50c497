import hashlib
import re

import pytest

from streams.moments import evidence, signals
from streams.moments.evidence import EnergyEnvelope
from streams.moments.scoring import WEIGHTS, moment_id, score_window, title
from streams.moments.windows import Window, candidate_windows
from streams.moments.sentences import build_sentences
from tests.unit.moments_text import filler, timed_words


def sentence(text: str, start: float = 0.0):
    (only,) = build_sentences(timed_words(text, start=start))
    return only


def window(text: str) -> Window:
    return Window(tuple(build_sentences(timed_words(text))))


# --- candidate windows ---------------------------------------------------------------------


def test_windows_start_at_a_sentence_start_end_at_a_sentence_end_and_respect_the_limits():
    sentences = build_sentences(timed_words(filler(200)))
    windows = list(candidate_windows(sentences, min_seconds=20, max_seconds=60))
    starts = {s.start for s in sentences}
    ends = {s.end for s in sentences}
    assert windows
    for w in windows:
        assert w.start in starts and w.end in ends
        assert 20 <= w.duration <= 60
    # Exactly the runs of consecutive sentences that fit: compare with brute force.
    expected = {
        (i, j)
        for i in range(len(sentences))
        for j in range(i, len(sentences))
        if 20 <= sentences[j].end - sentences[i].start <= 60
    }
    got = {(sentences.index(w.sentences[0]), sentences.index(w.sentences[-1])) for w in windows}
    assert got == expected
    assert all(len(w.sentences) == j - i + 1 for w, (i, j) in zip(windows, sorted(got)))


def test_a_single_sentence_is_a_window_when_it_fits():
    sentences = build_sentences(timed_words(" ".join(["word"] * 70) + " end."))  # about 25 s
    windows = list(candidate_windows(sentences, min_seconds=20, max_seconds=60))
    assert len(windows) == 1 and len(windows[0].sentences) == 1


def test_no_window_when_the_transcript_is_shorter_than_the_minimum():
    sentences = build_sentences(timed_words("Short talk. Very short."))
    assert list(candidate_windows(sentences, min_seconds=20, max_seconds=60)) == []


# --- signals -------------------------------------------------------------------------------


def test_a_question_or_hook_phrase_opens_better_than_a_flat_statement():
    flat = signals.hook(sentence("The meeting room was on the left side of the building."))
    question = signals.hook(sentence("Have you ever wondered about your morning routine?"))
    phrase = signals.hook(sentence("Here's the secret nobody tells you about money."))
    number = signals.hook(sentence("Three habits changed my mornings completely."))
    both = signals.hook(sentence("Why do most people quit in the first week?"))
    assert flat == 0.0
    assert question > flat and phrase > flat and number > flat
    assert both == 1.0 and both > question
    assert all(0.0 <= v <= 1.0 for v in (flat, question, phrase, number, both))


def test_numbers_density():
    assert signals.numbers(timed_words("I have cats and dogs at home.")) == 0.0
    some = signals.numbers(timed_words("I have 3 cats and two hundred dogs, roughly 40% more than last year."))
    assert some == 1.0
    sparse = signals.numbers(timed_words("one " + "word " * 38 + "end."))
    assert 0.0 < sparse < 1.0
    assert signals.count_numbers(timed_words("I paid $1,000 for the first three of them.")) == 3
    assert signals.numbers([]) == 0.0


def test_speech_rate_is_best_in_the_lively_band_and_falls_off_outside():
    words = timed_words(" ".join(["word"] * 30))
    assert signals.speech_rate(words, 10.0) == 1.0  # 3 w/s
    assert signals.speech_rate(words, 12.0) == 1.0  # 2.5 w/s
    assert 0.0 < signals.speech_rate(words, 15.0) < 1.0  # 2 w/s
    assert signals.speech_rate(words, 30.0) == 0.0  # 1 w/s
    assert 0.0 < signals.speech_rate(words, 6.0) < 1.0  # 5 w/s
    assert signals.speech_rate(words, 4.0) == 0.0  # 7.5 w/s
    assert signals.speech_rate(words, 0.0) == 0.0


def test_energy_is_neutral_without_an_envelope_and_follows_loudness_with_one():
    assert evidence.energy(0, 10, None) == 0.5
    assert evidence.energy(0, 10, EnergyEnvelope(0.5, ())) == 0.5
    # 0-10 s quiet (0.1), 10-20 s normal (0.2), 20-30 s loud (0.4); the median is 0.2.
    envelope = EnergyEnvelope(0.5, (0.1,) * 20 + (0.2,) * 20 + (0.4,) * 20)
    quiet, normal, loud = (evidence.energy(a, a + 10, envelope) for a in (0, 10, 20))
    assert quiet == pytest.approx(0.0) and normal == pytest.approx(0.5) and loud == pytest.approx(1.0)
    assert evidence.energy(100, 110, envelope) == 0.5  # not heard yet
    assert evidence.energy(0, 10, EnergyEnvelope(0.5, (0.0,) * 10)) == 0.5


def test_completeness_penalises_a_dangling_opener_and_rewards_a_finished_ending():
    whole = build_sentences(timed_words("The plan worked. We shipped on time."))
    dangling = build_sentences(timed_words("And it worked. We shipped on time."))
    trailing = build_sentences(timed_words("The plan worked. We shipped on"))
    assert signals.completeness(whole) == 1.0
    assert signals.completeness(dangling) < signals.completeness(whole)
    assert signals.completeness(trailing) < signals.completeness(whole)
    assert signals.opens_mid_thought(build_sentences(timed_words("That's why it matters."))) == "that"


def test_length_fit():
    assert signals.length_fit(30) == 1.0 and signals.length_fit(25) == 1.0 and signals.length_fit(45) == 1.0
    assert signals.length_fit(20) == pytest.approx(0.3)
    assert signals.length_fit(60) == pytest.approx(0.3)
    assert signals.length_fit(22.5) == pytest.approx(0.65)
    assert signals.length_fit(52.5) == pytest.approx(0.65)
    assert signals.length_fit(10) < 0.3 and signals.length_fit(90) < 0.3


# --- scores, reasons, titles, ids ------------------------------------------------------------


def test_weights_cover_every_signal_and_sum_to_one():
    assert set(WEIGHTS) == {
        "editorial", "breaks", "hook", "payoff", "coherence", "completeness", "speech_rate", "energy", "fluency",
        "pitch", "length_fit", "numbers", "faces", "scene_cuts", "exchange",
    }
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    # bench/moments_quality.py: what a passage is (story or housekeeping) separates editors' picks
    # from filler on the labelled talks; the hook is the strongest of the word-level signals.
    assert max(WEIGHTS, key=WEIGHTS.get) == "editorial"
    assert max((n for n in WEIGHTS if n not in ("editorial", "breaks")), key=WEIGHTS.get) == "hook"


def test_score_is_0_to_100_and_a_hooky_window_beats_a_flat_one():
    hooky = score_window(window("Why do most people fail at saving money? " + filler(28)))
    flat = score_window(window("And then " + filler(28).replace(".", "", 1)[:-1]))
    for moment in (hooky, flat):
        assert 0.0 <= moment.score <= 100.0 and moment.score == round(moment.score, 1)
        assert set(moment.signals) == set(WEIGHTS)
        assert all(0.0 <= v <= 1.0 and v == round(v, 3) for v in moment.signals.values())
    assert hooky.score > flat.score
    expected = 100 * sum(WEIGHTS[k] * v for k, v in hooky.signals.items())
    assert hooky.score == pytest.approx(expected, abs=0.2)


def test_reason_names_the_strongest_signals_by_what_they_added():
    moment = score_window(window("What if you saved 20 percent of 3 paychecks? " + filler(25)))
    assert moment.reason.startswith("Opens with a question")
    parts = moment.reason.split("; ")
    # Named in order of weight x value (ties: the weightier signal), at most three, each strong;
    # what every good clip has (a full stop at the end, a lively pace: the norms) is not named.
    assert moment.signals["completeness"] == moment.signals["speech_rate"] == moment.signals["fluency"] == 1.0
    assert parts == ["Opens with a question", "2 concrete figures"]  # "20 percent" is one
    slow = score_window(Window(tuple(build_sentences(timed_words(
        "What if you saved 20 percent of 3 paychecks? " + filler(25), per_word=1.2)))))
    assert re.search(r"slow pace \(\d\.\d words/s\)", slow.reason)  # a norm that falls short is a warning
    assert "\n" not in moment.reason
    # Missing inputs are never named: no "usual loudness" when nothing was measured.
    assert "loudness" not in moment.reason and "voice" not in moment.reason
    dangling = score_window(window("And so " + filler(25)))
    assert 'opens mid-thought ("and")' in dangling.reason


def test_title_comes_from_the_hookiest_opening_sentence_and_fits_60_chars():
    moment = score_window(window("So the weather was fine. Why do most people never start? " + filler(25)))
    assert moment.title == "Why do most people never start?"
    long = title(build_sentences(timed_words(
        "here is a remarkably long opening sentence that goes on and on well past sixty characters."
    )))
    assert len(long) <= 60 and long[0] == "H"
    assert "here is a remarkably long opening sentence that goes on and".startswith(long.lower())
    assert not long.endswith((".", ",", " "))
    plain = title(build_sentences(timed_words("The plan worked, mostly.")))
    assert plain == "The plan worked, mostly"


def test_titles_never_exceed_60_characters():
    for text in ("a" * 80 + ".", "word " * 40, "Why " + "really " * 20 + "?"):
        assert len(title(build_sentences(timed_words(text)))) <= 60


def test_moment_id_is_deterministic_16_hex():
    a = moment_id("vid-1", 12.3456, 40.0)
    assert a == moment_id("vid-1", 12.3456, 40.0)
    assert re.fullmatch(r"[0-9a-f]{16}", a)
    assert a == hashlib.sha1(b"vid-1:12346:40000").hexdigest()[:16]
    assert a != moment_id("vid-2", 12.3456, 40.0) and a != moment_id("vid-1", 12.4, 40.0)


def test_a_reason_counts_figures_not_loose_number_words():
    # "the one thing", "no one", "the one I liked": number words the ranking's density counts,
    # but no figure a viewer would see in the clip, so the reason does not name figures at all.
    alone = score_window(window("What is the one thing no one tells you? " + filler(25) + " That was the one I liked."))
    assert alone.signals["numbers"] >= 0.6 and "figure" not in alone.reason
    beside = score_window(window("What is the one thing no one tells you? One in six of us quit. " + filler(25)))
    assert beside.reason == "Opens with a question; 2 concrete figures"  # "one in six"; not "the one thing"
    assert not signals.opens_with_figure(sentence("One of my friends came over."))
    assert signals.opens_with_figure(sentence("One in six of my friends came over."))
    assert signals.opens_with_figure(sentence("Then 40 of my friends came over."))


def test_number_words_side_by_side_are_one_figure():
    # "ten thousand people", "twenty five percent": one amount each, as a viewer reads it
    said = sentence("Ten thousand people came, twenty five percent of them twice, in 3 days.")
    assert signals.count_figures(said.words) == 3
    assert signals.count_figures(sentence("It took 3 of us 4 hours.").words) == 2


@pytest.mark.parametrize("text, said", [
    ("Then 40 of my friends came over.", "opens with a number"),
    ("One of my friends came over.", "flat opening"),  # the hook counted "One"; it names no amount
    ("My friends came over!", "opens with an exclamation"),  # it was said to open with a number
])
def test_a_hook_is_described_by_what_opens_it(text, said):
    from streams.moments.evidence import Evidence
    from streams.moments.reasons import _describe

    w = window(text + " " + filler(3))
    assert _describe("hook", w, signals.hook(w.sentences[0]), Evidence()) == said
