"""What ``bench/moments_quality.py --labels`` reads: folders of labelled talk scripts, a folder of
them by language, and a clear refusal where a talk would be spoken in the wrong voice or nothing
would be scored (a held-out set is laid out by whoever holds it out)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, label_folders, language_of

SCRIPT = BENCH_HIGHLIGHTS_DIR / "untrained" / "tutorial_puncture.tsv"


def _scripts(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(SCRIPT, folder / SCRIPT.name)
    return folder


def test_a_folder_of_scripts_is_read_as_it_is_and_one_of_languages_by_its_languages(tmp_path: Path):
    english = _scripts(tmp_path / "talks")
    held = tmp_path / "heldout"
    german, spanish = _scripts(held / "de"), _scripts(held / "es")
    (held / "notes").mkdir()  # no scripts: not a folder of talks
    assert label_folders([english]) == [english]
    assert label_folders([held, english]) == [german, spanish, english]
    assert [language_of(f) for f in label_folders([held])] == ["de", "es"]
    assert label_folders([BENCH_HIGHLIGHTS_DIR]) == [BENCH_HIGHLIGHTS_DIR]  # its own scripts, not its subfolders'


def test_a_folder_of_talks_in_a_language_without_a_voice_here_is_refused(tmp_path: Path):
    dutch = _scripts(tmp_path / "nl")
    with pytest.raises(ValueError, match=r"'nl'.*would be read in English"):
        label_folders([dutch])
    with pytest.raises(ValueError, match="'nl'"):
        label_folders([tmp_path])  # found as a subfolder too
    assert label_folders([_scripts(tmp_path / "en")]) == [tmp_path / "en"]  # English by its name


def test_a_folder_with_nothing_to_score_is_refused(tmp_path: Path):
    (tmp_path / "empty" / "de").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no labelled talk scripts \(\*\.tsv\)"):
        label_folders([tmp_path / "empty"])
    with pytest.raises(ValueError, match="no such folder"):
        label_folders([tmp_path / "missing"])
