"""Trimming inside a clip (streams.media.trim): long pauses shortened to a natural gap, hesitations
out, never a word of content, every cut on the frame grid and clear of kept words, and the time map
everything drawn on the clip follows."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain.words import Word
from streams.media.trim import TrimOptions, TrimPlan, plan
from streams.media.hesitations import is_hesitation, unworded

FPS = 25.0


def words_at(*items: tuple[str, float, float]) -> list[Word]:
    return [Word(w, a, b) for w, a, b in items]


def on_grid(t: float, fps: float = FPS, origin: float = 0.0) -> bool:
    """A whole number of frames from ``origin`` (to the microsecond)."""
    frames = (t - origin) * fps
    return abs(frames - round(frames)) < 1e-4


def test_off_keeps_the_clip_whole():
    words = words_at(("So", 0.0, 0.3), ("um", 1.0, 1.3), ("yes.", 3.0, 3.4))
    trimmed = plan(words, 0.0, 4.0, TrimOptions(mode="off"), fps=FPS)
    assert trimmed == TrimPlan.whole(0.0, 4.0)
    assert not trimmed.trimmed and trimmed.duration == 4.0 and trimmed.words(words) == words


def test_a_long_pause_is_shortened_to_a_natural_gap_not_removed():
    words = words_at(("We", 0.0, 0.2), ("waited.", 0.25, 0.8), ("Then", 2.8, 3.1), ("rain.", 3.15, 3.6))
    trimmed = plan(words, 0.0, 3.6, TrimOptions(mode="pauses"), fps=FPS)
    ((a, b),) = trimmed.cuts
    assert 0.8 + 0.03 <= a and b <= 2.8 - 0.03
    assert on_grid(a) and on_grid(b)
    gap = (a - 0.8) + (2.8 - b)
    assert 0.25 <= gap <= 0.35  # about kept_pause (0.3), on whole frames
    assert trimmed.removed_seconds == pytest.approx(2.0 - gap, abs=1e-6)
    moved = trimmed.words(words)
    assert [w.word for w in moved] == ["We", "waited.", "Then", "rain."]
    assert moved[2].start - moved[1].end == pytest.approx(gap, abs=1e-3)
    assert moved[-1].end == pytest.approx(trimmed.duration, abs=1e-3)


def test_a_word_timed_with_no_length_at_the_clips_edges_is_kept():
    """Whisper gives some words no length ("Early" at 244.9-244.9 in a real run, the clip starting
    there): a trimmed clip's captions still show them; the untrimmed path always did."""
    words = words_at(("Early", 10.0, 10.0), ("development,", 10.0, 10.6), ("then", 12.8, 13.0),
                     ("rain.", 13.05, 13.5), ("End", 13.5, 13.5))
    trimmed = plan(words, 10.0, 13.5, TrimOptions(mode="pauses"), fps=FPS)
    assert trimmed.trimmed
    moved = trimmed.words(words)
    assert [w.word for w in moved] == ["Early", "development,", "then", "rain.", "End"]
    assert moved[0].start == moved[0].end == 0.0 and moved[-1].end == pytest.approx(trimmed.duration, abs=1e-3)
    outside = words_at(("before", 9.9, 9.9), ("after", 13.6, 13.6))
    assert trimmed.words(outside) == []


def test_a_short_pause_stays():
    words = words_at(("One", 0.0, 0.3), ("two.", 0.8, 1.1))
    assert not plan(words, 0.0, 1.1, TrimOptions(), fps=FPS).trimmed


def test_hesitations_go_with_their_pause_and_no_word_of_content_does():
    words = words_at(
        ("I", 0.0, 0.1), ("think,", 0.15, 0.5), ("um,", 0.9, 1.2), ("like,", 1.6, 1.9),
        ("the", 2.0, 2.1), ("uh", 2.12, 2.3), ("answer", 2.35, 2.8), ("is", 2.85, 3.0), ("yes.", 3.05, 3.4),
    )
    trimmed = plan(words, 0.0, 3.4, TrimOptions(), fps=FPS, language="en")
    assert [w.word for w in trimmed.removed] == ["um,", "uh"]
    kept = [w.word for w in trimmed.words(words)]
    assert kept == ["I", "think,", "like,", "the", "answer", "is", "yes."]  # "like" can be content
    for a, b in trimmed.cuts:
        for w in words:
            if w in trimmed.removed:
                continue
            assert b <= w.start - 0.03 + 1e-9 or a >= w.end + 0.03 - 1e-9, (a, b, w)
    # only pauses: the hesitations stay, and so does the short gap around "uh"
    assert plan(words, 0.0, 3.4, TrimOptions(mode="pauses"), fps=FPS, language="en").removed == ()


@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [("um", "en", True), ("Uh,", "en", True), ("ähm", "de", True), ("euh", "fr", True), ("嗯", "zh", True),
     ("えー", "ja", True), ("эм", "ru", True), ("umbrella", "en", False), ("like", "en", False), ("嗯", "en", False)],
)
def test_hesitations_are_the_languages_own(word, language, expected):
    assert is_hesitation(word, language) is expected


