import math

import pytest

from streams.moments.evidence import EnergyEnvelope, Evidence
from streams.moments.scoring import ScoredMoment
from streams.moments import selection
from streams.moments.selection import (
    FIRST_PICK_SECONDS,
    LOOKAHEAD_SECONDS,
    SUPERSEDE_MARGIN,
    StreamingSelector,
    final_ranking,
    overlaps,
    select,
)
from streams.moments.sentences import build_sentences
from tests.unit.moments_text import filler, timed_words

HOOK = "Why do most people fail at 3 simple habits?"
HOOK_TIMES = (40.0, 160.0, 280.0, 400.0, 520.0)


def moment(start: float, end: float, score: float) -> ScoredMoment:
    return ScoredMoment(start, end, score, {}, "", "", ())


def ten_minutes(hook_times: tuple[float, ...] = HOOK_TIMES):
    """600 s of flat talk with a hooky passage starting at each of ``hook_times``."""
    words = []
    t = 0.0
    for hook_at in hook_times + (600.0,):
        words += timed_words(filler(hook_at - t - 5), start=t)
        t = max(hook_at, words[-1].end + 0.6)
        if hook_at < 600:
            words += timed_words(HOOK + " " + filler(30), start=t)
            t = words[-1].end + 0.6
    return build_sentences(words)


def stream(selector: StreamingSelector, sentences, steps, envelope=None):
    """Feed the transcript as it would arrive: some sentences past the settled point too."""
    returned = []
    for settled in steps:
        heard = [s for s in sentences if s.start < settled + 15]
        returned += selector.advance(heard, settled, final=False, evidence=Evidence(envelope=envelope))
        assert len(selector.picked) <= math.floor(5 * settled / 600)
        assert all(p.end <= settled for p in selector.picked)
    return returned


def assert_disjoint(picks):
    for i, a in enumerate(picks):
        for b in picks[i + 1 :]:
            assert not overlaps(a, b), (a.start, a.end, b.start, b.end)


# --- select ------------------------------------------------------------------------------


def test_select_is_greedy_by_score_and_never_overlaps():
    scored = [moment(0, 30, 50), moment(20, 50, 90), moment(50, 80, 70), moment(45, 75, 80), moment(80, 110, 10)]
    picks = select(scored, 3)
    assert [(p.start, p.end) for p in picks] == [(20, 50), (50, 80), (80, 110)]
    assert_disjoint(picks)


def test_select_respects_taken_and_allows_touching_boundaries():
    picks = select([moment(0, 30, 90), moment(30, 60, 80), moment(60, 90, 70)], 5, taken=[moment(25, 35, 0)])
    assert [(p.start, p.end) for p in picks] == [(60, 90)]
    assert [(p.start, p.end) for p in select([moment(0, 30, 9), moment(30, 60, 8)], 2)] == [(0, 30), (30, 60)]


def test_select_breaks_ties_by_the_earlier_moment():
    assert [p.start for p in select([moment(100, 130, 50), moment(10, 40, 50)], 1)] == [10]
    assert select([moment(0, 1, 1)], 0) == []


def test_final_ranking_orders_by_score_then_time():
    ranked = final_ranking([moment(100, 130, 40), moment(0, 30, 70), moment(50, 80, 70)])
    assert [(rank, m.start) for rank, m in ranked] == [(1, 0), (2, 50), (3, 100)]


# --- streaming ---------------------------------------------------------------------------


def test_streaming_paces_picks_by_settled_time_and_fills_up_at_the_end():
    sentences = ten_minutes()
    selector = StreamingSelector(count=5, video_duration=600, min_seconds=20, max_seconds=60)
    returned = stream(selector, sentences, range(30, 600, 30))
    at_120 = StreamingSelector(5, 600).advance(sentences, 120, final=False)
    assert len(at_120) <= 1 and all(p.end <= 120 for p in at_120)
    returned += selector.advance(sentences, 600, final=True)
    picks = selector.picked
    assert len(picks) == 5
    assert returned == picks  # every pick returned once, none twice
    assert len({(p.start, p.end) for p in picks}) == 5
    assert_disjoint(picks)
    assert all(20 <= p.duration <= 60 for p in picks)
    # Each hooky passage is found as it settles, and the clip opens on it.
    assert all(" ".join(w.word for w in p.words).startswith(HOOK) for p in picks)
    assert [p.start for p in picks] == sorted(p.start for p in picks)
    assert all(abs(p.start - t) < 2 for p, t in zip(picks, HOOK_TIMES))


