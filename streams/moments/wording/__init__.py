"""What a clip's reason says, in the talk's language (pure data).

A reason is made of parts ("opens with a question", "lands the point (...)"), each a phrase here
under a key, with its blanks (``{phrase}``: words quoted from the talk; ``{n}``, ``{rate}``,
``{seconds}``: numbers) filled in by ``say``. The kinds of moment editors clip
(``editorial.PICK_KINDS``) and the rhetorical devices (``rhetoric.NAMES``) are named here too, by
their English name. A language without phrases of its own (``PHRASES``) is told in English, and
so is a talk whose language is not known.

The phrases were written for this project by meaning, not word for word: each says what the
English one says, the way a person in that language would say it of a clip, with that language's
quotation marks. English is the reference: every language has every English key (a unit test
checks), so a new part of a reason is written in every language or not at all.
"""

from __future__ import annotations

from typing import Mapping

from streams.moments.wording.chinese import CHINESE
from streams.moments.wording.english import ENGLISH
from streams.moments.wording.french import FRENCH
from streams.moments.wording.german import GERMAN
from streams.moments.wording.italian import ITALIAN
from streams.moments.wording.japanese import JAPANESE
from streams.moments.wording.korean import KOREAN
from streams.moments.wording.portuguese import PORTUGUESE
from streams.moments.wording.russian import RUSSIAN
from streams.moments.wording.spanish import SPANISH

__all__ = ["ENGLISH", "PHRASES", "name_of", "phrases_for", "say"]

PHRASES: dict[str, Mapping[str, str]] = {
    "en": ENGLISH,
    "de": GERMAN,
    "es": SPANISH,
    "fr": FRENCH,
    "it": ITALIAN,
    "pt": PORTUGUESE,
    "ru": RUSSIAN,
    "ja": JAPANESE,
    "zh": CHINESE,
    "ko": KOREAN,
}


def phrases_for(language: str | None) -> Mapping[str, str]:
    """The phrases for an ISO 639-1 code (a region such as ``pt-BR`` is read as its language);
    English for a language without its own, or none."""
    if language is None:
        return ENGLISH
    return PHRASES.get(language.split("-")[0].split("_")[0].lower(), ENGLISH)


def say(language: str | None, key: str, **blanks: object) -> str:
    """The phrase ``key`` in ``language`` with its blanks filled in."""
    return phrases_for(language)[key].format(**blanks)


def name_of(language: str | None, english_name: str) -> str:
    """A kind of moment or a rhetorical device, named in ``language``."""
    return phrases_for(language)[f"kind:{english_name}"]