def test_a_sound_no_word_covers_is_a_hesitation_whisper_left_out():
    words = words_at(("First", 0.0, 0.4), ("point.", 0.45, 0.9), ("Second", 2.4, 2.9), ("point.", 2.95, 3.4))
    sounds = [(0.0, 0.95), (1.4, 1.75), (2.38, 3.4)]  # speech, an "um" at 1.4-1.75, speech
    assert unworded(sounds, words) == [(1.4, 1.75)]
    trimmed = plan(words, 0.0, 3.4, TrimOptions(), fps=FPS, sounds=sounds)
    assert trimmed.sounds_removed == ((1.4, 1.75),)
    ((a, b),) = trimmed.cuts
    assert a <= 1.4 and b >= 1.75
    # a breath-length sound, or one that touches a word, is not taken
    assert unworded([(1.4, 1.48), (0.9, 1.2)], words) == []


def test_a_cut_edge_moves_to_the_quietest_frame_boundary_near_it():
    words = words_at(("Hello", 0.0, 0.5), ("again.", 2.5, 3.0))
    # the word's tail rings on until 0.72: loud there, quiet after 0.76
    loudness = lambda t: 1.0 if t < 0.76 else 0.01  # noqa: E731
    trimmed = plan(words, 0.0, 3.0, TrimOptions(mode="pauses"), fps=FPS, loudness=loudness)
    ((a, _),) = trimmed.cuts
    assert a >= 0.76 and on_grid(a)


def test_clip_and_source_times_map_both_ways():
    trimmed = TrimPlan(10.0, 20.0, ((10.0, 12.0), (13.0, 16.0), (18.0, 20.0)))
    assert trimmed.duration == 7.0 and trimmed.removed_seconds == 3.0
    assert trimmed.to_clip(11.0) == 1.0 and trimmed.to_clip(13.5) == 2.5 and trimmed.to_clip(19.0) == 6.0
    assert trimmed.to_clip(12.5) is None and trimmed.to_clip(9.0) is None
    assert trimmed.clamp(12.5) == 2.0 and trimmed.clamp(17.0) == 5.0
    assert trimmed.to_source(2.5) == 13.5 and trimmed.to_source(5.0) == 18.0


def test_options_are_checked():
    with pytest.raises(ValueError):
        TrimOptions(mode="aggressive")
    with pytest.raises(ValueError):
        TrimOptions(kept_pause=0.0)