def test_nothing_is_picked_before_a_share_of_the_budget_is_earned():
    sentences = ten_minutes()
    selector = StreamingSelector(5, 600)
    assert selector.advance(sentences, 100, final=False) == []
    assert len(selector.advance(sentences, 120, final=False)) == 1
    assert selector.advance(sentences, 130, final=False) == []


def test_a_long_video_makes_its_first_pick_once_three_minutes_are_settled_then_keeps_to_the_shares():
    sentences = ten_minutes()  # the first ten minutes of an hour
    selector = StreamingSelector(5, 3600)  # one pick's share: 720 s
    assert selector.advance(sentences, FIRST_PICK_SECONDS - 1, final=False) == []
    (first,) = selector.advance(sentences, FIRST_PICK_SECONDS, final=False)
    assert first.end <= FIRST_PICK_SECONDS - LOOKAHEAD_SECONDS
    assert selector.advance(sentences, 600, final=False) == []  # the second waits for its share (1440 s)
    assert StreamingSelector(1, 3600).quota(FIRST_PICK_SECONDS, final=False) == 1
    assert StreamingSelector(5, 3600).quota(1440, final=False) == 2


def test_windows_past_the_settled_point_wait_even_when_they_score_best():
    words = timed_words(filler(95))
    words += timed_words(HOOK + " " + filler(30), start=max(105.0, words[-1].end + 0.6))  # ends past 120
    sentences = build_sentences(words)
    selector = StreamingSelector(5, 600)
    (early,) = selector.advance(sentences, 120, final=False)
    assert early.end <= 120 and not early.title.startswith("Why")
    (later,) = selector.advance(sentences, 600, final=True)[:1]
    assert later.title == HOOK and later.start >= early.end


def test_final_uses_the_whole_transcript_and_stops_at_count():
    sentences = ten_minutes()
    selector = StreamingSelector(3, 600)
    picks = selector.advance(sentences, 0, final=True)
    assert len(picks) == 3 and selector.advance(sentences, 600, final=True) == []


def test_streaming_is_deterministic():
    sentences = ten_minutes()
    envelope = EnergyEnvelope(0.5, tuple(0.1 + 0.05 * (i % 7) for i in range(1200)))
    runs = []
    for _ in range(2):
        selector = StreamingSelector(5, 600)
        stream(selector, sentences, range(45, 600, 45), envelope)
        selector.advance(sentences, 600, final=True, evidence=Evidence(envelope=envelope))
        runs.append(selector.picked)
    assert runs[0] == runs[1] and len(runs[0]) == 5


def late_hooks():
    """Hooky passages only at 400 s and 520 s: a selector paced for two clips has spent its first
    on flat talk by the time it hears them."""
    return ten_minutes((400.0, 520.0))


def streamed_two(sentences) -> StreamingSelector:
    selector = StreamingSelector(2, 600)
    for settled in range(30, 600, 30):
        selector.advance([s for s in sentences if s.start < settled + 15], settled, final=False)
    selector.advance(sentences, 600, final=True)
    return selector


def test_reconsider_lets_a_clearly_better_later_window_replace_a_paced_pick():
    sentences = late_hooks()
    selector = streamed_two(sentences)
    early, hook = selector.picked
    assert early.end < 400 and hook.title == HOOK and hook.start == 400.0
    final = selector.reconsider(sentences, margin=0.0)
    assert [m.start for m in final] == [400.0, 520.0]  # both hooks, best first, ties earlier first
    assert all(m.title == HOOK for m in final)
    assert_disjoint(final)
    assert all(selector.min_seconds <= m.duration <= selector.max_seconds for m in final)
    assert {m.start for m in final} <= {s.start for s in sentences}
    assert {m.end for m in final} <= {s.end for s in sentences}
    assert selector.picked == [early, hook]  # what was streamed stays on record


