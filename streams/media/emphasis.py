"""Which spoken words a clip's captions draw larger and in the emphasis colour, and the symbol an
``emoji`` setting adds after some of them (pure: words in, word positions out).

A word is worth emphasising for what it carries, judged from the clip's own evidence:

- a number (digits first, then a number word of the clip's language: ``Lexicon.number_words``;
  one that as often names no amount, ``Lexicon.loose_number_words``, only beside another figure:
  "one in six" but not "one of them" or "the only one");
- a claim the ranking itself scores (``Lexicon.claims``: "never", "best", "mistake");
- a name (a capitalised word inside a sentence, in a script that has capitals; not in German,
  which capitalises every noun);
- a content word of the clip's title, the sentence the ranking found most quotable (the payoff),
  of at least ``MIN_CONTENT`` letters and none of the language's small words.

At most one word of each caption cue is emphasised (the strongest, the longer on ties), and not
every cue gets one: a candidate must be at least a title word, and only about half the cues
(``SHARE``) may hold one, the strongest first, so emphasis still stands out.

Emoji are a small built-in map from words (English, German, Spanish, French, Italian, Portuguese)
to symbols the caption font draws in one colour (DejaVu has them all; a colour emoji font is not
something libass can draw). Only an emphasised word gets one.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from streams.domain.words import Word
from streams.media.captions import group_cues
from streams.moments.lexicon import Lexicon, for_language
from streams.moments.sentences import bare, listed, unelided
from streams.moments.signals import loose_numbers

SHARE = 0.5  # at most this share of the cues holds an emphasised word
MIN_CONTENT = 5  # letters in a title word worth emphasising
DIGITS, NUMBER, CLAIM, NAME, TITLE = 5, 4, 3, 2, 1  # how strongly each kind of word carries the clip
_SENTENCE_END = (".", "?", "!", "…", ":")

# concept -> (symbol, the words in any of the six languages that name it)
_EMOJI: dict[str, tuple[str, str]] = {
    "love": (
        "\u2665",
        "love loved loves heart amor amo corazón liebe herz lieben amour aime cœur coeur amore cuore amo coração",
    ),
    "best": ("\u2605", "best star stars beste besten stern mejor estrella meilleur étoile migliore stella melhor"),
    "energy": ("\u26a1", "energy power fast faster electric energie kraft schnell energía rápido énergie rapide"),
    "sun": ("\u2600", "sun summer sunny sonne sommer sol verano soleil été sole estate verão"),
    "travel": ("\u2708", "travel flight fly flew plane reise flug flugzeug viaje vuelo avión voyage vol avion viaggio"),
    "coffee": ("\u2615", "coffee kaffee café caffè"),
    "music": ("\u266b", "music song songs musik lied música canción musique chanson musica canzone"),
    "warning": (
        "\u26a0",
        "warning danger dangerous mistake mistakes risk warnung gefahr fehler peligro error riesgo danger "
        "erreur risque pericolo errore rischio perigo erro",
    ),
    "right": ("\u2714", "right correct done yes richtig fertig correcto hecho vrai correct fait giusto certo feito"),
    "wrong": ("\u2718", "wrong false falsch falso faux sbagliato errado"),
    "call": ("\u260e", "call phone telefon anruf llamada teléfono appel téléphone telefono chiamata ligação"),
    "mail": ("\u2709", "mail email letter brief correo carta courrier lettre posta lettera"),
    "idea": ("\u261d", "idea ideas idee tip trick consejo truco astuce conseil idée dica"),
    "winter": ("\u2744", "winter snow cold schnee kalt invierno nieve frío hiver neige froid inverno neve"),
    "king": ("\u265b", "king queen win won winner champion könig sieg gewinnen rey ganar roi gagner re vincere"),
    "peace": ("\u270c", "peace frieden paz paix pace"),
    "write": ("\u270d", "write writing wrote schreiben escribir écrire scrivere escrever"),
    "balance": ("\u2696", "law justice fair balance recht gesetz ley justicia loi justice legge giustizia lei"),
    "work": ("\u2699", "work works engine machine system arbeit maschine trabajo máquina travail machine lavoro"),
}
EMOJI: dict[str, str] = {word: symbol for symbol, words in _EMOJI.values() for word in words.split()}


def emphasised(
    words: Sequence[Word],
    language: str | None = None,
    title: str = "",
    emoji: bool = False,
) -> dict[int, str]:
    """The positions in ``words`` (a clip's caption words, in order) to draw as emphasised, each
    with the text drawn after it (a symbol from ``EMOJI`` when ``emoji`` and the word names one,
    else ""). ``language`` picks the lexicon (its number words, claims and small words; None
    is English); ``title`` is the clip's title."""
    lexicon = for_language(language)
    small = _small_words(lexicon)
    titled = {t for t in (listed(w) for w in title.split()) if len(t) >= MIN_CONTENT and t not in small}
    best: list[tuple[int, int, int]] = []  # (strength, letters, position), one per cue
    loose = loose_numbers(words, lexicon)
    position = cues = 0
    for cue in group_cues(words):
        cues += 1
        found = []
        for word in cue.words:
            before = words[position - 1].word if position else None
            names = lexicon is None or lexicon.language != "de"
            strength = _strength(word.word, before, lexicon, titled, names=names, loose=position in loose)
            if strength:
                found.append((strength, len(bare(word.word)), position))
            position += 1
        if found:
            best.append(max(found, key=lambda f: (f[0], f[1], -f[2])))
    keep = sorted(best, key=lambda f: (-f[0], -f[1], f[2]))[: max(1, math.floor(cues * SHARE))] if best else []
    return {p: (EMOJI.get(listed(words[p].word), "") if emoji else "") for _, _, p in sorted(keep, key=lambda f: f[2])}


def _strength(
    word: str, before: str | None, lexicon: Lexicon | None, titled: set[str], names: bool, loose: bool = False
) -> int:
    """How strongly ``word`` carries the clip (0: not at all); ``loose``: a loose number word with
    no figure beside it, read as any other word."""
    key = listed(word)  # French "l'erreur" is the claim "erreur", "l'Europe" a name
    if not key:
        return 0
    if any(ch.isdigit() for ch in key):
        return DIGITS
    if lexicon is not None and key in lexicon.number_words and not loose:
        return NUMBER
    if lexicon is not None and key in lexicon.claims:
        return CLAIM
    core = unelided(word.strip("\"'“‘«([{"))
    opens_sentence = before is None or before.rstrip("\"'”’»)]}").endswith(_SENTENCE_END)
    if names and core[:1].isupper() and core[1:2].islower() and not opens_sentence and key != "i":
        return NAME
    return TITLE if key in titled else 0


def _small_words(lexicon: Lexicon | None) -> frozenset[str]:
    """Words too common to carry a clip: the lexicon's function words."""
    if lexicon is None:
        return frozenset()
    return (
        lexicon.dangling
        | lexicon.leading_fillers
        | lexicon.phrase_starts
        | lexicon.prepositions
        | lexicon.fillers
        | lexicon.address
    )


def marked_words(marks: Mapping[int, str], words: Sequence[Word]) -> list[dict]:
    """``marks`` as the hand-off lists them: each emphasised word's position, text and symbol."""
    return [{"index": i, "word": words[i].word, "emoji": marks[i]} for i in sorted(marks) if 0 <= i < len(words)]
