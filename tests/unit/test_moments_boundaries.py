"""Boundaries: a chosen clip's edges move to the clearest pauses nearby, within the length range,
clear of other picks, and never at the cost of what made the clip worth picking."""

import dataclasses

from streams.moments.boundaries import REACH_OUT, Breaks, settle_edges
from streams.moments.windows import Window
from streams.moments.lengths import LengthRange
from streams.moments.sentences import Sentence, build_sentences
from streams.prosody.pitch import PitchTrack
from tests.unit.moments_text import FILLER, filler, timed_words

LENGTH = LengthRange(20.0, 60.0)
STORY = " ".join(FILLER[i % len(FILLER)] for i in range(8))  # eight sentences, about 44 s


def three_passages(pause: str = "<2.0>"):
    """Filler, a passage of eight sentences set off by ``pause`` on both sides, filler."""
    text = f"{filler(40)} {pause} {STORY} {pause} {filler(40)}"
    sentences = build_sentences(timed_words(text))
    first = len(build_sentences(timed_words(filler(40))))
    return sentences, first, first + 8


def test_edges_move_out_to_the_pauses_that_set_the_passage_off():
    sentences, first, stop = three_passages()
    chosen = Window(tuple(sentences[first + 2 : stop - 2]))  # cut inside the passage at both ends
    settled = settle_edges(chosen, Breaks(sentences), LENGTH)
    assert settled.sentences == tuple(sentences[first:stop])


def test_a_start_reaches_back_over_a_run_of_short_lines_to_the_passage_start():
    """A stand-up bit is many short lines, then the long one that lands: the clip picked on that
    line reaches back to the pause before the bit's first line, nine lines up."""
    lines = " ".join(f"I scan banana number {n}." for n in range(1, 10))
    landing = " ".join(FILLER[:4])
    sentences = build_sentences(timed_words(f"{filler(40)} <2.0> {lines} {landing} <2.0> {filler(40)}"))
    first = len(build_sentences(timed_words(filler(40))))
    stop = first + 9 + 4
    chosen = Window(tuple(sentences[first + 9 : stop]))  # the lines that land, 22 s
    assert settle_edges(chosen, Breaks(sentences), LENGTH).sentences == tuple(sentences[first:stop])


def test_a_stray_sentence_of_the_next_passage_is_dropped():
    sentences, first, stop = three_passages()
    chosen = Window(tuple(sentences[first : stop + 1]))
    assert settle_edges(chosen, Breaks(sentences), LENGTH).sentences == tuple(sentences[first:stop])


def test_without_clear_pauses_the_edges_stay_where_scoring_put_them():
    sentences, first, stop = three_passages(pause="")
    chosen = Window(tuple(sentences[first + 2 : stop - 2]))
    assert settle_edges(chosen, Breaks(sentences), LENGTH) == chosen


def voice_of(sentences, silent=()) -> PitchTrack:
    """A pitch track voiced while words are said and unvoiced between them, and over each
    ``(start, end)`` of ``silent`` too."""
    hop = 0.04
    frames = int(sentences[-1].end / hop) + 2
    f0 = [0.0] * frames
    for s in sentences:
        for w in s.words:
            for i in range(int(w.start / hop), min(frames, int(w.end / hop))):
                f0[i] = 120.0
    for start, end in silent:
        for i in range(int(start / hop), min(frames, int(end / hop) + 1)):
            f0[i] = 0.0
    return PitchTrack(hop_seconds=hop, f0=tuple(f0))


def test_a_last_word_stretched_over_the_pause_hides_no_break_from_the_voice():
    """Each edge of a passage is a 2-s pause, but the recogniser stretched the last word before it
    over all but the usual gap between sentences: the words say no break, the voice does."""
    heard, first, stop = three_passages()
    silent = [(heard[i - 1].end, heard[i].start) for i in (first, stop)]
    sentences = list(heard)
    for i in (first, stop):  # the last word before each edge ends where a usual gap would begin
        last = sentences[i - 1].words[-1]
        stretched = dataclasses.replace(last, end=round(sentences[i].start - 0.65, 3))
        sentences[i - 1] = Sentence(sentences[i - 1].words[:-1] + (stretched,))
    chosen = Window(tuple(sentences[first + 2 : stop - 2]))
    assert settle_edges(chosen, Breaks(sentences), LENGTH) == chosen  # the words alone say nothing
    breaks = Breaks(sentences, voice_of(heard, silent))
    assert settle_edges(chosen, breaks, LENGTH).sentences == tuple(sentences[first:stop])
    # a voice heard through every pause changes nothing
    assert settle_edges(chosen, Breaks(sentences, PitchTrack(0.04, (120.0,) * 5000)), LENGTH) == chosen