def test_reconsider_keeps_streamed_picks_against_windows_not_clearly_better():
    sentences = late_hooks()
    selector = streamed_two(sentences)
    second_hook = selector.reconsider(sentences, margin=0.0)[1]
    early, hook = selector.picked
    assert second_hook.score - early.score < SUPERSEDE_MARGIN  # a near tie: the clip already made stays
    assert selector.reconsider(sentences) == [hook, early]
    assert selector.reconsider(sentences, margin=second_hook.score - early.score) == [hook, early]


def test_reconsider_reads_the_margin_when_it_runs(monkeypatch):
    # bench/ranking_sweep.py varies the module's constant: a default bound at import would ignore it.
    sentences = late_hooks()
    selector = streamed_two(sentences)
    monkeypatch.setattr(selection, "SUPERSEDE_MARGIN", 0.0)
    assert selector.reconsider(sentences) == selector.reconsider(sentences, margin=0.0) != selector.picked


def test_reconsider_scores_picks_again_with_the_whole_talks_evidence():
    sentences = ten_minutes()
    selector = StreamingSelector(5, 600)
    stream(selector, sentences, range(30, 600, 30))
    selector.advance(sentences, 600, final=True)
    loud = EnergyEnvelope(0.5, tuple(1.0 if 160 <= i * 0.5 < 200 else 0.1 for i in range(1200)))
    final = selector.reconsider(sentences, Evidence(envelope=loud), margin=math.inf)
    assert sorted((m.start, m.end) for m in final) == sorted((p.start, p.end) for p in selector.picked)
    loudest = next(m for m in final if m.start == 160.0)
    before = next(p for p in selector.picked if p.start == 160.0)
    assert loudest.signals["energy"] > before.signals["energy"]
    assert [m.score for m in final] == sorted((m.score for m in final), reverse=True)


def test_reconsider_without_picks_chooses_nothing():
    assert StreamingSelector(3, 600).reconsider(ten_minutes()) == []


def test_restore_after_a_restart_continues_as_if_uninterrupted():
    sentences = ten_minutes()
    steps = list(range(30, 600, 30))
    steady = StreamingSelector(5, 600)
    stream(steady, sentences, steps[:10])
    before = steady.picked
    assert before
    restarted = StreamingSelector(5, 600).restore(before)
    assert restarted.picked == before
    for selector in (steady, restarted):
        stream(selector, sentences, steps[10:])
        selector.advance(sentences, 600, final=True)
    assert restarted.picked == steady.picked
    assert restarted.picked[: len(before)] == before


def test_restore_refuses_overlapping_picks():
    with pytest.raises(ValueError, match="overlap"):
        StreamingSelector(5, 600).restore([moment(0, 30, 1), moment(20, 50, 1)])


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        StreamingSelector(5, 0)
    with pytest.raises(ValueError):
        StreamingSelector(-1, 600)
    with pytest.raises(ValueError):
        StreamingSelector(5, 600, min_seconds=60, max_seconds=20)


# --- short sources -----------------------------------------------------------------------


def test_a_video_shorter_than_the_minimum_still_yields_one_clip():
    sentences = build_sentences(timed_words("Hi there. Why does this tiny video matter? Because it is short."))
    selector = StreamingSelector(5, 12.0)
    assert selector.advance(sentences, 8.0, final=False) == []
    (pick,) = selector.advance(sentences, 12.0, final=True)
    assert pick.duration >= 3.0
    assert pick.start in {s.start for s in sentences} and pick.end in {s.end for s in sentences}
    assert selector.advance(sentences, 12.0, final=True) == []


def test_a_tiny_transcript_becomes_one_clip_of_all_of_it():
    sentences = build_sentences(timed_words("Hello. Bye."))
    (pick,) = StreamingSelector(5, 3.0).advance(sentences, 3.0, final=True)
    assert (pick.start, pick.end) == (sentences[0].start, sentences[-1].end)


