import html
import re

import pytest

from streams.media.captions import CAPTION_STYLES, CaptionStyle, Word, caption_style, group_cues, subtitles, to_srt, to_vtt

from streams.media.ass import estimate_width, layout_cues, safe_area, to_ass


def timed(text: str, start: float = 0.0, step: float = 0.3, length: float = 0.25) -> list[Word]:
    """Words of ``text`` spoken one every ``step`` seconds."""
    return [Word(w, round(start + i * step, 3), round(start + i * step + length, 3))
            for i, w in enumerate(text.split())]


SPEECH = timed("so here's the thing, nobody tells you how hard it is to start. Why? "
               "Because everyone who made it forgot! {really} a\\b C:\\path & <b>tags</b> 'quoted.' ok")


def test_cue_texts_are_the_words_unchanged():
    cues = group_cues(SPEECH)
    assert " ".join(c.text for c in cues) == " ".join(w.word for w in SPEECH)
    assert [w for c in cues for w in c.words] == SPEECH
    for cue in cues:
        assert cue.text == " ".join(w.word for w in cue.words)
        assert cue.start == cue.words[0].start and cue.end == cue.words[-1].end


def test_limits_on_words_seconds_and_characters():
    assert [len(c.words) for c in group_cues(timed("a b c d e f g h i"))] == [4, 4, 1]
    slow = timed("one two three four", step=1.0, length=0.9)  # 0.1 s gaps, 1 s per word
    assert [c.text for c in group_cues(slow, max_seconds=2.5)] == ["one two", "three four"]
    wide = timed("extraordinary unbelievable circumstances")
    assert [c.text for c in group_cues(wide, max_chars=28)] == ["extraordinary unbelievable", "circumstances"]
    assert [c.text for c in group_cues(timed("supercalifragilisticexpialidocious-and-more x"))] == [
        "supercalifragilisticexpialidocious-and-more", "x"]  # too long alone: a cue of its own


def test_breaks_after_punctuation_and_at_pauses():
    cues = group_cues(timed("wait, what? yes! done. \"quoted.\" next"))
    assert [c.text for c in cues] == ["wait,", "what?", "yes!", "done.", "\"quoted.\"", "next"]
    paused = [Word("before", 0.0, 1.0), Word("gap", 1.6, 1.9), Word("short", 2.4, 2.6)]
    assert [c.text for c in group_cues(paused)] == ["before", "gap short"]  # 0.6 s breaks, 0.5 s does not


def test_cues_of_unspaced_scripts_end_by_width_and_punctuation_alone_starts_none():
    # Whisper base's words of a FLEURS Mandarin reading: mostly one character each
    chinese = ["悄", "悄", "垂", "直", "进", "空", "15", "米,", "该", "项", "目", "于", "2011", "年", "8", "月",
               "完", "工,", "但", "直", "到", "2011", "年", "3", "月", "才", "开始", "通", "车。"]
    words = [Word(t, i * 0.22, i * 0.22 + 0.2) for i, t in enumerate(chinese)]
    assert [c.text for c in group_cues(words)] == ["悄悄垂直进空15米,", "该项目于2011年8月完工,", "但直到2011年3月才开始通车。"]
    mixed = [Word(t, i * 0.15, i * 0.15 + 0.1) for i, t in enumerate(["Scooter", "4035", *"公交汽车定期发车前往"])]
    assert [c.text for c in group_cues(mixed)] == ["Scooter 4035公交汽车定期发车", "前往"]  # 28 columns
    # the fifth word, but punctuation alone: it ends the cue it follows
    assert [c.text for c in group_cues(timed("Est-ce que vous venez ? Oui"))] == ["Est-ce que vous venez ?", "Oui"]
    assert [c.text for c in group_cues(timed("avez-vous vu mon chien ?"))] == ["avez-vous vu mon chien ?"]