timed = st.lists(
    st.tuples(st.sampled_from(["word", "um", "uh", "talk", "like"]), st.floats(0.05, 0.6), st.floats(0.0, 2.0)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(items=timed, fps=st.sampled_from([24.0, 25.0, 29.97, 30.0, None]), mode=st.sampled_from(["pauses", "pauses+fillers"]))
def test_every_plan_keeps_content_whole_cuts_on_frames_and_maps_time_consistently(items, fps, mode):
    words, t = [], 0.0
    for text, length, gap in items:
        t += gap
        words.append(Word(text, round(t, 3), round(t + length, 3)))
        t += length
    start, end = -0.013, words[-1].end  # a clip that starts between two frames
    trimmed = plan(words, start, end, TrimOptions(mode=mode), fps=fps, language="en")
    kept = [w for w in words if w not in trimmed.removed]
    assert all(w.word in ("um", "uh") for w in trimmed.removed)
    assert mode == "pauses+fillers" or not trimmed.removed
    for a, b in trimmed.cuts:
        assert b - a >= TrimOptions().shortest_cut - 1e-9
        if fps:
            assert on_grid(a, fps, start) and on_grid(b, fps, start)
        for w in kept:  # never inside, nor within 30 ms of, a kept word
            assert b <= w.start - 0.03 + 1e-6 or a >= w.end + 0.03 - 1e-6
    spans = trimmed.kept
    if fps:  # every stretch but the last is whole frames long: picture and sound stay together
        assert all(on_grid(b - a, fps) for a, b in spans[:-1])
    assert all(a < b for a, b in spans) and all(spans[i][1] < spans[i + 1][0] for i in range(len(spans) - 1))
    assert math.isclose(trimmed.duration + sum(b - a for a, b in trimmed.cuts), end - start, abs_tol=1e-6)
    moved = trimmed.words(words)
    assert len(moved) == len(kept)
    assert all(0 <= w.start <= w.end <= trimmed.duration + 1e-3 for w in moved), (moved, trimmed)
    assert all(x.start <= y.start + 1e-9 for x, y in zip(moved, moved[1:]))
    for w, m in zip(kept, moved):  # a kept word keeps its length: no cut falls inside it
        assert m.end - m.start == pytest.approx(w.end - w.start, abs=2e-3)


def test_a_plan_travels_in_the_hand_off_and_reads_back_the_same():
    words = words_at(("I", 0.0, 0.1), ("think,", 0.15, 0.5), ("um,", 0.9, 1.2), ("the", 2.4, 2.6), ("end.", 2.65, 3.0))
    trimmed = plan(words, 0.0, 3.0, TrimOptions(), fps=FPS, language="en", sounds=[(1.5, 1.8)])
    again = TrimPlan.from_json(0.0, 3.0, trimmed.as_json())
    assert again.kept == trimmed.kept and again.words(words) == trimmed.words(words)
    assert [w.word for w in again.removed] == ["um,"] and again.sounds_removed == ((1.5, 1.8),)
    assert TrimPlan.from_json(0.0, 3.0, None) == TrimPlan.whole(0.0, 3.0)


def test_no_cut_goes_into_voice_the_words_leave_out():
    """Whisper timed the next word half a second late (or missed one): the voice activity there
    is speech, so the cut stops where it begins, and a pause wholly inside speech is not cut."""
    words = words_at(("years.", 81.8, 83.6), ("All", 87.0, 87.2), ("now", 87.2, 87.4), ("control,", 126.7, 127.45),
                     ("including", 128.27, 128.32))
    sounds = [(81.7, 83.7), (86.53, 89.73), (124.19, 132.54)]
    trimmed = plan(words, 81.8, 128.32, TrimOptions(), fps=FPS, sounds=sounds)
    for a, b in trimmed.cuts:
        assert all(b <= s - 0.03 + 1e-6 or a >= e + 0.03 - 1e-6 for s, e in sounds), (a, b)
    assert any(a <= 84.0 and b >= 86.0 for a, b in trimmed.cuts)  # the silence before it still goes
    assert not any(a < 128.0 and b > 127.6 for a, b in trimmed.cuts)


def test_a_word_drawn_out_over_the_hesitation_after_it_gives_it_up():
    """Whisper stretched "book," over the "uh" that followed it: the sound after the word's own
    voiced stretch, across a silence, is a hesitation no word covers, and goes."""
    words = words_at(("the", 211.6, 211.8), ("book,", 211.85, 213.6), ("then", 214.4, 214.7), ("we", 214.75, 215.0))
    sounds = [(211.55, 212.3), (212.55, 213.56), (214.35, 215.05)]
    trimmed = plan(words, 211.6, 215.0, TrimOptions(), fps=FPS, sounds=sounds)
    assert trimmed.sounds_removed == ((212.55, 213.56),)
    assert any(a <= 212.6 and b >= 213.5 for a, b in trimmed.cuts)
    assert [w.word for w in trimmed.words(words)] == ["the", "book,", "then", "we"]
    # with pauses only, nothing is taken from the word
    assert plan(words, 211.6, 215.0, TrimOptions(mode="pauses"), fps=FPS, sounds=sounds).sounds_removed == ()


def test_a_word_run_on_into_silence_before_a_hesitation_ends_with_its_voice():
    """Whisper ended "exhibition," 0.18 s past its voiced stretch, 20 ms short of the "um" after a
    silence: the word ends with its voice, so the "um" lies clear of every word and goes (a planted
    hesitation bench/trim.py missed)."""
    words = words_at(("the", 189.31, 189.49), ("exhibition,", 189.49, 190.45), ("in", 191.93, 191.95),
                     ("being", 191.95, 192.33))
    sounds = [(184.99, 190.27), (190.47, 190.91), (191.75, 193.66)]
    trimmed = plan(words, 189.31, 192.33, TrimOptions(), fps=FPS, sounds=sounds)
    assert trimmed.sounds_removed == ((190.47, 190.91),)
    assert [w.word for w in trimmed.words(words)] == ["the", "exhibition,", "in", "being"]
    for a, b in trimmed.cuts:  # and every cut keeps its distance from the word as Whisper timed it
        assert b <= 189.49 - 0.03 + 1e-6 or a >= 190.45 + 0.03 - 1e-6


def test_a_word_reaching_back_over_the_hesitation_before_it_starts_with_its_voice():
    """Whisper began "of" where "imitation" ended and stretched it over the "um" and the silences
    around it to where its voice is: it starts with its own stretch, and the "um" goes."""
    words = words_at(("exact", 350.14, 350.51), ("imitation", 350.51, 351.4), ("of", 351.4, 352.88),
                     ("the", 352.88, 353.1), ("more", 353.1, 353.44))
    sounds = [(348.16, 351.39), (351.59, 352.09), (352.87, 355.45)]
    trimmed = plan(words, 350.14, 353.44, TrimOptions(), fps=FPS, sounds=sounds)
    assert trimmed.sounds_removed == ((351.59, 352.09),)
    assert [w.word for w in trimmed.words(words)] == ["exact", "imitation", "of", "the", "more"]
    assert any(a <= 351.6 and b >= 352.08 for a, b in trimmed.cuts)


def test_a_word_with_a_stretch_of_its_own_voice_after_a_short_gap_keeps_its_end():
    """A voiced stretch that resumes within 0.15 s is the word going on (a stop consonant), not a
    silence it was drawn over."""
    words = words_at(("exactly", 10.0, 10.9), ("so", 11.5, 11.8))
    sounds = [(9.95, 10.5), (10.6, 10.92), (11.45, 11.85)]
    trimmed = plan(words, 10.0, 11.8, TrimOptions(), fps=FPS, sounds=sounds)
    assert trimmed.sounds_removed == ()
    assert all(a >= 10.9 + 0.03 - 1e-6 for a, _ in trimmed.cuts)
