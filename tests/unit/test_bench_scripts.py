"""bench/moments_scripts.py reads other translations than ours (a held-out talk): folders named by
their language, or folders of them, each script paced by its English original."""

from pathlib import Path

import pytest

from bench.moments_scripts import TALKS, english_path, script_path, talks_in
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, HIGHLIGHTS_DIR


def _script(path: Path, source: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_the_shared_talks_translations_are_found_where_they_always_were():
    assert script_path("ja/lecture_refrigeration") == BENCH_HIGHLIGHTS_DIR / "translated/ja/lecture_refrigeration.tsv"
    assert english_path("ja/lecture_refrigeration") == HIGHLIGHTS_DIR / "lecture_refrigeration.tsv"
    assert all(script_path(t).is_file() for t in TALKS)


def test_a_held_out_translation_is_found_with_its_original(tmp_path: Path):
    source = BENCH_HIGHLIGHTS_DIR / "translated/ja/lecture_refrigeration.tsv"
    held = tmp_path / "heldout"
    japanese = _script(held / "ja" / "ice_trade.tsv", source)
    chinese = _script(held / "zh" / "ice_trade.tsv", source)
    _script(held / "notes" / "draft.tsv", source)  # not a language's folder
    original = _script(tmp_path / "originals" / "ice_trade.tsv", HIGHLIGHTS_DIR / "lecture_refrigeration.tsv")
    assert talks_in([held]) == ["ja/ice_trade", "zh/ice_trade"]
    assert talks_in([held / "ja"]) == ["ja/ice_trade"]
    assert script_path("ja/ice_trade", [held]) == japanese
    assert script_path("zh/ice_trade", [held / "zh"]) == chinese
    assert english_path("ja/ice_trade", [tmp_path / "originals"]) == original
    with pytest.raises(SystemExit, match="no script en/ice_trade.*--originals"):
        english_path("ja/ice_trade")
    with pytest.raises(SystemExit, match="no translated scripts"):
        talks_in([tmp_path / "originals"])
