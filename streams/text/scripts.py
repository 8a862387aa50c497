"""Writing systems, as far as text layout needs them (pure).

Chinese, Japanese, Thai, Lao, Khmer, Myanmar and Tibetan are written without spaces between
words; Whisper's words in them come without the leading space its words in other languages
have. ``join`` puts a space between two words unless the boundary touches such a script (or
full-width punctuation), so ``["广州市", "房地产"]`` reads ``广州市房地产`` and mixed text such as
``Scooter 4035公交`` keeps its one space. Korean is written with spaces and is joined like
English. ``caseless`` tells a letter that has no upper and lower case (CJK, Arabic, Hebrew,
Devanagari...), where "a capital after a pause starts a sentence" cannot be read.
``mixes_scripts`` tells text that holds letters of a writing system foreign to it, as a
recogniser's garbled word can ("Auf das Из-Te-...").
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

# Code point ranges of scripts written without spaces, with the CJK and full-width punctuation
# that goes with them.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。「」
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFF64),  # full-width forms: ，！？
    (0xFF65, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3134F),  # CJK extensions B to G
)


def unspaced(ch: str) -> bool:
    """Whether ``ch`` belongs to a script written without spaces between words."""
    code = ord(ch)
    return any(a <= code <= b for a, b in _UNSPACED)


def join(words: Iterable[str]) -> str:
    """``words`` joined by one space, except where the boundary touches an unspaced script."""
    text = ""
    for word in words:
        if text and word and not (unspaced(text[-1]) or unspaced(word[0])):
            text += " "
        text += word
    return text


def caseless(ch: str) -> bool:
    """A letter of a script without capitals (``"字"``, ``"ب"``), not ``"a"``, ``"A"`` or ``"1"``."""
    return ch.isalpha() and not ch.isupper() and not ch.islower()


# Scripts that need a font of their own, by code point range (the rest: Latin, Cyrillic and
# Greek, which DejaVu Sans draws).
_SCRIPTS = (
    ("kana", 0x3040, 0x30FF),
    ("kana", 0x31F0, 0x31FF),
    ("kana", 0xFF65, 0xFF9F),
    ("han", 0x3400, 0x4DBF),
    ("han", 0x4E00, 0x9FFF),
    ("han", 0xF900, 0xFAFF),
    ("han", 0x20000, 0x3134F),
    ("hangul", 0x1100, 0x11FF),
    ("hangul", 0x3130, 0x318F),
    ("hangul", 0xAC00, 0xD7AF),
    ("arabic", 0x0600, 0x06FF),
    ("arabic", 0x0750, 0x077F),
    ("arabic", 0xFB50, 0xFDFF),
    ("arabic", 0xFE70, 0xFEFF),
    ("hebrew", 0x0590, 0x05FF),
    ("devanagari", 0x0900, 0x097F),
    ("thai", 0x0E00, 0x0E7F),
)


def script(ch: str) -> str | None:
    """The script of ``ch`` when it needs a font of its own (``han``, ``kana``, ``hangul``,
    ``arabic``, ``hebrew``, ``devanagari``, ``thai``); None for the rest."""
    code = ord(ch)
    for name, a, b in _SCRIPTS:
        if a <= code <= b:
            return name
    return None


def main_script(text: str) -> str | None:
    """The script ``text`` is mostly written in, when it needs a font of its own. Japanese mixes
    Chinese characters with kana: any kana makes it ``kana``."""
    counts: dict[str, int] = {}
    for ch in text:
        name = script(ch)
        if name:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    if "kana" in counts and "han" in counts:
        return "kana"
    latin = sum(1 for ch in text if ch.isalpha() and script(ch) is None)
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= latin else None


# Japanese writes one text in three of Unicode's scripts; Latin letters (names, brands, units) may
# stand in text of any writing system.
_ONE_SYSTEM = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HALFWIDTH": "CJK"}
_ANYWHERE = "LATIN"


def writing_system(ch: str) -> str | None:
    """The writing system of the letter ``ch`` as Unicode names it (``LATIN``, ``CYRILLIC``,
    ``GREEK``, ``ARABIC``, ``HANGUL``; ``CJK`` for Chinese characters and kana alike); None for
    anything but a letter."""
    if not ch.isalpha():
        return None
    first = unicodedata.name(ch, "").split(" ", 1)[0]
    return _ONE_SYSTEM.get(first, first) or None


def mixes_scripts(text: str) -> bool:
    """Whether ``text`` holds a letter of a writing system other than the one most of its letters
    are in, Latin aside unless most are Latin: "Из-Te-Scheingen" in German, "寿司" in Russian do;
    "今日はUSBを買った" and "USB-кабель" do not."""
    counts: dict[str, int] = {}
    for ch in text:
        system = writing_system(ch)
        if system is not None:
            counts[system] = counts.get(system, 0) + 1
    if len(counts) < 2:
        return False
    main = max(counts, key=lambda k: counts[k])
    return bool(set(counts) - {main, _ANYWHERE})


def segment(text: str) -> str:
    """``text`` with every character of an unspaced script set apart by spaces, so a tokenizer
    that splits on spaces (SQLite FTS5's unicode61) indexes each as a word and a phrase of them
    finds any run of characters: ``"广州市房地产"`` becomes ``"广 州 市 房 地 产"``."""
    return "".join(f" {ch} " if unspaced(ch) else ch for ch in text).strip().replace("  ", " ")
