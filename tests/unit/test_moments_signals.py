import random

import pytest

from streams.domain.words import Word
from streams.moments import evidence, signals
from streams.moments.evidence import Evidence
from streams.moments.scoring import WEIGHTS, score_window, title
from streams.moments.windows import Window
from streams.moments.lengths import DEFAULT_LENGTH, LENGTH_PRESETS, LengthRange, length_range
from streams.moments.sentences import build_sentences
from streams.moments.topics import TopicMap
from tests.unit.moments_text import filler, timed_words


def sentence(text: str):
    (only,) = build_sentences(timed_words(text))
    return only


def window(text: str) -> Window:
    return Window(tuple(build_sentences(timed_words(text))))


# --- hook and payoff -----------------------------------------------------------------------------


def test_direct_address_and_bold_claims_make_a_hook():
    flat = signals.hook(sentence("The meeting room was on the left side of the building."))
    address = signals.hook(sentence("Your morning routine is costing you an hour."))
    claim = signals.hook(sentence("Nobody talks about the worst part of moving house."))
    exclaim = signals.hook(sentence("This changed the way the team worked!"))
    assert flat == 0.0
    assert address >= 0.25 and claim >= 0.25 and 0 < exclaim < address
    assert signals.direct_address(sentence("Have you tried it?"))
    assert signals.bold_claim(sentence("This is the best pasta in town.")) == "best"


def test_a_conclusive_last_sentence_is_a_payoff():
    flat = signals.payoff(sentence("The meeting room was on the left side of the building."))
    lesson = signals.payoff(sentence("That's why you should always test first."))
    so = signals.payoff(sentence("So we shipped it anyway."))
    result = signals.payoff(sentence("We saved 40 percent in the end!"))
    assert flat == 0.0
    assert lesson >= 0.45 and so >= 0.35 and result >= 0.7
    assert signals.payoff(sentence("The meeting ran long."), ends_topic=True) == pytest.approx(0.3)
    assert signals.payoff_phrase(sentence("And the lesson is simple.")) == "the lesson"


# --- dead air and fillers ------------------------------------------------------------------------


def test_fillers_are_counted_only_as_hesitations():
    assert signals.count_fillers(timed_words("um so uh I think, like, it works, you know, fine")) == 4
    assert signals.count_fillers(timed_words("I like it and you know the answer")) == 0


def test_fluency_falls_with_dead_air_and_fillers():
    smooth = timed_words("We set the goal and then we hit it every single week of the year.")
    assert signals.fluency(smooth, smooth[-1].end - smooth[0].start) == 1.0
    gappy = timed_words("We set <3> the goal <3> and then <3> we hit it.")
    duration = gappy[-1].end - gappy[0].start
    assert signals.dead_air(gappy) == pytest.approx(9.15, abs=0.01)
    assert signals.fluency(gappy, duration) == 0.0
    hesitant = timed_words("um we uh set the um goal and uh then we hit it every week of the year")
    assert 0.0 <= signals.fluency(hesitant, 8.0) < 0.5
    assert signals.fluency([], 0.0) == 0.0


# --- faces and scene cuts ------------------------------------------------------------------------


def test_faces_prefer_one_speaker_and_are_neutral_without_samples():
    one = [(t, 1) for t in range(0, 30)]
    crowd = [(t, 4) for t in range(0, 30)]
    empty = [(t, 0) for t in range(0, 30)]
    assert evidence.faces(0, 30, one) == 1.0
    assert evidence.faces(0, 30, crowd) == 0.5 and evidence.faces(0, 30, empty) == 0.0
    assert evidence.faces(0, 30, None) == 0.5 and evidence.faces(100, 130, one) == 0.5


