"""Captions from timed words: cue grouping, SRT and WebVTT sidecars and the caption styles (pure:
no I/O); the ASS script burned in is ``streams.media.ass``.

Word text is never changed, dropped or added to: a cue's text is its words joined by one space
(none where a word of a script written without spaces meets another: ``streams.text.scripts``),
so the cues of a clip, joined the same way, are exactly its words joined that way. Only the burned-in
ASS text may be upper-cased by a style, and WebVTT escapes ``&``, ``<`` and ``>`` as its format
requires. Times are seconds from the start of the clip.

A cue starts when its first word starts (never later: a cue whose words overlap the previous cue's
ends the previous one early instead), and in the ASS script every word's event starts when the
word starts, to the centisecond. Burned-in cues are laid out on at most two lines inside the
frame's safe area (``safe_area``): the text is broken by measured width and shrunk when even two
lines would not fit, and libass's own wrapping is off so it cannot add a third.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from streams.domain.brand import POSITIONS as POSITION_NAMES
from streams.domain.words import Word
from streams.speakers.turns import named
from streams.text.scripts import join, main_script, unspaced

BREAK_AFTER = (".", "?", "!", ",", "。", "？", "！", "，", "、")
PAUSE_SECONDS = 0.6
MAX_LINES = 2
# Each position's ASS numpad alignment, centred: bottom 2, middle 5, top 8.
POSITIONS = dict(zip(POSITION_NAMES, (2, 5, 8), strict=True))
_CLOSERS = "\"')]}»”’」』）"  # a sentence may end inside quotes or brackets: `"stop."`
PUNCTUATION = ".,!?;:…\"'()[]{}«»“”‘’-"
_WIDE_PUNCTUATION = "。，、？！：；「」『』（）"

# (text, font size in px, bold) -> width in px. The renderer passes one that reads the font file.
Measure = Callable[[str, float, bool], float]


@dataclass(frozen=True)
class Cue:
    """Words shown together. ``start``/``end`` never overlap the neighbouring cues."""

    words: tuple[Word, ...]
    start: float
    end: float

    @property
    def text(self) -> str:
        return join(w.word for w in self.words)

    @property
    def speaker(self) -> str | None:
        """Who says it (a cue never holds two speakers), None where the speakers are not known."""
        return self.words[0].speaker


def group_cues(words: Iterable[Word], max_words: int = 4, max_seconds: float = 2.5, max_chars: int = 28) -> list[Cue]:
    """Split ``words`` (in spoken order) into cues of at most ``max_words`` words, ``max_seconds``
    and ``max_chars`` columns (a full-width character, as in Chinese, Japanese and Korean, takes
    two); a word longer than the limits gets a cue of its own. Whisper's words of a script written
    without spaces are mostly single characters, so they do not count as words: such a cue ends
    by its width (14 Chinese characters at most). A cue also ends after a word ending in
    ``. ? ! ,`` (or their full-width forms), before a pause of ``PAUSE_SECONDS`` or more, and where
    the speaker changes; a word that is punctuation alone (French " ?") never starts one.

    A cue starts with its first word; where that word starts before the previous cue's last word
    ends, the previous cue is cut short rather than this one shown late."""
    groups: list[list[Word]] = []
    for word in words:
        current = groups[-1] if groups else None
        if current is None or _breaks_before(current, word, max_words, max_seconds, max_chars):
            groups.append([word])
        else:
            current.append(word)
    starts: list[float] = []
    for group in groups:
        starts.append(max(group[0].start, starts[-1] if starts else 0.0, 0.0))
    cues = []
    for i, group in enumerate(groups):
        end = group[-1].end if i + 1 == len(groups) else min(group[-1].end, starts[i + 1])
        cues.append(Cue(tuple(group), starts[i], max(end, starts[i])))
    return cues


def _breaks_before(current: list[Word], word: Word, max_words: int, max_seconds: float, max_chars: int) -> bool:
    last = current[-1]
    if word.speaker != last.speaker:
        return True
    if not word.word.strip(PUNCTUATION + _WIDE_PUNCTUATION):  # " ?" stays with what it ends
        return False
    return (
        (_counted(word) and sum(map(_counted, current)) >= max_words)
        or columns(join(w.word for w in (*current, word))) > max_chars
        or word.end - current[0].start > max_seconds
        or word.start - last.end >= PAUSE_SECONDS - 1e-9  # 1.6 - 1.0 is 0.6000000000000001
        or last.word.rstrip(_CLOSERS).endswith(BREAK_AFTER)
    )


def _counted(word: Word) -> bool:
    """Whether ``word`` counts against a cue's words: not when it is of a script written without
    spaces, where Whisper's "words" are single characters or short runs of them."""
    return not any(unspaced(ch) for ch in word.word)


