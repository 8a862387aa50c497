import pytest

from streams.asr.alignment import (
    match_words,
    median_abs_start_error,
    parse_grid_align,
)
from streams.domain.words import Word

GRID = """0 12250 sil
12250 19250 set
19250 27250 white
27250 30500 sp
30500 36000 p
55250 74500 sil
"""


def words(*spec: tuple[str, float]) -> list[Word]:
    return [Word(w, start, start + 0.2) for w, start in spec]


def test_grid_align_in_thousandths_of_a_25fps_frame_without_silences():
    parsed = parse_grid_align(GRID)
    assert [w.word for w in parsed] == ["set", "white", "p"]
    assert parsed[0].start == pytest.approx(0.49) and parsed[0].end == pytest.approx(0.77)
    assert parsed[2].end == pytest.approx(1.44)


def test_grid_align_refuses_a_malformed_line():
    with pytest.raises(ValueError, match="line 2"):
        parse_grid_align("0 100 sil\n100 set\n")


def test_words_pair_by_normalised_text_in_order():
    ref = words(("Set", 0.5), ("white", 0.8), ("with", 1.1), ("P", 1.2))
    hyp = words(("set,", 0.52), ("white", 0.9), ("p.", 1.25))
    pairs = match_words(ref, hyp)
    assert [(p.reference.word, p.hypothesis.word) for p in pairs] == [("Set", "set,"), ("white", "white"),
                                                                       ("P", "p.")]
    assert median_abs_start_error(pairs) == pytest.approx(0.05)


def test_a_wrong_or_extra_word_does_not_shift_later_pairs():
    ref = words(("bin", 0.0), ("blue", 0.3), ("at", 0.6), ("f", 0.8), ("two", 1.0), ("now", 1.3))
    hyp = words(("been", 0.0), ("blue", 0.31), ("uh", 0.5), ("at", 0.61), ("two", 1.02), ("now", 1.29))
    pairs = match_words(ref, hyp)
    assert [p.reference.word for p in pairs] == ["blue", "at", "two", "now"]
    assert all(abs(p.start_error) < 0.05 for p in pairs)


def test_repeated_words_pair_in_order_not_all_with_the_first():
    ref = words(("the", 0.0), ("cat", 0.2), ("the", 0.4), ("dog", 0.6))
    hyp = words(("the", 0.01), ("the", 0.41), ("dog", 0.6))
    pairs = match_words(ref, hyp)
    assert [(p.reference.start, p.hypothesis.start) for p in pairs] == [(0.0, 0.01), (0.4, 0.41), (0.6, 0.6)]


def test_a_hyphenated_word_pairs_once():
    ref = words(("well", 0.0), ("known", 0.3))
    hyp = words(("well-known", 0.05))
    pairs = match_words(ref, hyp)
    assert len(pairs) == 1 and pairs[0].reference.word == "well"


def test_no_pairs_has_no_median():
    with pytest.raises(ValueError):
        median_abs_start_error(match_words(words(("a", 0)), words(("b", 0))))