def test_scene_cuts_punish_a_flash_shot_and_reward_a_fresh_opening():
    assert evidence.scene_cuts(10, 40, None) == 0.5
    assert evidence.scene_cuts(10, 40, [11.0]) == 0.1  # a one-second shot right after the start
    assert evidence.scene_cuts(10, 40, [39.0]) == 0.1
    steady = evidence.scene_cuts(10, 40, [])
    fresh = evidence.scene_cuts(10, 40, [10.2])
    lively = evidence.scene_cuts(10, 40, [10.0, 20.0, 30.0])
    assert steady == pytest.approx(0.6) and fresh == pytest.approx(0.8) and lively == pytest.approx(1.0)


def _naive_faces(start, end, samples):
    inside = [c for t, c in samples if start <= t < end]
    if not inside:
        return 0.5
    return sum(evidence.FACE_VALUES.get(max(0, c), evidence.MANY_FACES_VALUE) for c in inside) / len(inside)


def _naive_cuts(start, end, cuts):
    if end <= start:
        return 0.5
    if any(start + 0.5 < t < start + 1.5 or end - 1.5 < t < end - 0.5 for t in cuts):
        return 0.1
    opens = any(abs(t - start) <= 0.5 for t in cuts)
    inside = sum(1 for t in cuts if start + 0.5 < t < end - 0.5)
    return 0.6 + 0.2 * opens + 0.2 * min(1.0, inside / ((end - start) / 60.0) / 4.0)


def test_faces_and_cuts_search_a_whole_video_the_same_as_a_scan():
    rng = random.Random(5)
    samples = [(round(i * 0.97 + rng.random() * 0.2, 2), rng.choice([0, 1, 1, 2, 5])) for i in range(3700)]
    cuts = sorted({round(rng.uniform(0, 3600), 1) for _ in range(400)} | {100.0, 100.5, 101.5})
    windows = [(100.0, 130.0), (99.5, 101.5), (0.0, 20.0), (3580.0, 3640.0), (4000.0, 4030.0)]
    windows += [(s, s + rng.uniform(15, 90)) for s in (rng.uniform(0, 3600) for _ in range(300))]
    for start, end in windows:
        assert evidence.faces(start, end, samples) == pytest.approx(_naive_faces(start, end, samples))
        assert evidence.scene_cuts(start, end, cuts) == pytest.approx(_naive_cuts(start, end, cuts))


def test_the_reason_warns_when_nobody_is_on_screen_or_a_shot_flashes_by():
    w = window("Why do most people fail at saving money? " + filler(28))
    seen = score_window(w, Evidence(faces=[(t, 1) for t in range(60)], cuts=[]))
    nobody = score_window(w, Evidence(faces=[(t, 0) for t in range(60)], cuts=[]))
    flash = score_window(w, Evidence(faces=[(t, 1) for t in range(60)], cuts=[w.start + 1.0]))
    assert (seen.signals["faces"], nobody.signals["faces"], flash.signals["scene_cuts"]) == (1.0, 0.0, 0.1)
    assert "face" not in seen.reason and "shot" not in seen.reason
    assert nobody.reason.endswith("no face on screen") and nobody.score < seen.score
    assert flash.reason.endswith("a shot flashes by at the start or end") and flash.score < seen.score
    unknown = score_window(w, Evidence())
    assert "face" not in unknown.reason and "shot" not in unknown.reason


# --- scores, evidence, lengths, titles -----------------------------------------------------------


def test_missing_evidence_is_neutral_and_changes_no_ranking():
    a = window("Why do most people fail at saving money? " + filler(28))
    b = window("The plan was fine. " + filler(28))
    plain = [score_window(w) for w in (a, b)]
    assert all(m.signals[k] == 0.5 for m in plain for k in ("energy", "pitch", "faces", "scene_cuts", "coherence"))
    fed = [score_window(w, Evidence(faces=[(t, 1) for t in range(60)], cuts=[])) for w in (a, b)]
    assert (plain[0].score > plain[1].score) == (fed[0].score > fed[1].score)


