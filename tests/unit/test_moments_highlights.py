"""The highlight benchmark's scoring rule (``../shared/eval/highlights/README.md``)."""

import random

import pytest

from streams.moments.highlights import (
    Passage,
    Span,
    chance,
    hits,
    labelled_talk,
    parse_script,
    passage_spans,
    random_windows,
    score,
)

H = Span(100.0, 140.0)  # a 40 s highlight


def test_a_clip_that_holds_the_highlight_and_little_else_hits():
    assert hits(Span(95.0, 145.0), H)
    assert hits(H, H)


def test_a_clip_must_hold_sixty_percent_of_the_highlight():
    assert hits(Span(116.0, 150.0), H)  # 24 of 40 s inside, 24 of 34 s of the clip
    assert not hits(Span(116.5, 150.0), H)  # 23.5 of 40 s


def test_half_of_the_clip_must_lie_inside_the_highlight():
    assert hits(Span(60.0, 140.0), H)  # 40 of 80 s
    assert not hits(Span(59.0, 140.0), H)  # 40 of 81 s


def test_no_overlap_and_empty_spans_never_hit():
    assert not hits(Span(0.0, 50.0), H)
    assert not hits(Span(120.0, 120.0), H)
    with pytest.raises(ValueError):
        Span(5.0, 4.0)


HIGHLIGHTS = [Span(100.0, 140.0), Span(300.0, 345.0), Span(500.0, 540.0), Span(700.0, 738.0)]


def test_precision_recall_and_coverage_in_rank_order():
    ranked = [Span(98.0, 141.0), Span(0.0, 40.0), Span(310.0, 345.0), Span(505.0, 560.0)]
    s = score(ranked, HIGHLIGHTS, k=4)
    assert [v.highlight for v in s.verdicts] == [0, None, 1, 2]
    assert s.precision == 0.75
    assert s.recall == 0.75
    assert s.coverages == pytest.approx((1.0, 35 / 45, 35 / 40))


def test_a_highlight_is_credited_to_its_best_ranked_clip_only():
    ranked = [Span(300.0, 340.0), Span(305.0, 345.0), Span(100.0, 140.0)]
    s = score(ranked, HIGHLIGHTS, k=3)
    assert [v.highlight for v in s.verdicts] == [1, None, 0]
    assert s.credited == 2
    assert s.recall == 0.5


def test_clips_beyond_k_do_not_count_and_missing_clips_are_misses():
    ranked = [Span(0.0, 30.0), Span(100.0, 140.0)]
    assert score(ranked, HIGHLIGHTS, k=1).precision == 0.0
    s = score(ranked, HIGHLIGHTS, k=4)
    assert len(s.verdicts) == 4 and s.verdicts[-1].clip is None
    assert s.precision == 0.25 and s.recall == 0.25
    with pytest.raises(ValueError):
        score(ranked, HIGHLIGHTS, k=0)


def test_passages_follow_each_other_with_the_recipe_pause():
    spans = passage_spans([10.0, 20.0, 5.0])
    assert [x for s in spans for x in (s.start, s.end)] == pytest.approx([0.0, 10.0, 10.6, 30.6, 31.2, 36.2])
    talk = labelled_talk([Passage("filler", "a", "x"), Passage("highlight", "b", "y"), Passage("filler", "a", "z")],
                         [10.0, 20.0, 5.0])
    assert talk.highlights == [talk.spans[1]]
    assert talk.spans[1].start == pytest.approx(10.6)
    assert talk.duration == pytest.approx(36.2)
    assert talk.highlight_share == pytest.approx(20.0 / 36.2)


def test_scripts_are_read_by_tabs_under_their_header():
    text = "kind\tspeaker\ttext\nfiller\thost\tHello there.\nhighlight\tguest\tThe story, told.\n"
    assert parse_script(text) == [Passage("filler", "host", "Hello there."),
                                  Passage("highlight", "guest", "The story, told.")]
    with pytest.raises(ValueError):
        parse_script("filler\thost\tno header\n")
    with pytest.raises(ValueError):
        parse_script("kind\tspeaker\ttext\nmaybe\thost\tHello.\n")


def test_random_windows_do_not_overlap_and_keep_their_lengths():
    windows = random_windows([40.0, 30.0, 50.0, 45.0], 600.0, random.Random(1))
    assert sorted(w.length for w in windows) == pytest.approx([30.0, 40.0, 45.0, 50.0])
    assert all(a.overlap(b) == 0.0 for i, a in enumerate(windows) for b in windows[i + 1:])
    assert all(0.0 <= w.start and w.end <= 600.0 for w in windows)


def test_chance_matches_the_geometry_of_one_window_and_one_highlight():
    # A 40 s window hits a 40 s highlight when it starts within 16 s either side of it (60% of
    # the highlight inside): 32 s of the 260 s of possible starts.
    c = chance([40.0], [Span(100.0, 140.0)], duration=300.0, k=1, trials=40000, seed=3)
    assert c.precision == pytest.approx(32 / 260, abs=0.01)
    assert c.recall == c.precision


def test_chance_is_repeatable_for_a_seed():
    a = chance([40.0, 40.0], HIGHLIGHTS, 800.0, k=2, trials=500, seed=5)
    b = chance([40.0, 40.0], HIGHLIGHTS, 800.0, k=2, trials=500, seed=5)
    assert a == b
