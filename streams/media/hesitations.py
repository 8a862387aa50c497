"""What trimming hears (``streams.media.trim``): the hesitations of a language, the sounds no
word covers, and how loud the audio is where a cut might go."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

from streams.domain.words import Word
from streams.moments.lexicon import for_language
from streams.moments.sentences import bare

Span = tuple[float, float]

# Hesitations of languages without a word-signal lexicon (``moments.lexicon``): sounds, not words.
HESITATIONS: dict[str, frozenset[str]] = {
    "ru": frozenset({"э", "ээ", "эм", "эмм", "ммм", "хм"}),
    "ja": frozenset({"えー", "えーと", "ええと", "えっと", "あのー", "うーん"}),
    "zh": frozenset({"嗯", "呃", "额", "啊这"}),
    "ko": frozenset({"음", "으음", "어어"}),
}


LOUDNESS_RATE = 16000  # samples per second of the audio ``loudness_of`` reads
LOUDNESS_WINDOW = 0.01  # seconds either side of a candidate cut that its loudness is taken over


def loudness_of(pcm: Any, origin: float, rate: int = LOUDNESS_RATE) -> Callable[[float], float]:
    """``loudness(t)``: the RMS of mono ``pcm`` (a float array, sample 0 at source second ``origin``) over
    ``LOUDNESS_WINDOW`` either side of source second ``t`` (0 outside the audio)."""
    import numpy as np

    samples = np.asarray(pcm, dtype=np.float64)
    half = max(1, round(LOUDNESS_WINDOW * rate))

    def loudness(t: float) -> float:
        at = round((t - origin) * rate)
        piece = samples[max(0, at - half) : max(0, at + half)]
        return float(np.sqrt(np.mean(piece**2))) if len(piece) else 0.0

    return loudness


def is_hesitation(word: str, language: str | None) -> bool:
    """Whether ``word`` is a hesitation ("um", "äh", "euh", "嗯") in ``language``."""
    token = bare(word)
    lexicon = for_language(language)
    if lexicon is not None and token in lexicon.fillers:
        return True
    code = (language or "").split("-")[0].split("_")[0].lower()
    return token in HESITATIONS.get(code, frozenset())


def unworded(sounds: Sequence[Span], words: Sequence[Word], least: float = 0.12, reach: float = 0.08) -> list[Span]:
    """The voiced ``sounds`` (from the audio: a voice activity detector's speech) that no word
    comes near: at least ``least`` seconds long, each wholly more than ``reach`` from every word
    (``words`` in time order; a sound that runs on from a word is that word's tail). Whisper
    leaves most "um"s and "uh"s out of its text; what it heard but did not write is mostly them."""
    starts = [w.start for w in words]
    found = []
    for a, b in sounds:
        if b - a < least:
            continue
        # the words that could come within ``reach``: those starting before the sound ends
        near = words[: bisect.bisect_right(starts, b + reach)]
        if all(w.end + reach <= a or w.start - reach >= b for w in near):
            found.append((a, b))
    return found
