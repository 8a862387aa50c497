"""CTranslate2's random samples, made to repeat across processes.

Whisper's temperature fallback (``streams.asr.fallback``) and the clip judge's retries sample from
CTranslate2's random generator, which it seeds from the system's entropy unless told a seed: the
same audio decoded in two processes came out in different words wherever a sample won (eSpeak's
Portuguese tutorial: two of its seven pieces, 305 and 301 words, 503 and 393). Each model seeds
through ``seed_samples`` before it loads. CTranslate2 seeds each decoding thread's generator once,
at its first sample, and a seed set later changes nothing (checked: reseeding before each decode of
the same piece gave the same three different results as seeding once), so a decode repeats given
the decodes before it in the process (a fresh server fed the same videos in the same order), not
on its own.
"""

from __future__ import annotations

SEED = 49  # any fixed number: it makes runs repeat, not better


def seed_samples() -> None:
    """Seed CTranslate2's generator; call before a model's first sample (before loading it)."""
    import ctranslate2

    ctranslate2.set_random_seed(SEED)
