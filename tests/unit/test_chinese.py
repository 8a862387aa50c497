"""Chinese in one script (streams.text.chinese) and the recognizer's use of it
(streams.asr.spoken.in_chinese_script)."""

from __future__ import annotations

import pytest

from streams.asr.spoken import in_chinese_script
from streams.asr.whisper import WhisperOptions
from streams.asr.recognition import Recognition, Segment
from streams.domain.words import Word
from streams.text import chinese

# Whisper base's words for one AISHELL sentence: simplified and traditional mixed
MIXED = ["廣州市", "房地产", "中間", "協会", "分析。"]


def test_a_mixed_sentence_is_written_in_one_script_and_other_scripts_are_left_alone():
    assert chinese.convert("".join(MIXED), chinese.SIMPLIFIED) == "广州市房地产中间协会分析。"
    assert chinese.convert("".join(MIXED), chinese.TRADITIONAL) == "廣州市房地產中間協會分析。"
    assert chinese.convert("廣州 scotturb 403", chinese.AS_DECODED) == "廣州 scotturb 403"
    assert chinese.convert("Über 403 路 — ok", chinese.SIMPLIFIED) == "Über 403 路 — ok"


def test_variants_are_the_spellings_a_search_should_find():
    assert chinese.variants("项目") == ["项目", "項目"]
    assert chinese.variants("項目") == ["項目", "项目"]
    assert chinese.variants("分析") == ["分析"]  # the same in both
    assert chinese.variants("talk") == ["talk"]


def test_an_unknown_script_is_refused_by_name():
    with pytest.raises(ValueError, match="simplified, traditional, as_decoded"):
        chinese.parse_script("pinyin")
    with pytest.raises(ValueError, match="chinese_script"):
        WhisperOptions.from_parameters({"chinese_script": "cantonese"})
    assert WhisperOptions.from_parameters({}).chinese_script == "simplified"


def test_the_recognizer_keeps_each_word_its_time_in_the_script_asked_for():
    words = [Word(w, i * 0.5, i * 0.5 + 0.4, 0.9) for i, w in enumerate(MIXED)]
    heard = Recognition("zh", 3.0, words, [Segment("".join(MIXED), 0.0, 2.4, -0.3, 0.01)], 0.97)
    simple = in_chinese_script(heard, chinese.SIMPLIFIED)
    assert [w.word for w in simple.words] == ["广州市", "房地产", "中间", "协会", "分析。"]
    assert [(w.start, w.end, w.probability) for w in simple.words] == [(w.start, w.end, w.probability) for w in words]
    assert simple.segments[0].text == "广州市房地产中间协会分析。" and simple.language_probability == 0.97
    traditional = in_chinese_script(heard, chinese.TRADITIONAL)
    assert "".join(w.word for w in traditional.words) == "廣州市房地產中間協會分析。"
    assert in_chinese_script(heard, chinese.AS_DECODED) is heard