def test_the_talks_own_start_is_no_break_to_reach_for():
    sentences = build_sentences(timed_words(filler(80)))
    chosen = Window(tuple(sentences[2:8]))
    assert settle_edges(chosen, Breaks(sentences), LENGTH) == chosen


def test_the_settled_clip_stays_in_the_length_range():
    sentences, first, stop = three_passages()
    chosen = Window(tuple(sentences[first + 2 : stop - 2]))
    short = LengthRange(15.0, 30.0)
    settled = settle_edges(chosen, Breaks(sentences), short)
    assert 15.0 <= settled.duration <= 30.0
    whole = settle_edges(chosen, Breaks(sentences), LENGTH)
    assert whole.duration > 30.0  # the whole passage, which the short range cannot hold


def test_edges_do_not_move_onto_another_pick_or_past_their_reach():
    sentences, first, stop = three_passages()
    chosen = Window(tuple(sentences[first + 2 : stop - 2]))
    other_pick = Window(tuple(sentences[first : first + 1]))
    settled = settle_edges(chosen, Breaks(sentences), LENGTH,
                           allowed=lambda w: not (w.start < other_pick.end and other_pick.start < w.end))
    assert settled.start == chosen.start  # the passage's start is taken; no other break is near
    assert settled.end == sentences[stop - 1].end
    long_story = " ".join(FILLER[i % len(FILLER)] for i in range(REACH_OUT + 4))
    talk = build_sentences(timed_words(f"{filler(40)} <2.0> {long_story}"))
    story_start = len(build_sentences(timed_words(filler(40))))
    far = Window(tuple(talk[story_start + REACH_OUT + 1 : story_start + REACH_OUT + 3]))
    assert settle_edges(far, Breaks(talk), LengthRange(1.0, 200.0)) == far
    near = Window(tuple(talk[story_start + REACH_OUT : story_start + REACH_OUT + 2]))
    assert settle_edges(near, Breaks(talk), LengthRange(1.0, 200.0)).start == talk[story_start].start


def test_a_move_that_costs_the_clip_its_worth_is_not_made():
    sentences, first, stop = three_passages()
    chosen = Window(tuple(sentences[first + 2 : stop - 2]))

    def worth(window: Window) -> float:  # this clip is worth its one sentence at first + 2 opening it
        return 80.0 if window.start == sentences[first + 2].start else 20.0

    settled = settle_edges(chosen, Breaks(sentences), LENGTH, worth=worth)
    assert settled.start == chosen.start
    assert settled.end == sentences[stop - 1].end


def test_clearness_ranks_pauses_and_ignores_ordinary_ones():
    sentences, first, stop = three_passages()
    breaks = Breaks(sentences)
    assert breaks.clearness(0) == breaks.clearness(len(sentences)) == 0.0
    assert breaks.clearness(first + 3) == 0.0  # an ordinary pause between two sentences
    assert breaks.clearness(first) > 0.9 and breaks.clearness(stop) > 0.9


def _set_up_story(lead: str, setup_sentences: int = 2):
    """Filler, ``lead``, a setup of ``setup_sentences``, a pause of 2 s, the rest of a story, 2 s,
    filler: the start scoring chose is the 2 s pause inside the story."""
    setup = " ".join(FILLER[i % len(FILLER)] for i in range(setup_sentences))
    rest = " ".join(FILLER[(i + 1) % len(FILLER)] for i in range(6))
    text = f"{filler(40)} {lead} {setup} <2.0> {rest} <2.0> {filler(40)}"
    sentences = build_sentences(timed_words(text))
    first = len(build_sentences(timed_words(filler(40))))
    return sentences, first, first + setup_sentences


def test_a_start_moves_out_to_a_break_about_as_clear_that_opens_the_setup():
    sentences, first, hooked = _set_up_story("<1.8>")  # a pause 0.2 s shorter than the chosen one's
    chosen = Window(tuple(sentences[hooked : hooked + 6]))
    assert settle_edges(chosen, Breaks(sentences), LENGTH).sentences[0] == sentences[first]


def test_a_start_stays_when_the_earlier_break_is_clearly_weaker_or_too_far():
    for lead, setup in (("<0.8>", 2), ("<1.8>", 3)):
        sentences, first, hooked = _set_up_story(lead, setup)
        chosen = Window(tuple(sentences[hooked : hooked + 6]))
        assert settle_edges(chosen, Breaks(sentences), LENGTH).sentences[0] == sentences[hooked], (lead, setup)
