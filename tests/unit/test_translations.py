"""The translated talks of ``bench/highlights/translated`` are faithful row for row: the same
passages, kinds and speakers as their English originals, so a translation is scored against the
same labels (``bench/moments_quality.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.moments.highlights import parse_script
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, HIGHLIGHTS_DIR

# Scripts written for the heads and kept out of their training (``bench/highlights/untrained``) are
# translated beside their originals.
UNTRAINED_DIR = BENCH_HIGHLIGHTS_DIR / "untrained"
TRANSLATIONS = sorted([*(BENCH_HIGHLIGHTS_DIR / "translated").glob("*/*.tsv"),
                       *(UNTRAINED_DIR / "translated").glob("*/*.tsv")])


def _original(translation: Path) -> Path:
    folders = (BENCH_HIGHLIGHTS_DIR, HIGHLIGHTS_DIR, UNTRAINED_DIR)
    for folder in folders:
        if (folder / translation.name).is_file():
            return folder / translation.name
    raise AssertionError(f"{translation} has no English original in {', '.join(map(str, folders))}")


def test_there_are_translations_to_check():
    assert {p.parent.name for p in TRANSLATIONS} >= {"de", "es", "fr", "it", "pt", "ja", "zh", "ru", "ko"}


@pytest.mark.parametrize("translation", TRANSLATIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_translation_keeps_its_originals_passages_kinds_and_speakers(translation: Path):
    original = parse_script(_original(translation).read_text(encoding="utf-8"))
    translated = parse_script(translation.read_text(encoding="utf-8"))
    assert [(p.kind, p.speaker) for p in translated] == [(p.kind, p.speaker) for p in original]
    assert all(t.text != o.text for t, o in zip(translated, original)), "a passage left in English"
