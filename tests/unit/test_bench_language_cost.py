"""bench/language_cost.py with each language put through twice (en,de,de,en): each language's
figures are the mean of its runs, and each pair's ratio is kept beside the mean's."""

import pytest

from bench.language_cost import mean_summary, pair_ratios


def _run(language: str, total: float, transcribe: float, first: float | None, heard: dict, clips: int) -> dict:
    return {
        "language": language,
        "video_seconds": 3600.0,
        "total_seconds": total,
        "seconds_per_video_minute": total / 60,
        "stages": {"transcribe": transcribe, "render": total - 10},
        "first_clip_seconds": first,
        "clip_count": clips,
        "chunk_languages": heard,
        "speech_seconds_by_language": {k: 100.0 * v for k, v in heard.items()},
        "client_wall_seconds": total + 1,
    }


def test_each_language_is_the_mean_of_its_runs_and_each_pair_is_kept():
    runs = [
        _run("en", 600.0, 500.0, 70.0, {"en": 32}, 10),
        _run("de", 780.0, 700.0, 100.0, {"de": 31, "la": 1}, 10),
        _run("de", 720.0, 650.0, None, {"de": 32}, 11),
        _run("en", 640.0, 540.0, 80.0, {"en": 32}, 10),
    ]
    de = mean_summary([r for r in runs if r["language"] == "de"])
    assert de["total_seconds"] == 750.0 and de["seconds_per_video_minute"] == 12.5
    assert de["stages"] == {"transcribe": 675.0, "render": 740.0}
    assert de["first_clip_seconds"] == 100.0  # a run without a clip's time is left out, not counted as 0
    assert de["clip_count"] == 10.5 and de["runs"] == 2
    assert de["chunk_languages"] == {"de": 63, "la": 1}
    assert de["speech_seconds_by_language"] == {"de": 6300.0, "la": 100.0}
    assert pair_ratios(runs, "de") == [1.3, pytest.approx(720 / 640, abs=1e-3)]


def test_a_single_run_is_its_own_summary():
    run = _run("en", 600.0, 500.0, 70.0, {"en": 32}, 10)
    assert mean_summary([run]) is run
    assert pair_ratios([run, _run("de", 750.0, 600.0, 90.0, {"de": 32}, 10)], "de") == [1.25]