def test_fallback_when_no_window_fits_a_sparse_transcript():
    words = timed_words("Welcome to the stream everyone.") + timed_words("Thanks for watching today.", start=500.0)
    (pick,) = StreamingSelector(3, 600).advance(build_sentences(words), 600, final=True)
    assert pick.start in (0.0, 500.0)


def test_no_words_no_picks():
    assert StreamingSelector(5, 600).advance([], 600, final=True) == []


# --- overlap rule and lengths ------------------------------------------------------------


def test_the_50_percent_rule_allows_small_overlaps_and_refuses_large_ones():
    from streams.moments.selection import collides

    a = moment(0, 30, 90)
    assert collides(a, moment(20, 50, 0)) and not collides(a, moment(30, 60, 0))
    assert not collides(a, moment(15, 45, 0), max_overlap=0.5)  # 15 s shared of 30: exactly half
    assert collides(a, moment(14, 44, 0), max_overlap=0.5)
    assert collides(moment(0, 60, 0), moment(10, 30, 0), max_overlap=0.5)  # the short one inside
    scored = [a, moment(15, 45, 80), moment(10, 40, 70), moment(40, 70, 60)]
    assert [(p.start, p.end) for p in select(scored, 4, max_overlap=0.5)] == [(0, 30), (15, 45), (40, 70)]
    assert [(p.start, p.end) for p in select(scored, 4)] == [(0, 30), (40, 70)]
    with pytest.raises(ValueError):
        select(scored, 1, max_overlap=1.0)


def test_streaming_with_the_50_percent_rule_may_overlap_but_never_by_more_than_half():
    sentences = ten_minutes()
    selector = StreamingSelector(8, 600, max_overlap=0.5)
    stream_steps = range(60, 600, 60)
    for settled in stream_steps:
        selector.advance([s for s in sentences if s.start < settled + 15], settled, final=False)
    selector.advance(sentences, 600, final=True)
    picks = selector.picked
    assert len(picks) == 8
    for i, a in enumerate(picks):
        for b in picks[i + 1 :]:
            shared = max(0.0, min(a.end, b.end) - max(a.start, b.start))
            assert shared <= 0.5 * min(a.duration, b.duration) + 1e-9
    restored = StreamingSelector(8, 600, max_overlap=0.5).restore(picks)
    assert restored.picked == picks
    if any(overlaps(a, b) for i, a in enumerate(picks) for b in picks[i + 1 :]):
        with pytest.raises(ValueError, match="overlap"):
            StreamingSelector(8, 600).restore(picks)


@pytest.mark.parametrize("preset", ["15-30", "30-60", "60-90"])
def test_every_pick_fits_the_length_preset(preset):
    from streams.moments.lengths import LENGTH_PRESETS

    length = LENGTH_PRESETS[preset]
    selector = StreamingSelector(4, 600, length=length)
    picks = selector.advance(ten_minutes(), 600, final=True)
    assert len(picks) == 4
    assert all(length.min_seconds <= p.duration <= length.max_seconds for p in picks)
    assert selector.min_seconds == length.min_seconds and selector.max_seconds == length.max_seconds


def test_length_and_explicit_bounds_are_not_both_accepted():
    from streams.moments.lengths import LengthRange

    with pytest.raises(ValueError, match="either"):
        StreamingSelector(5, 600, 20, 60, length=LengthRange(15, 30))


def test_a_window_that_holds_a_streamed_pick_whole_grows_it_whatever_the_margin(monkeypatch):
    """A pick streamed while the end (or the start) of its passage was out of reach is part of a
    clip: the window holding it whole and scoring higher takes its slot, however small the gain
    (``GROWN_MARGIN``); another window still needs the margin. (Held here to windows that hold the
    pick whole; the next test re-cuts it.)"""
    from streams.moments.scoring import score_window
    from streams.moments.windows import Window

    monkeypatch.setattr(selection, "RECUT_SHARE", 1.0)
    sentences = ten_minutes()
    selector = StreamingSelector(1, 600)
    passage = [s for s in sentences if 160.0 <= s.start < 200.0]
    assert passage[0].text.startswith("Why do most people")
    tail = score_window(Window(tuple(passage[1:])), None, selector.length)  # the passage without its hook
    selector.restore([tail])
    (final,) = selector.reconsider(sentences, margin=math.inf)
    assert final.start <= tail.start and final.end >= tail.end and final.score > tail.score
    assert final.start == 160.0  # grown back to its hook
    # At an infinite margin nothing but the pick grown takes its slot: the best hook passages
    # (40 s, 280 s...) score as high as this one, yet the pick stays where it is.
    (again,) = StreamingSelector(1, 600).restore([final]).reconsider(sentences, margin=math.inf)
    assert again.start <= final.start and again.end >= final.end
    filler_only = score_window(Window(tuple(s for s in sentences if 330.0 <= s.start < 360.0)), None, selector.length)
    (kept,) = StreamingSelector(1, 600).restore([filler_only]).reconsider(sentences, margin=math.inf)
    assert kept.start <= filler_only.start and kept.end >= filler_only.end


