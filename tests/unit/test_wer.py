import pytest

from streams.asr.wer import normalise, word_error_rate


def test_normalisation_ignores_case_punctuation_and_hyphens():
    assert normalise("Well-known, \"Printing\"—in the ONLY sense!") == ["well", "known", "printing", "in", "the",
                                                                        "only", "sense"]
    assert word_error_rate("It's the well-known art.", "its the well known art") == pytest.approx(1 / 5)


def test_each_kind_of_error_counts_once():
    ref = "the quick brown fox jumps"
    assert word_error_rate(ref, "the quick brown fox jumps") == 0.0
    assert word_error_rate(ref, "the quick brown cat jumps") == pytest.approx(1 / 5)   # substitution
    assert word_error_rate(ref, "the quick fox jumps") == pytest.approx(1 / 5)         # deletion
    assert word_error_rate(ref, "the very quick brown fox jumps") == pytest.approx(1 / 5)  # insertion
    assert word_error_rate(ref, "") == 1.0
    assert word_error_rate("", "") == 0.0