def test_a_window_across_a_topic_change_scores_lower_and_says_so():
    sentences = build_sentences(timed_words("Why do most people fail at saving money? " + filler(40)))
    w = Window(tuple(sentences[:6]))
    one = TopicMap(starts=(sentences[0].start,), ends=(sentences[-1].end,))
    split = TopicMap(starts=(sentences[0].start, sentences[3].start),
                     ends=(sentences[2].end, sentences[-1].end), depths=(0.5,))
    kept, crossed = score_window(w, Evidence(topics=one)), score_window(w, Evidence(topics=split))
    assert kept.signals["coherence"] > crossed.signals["coherence"]
    assert kept.score > crossed.score
    # One change inside a clip is common (topics are a few sentences long) and not worth a word;
    # a clip across several is.
    assert "topic" not in crossed.reason and "topic" not in kept.reason
    many = TopicMap(starts=tuple(s.start for s in sentences[:6]), ends=tuple(s.end for s in sentences[:6]),
                    depths=(0.5,) * 5)
    assert "spans several topics" in score_window(w, Evidence(topics=many)).reason


def test_length_presets_and_user_ranges():
    assert set(LENGTH_PRESETS) == {"15-30", "30-60", "60-90"}
    assert length_range("15-30") == LengthRange(15, 30)
    assert length_range(None, 40, 75) == LengthRange(40, 75)
    assert length_range() == DEFAULT_LENGTH and DEFAULT_LENGTH.preferred == (25.0, 45.0)
    assert length_range(None, min_seconds=10).limits == (10.0, 60.0)
    with pytest.raises(ValueError, match="unknown length"):
        length_range("5-10")
    with pytest.raises(ValueError):
        length_range(None, 50, 20)
    for preset in LENGTH_PRESETS.values():
        low, high = preset.preferred
        assert preset.min_seconds < low < high < preset.max_seconds


def test_length_fit_follows_the_range():
    w = window(filler(70))
    long = LENGTH_PRESETS["60-90"]
    assert score_window(w, length=long).signals["length_fit"] == 1.0
    assert score_window(w, length=LENGTH_PRESETS["15-30"]).signals["length_fit"] < 0.3


def test_title_is_the_strongest_sentence_anywhere_in_the_clip():
    text = filler(10) + " Here's the secret nobody tells you about money. " + filler(10)
    assert title(build_sentences(timed_words(text))) == "Here's the secret nobody tells you about money"
    # Without any hook, the sentence that lands the point.
    landing = title(build_sentences(timed_words("The room was grey. That's why we moved it.")))
    assert landing == "That's why we moved it"
    assert title(build_sentences(timed_words("... !"))) == "Untitled moment"


def test_every_signal_is_in_the_breakdown_within_0_and_1():
    moment = score_window(window("You won't believe this! " + filler(30) + " So that's why it worked."))
    assert set(moment.signals) == set(WEIGHTS)
    assert all(0.0 <= v <= 1.0 for v in moment.signals.values())
    assert moment.signals["payoff"] == 0.45


def test_words_without_timing_gaps_are_fluent():
    words = [Word("hi", 0.0, 0.5, 1.0), Word("there.", 0.5, 1.0, 1.0)]
    assert signals.fluency(words, 1.0) == 1.0


def test_talk_index_gives_the_same_counts_as_summing_the_sentences():
    from streams.moments.windows import candidate_windows

    text = "um so, like, we went. <2.0> You know, it cost 3 dollars. " + filler(40) + " <1.5> Uh, fine, like, 7 more."
    sentences = build_sentences(timed_words(text))
    index = signals.TalkIndex(sentences)
    windows = list(candidate_windows(sentences, 3, 60))
    assert len(windows) > 20
    for w in windows:
        fast, slow = index.talk(w.sentences), signals.talk(w.sentences)
        assert (fast.words, fast.numbers, fast.fillers) == (slow.words, slow.numbers, slow.fillers)
        assert fast.dead_air == pytest.approx(slow.dead_air)
        assert slow.words == len(w.words) and slow.numbers == signals.count_numbers(w.words)
    # A run that is not from the indexed list is still counted right.
    other = build_sentences(timed_words("Seven days. Um, nine nights."))
    assert index.talk(other) == signals.talk(other)