def test_a_window_that_keeps_most_of_a_streamed_pick_recuts_it_onto_its_story(monkeypatch):
    """A pick streamed from just after its passage's hook on into what follows cannot grow back to
    the hook inside the longest clip; a window that keeps ``RECUT_SHARE`` of it is the same clip
    moved onto its story, and takes its slot when it scores higher, whatever the margin."""
    from streams.moments.scoring import score_window
    from streams.moments.windows import Window
    from streams.moments.selection import shared_seconds

    sentences = ten_minutes()
    selector = StreamingSelector(1, 600)
    late = score_window(Window(tuple(s for s in sentences if 163.0 <= s.start and s.end <= 221.0)), None,
                        selector.length)
    hook_start = max(s.start for s in sentences if s.text == HOOK and s.start < late.start)
    assert late.end - hook_start > selector.max_seconds  # no clip holds it whole with its hook
    (final,) = selector.restore([late]).reconsider(sentences, margin=math.inf)
    assert final.start == hook_start == 160.0 and final.score > late.score
    assert shared_seconds(final, late) >= selection.RECUT_SHARE * (late.end - late.start)
    # Held to windows that hold it whole, the pick stays where it streamed.
    monkeypatch.setattr(selection, "RECUT_SHARE", 1.0)
    (kept,) = StreamingSelector(1, 600).restore([late]).reconsider(sentences, margin=math.inf)
    assert (kept.start, kept.end) == (late.start, late.end)
    # A window that keeps less of a pick is another clip, and needs the margin: a pick of the
    # filler after the hook, which no window with the hook keeps two thirds of, stays off it.
    monkeypatch.undo()
    after = score_window(Window(tuple(s for s in sentences if 190.0 <= s.start and s.end <= 236.0)), None,
                         selector.length)
    assert final.score > after.score
    (stays,) = StreamingSelector(1, 600).restore([after]).reconsider(sentences, margin=math.inf)
    assert stays.start > hook_start
    assert shared_seconds(stays, after) >= selection.RECUT_SHARE * (after.end - after.start)


def test_windows_compete_as_the_clips_their_settled_edges_make(monkeypatch):
    """Settling a window's edges may cost it points (``boundaries.TOLERANCE``): of the best windows
    (``SETTLED_CHOICES``), the one whose clip scores best is picked, not the best window."""
    from streams.moments import selection
    from streams.moments.windows import Window

    sentences = ten_minutes()
    first, second = [s.start for s in sentences if s.text == HOOK][:2]
    filler_run = Window(tuple(s for s in sentences if s.end <= 35.0))

    def settle_edges(window, breaks, length, allowed=lambda w: True, worth=None):
        # The first hook's window settles into the filler before it; every other stays as chosen.
        return filler_run if window.start == first else window

    monkeypatch.setattr(selection, "settle_edges", settle_edges)
    (pick,) = StreamingSelector(1, 600).advance(sentences, 600, final=True)
    assert pick.title == HOOK and pick.start == second  # the next hook, over the first one spoiled
    monkeypatch.setattr(selection, "SETTLED_CHOICES", 1)
    (spoiled,) = StreamingSelector(1, 600).advance(sentences, 600, final=True)
    assert (spoiled.start, spoiled.end) == (filler_run.start, filler_run.end)
