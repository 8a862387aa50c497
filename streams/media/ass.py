"""Burned-in captions as an ASS script for libass (pure: no I/O): cues laid out on at most two
lines inside the frame's safe area (``safe_area``), broken by measured width and shrunk when even
two lines would not fit (libass's own wrapping is off, so it cannot add a third); every word's
event starts when the word starts, to the centisecond. The cues and styles are
``streams.media.captions``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from streams.domain.words import Word
from streams.media.captions import (
    CAPTION_STYLES,
    DEFAULT_STYLE,
    POSITIONS,
    PUNCTUATION,
    CaptionStyle,
    Cue,
    Measure,
    group_cues,
)
from streams.text.scripts import script, unspaced


@dataclass(frozen=True)
class SafeArea:
    """Bands of the frame kept clear of captions for the platforms' own UI, as fractions of the
    frame: ``bottom``/``top`` of its height, ``side`` of its width on each side."""

    bottom: float
    top: float
    side: float


def safe_area(width: int, height: int) -> SafeArea:
    """Tall frames (TikTok, Reels, Shorts) keep the bottom 18 % (caption, description and music
    bar), the top 12 % (tabs) and 8 % each side (the action buttons) clear; others less."""
    if height > width * 1.2:
        return SafeArea(bottom=0.18, top=0.12, side=0.08)
    return SafeArea(bottom=0.08, top=0.08, side=0.05)


def estimate_width(text: str, size: float, bold: bool) -> float:
    """A generous width of ``text`` in a sans-serif font of ``size`` px, when no font is at hand."""
    em = 0.0
    for ch in text:
        if ch == " ":
            em += 0.35
        elif ch in "il.,:;'!|`":
            em += 0.36
        elif ch in "mwMW@%":
            em += 1.0
        elif ch.isupper() or ch.isdigit():
            em += 0.76
        else:
            em += 0.64
    return em * size * (1.08 if bold else 1.0)


@dataclass(frozen=True)
class CueLayout:
    """How a cue is burned in: its text lines (words as drawn, e.g. upper-cased) and the font size
    in px used for it (smaller than the style's when two lines would not fit otherwise)."""

    cue: Cue
    lines: tuple[tuple[str, ...], ...]
    font_size: int


def layout_cues(
    words: Iterable[Word],
    width: int,
    height: int,
    style: CaptionStyle,
    measure: Measure | None = None,
    marks: Mapping[int, str] | None = None,
) -> list[CueLayout]:
    """Each cue of ``words`` broken into at most ``MAX_LINES`` lines that fit between the side
    margins of a ``width`` x ``height`` frame, measured with ``measure`` (``estimate_width`` when
    None). Two lines are balanced; a cue that does not fit even then gets a smaller font.
    ``marks`` are the emphasised words (``to_ass``); a word's lines show it as drawn, its symbol
    after it."""
    measure = measure or estimate_width
    scale = min(width, height) / 1080
    size = round(style.font_size * scale)
    available = width * (1 - 2 * safe_area(width, height).side) - 2 * style.outline * scale
    out = []
    for cue, first in _cues(words):
        key = emphasised_in(cue, first, style, marks)
        shown = tuple(drawn(w.word, style) + suffix(marks, first + j) for j, w in enumerate(cue.words))
        factors = [style.emphasis_scale if k else 1.0 for k in key]
        widths = [measure(t, size * f, style.bold) for t, f in zip(shown, factors)]
        space = measure(" ", size, style.bold)
        gaps = [space if spaced(a, b) else 0.0 for a, b in zip(shown, shown[1:])]
        lines, widest = _break_lines(widths, gaps, available)
        fitted = size if widest <= available else max(8, math.floor(size * available / widest))
        out.append(CueLayout(cue, tuple(shown[a:b] for a, b in lines), fitted))
    return out


def spaced(before: str, after: str) -> bool:
    """Whether a space is drawn between two neighbouring words (``streams.text.scripts.join``)."""
    return bool(before and after) and not (unspaced(before[-1]) or unspaced(after[0]))


def _break_lines(
    widths: Sequence[float], gaps: Sequence[float], available: float
) -> tuple[list[tuple[int, int]], float]:
    """One line if it fits in ``available``, else the two-line split whose wider line is the
    narrowest: (index ranges of the lines, width of the widest). ``gaps[i]`` is the space drawn
    between word i and word i + 1."""

    def line(a: int, b: int) -> float:
        return sum(widths[a:b]) + sum(gaps[a : b - 1])

    n = len(widths)
    best = ([(0, n)], line(0, n))
    if best[1] <= available:
        return best
    for k in range(1, n):
        widest = max(line(0, k), line(k, n))
        if widest < best[1]:
            best = ([(0, k), (k, n)], widest)
    return best


def _keyword(word: str) -> str:
    return word.strip(PUNCTUATION).casefold()


def _cues(words: Iterable[Word]) -> list[tuple[Cue, int]]:
    """The cues of ``words``, each with the position of its first word in ``words``."""
    out, first = [], 0
    for cue in group_cues(words):
        out.append((cue, first))
        first += len(cue.words)
    return out


def emphasised_in(cue: Cue, first: int, style: CaptionStyle, marks: Mapping[int, str] | None) -> list[bool]:
    """Whether each word of ``cue`` (its first at position ``first``) is drawn as a keyword: one of
    the style's ``keywords``, or marked."""
    keywords = {_keyword(k) for k in style.keywords}
    return [_keyword(w.word) in keywords or (marks is not None and first + j in marks) for j, w in enumerate(cue.words)]


def drawn(word: str, style: CaptionStyle) -> str:
    """``word`` as the style burns it in."""
    return word.upper() if style.uppercase else word


def suffix(marks: Mapping[int, str] | None, position: int) -> str:
    """What is drawn after the word at ``position``: a thin space and its symbol, when marked with one."""
    symbol = (marks or {}).get(position, "")
    return "\u2009" + symbol if symbol else ""


def to_ass(
    words: Iterable[Word],
    width: int,
    height: int,
    style: CaptionStyle = CAPTION_STYLES[DEFAULT_STYLE],
    measure: Measure | None = None,
    marks: Mapping[int, str] | None = None,
) -> str:
    """A complete ASS script for a ``width`` x ``height`` frame: for each cue, one Dialogue per
    word, from that word's start until the next word starts, in which that word is drawn in the
    highlight colour and the rest of the cue in the base colour (keywords in the emphasis colour,
    bigger; the base colour is the cue's speaker's where the style gives speakers colours).
    Centred at the style's position inside ``safe_area``; at most two lines.

    ``marks`` emphasises words by their position in ``words`` (``media.emphasis``) as the style's
    keywords are, each followed by its symbol, if it has one."""
    if style.position not in POSITIONS:
        raise ValueError(f"unknown caption position {style.position!r}; choose one of {', '.join(POSITIONS)}")
    words = tuple(words)
    scale = min(width, height) / 1080
    safe = safe_area(width, height)
    side = round(width * safe.side)
    margin_v = {"bottom": max(style.margin_v, safe.bottom), "top": safe.top, "middle": 0.0}[style.position]
    header = (
        "[Script Info]\n"
        "; Written by clipstream\n"
        "ScriptType: v4.00+\n"
        f"PlayResX: {width}\n"
        f"PlayResY: {height}\n"
        "WrapStyle: 2\n"  # no automatic wrapping: the lines are broken here
        "ScaledBorderAndShadow: yes\n"
        "\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: {style.name},{style.font},{round(style.font_size * scale)},"
        f"{ass_colour(style.primary)},{ass_colour(style.highlight)},{ass_colour(style.outline_colour)},"
        f"&H80000000,{-1 if style.bold else 0},0,0,0,100,100,0,0,1,{style.outline * scale:g},"
        f"{style.shadow * scale:g},{POSITIONS[style.position]},{side},{side},{round(height * margin_v)},"
        f"{_encoding(words)}\n"
        "\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    highlight = ass_colour(style.highlight)
    emphasis = ass_colour(style.emphasis or style.highlight)
    percent = round(style.emphasis_scale * 100)
    base_size = round(style.font_size * scale)
    lines = []
    for layout, (cue, first) in zip(layout_cues(words, width, height, style, measure, marks), _cues(words)):
        size_tag = f"\\fs{layout.font_size}" if layout.font_size != base_size else ""
        voice = style.colour_of(cue.speaker)
        if voice != style.primary:  # the speaker's colour, kept after every reset
            size_tag += "\\1c" + ass_colour(voice) + "&"
        reset = "{\\r" + size_tag + "}"
        shown = [ass_escape(t) for line in layout.lines for t in line]
        breaks = {len(layout.lines[0])} if len(layout.lines) > 1 else set()
        key = emphasised_in(cue, first, style, marks)
        # Boundaries in whole centiseconds so one word's Dialogue ends exactly where the next begins.
        bounds = [round(cue.start * 100)]
        last = max(round(cue.end * 100), bounds[0])
        for w in cue.words[1:]:
            bounds.append(min(max(round(w.start * 100), bounds[-1]), last))
        bounds.append(last)
        for i in range(len(shown)):
            parts = []
            for j, t in enumerate(shown):
                if j == i or key[j]:
                    colour = highlight if j == i else emphasis
                    grow = f"\\fscx{percent}\\fscy{percent}" if key[j] else ""
                    t = "{\\1c" + colour + "&" + grow + "}" + t + reset
                gap = " " if j and spaced(cue.words[j - 1].word, cue.words[j].word) else ""
                parts.append(("\\N" if j in breaks else gap) + t if j else t)
            text = ("{" + size_tag + "}" if size_tag else "") + "".join(parts)
            start, end = ass_clock(bounds[i]), ass_clock(bounds[i + 1])
            lines.append(f"Dialogue: 0,{start},{end},{style.name},,0,0,0,,{text}\n")
    return header + "".join(lines)


# libass keeps the runs between override tags in the order they are written (as VSFilter does)
# unless a style's Encoding is -1: then the Unicode bidi algorithm orders the whole line, its base
# direction found from the text. Every spoken word's highlight is such a run, so with Encoding 1
# a Hebrew or Arabic cue was drawn with its words left to right (tests/unit/test_render.py).
RIGHT_TO_LEFT_SCRIPTS = frozenset({"arabic", "hebrew"})


def _encoding(words: Sequence[Word]) -> int:
    """The style's Encoding field: -1 (libass's bidi across the line) when any word is in a
    right-to-left script, else 1 (the default character set)."""
    return -1 if any(right_to_left(w.word) for w in words) else 1


def right_to_left(text: str) -> bool:
    """Whether any character of ``text`` is in a right-to-left script."""
    return any(script(ch) in RIGHT_TO_LEFT_SCRIPTS for ch in text)


def ass_colour(rgb: str) -> str:
    """``#RRGGBB`` as ASS ``&HAABBGGRR`` (alpha 00 is opaque)."""
    value = rgb.lstrip("#")
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise ValueError(f"colour must be #RRGGBB, got {rgb!r}")
    return f"&H00{value[4:6]}{value[2:4]}{value[0:2]}".upper()


def ass_escape(text: str) -> str:
    # libass reads \{ and \} as literal braces; a backslash is kept literal by following it with an
    # invisible word joiner, so `\N`, `\h` or an escape of our own override tags cannot form.
    text = text.replace("\r", " ").replace("\n", " ")
    text = text.replace("\\", "\\\u2060")
    return text.replace("{", "\\{").replace("}", "\\}")


def ass_clock(centiseconds: int) -> str:
    cs = max(0, centiseconds)
    return f"{cs // 360_000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"