def columns(text: str) -> int:
    """How many columns ``text`` takes on a terminal's grid: two for a full-width character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clock(seconds: float, fraction_sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{fraction_sep}{ms % 1000:03d}"


def to_srt(words: Iterable[Word], names: Mapping[str, str] | None = None) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm`` times, a blank line after each cue. Where the words
    carry speakers, a cue whose speaker is not the previous cue's starts with ``Name: `` (SubRip
    has no voice markup; this is how broadcast subtitles mark a change of speaker): the name given
    in ``names``, else ``Speaker N``. Only when more than one speaker speaks in ``words``: one
    voice throughout needs no name."""
    words = list(words)
    return _srt(group_cues(words), speakers_in(words) > 1, names or {})


def _srt(cues: Sequence[Cue], several: bool, names: Mapping[str, str]) -> str:
    out, previous = [], None
    for n, c in enumerate(cues, start=1):
        changed = several and c.speaker is not None and c.speaker != previous
        said = f"{named(c.speaker, names)}: {c.text}" if changed else c.text
        out.append(f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{said}\n\n")
        previous = c.speaker
    return "".join(out)


def to_vtt(words: Iterable[Word], language: str | None = None, names: Mapping[str, str] | None = None) -> str:
    """WebVTT: the ``WEBVTT`` header (with a ``Language:`` line when ``language`` is given, as
    YouTube writes it; players skip header lines), then cues with ``HH:MM:SS.mmm`` times; where the
    words carry more than one speaker, each cue's text is in a voice span, ``<v Name>`` (``names``
    as in ``to_srt``)."""
    words = list(words)
    return _vtt(group_cues(words), speakers_in(words) > 1, language, names or {})


def _vtt(cues: Sequence[Cue], several: bool, language: str | None, names: Mapping[str, str]) -> str:
    body = "".join(
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n"
        f"{_voice(named(c.speaker, names) if several else None)}{_vtt_escape(c.text)}\n\n"
        for c in cues
    )
    return "WEBVTT\n" + (f"Language: {language}\n" if language else "") + "\n" + body


def subtitles(
    words: Iterable[Word], language: str | None = None, names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A clip's sidecar subtitles, ``{"srt": to_srt(...), "vtt": to_vtt(...)}``, from one grouping
    of its words into cues."""
    words = list(words)
    cues, several = group_cues(words), speakers_in(words) > 1
    return {"srt": _srt(cues, several, names or {}), "vtt": _vtt(cues, several, language, names or {})}


def speakers_in(words: Iterable[Word]) -> int:
    """How many speakers ``words`` carry (0 where none is known)."""
    return len({w.speaker for w in words if w.speaker is not None})


def _voice(speaker: str | None) -> str:
    return "" if speaker is None else f"<v {_vtt_escape(' '.join(speaker.split()))}>"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class CaptionStyle:
    """Attributes:
    name: the key in ``CAPTION_STYLES`` and the ASS style name.
    font: font family, e.g. ``DejaVu Sans``.
    bold: use the family's bold face.
    font_size: pixels on a frame whose shorter side is 1080 (scaled for other sizes).
    primary: text colour, ``#RRGGBB``.
    highlight: colour of the word being spoken, ``#RRGGBB``.
    outline: outline thickness in pixels at 1080.
    shadow: drop-shadow distance in pixels at 1080.
    margin_v: distance of the bottom of the text from the bottom edge, as a fraction of height
        (position ``bottom``; never less than the safe area's bottom band).
    uppercase: burn the text in upper case (sidecar files keep the words as spoken).
    outline_colour: outline colour, ``#RRGGBB``.
    position: ``bottom``, ``middle`` or ``top`` of the frame (inside the safe area).
    keywords: words drawn in ``emphasis`` and ``emphasis_scale`` times bigger (matched without
        case or surrounding punctuation).
    emphasis: colour of keywords, ``#RRGGBB``; None is the highlight colour.
    emphasis_scale: size of keywords relative to the other words.
    speaker_colours: where the words carry speakers, each speaker's text colour (``S1`` the first,
        round again past the last), ``#RRGGBB``; () draws every speaker in ``primary``.
    """

    name: str
    font: str = "DejaVu Sans"
    bold: bool = True
    font_size: int = 84
    primary: str = "#FFFFFF"
    highlight: str = "#FFD400"
    outline: float = 6.0
    shadow: float = 2.0
    margin_v: float = 0.22
    uppercase: bool = False
    outline_colour: str = "#000000"
    position: str = "bottom"
    keywords: tuple[str, ...] = ()
    emphasis: str | None = None
    emphasis_scale: float = 1.15
    speaker_colours: tuple[str, ...] = ()

    def colour_of(self, speaker: str | None) -> str:
        """The text colour of ``speaker``'s words (a label ``S<n>``): ``primary`` when unknown."""
        if not self.speaker_colours or not speaker or not speaker[1:].isdigit():
            return self.primary
        return self.speaker_colours[(int(speaker[1:]) - 1) % len(self.speaker_colours)]


# A speaker's colour in the ``conversation`` preset: white, sky, amber, mint, pink (S1, S2, ...).
SPEAKER_COLOURS = ("#FFFFFF", "#8FE3FF", "#FFC266", "#9CF2A6", "#FF9ED2")

CAPTION_STYLES: dict[str, CaptionStyle] = {
    s.name: s
    for s in (
        CaptionStyle("bold"),
        CaptionStyle("clean", bold=False, font_size=72, highlight="#8FE3FF", outline=3, shadow=0),
        CaptionStyle(
            "minimal",
            bold=False,
            font_size=60,
            primary="#E8E8E8",
            highlight="#FFFFFF",
            outline=2,
            shadow=1,
            margin_v=0.18,
        ),
        CaptionStyle("karaoke", font_size=80, highlight="#39FF5A", outline=5, shadow=3, uppercase=True),
        CaptionStyle("conversation", highlight="#FFD400", speaker_colours=SPEAKER_COLOURS),
    )
}
DEFAULT_STYLE = "bold"

# The font each script is drawn in (Debian's fonts-noto-core and fonts-noto-cjk; scripts/setup.sh
# installs them): DejaVu Sans has no CJK, Hangul, Devanagari or Thai, and a caption drawn in a font
# without the glyphs shows empty boxes.
SCRIPT_FONTS = {
    "han": "Noto Sans CJK SC",
    "kana": "Noto Sans CJK JP",
    "hangul": "Noto Sans CJK KR",
    "arabic": "Noto Sans Arabic",
    "hebrew": "Noto Sans Hebrew",
    "devanagari": "Noto Sans Devanagari",
    "thai": "Noto Sans Thai",
}


def for_script(style: CaptionStyle, words: Iterable[Word]) -> CaptionStyle:
    """``style`` with the font of the script ``words`` are mostly written in (unchanged for
    Latin, Cyrillic and Greek, which its own font draws)."""
    name = main_script(join(w.word for w in words))
    return style if name is None else dataclasses.replace(style, font=SCRIPT_FONTS[name])


def caption_style(name: str) -> CaptionStyle:
    """The named style, or ValueError listing the names there are."""
    try:
        return CAPTION_STYLES[name]
    except KeyError:
        raise ValueError(f"unknown caption style {name!r}; choose one of {', '.join(CAPTION_STYLES)}") from None
