"""`clipstream process`: the stable --json shape scripts depend on, and a non-zero exit on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media_recipes import short_talk, text_named_mp4

pytestmark = pytest.mark.integration


def _process(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings.as_env()}
    return subprocess.run([sys.executable, "-m", "streams.cli", "process", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def test_json_result_of_a_completed_video(pipeline, media_dir, built_media):
    video = short_talk(media_dir, built_media)
    result = _process(pipeline.settings, str(video), "--wait", "--json", "--clips", "1")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "completed" and len(body["video_id"]) == 32 and "error" not in body
    [clip] = body["clips"]
    assert {"rank", "score", "start", "end", "title", "reason", "mp4", "srt", "vtt", "thumbnail"} <= clip.keys()
    assert clip["rank"] == 1 and clip["end"] > clip["start"]
    for kind in ("mp4", "srt", "vtt", "thumbnail"):
        assert Path(clip[kind]).is_file(), kind  # file storage: local paths, not URIs


def test_a_failed_video_exits_non_zero_with_the_reason(pipeline, built_media):
    notes = text_named_mp4(built_media / "minutes.mp4")
    result = _process(pipeline.settings, str(notes), "--wait", "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["status"] == "failed" and body["clips"] == []
    assert body["error"].startswith("minutes.mp4 is not") and body["error_code"] == "not_media"


def test_table_output_lists_the_clips(pipeline, media_dir, built_media):
    video = short_talk(media_dir, built_media)
    result = _process(pipeline.settings, str(video), "--wait", "--clips", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[:3] == ["rank", "score", "start–end"]
    assert ".mp4" in result.stdout and "ingest" in result.stderr  # progress goes to stderr
