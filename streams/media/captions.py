"""Captions from timed words: cue grouping, SRT and WebVTT sidecars, and ASS scripts to burn in
(pure: no I/O).

Word text is never changed, dropped or added to: a cue's text is its words joined by one space,
so the cues of a clip, joined by spaces, are exactly its words joined by spaces. Only the burned-in
ASS text may be upper-cased by a style, and WebVTT escapes ``&``, ``<`` and ``>`` as its format
requires. Times are seconds from the start of the clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

BREAK_AFTER = (".", "?", "!", ",")
PAUSE_SECONDS = 0.6
_CLOSERS = "\"')]}»”’"  # a sentence may end inside quotes or brackets: `"stop."`


@dataclass(frozen=True)
class CaptionWord:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    """Words shown together. ``start``/``end`` never overlap the neighbouring cues."""

    words: tuple[CaptionWord, ...]
    start: float
    end: float

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)


def group_cues(
    words: Iterable[CaptionWord], max_words: int = 4, max_seconds: float = 2.5, max_chars: int = 28
) -> list[Cue]:
    """Split ``words`` (in spoken order) into cues of at most ``max_words`` words, ``max_seconds``
    and ``max_chars`` characters; a word longer than the limits gets a cue of its own. A cue also
    ends after a word ending in ``. ? ! ,`` and before a pause of ``PAUSE_SECONDS`` or more."""
    groups: list[list[CaptionWord]] = []
    for word in words:
        current = groups[-1] if groups else None
        if current is None or _breaks_before(current, word, max_words, max_seconds, max_chars):
            groups.append([word])
        else:
            current.append(word)
    cues: list[Cue] = []
    previous_end = 0.0
    for group in groups:
        start = max(group[0].start, previous_end, 0.0)
        end = max(group[-1].end, start)
        cues.append(Cue(tuple(group), start, end))
        previous_end = end
    return cues


def _breaks_before(
    current: list[CaptionWord], word: CaptionWord, max_words: int, max_seconds: float, max_chars: int
) -> bool:
    last = current[-1]
    chars = sum(len(w.word) + 1 for w in current) + len(word.word)
    return (
        len(current) >= max_words
        or chars > max_chars
        or word.end - current[0].start > max_seconds
        or word.start - last.end >= PAUSE_SECONDS - 1e-9  # 1.6 - 1.0 is 0.6000000000000001
        or last.word.rstrip(_CLOSERS).endswith(BREAK_AFTER)
    )


def _clock(seconds: float, fraction_sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{fraction_sep}{ms % 1000:03d}"


def to_srt(words: Iterable[CaptionWord]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm`` times, a blank line after each cue."""
    return "".join(
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text}\n\n"
        for n, c in enumerate(group_cues(words), start=1)
    )


def to_vtt(words: Iterable[CaptionWord]) -> str:
    """WebVTT: the ``WEBVTT`` header, then cues with ``HH:MM:SS.mmm`` times."""
    cues = "".join(
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{_vtt_escape(c.text)}\n\n"
        for c in group_cues(words)
    )
    return "WEBVTT\n\n" + cues


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
    outline: outline thickness in pixels at 1080 (black).
    shadow: drop-shadow distance in pixels at 1080.
    margin_v: distance of the bottom of the text from the bottom edge, as a fraction of height.
    uppercase: burn the text in upper case (sidecar files keep the words as spoken).
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


CAPTION_STYLES: dict[str, CaptionStyle] = {
    s.name: s
    for s in (
        CaptionStyle("bold"),
        CaptionStyle("clean", bold=False, font_size=72, highlight="#8FE3FF", outline=3, shadow=0),
        CaptionStyle(
            "minimal", bold=False, font_size=60, primary="#E8E8E8", highlight="#FFFFFF",
            outline=2, shadow=1, margin_v=0.18,
        ),
        CaptionStyle("karaoke", font_size=80, highlight="#39FF5A", outline=5, shadow=3, uppercase=True),
    )
}
DEFAULT_STYLE = "bold"


def caption_style(name: str) -> CaptionStyle:
    """The named style, or ValueError listing the names there are."""
    try:
        return CAPTION_STYLES[name]
    except KeyError:
        raise ValueError(f"unknown caption style {name!r}; choose one of {', '.join(CAPTION_STYLES)}") from None


def to_ass(words: Iterable[CaptionWord], width: int, height: int, style: CaptionStyle | str = DEFAULT_STYLE) -> str:
    """A complete ASS script for a ``width`` x ``height`` frame: for each cue, one Dialogue per
    word, lasting until the next word starts, in which that word is drawn in the highlight colour
    and the rest of the cue in the base colour. Bottom-centred, ``margin_v`` up from the bottom."""
    if isinstance(style, str):
        style = caption_style(style)
    scale = min(width, height) / 1080
    header = (
        "[Script Info]\n"
        "; Written by clipstream\n"
        "ScriptType: v4.00+\n"
        f"PlayResX: {width}\n"
        f"PlayResY: {height}\n"
        "WrapStyle: 0\n"
        "ScaledBorderAndShadow: yes\n"
        "\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: {style.name},{style.font},{round(style.font_size * scale)},"
        f"{_ass_colour(style.primary)},{_ass_colour(style.highlight)},&H00000000,&H80000000,"
        f"{-1 if style.bold else 0},0,0,0,100,100,0,0,1,{style.outline * scale:g},{style.shadow * scale:g},"
        f"2,{round(width * 0.06)},{round(width * 0.06)},{round(height * style.margin_v)},1\n"
        "\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    tag = "{\\1c" + _ass_colour(style.highlight) + "&}"
    lines = []
    for cue in group_cues(words):
        shown = [_ass_escape(w.word.upper() if style.uppercase else w.word) for w in cue.words]
        # Boundaries in whole centiseconds so one word's Dialogue ends exactly where the next begins.
        bounds = [round(cue.start * 100)]
        last = max(round(cue.end * 100), bounds[0])
        for w in cue.words[1:]:
            bounds.append(min(max(round(w.start * 100), bounds[-1]), last))
        bounds.append(last)
        for i in range(len(shown)):
            text = " ".join(tag + t + "{\\r}" if j == i else t for j, t in enumerate(shown))
            start, end = _ass_clock(bounds[i]), _ass_clock(bounds[i + 1])
            lines.append(f"Dialogue: 0,{start},{end},{style.name},,0,0,0,,{text}\n")
    return header + "".join(lines)


def _ass_colour(rgb: str) -> str:
    """``#RRGGBB`` as ASS ``&HAABBGGRR`` (alpha 00 is opaque)."""
    value = rgb.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour must be #RRGGBB, got {rgb!r}")
    return f"&H00{value[4:6]}{value[2:4]}{value[0:2]}".upper()


def _ass_escape(text: str) -> str:
    # libass reads \{ and \} as literal braces; a backslash is kept literal by following it with an
    # invisible word joiner, so `\N`, `\h` or an escape of our own override tags cannot form.
    text = text.replace("\r", " ").replace("\n", " ")
    text = text.replace("\\", "\\\u2060")
    return text.replace("{", "\\{").replace("}", "\\}")


def _ass_clock(centiseconds: int) -> str:
    cs = max(0, centiseconds)
    return f"{cs // 360_000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"