def test_cues_never_overlap_even_when_words_do():
    words = [Word("a.", 0.0, 1.2), Word("b", 1.0, 1.5), Word("c", 1.4, 1.4)]
    cues = group_cues(words)
    assert [c.text for c in cues] == ["a.", "b c"]
    # "b" starts on time; "a." is cut short instead of "b c" shown late. It ends with its last word.
    assert cues[0].end == 1.0 and cues[1].start == 1.0 and cues[1].end == 1.4
    for earlier, later in zip(cues, cues[1:]):
        assert earlier.end <= later.start


def test_nothing_in_nothing_out():
    assert group_cues([]) == []
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n\n"
    assert to_vtt([], "zh") == "WEBVTT\nLanguage: zh\n\n"  # the header line players skip


def test_srt_exact_format():
    words = [Word("Hello", 1.0, 1.5), Word("world.", 1.6, 2.5), Word("Again", 3661.2345, 3662)]
    assert to_srt(words) == (
        "1\n00:00:01,000 --> 00:00:02,500\nHello world.\n\n"
        "2\n01:01:01,234 --> 01:01:02,000\nAgain\n\n"
    )


def test_vtt_exact_format():
    words = [Word("Hello", 1.0, 1.5), Word("world.", 1.6, 2.5), Word("<b>&", 3.0, 3.25)]
    assert to_vtt(words) == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.500\nHello world.\n\n"
        "00:00:03.000 --> 00:00:03.250\n&lt;b&gt;&amp;\n\n"
    )


def test_a_clips_sidecars_are_the_srt_and_vtt_of_its_words():
    words = [Word("Hello", 1.0, 1.5, speaker="S1"), Word("there.", 1.6, 2.5, speaker="S1"),
             Word("Hi!", 3.0, 3.4, speaker="S2")]
    names = {"S2": "Ada"}
    assert subtitles(words, "en", names) == {"srt": to_srt(words, names), "vtt": to_vtt(words, "en", names)}
    assert "Ada: Hi!" in subtitles(words, "en", names)["srt"] and "<v Ada>Hi!" in subtitles(words, None, names)["vtt"]


CUE_TIMES = re.compile(r"(\d\d):(\d\d):(\d\d)[,.](\d{3}) --> (\d\d):(\d\d):(\d\d)[,.](\d{3})")


