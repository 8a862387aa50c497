"""Which closer looks each frame gets: search to acquire, a crop about each followed small face,
nothing extra on a close shot."""

from __future__ import annotations

from streams.media.reframe.finder import FaceFinder, FinderRules, merge
from streams.media.reframe.observations import Box, Face
from streams.vision.tiles import search_tiles

W, H = 1280, 720
TILES = len(search_tiles(W, H))


def face(cx: float, cy: float, size: float, score: float = 0.9) -> Face:
    return Face(Box(cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2), score)


def test_a_close_shot_is_never_searched():
    finder = FaceFinder(W, H)
    for i in range(40):
        big = [face(640, 300, 300)]
        assert finder.crops(i / 8, big) == []
        finder.update(i / 8, big)
    assert finder.searches == 0


def test_a_small_face_is_acquired_by_a_search_then_followed_with_one_crop():
    finder = FaceFinder(W, H)
    first = finder.crops(0.0, [])
    assert len(first) == TILES
    finder.update(0.0, [face(300, 300, 36)])
    looks = []
    for i in range(1, 16):  # it walks right 20 px a frame
        t = i / 8
        crops = finder.crops(t, [])
        looks.append(len(crops))
        small = face(300 + 20 * i, 300, 36)
        assert any(c.x <= small.box.cx <= c.x + c.side for c in crops)
        finder.update(t, [small])
    # one crop a frame, and a new search every 2 s for anyone who walks on
    assert looks == [1] * 15 and finder.searches == 1
    assert len(finder.crops(2.0, [])) == 1 + TILES


def test_a_lost_face_is_looked_for_where_it_was_then_searched_for_again():
    finder = FaceFinder(W, H, FinderRules(reacquire_every=0.5))
    finder.crops(0.0, [])
    finder.update(0.0, [face(300, 300, 36)])
    finder.crops(0.125, [])
    finder.update(0.125, [])  # missed
    assert len(finder.crops(0.25, [])) == 1  # still where it was; the last search was 0.25 s ago
    finder.update(0.25, [])
    assert len(finder.crops(0.5, [])) == 1 + TILES  # lost: searched at the quicker pace
    finder.update(0.5, [])
    finder.update(1.375, [])  # more than max_gap after it was last seen: given up
    assert len(finder.crops(1.5, [])) == TILES  # no crop about it any more: the search alone


def test_nothing_on_screen_is_searched_at_the_reacquire_pace():
    finder = FaceFinder(W, H, FinderRules(reacquire_every=0.5))
    searched = []
    for i in range(16):
        crops = finder.crops(i / 8, [])
        searched.append(len(crops) == TILES)
        finder.update(i / 8, [])
    assert sum(searched) == 4 and searched[0] and searched[4]


def test_a_followed_face_is_kept_below_the_bar_a_new_face_must_reach():
    """A face turned aside scores around the detector's own bar from frame to frame: once
    followed it is kept down to keep_score in its crop, while a face seen afresh needs
    acquire_score, and the crops the finder cuts answer down to keep_score so it can judge."""
    rules = FinderRules()
    assert rules.keep_score < 0.5 < rules.acquire_score
    finder = FaceFinder(W, H, rules)
    assert all(c.min_score == rules.keep_score for c in finder.crops(0.0, []))
    assert finder.update(0.0, [strong := face(300, 300, 36, 0.7)]) == [strong]
    (crop,) = finder.crops(0.125, [])
    assert crop.min_score == rules.keep_score
    weak, stranger = face(310, 300, 36, 0.5), face(900, 500, 36, 0.5)
    assert finder.update(0.125, [weak, stranger]) == [weak]  # the followed face stands, the new one not yet
    assert len(finder.crops(0.25, [])) == 2  # the stranger is a candidate: looked at closer next frame


def test_a_candidate_is_followed_once_seen_closer_at_the_full_bar_and_dropped_if_not_seen_again():
    finder = FaceFinder(W, H, FinderRules(reacquire_every=0.5))
    finder.crops(0.0, [])
    doubtful = face(300, 300, 36, 0.55)
    assert finder.update(0.0, [doubtful]) == []  # not yet a face that stands
    (crop,) = finder.crops(0.125, [])  # its own crop on the next frame, no search yet
    assert crop.x <= 300 <= crop.x + crop.side
    still_doubtful = face(305, 300, 36, 0.5)
    assert finder.update(0.125, [still_doubtful]) == []
    sure = face(310, 300, 36, 0.65)
    finder.crops(0.25, [])
    assert finder.update(0.25, [sure]) == [sure]  # confirmed: followed from here on
    finder.crops(0.375, [])
    assert finder.update(0.375, [again := face(315, 300, 36, 0.5)]) == [again]  # and kept below the bar

    other = FaceFinder(W, H, FinderRules(reacquire_every=0.5))
    other.crops(0.0, [])
    other.update(0.0, [face(300, 300, 36, 0.55)])
    assert len(other.crops(0.125, [])) == 1
    other.update(0.125, [])  # not found again: a candidate is not waited for
    assert other.crops(0.25, []) == []


def test_merge_keeps_one_face_per_face_and_the_whole_looks_box():
    whole = face(300, 300, 40, 0.7)
    closer = face(302, 301, 46, 0.95)  # the same face, seen closer: a bigger box
    half = Face(Box(300, 282, 320, 318), 0.8)  # a tile's cut-off half of it
    other, again = face(900, 300, 40, 0.9), face(903, 300, 40, 0.85)  # two tiles' copies of another
    assert merge([whole], [half, closer, again, other]) == [whole, other]
