import pytest

from streams.asr.wer import normalise, sentence_occurrences, word_error_rate


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


def test_sentence_occurrences_counts_dropped_and_repeated_sentences():
    sentences = ["The two stray kittens gradually make themselves at home.",
                 "If the reader will excuse me, I will say nothing of my antecedents.",
                 "Captain Frere says that the scenery is delightful."]
    said_once = "the two stray kittens gradually make themselves at home. captain freire says the scenery is delightful"
    assert sentence_occurrences(sentences, said_once) == [1, 0, 1]
    looped = ("if the reader will excuse me i will say nothing of my antecedents. "
              "if the reader will excuse me, i will say nothing of my antecedents")
    assert sentence_occurrences(sentences, looped) == [0, 2, 0]
    assert sentence_occurrences(sentences, "") == [0, 0, 0]


def test_character_error_rate_for_languages_without_spaces():
    from streams.asr.wer import character_error_rate, error_rate

    assert character_error_rate("广州市房地产中介协会分析", "广州市房地产中介协会分析。") == 0.0
    assert character_error_rate("广州市房地产中介协会分析", "廣州市房地產中間協會分析") == 5 / 12  # 廣 產 間 協 會
    assert character_error_rate("客観的実在", "客 観的 実在") == 0.0  # spaces are not characters
    assert error_rate("广州市", "广州", "zh") == ("cer", 1 / 3)
    assert error_rate("der Hund", "der Hunt", "de") == ("wer", 0.5)
