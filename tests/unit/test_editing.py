"""The edits beyond the cut, as pure logic: which words are emphasised (and their emoji), where the
hook title goes (clear of the face and the captions), and where each editing choice comes from."""

from pathlib import Path

import pytest
from PIL import ImageFont

from streams.domain.words import Word
from streams.errors import InvalidOptions
from streams.domain.brand import BrandKit
from streams.media.captions import caption_style, group_cues
from streams.media.ass import layout_cues, to_ass
from streams.media.editing import Editing
from streams.media.emphasis import EMOJI, emphasised
from streams.media.framing import CropKey
from streams.moments.lexicon import for_language
from streams.moments.signals import loose_numbers
from streams.media.hook import Hook, face_bands, hook_style, layout_hook, with_hook


def spoken(text: str, gap: float = 0.35) -> list[Word]:
    return [Word(w, round(i * gap, 3), round(i * gap + 0.3, 3)) for i, w in enumerate(text.split())]


def test_numbers_claims_and_names_carry_a_clip_one_word_a_cue_at_most():
    words = spoken("We lost 40 percent of our users. Then Maria checked the logs. Nobody had looked, ever.")
    marks = emphasised(words, "en")
    chosen = [words[i].word for i in marks]
    assert "40" in chosen  # digits before a number word in the same cue ("percent")
    assert "Maria" in chosen  # a name inside a sentence
    assert "Then" not in chosen and "Nobody" not in [w for w in chosen if w == "We"]
    cues = group_cues(words)
    first = 0
    for cue in cues:  # never two in one cue
        assert sum(first <= i < first + len(cue.words) for i in marks) <= 1
        first += len(cue.words)
    assert len(marks) <= max(1, len(cues) // 2)


def chosen(text: str, language: str = "en") -> list[str]:
    words = spoken(text)
    return [words[i].word for i in emphasised(words, language)]


def test_a_loose_number_word_is_a_figure_only_beside_another():
    assert chosen("It was one of those days.") == []
    assert chosen("At first nobody came.") == ["nobody"]  # the claim, not "first"
    assert chosen("She said one in six.") == ["one"]
    assert chosen("We sat for the first three hours.") in (["first"], ["three"])
    assert chosen("Secondo lui era tardi.", "it") == []  # Italian "secondo": "according to"
    assert chosen("Il secondo e il terzo giorno.", "it") in (["secondo"], ["terzo"])
    assert chosen("El segundo paso fue fácil.", "es") == []
    assert chosen("Es el segundo de tres pasos.", "es") in (["segundo"], ["tres"])
    # another sentence's figure does not count: "In the 1920s. First ..."
    words = spoken("It was the 1920s. First we built it. Then one in six left.")
    assert {words[i].word for i in loose_numbers(words, for_language("en"))} == {"First"}


def test_a_word_opening_a_sentence_is_no_name_and_german_nouns_are_not_names():
    assert emphasised(spoken("Honestly this works."), "en") == {}
    german = spoken("Wir haben die Daten im Keller gefunden und das Haus verkauft.")
    assert emphasised(german, "de") == {}
    counted = spoken("Wir haben 300 Daten gefunden.")
    assert [counted[i].word for i in emphasised(counted, "de")] == ["300"]


def test_the_titles_content_words_count_but_small_words_never():
    words = spoken("and the engine of growth is retention here")
    marks = emphasised(words, "en", title="Retention is the engine of growth")
    assert {words[i].word for i in marks} <= {"engine", "growth", "retention"} and marks
    assert emphasised(spoken("and the of is here"), "en", title="and the of is here") == {}


def test_an_elided_word_is_read_by_the_word_after_its_apostrophe():
    # Whisper's whole words (streams.asr.recognition.whole_words): "l'erreur", not "l" "'erreur"
    claim = spoken("Voici la chose. C'était l'erreur.")
    assert [claim[i].word for i in emphasised(claim, "fr")] == ["l'erreur."]
    named = spoken("Nous avons voyagé dans toute l'Europe cette année.")
    assert [named[i].word for i in emphasised(named, "fr")] == ["l'Europe"]
    loved = spoken("Voici une histoire. Tout est une question d'amour.")
    assert list(emphasised(loved, "fr", title="Par amour", emoji=True).values()) == [EMOJI["amour"]]


def test_emoji_only_when_asked_and_only_after_a_word_that_names_one():
    words = spoken("I love 3 songs. The best music wins. We sing it at night. Then we sleep.")
    plain = emphasised(words, "en")
    assert set(plain.values()) == {""}
    with_emoji = emphasised(words, "en", emoji=True)
    assert set(with_emoji) == set(plain)  # the same words; some now with a symbol
    assert any(symbol == EMOJI[words[i].word.strip(".").lower()] for i, symbol in with_emoji.items() if symbol)


@pytest.mark.parametrize("face", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_the_caption_font_draws_every_emoji_symbol(face):
    font = ImageFont.truetype(str(Path("/usr/share/fonts/truetype/dejavu") / face), 40)
    missing = bytes(font.getmask("\U000f0000"))  # a private-use character: the missing-glyph box
    assert [s for s in set(EMOJI.values()) if bytes(font.getmask(s)) == missing] == []


def test_marked_words_are_drawn_as_keywords_with_their_symbol():
    words = spoken("we grew 40 times")
    style = caption_style("bold")
    ass = to_ass(words, 1080, 1920, style, marks={2: "\u2605"})
    dialogue = [line for line in ass.splitlines() if line.startswith("Dialogue:")][0]
    assert "\\fscx115\\fscy115}40\u2009\u2605{" in dialogue
    [layout] = layout_cues(words, 1080, 1920, style, marks={2: "\u2605"})
    assert any("40\u2009\u2605" in line for line in layout.lines)
    assert to_ass(words, 1080, 1920, style) == to_ass(words, 1080, 1920, style, marks={})


def test_the_hook_goes_to_the_top_of_the_safe_area_when_no_face_is_there():
    style = hook_style(caption_style("bold"), "Why most clips fail")
    layout = layout_hook(Hook("Why most clips fail"), 1080, 1920, style)
    assert layout.top == round(1920 * 0.12) and not layout.covers_face
    assert layout.lines == ("Why most clips fail",)


def test_the_hook_moves_below_a_face_at_the_top_and_stays_clear_of_the_captions():
    style = hook_style(caption_style("bold"), "x")
    title = Hook("We lost forty percent of our users in one month and nobody noticed")
    face = [(180.0, 700.0)]
    layout = layout_hook(title, 1080, 1920, style, faces=face)
    assert layout.top > 700 and not layout.covers_face
    captions_top = 1920 * (1 - 0.22) - 2 * 84 * 1.15
    assert layout.bottom <= captions_top
    assert 1 <= len(layout.lines) <= 3


def test_a_face_no_place_clears_gets_the_title_where_it_covers_the_least():
    style = hook_style(caption_style("bold"), "x")
    close_up = layout_hook(Hook("A title"), 1080, 1920, style, faces=[(0.0, 1700.0)])
    assert close_up.covers_face and close_up.top == round(1920 * 0.12)  # the forehead, not the mouth
    low = layout_hook(Hook("A title"), 1080, 1920, style, faces=[(300.0, 1700.0)])
    assert low.covers_face and low.top == round(1920 * 0.12)  # only its margin reaches the face


def test_a_long_title_is_balanced_on_lines_that_fit():
    style = hook_style(caption_style("bold"), "x")
    text = "Every single founder I have ever met made exactly this mistake twice"
    layout = layout_hook(Hook(text), 1080, 1920, style)
    assert " ".join(layout.lines) == text and len(layout.lines) <= 3
    lengths = [len(line) for line in layout.lines]
    assert max(lengths) - min(lengths) < 15


def test_with_hook_adds_a_boxed_style_and_one_fading_event():
    words = spoken("so here it is")
    style = caption_style("bold")
    title = layout_hook(Hook("Here it is", seconds=2.5), 1080, 1920, hook_style(style, "Here it is"))
    ass = with_hook(to_ass(words, 1080, 1920, style), title)
    hook_style_line = next(line for line in ass.splitlines() if line.startswith("Style: Hook,"))
    assert ",3," in hook_style_line  # BorderStyle 3: an opaque box
    hook_events = [line for line in ass.splitlines() if line.startswith("Dialogue:") and ",Hook," in line]
    assert len(hook_events) == 1 and hook_events[0].startswith("Dialogue: 1,0:00:00.00,0:00:02.50,Hook,")
    assert "\\fad(" in hook_events[0] and hook_events[0].endswith("Here it is")
    assert ass.index("Style: Hook") < ass.index("[Events]")


def test_a_right_to_left_title_is_laid_out_by_bidi_in_its_scripts_font():
    text = "שלום לכולם"
    style = hook_style(caption_style("bold"), text)
    assert style.font == "Noto Sans Hebrew"
    ass = with_hook(to_ass(spoken("a b"), 1080, 1920, caption_style("bold")), layout_hook(Hook(text), 1080, 1920, style))
    assert next(line for line in ass.splitlines() if line.startswith("Style: Hook,")).endswith(",-1")


def test_face_bands_follow_the_drawn_crop_in_every_layout():
    faces = [(10.0 + t / 4, 900, 100, 1000, 300) for t in range(13)]  # source px of a 1920x1080 frame
    crop = (CropKey(0.0, 656, 0, 608, 1080),)
    [(top, bottom)] = face_bands("single", [crop], faces, lambda t: 10 + t, 3.0, (1920, 1080), (1080, 1920))
    assert abs(top - 100 * 1920 / 1080) < 1 and abs(bottom - 300 * 1920 / 1080) < 1
    elsewhere = (CropKey(0.0, 0, 0, 608, 1080),)  # the face is outside this crop
    assert face_bands("single", [elsewhere], faces, lambda t: 10 + t, 3.0, (1920, 1080), (1080, 1920)) == []
    bands = face_bands("split", [elsewhere, crop], faces, lambda t: 10 + t, 3.0, (1920, 1080), (1080, 1920))
    assert len(bands) == 1 and bands[0][0] >= 960  # the face is in the bottom panel
    [(fit_top, _)] = face_bands("fit", [], faces, lambda t: 10 + t, 3.0, (1920, 1080), (1080, 1920))
    assert abs(fit_top - ((1920 - 1080 * 1080 / 1920) / 2 + 100 * 1080 / 1920)) < 1
    assert face_bands("single", [crop], faces, lambda t: 100 + t, 3.0, (1920, 1080), (1080, 1920)) == []


def test_each_choice_comes_from_the_request_the_video_the_brand_kit_or_the_default():
    kit = BrandKit.from_json({"trim": "pauses", "hook_title": False, "emoji": True})
    assert kit.editing_choices() == {"trim": "pauses", "hook_title": False, "emoji": True}
    chosen = kit.editing_choices()
    assert Editing.of(None, {}, chosen) == Editing(trim="pauses", hook_title=False, emphasis=True, emoji=True)
    assert Editing.of({"hook_title": True}, {"trim": "off"}, chosen) == Editing("off", True, True, True)
    assert Editing.of() == Editing("pauses+fillers", True, True, False)
    with pytest.raises(Exception, match="brand trim"):
        BrandKit.from_json({"trim": "everything"})
    with pytest.raises(Exception, match="hook_title"):
        BrandKit.from_json({"hook_title": "yes"})


def test_uploaded_options_take_the_brand_kits_choices_unless_they_make_their_own():
    from api.options import parse_options

    def parse(given):
        return parse_options(given, font_installed=lambda _: True)

    plain = parse({})
    assert (plain.trim, plain.hook_title, plain.emphasis, plain.emoji) == ("pauses+fillers", True, True, False)
    branded = parse({"brand": {"trim": "off", "emoji": True}})
    assert branded.trim == "off" and branded.emoji is True
    assert branded.as_json()["trim"] == "off"  # stored as chosen, so a later brand change leaves it
    own = parse({"brand": {"trim": "off"}, "trim": "pauses"})
    assert own.trim == "pauses"
    with pytest.raises(InvalidOptions, match="hook_title"):
        parse({"hook_title": "sometimes"})