def parse(text: str, vtt: bool) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue, read back as a player would."""
    blocks = text.removeprefix("WEBVTT\n\n").split("\n\n")[:-1] if vtt else text.split("\n\n")[:-1]
    cues = []
    for n, block in enumerate(blocks, start=1):
        lines = block.split("\n")
        if not vtt:
            assert lines.pop(0) == str(n)
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, CUE_TIMES.fullmatch(lines[0]).groups())
        body = "\n".join(lines[1:])
        cues.append((h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000,
                     html.unescape(body) if vtt else body))
    return cues


@pytest.mark.parametrize("vtt", [False, True])
def test_sidecars_round_trip_every_word(vtt):
    cues = parse(to_vtt(SPEECH) if vtt else to_srt(SPEECH), vtt)
    assert " ".join(text for _, _, text in cues) == " ".join(w.word for w in SPEECH)
    assert [(s, e) for s, e, _ in cues] == [(c.start, c.end) for c in group_cues(SPEECH)]
    for (_, end, _), (start, _, _) in zip(cues, cues[1:]):
        assert end <= start


def dialogues(script: str) -> list[list[str]]:
    return [line.removeprefix("Dialogue: ").split(",", 9) for line in script.splitlines()
            if line.startswith("Dialogue: ")]


def test_ass_header_places_captions_in_the_lower_third():
    script = to_ass(SPEECH, 1080, 1920, caption_style("bold"))
    assert script.startswith("[Script Info]\n")
    for line in ("ScriptType: v4.00+", "PlayResX: 1080", "PlayResY: 1920", "WrapStyle: 2", "[V4+ Styles]", "[Events]"):
        assert line in script.splitlines()
    style = next(line for line in script.splitlines() if line.startswith("Style: ")).split(",")
    assert style[0] == "Style: bold" and style[1] == "DejaVu Sans" and style[7] == "-1"  # bold face
    assert style[2] == "84" and style[3] == "&H00FFFFFF" and style[16] == "6"  # white, thick outline
    assert style[18] == "2" and style[21] == str(round(1920 * 0.22))  # bottom centre, 22 % up
    assert "PlayResY: 1080" in to_ass(SPEECH, 1080, 1080, caption_style("bold"))


def test_ass_has_one_dialogue_per_word_highlighting_that_word():
    style = CAPTION_STYLES["bold"]
    highlight = "{\\1c&H0000D4FF&}"
    script = to_ass(SPEECH, 1080, 1920, style)
    rows = dialogues(script)
    assert len(rows) == len(SPEECH)
    cues = group_cues(SPEECH)
    i = 0
    for cue in cues:
        for k, word in enumerate(cue.words):
            # A cue too wide for two lines at the style's size is drawn smaller: {\fsN} ... {\r\fsN}.
            text = re.sub(r"\{\\r\\fs\d+\}", lambda _: "{\\r}", re.sub(r"^\{\\fs\d+\}", "", rows[i][9]))
            assert text.count(highlight) == 1 and text.count("{\\r}") == 1
            plain = text.replace(highlight, "").replace("{\\r}", "").replace("\\N", " ")
            parts = plain.split(" ")
            assert len(parts) == len(cue.words)
            assert parts[k] == text.split(highlight)[1].split("{\\r}")[0]  # the highlighted word is word k
            i += 1
    # One word's line ends exactly when the next one starts: no flicker, no overlap.
    for a, b in zip(rows, rows[1:]):
        assert a[2] <= b[1]
    assert rows[0][1] == "0:00:00.00" and rows[0][2] == "0:00:00.30"


def test_ass_escapes_braces_and_backslashes():
    words = [Word("{\\b1}bold", 0, 0.5), Word("C:\\new\\N", 0.5, 1), Word("x}", 1, 1.5)]
    text = dialogues(to_ass(words, 1080, 1920))[0][9]
    assert "\\{\\\u2060b1\\}bold" in text  # braces escaped, the backslash cannot start a tag
    assert "C:\\\u2060new\\\u2060N" in text  # no \n or \N line break can form
    assert "x\\}" in text
    # The only override blocks left are the highlight and the reset.
    assert re.findall(r"(?<!\\)\{[^}]*\}", text) == ["{\\1c&H0000D4FF&}", "{\\r}"]


def test_ass_times_and_uppercase_styles():
    words = [Word("Hi", 3725.5, 3726.0), Word("there", 3726.004, 3726.6)]
    rows = dialogues(to_ass(words, 1080, 1920, caption_style("karaoke")))
    assert [(r[1], r[2]) for r in rows] == [("1:02:05.50", "1:02:06.00"), ("1:02:06.00", "1:02:06.60")]
    assert rows[1][9] == "HI {\\1c&H005AFF39&}THERE{\\r}"
    assert to_srt(words).endswith("Hi there\n\n")  # sidecars keep the words as spoken


def test_every_style_in_the_upload_schema_exists():
    assert {"bold", "clean", "karaoke", "minimal"} <= set(CAPTION_STYLES)
    for name, style in CAPTION_STYLES.items():
        assert style.name == name and style.primary != style.highlight
        assert len(dialogues(to_ass(SPEECH, 1080, 1920, style))) == len(SPEECH)
    with pytest.raises(ValueError, match="unknown caption style 'neon'; choose one of bold"):
        caption_style("neon")
    with pytest.raises(ValueError, match="#RRGGBB"):
        to_ass(SPEECH, 1080, 1920, CaptionStyle("bad", primary="white"))


# Layout on the frame: two lines at most, inside the safe area, on time.

def ass_events(script: str) -> list[tuple[float, str]]:
    """(start seconds, text) of every Dialogue."""
    out = []
    for row in dialogues(script):
        h, m, s = row[1].split(":")
        out.append((int(h) * 3600 + int(m) * 60 + float(s), row[9]))
    return out


LONG = timed("Supercalifragilisticexpialidocious extraordinarily magnificent unbelievable "
             "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW circumstances everywhere today and tomorrow")


@pytest.mark.parametrize("size", [(1080, 1920), (1080, 1080), (1080, 1350), (1920, 1080)])
@pytest.mark.parametrize("name", sorted(CAPTION_STYLES))
def test_at_most_two_lines_and_never_wider_than_the_safe_area(name, size):
    style = CAPTION_STYLES[name]
    width, height = size
    available = width * (1 - 2 * safe_area(width, height).side)
    for layout in layout_cues(LONG + SPEECH, width, height, style):
        assert 1 <= len(layout.lines) <= 2
        for line in layout.lines:
            assert estimate_width(" ".join(line), layout.font_size, style.bold) <= available + 1
    for _, text in ass_events(to_ass(LONG + SPEECH, width, height, style)):
        assert text.count("\\N") <= 1


def test_two_lines_are_balanced_and_one_line_when_it_fits():
    def narrow(text, size, bold):
        return len(text) * size * 0.5

    style = CAPTION_STYLES["bold"]
    [short] = layout_cues(timed("hi there"), 1080, 1920, style, narrow)
    assert short.lines == (("hi", "there"),) and short.font_size == 84
    [wide] = layout_cues(timed("abcdefgh abcdefgh abcdefgh"), 1080, 1920, style, narrow)
    assert [len(line) for line in wide.lines] in ([1, 2], [2, 1]) and wide.font_size == 84


def test_word_events_start_within_100_ms_of_their_words_even_when_words_overlap():
    sloppy = [Word("one", 0.0, 0.9), Word("two.", 0.5, 1.4), Word("three", 1.1, 1.5),
              Word("four", 1.2, 2.0), Word("five", 2.5, 2.6), Word("six", 2.61, 3.0)]
    for words in (SPEECH, sloppy, LONG):
        events = ass_events(to_ass(words, 1080, 1920))
        assert len(events) == len(words)
        for (start, _), word in zip(events, words):
            assert abs(start - word.start) <= 0.1, (word, start)
        for cue in group_cues(words):
            assert abs(cue.start - cue.words[0].start) <= 0.1


def test_positions_stay_inside_the_safe_area():
    for position, alignment in (("bottom", "2"), ("middle", "5"), ("top", "8")):
        style = CaptionStyle("bold", position=position, margin_v=0.05)
        fields = next(line for line in to_ass(SPEECH, 1080, 1920, style).splitlines()
                      if line.startswith("Style: ")).split(",")
        assert fields[18] == alignment
        assert int(fields[19]) == int(fields[20]) == round(1080 * 0.08)  # side margins
        if position == "bottom":
            assert int(fields[21]) == round(1920 * 0.18)  # never in the bottom UI band
        if position == "top":
            assert int(fields[21]) == round(1920 * 0.12)
    with pytest.raises(ValueError, match="unknown caption position 'left'"):
        to_ass(SPEECH, 1080, 1920, CaptionStyle("bold", position="left"))


def test_keywords_are_drawn_in_the_emphasis_colour_and_bigger():
    style = CaptionStyle("bold", keywords=("FREE", "today"), emphasis="#00E0FF", outline_colour="#102030")
    words = timed("get it free, Today and not tomorrow")
    script = to_ass(words, 1080, 1920, style)
    fields = next(line for line in script.splitlines() if line.startswith("Style: ")).split(",")
    assert fields[5] == "&H00302010"  # outline colour, &HAABBGGRR
    emphasis = "{\\1c&H00FFE000&\\fscx115\\fscy115}"
    texts = [text for _, text in ass_events(script)]
    assert texts[0] == "{\\1c&H0000D4FF&}get{\\r} it " + emphasis + "free,{\\r}"
    assert texts[2] == "get it {\\1c&H0000D4FF&\\fscx115\\fscy115}free,{\\r}"  # spoken: highlight, still big
    assert texts[4].replace("\\N", " ") == emphasis + "Today{\\r} {\\1c&H0000D4FF&}and{\\r} not tomorrow"
