"""Each language's figures over the same talks (issue 49 asks precision@K and recall "in every
language"): standard library only, so ``bench/figures.py`` reads a result with the same rule the
benchmark printed it by.

The talks compared are those read in every language of the run (the shared talks, translated into
each language), so no language's mean holds a talk another's lacks: a held-out tutorial read in
German and Spanish only is left out of every mean and judged by its own figures, and a language
read in one talk only has no mean.
"""

from __future__ import annotations

from collections import Counter
from statistics import mean


def talk_name(result: dict) -> str:
    """``keynote_bakery_software`` for ``de/keynote_bakery_software`` and for the English one."""
    return result["talk"].split("/")[-1]


def language_of(result: dict) -> str:
    return result.get("language") or "en"


def common_talks(results: list[dict]) -> list[str]:
    """The talks read in every language the results hold, in their first order; a language with
    one talk (the sourdough tutorial alone in Italian) is not asked for the others, unless no
    language has more."""
    count = Counter(language_of(r) for r in results)
    languages = {language for language, n in count.items() if n > 1} or set(count)
    read = {(language_of(r), talk_name(r)) for r in results}
    names = dict.fromkeys(talk_name(r) for r in results)
    return [n for n in names if all((language, n) in read for language in languages)]


def language_means(results: list[dict], variant: str, targets: dict[str, float]) -> dict[str, dict]:
    """For each language, in first-seen order: the mean precision@K and recall of ``variant``
    (``current``, ``baseline``) over ``common_talks``, and whether each reaches its target."""
    talks = common_talks(results)
    out: dict[str, dict] = {}
    for language in dict.fromkeys(language_of(r) for r in results):
        scored = [r[variant] for r in results if language_of(r) == language and talk_name(r) in talks]
        if not scored:
            continue
        means = {key: round(mean(v[key] for v in scored), 3) for key in ("precision_at_k", "recall")}
        out[language] = {
            "talks": len(scored),
            **means,
            "meets": {key: means[key] >= targets[key] for key in means},
        }
    return out
