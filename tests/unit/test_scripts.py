"""Text in every script: joining words written without spaces, sentences that end on CJK full
stops, caption lines and fonts chosen by script."""

import pytest

from streams.domain.words import Word
from streams.media.captions import CAPTION_STYLES, for_script, group_cues, to_srt
from streams.media.ass import layout_cues, to_ass
from streams.moments.sentences import build_sentences, join_words
from streams.text.scripts import caseless, join, main_script, mixes_scripts, unspaced, writing_system


def test_words_of_unspaced_scripts_join_without_spaces():
    assert join(["广州市", "房地产", "中介协会"]) == "广州市房地产中介协会"
    assert join(["Scooter", "4035", "公交汽车"]) == "Scooter 4035公交汽车"
    assert join(["客観的", "実在の"]) == "客観的実在の"
    assert join(["그는", "1위절이"]) == "그는 1위절이"  # Korean is written with spaces
    assert join(["Ребят,", "на", "его"]) == "Ребят, на его"
    assert join_words(["该项目于", "2011年", "8月完工，", "但"]) == "该项目于2011年8月完工，但"
    assert unspaced("。") and unspaced("ก") and not unspaced("a") and not unspaced("한")


def test_caseless_letters():
    assert caseless("字") and caseless("ب") and caseless("क")
    assert not caseless("a") and not caseless("A") and not caseless("1") and not caseless(" ")


def test_main_script():
    assert main_script("广州市房地产") == "han"
    assert main_script("客観的実在の判断") == "kana"  # kanji with kana is Japanese
    assert main_script("그는 길 한 옆으로") == "hangul"
    assert main_script("مرحبا بالعالم") == "arabic"
    assert main_script("שלום עולם") == "hebrew"
    assert main_script("नमस्ते दुनिया") == "devanagari"
    assert main_script("Бедняга ребят") is None and main_script("Hello world") is None
    assert main_script("The word 字 once in English") is None


def _words(tokens, step=0.4):
    return [Word(t, i * step, i * step + step * 0.9, 0.9) for i, t in enumerate(tokens)]


def test_chinese_sentences_end_on_the_ideographic_full_stop():
    tokens = ["敲下", "垂直", "进空", "15米。", "该项目", "于", "2011年", "完工！", "但", "直到", "通车？"]
    sentences = build_sentences(_words(tokens))
    assert [s.text for s in sentences] == ["敲下垂直进空15米。", "该项目于2011年完工！", "但直到通车？"]


def test_a_pause_before_a_caseless_word_ends_an_unpunctuated_sentence():
    words = [Word("廣州市", 0.0, 0.5, 0.9), Word("分析", 0.5, 1.0, 0.9), Word("但是", 2.5, 3.0, 0.9)]
    assert [s.text for s in build_sentences(words)] == ["廣州市分析", "但是"]


def _caption(tokens):
    return [Word(t, i * 0.3, i * 0.3 + 0.25) for i, t in enumerate(tokens)]


def test_cjk_captions_have_no_spaces_and_their_own_font():
    words = _caption(["广州市", "房地产", "中介", "协会"])
    assert [c.text for c in group_cues(words)] == ["广州市房地产中介协会"]
    assert to_srt(words).splitlines()[2] == "广州市房地产中介协会"
    style = for_script(CAPTION_STYLES["bold"], words)
    assert style.font == "Noto Sans CJK SC" and style.bold
    ass = to_ass(words, 1080, 1920, style)
    assert "Style: bold,Noto Sans CJK SC," in ass
    assert "广州市房地产中介协会" in ass.replace("{\\1c&H0000D4FF&}", "").replace("{\\r}", "")


@pytest.mark.parametrize("tokens, font", [
    (["مرحبا", "بالعالم"], "Noto Sans Arabic"), (["שלום", "עולם"], "Noto Sans Hebrew"),
    (["नमस्ते", "दुनिया"], "Noto Sans Devanagari"), (["客観的", "実在の"], "Noto Sans CJK JP"),
    (["그는", "길"], "Noto Sans CJK KR"), (["Бедняга"], "DejaVu Sans"), (["Hello"], "DejaVu Sans"),
])
def test_each_script_gets_a_font_that_draws_it(tokens, font):
    assert for_script(CAPTION_STYLES["clean"], _caption(tokens)).font == font


def test_a_long_cjk_cue_breaks_into_two_lines_without_spaces():
    words = _caption(["这是", "一个", "非常", "长的"])
    narrow = layout_cues(words, 300, 600, CAPTION_STYLES["bold"], lambda text, size, bold: len(text) * size * 2)
    [layout] = narrow
    assert len(layout.lines) == 2 and "".join("".join(line) for line in layout.lines) == "这是一个非常长的"


def test_text_that_mixes_writing_systems():
    """A letter of another writing system than most of the text's, Latin aside where the text is
    not Latin: what a garbled recognised word looks like, not a loanword or a brand."""
    assert mixes_scripts("Auf das Из-Te-Scheingen") and mixes_scripts("寿司 в Москве очень вкусные")
    assert mixes_scripts("Ελληνικά γράμματα and three English words and more")
    for fine in ("USB-кабель сломался", "今日はUSBを買った", "広州市房地産", "Café déjà vu", "Привет мир", "42 %", ""):
        assert not mixes_scripts(fine), fine
    systems = ["LATIN", "CYRILLIC", "GREEK", "CJK", "CJK", "HANGUL", "CJK", None, None]
    assert [writing_system(c) for c in "aЖλア字한ｱ1 "] == systems
