"""The catalog's video as a frozen domain type: built from its rows, its stages in pipeline order,
and a column it does not know left out rather than breaking every reader."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from streams.domain.pipeline import VIDEO_STAGES
from streams.domain.video import Video, VideoStage, stage_from_row

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ROW = {"video_id": "vid_1", "tenant_id": "ten_1", "filename": "talk.mp4", "source_uri": "file:///s/talk.mp4",
       "size_bytes": 1234, "status": "processing", "error_code": None, "error": None, "options": {"clip_count": 3},
       "created_at": NOW, "updated_at": NOW, "duration": 61.5, "width": 1280, "height": 720, "has_video": True,
       "chunk_count": None, "finished_at": None, "ranking": None}


def test_a_row_becomes_a_video_with_its_stages_in_pipeline_order():
    stages = tuple(stage_from_row({"video_id": "vid_1", "stage": s, "status": "pending", "progress": 0.0,
                                   "error": None, "error_code": None, "started_at": None, "finished_at": None,
                                   "updated_at": NOW}) for s in reversed(VIDEO_STAGES))
    video = Video.from_row(ROW, stages)
    assert [s.stage for s in video.stages] == list(VIDEO_STAGES)
    assert (video.video_id, video.duration, video.has_video, video.options.as_json()) == ("vid_1", 61.5, True, {"clip_count": 3})
    assert video.options.clip_count == 3 and video.options.aspect_ratios == ("9:16",)
    assert video.stage("render") == VideoStage("render", updated_at=NOW)
    assert Video.from_row(ROW).stage("render") is None  # read without its stages, as a listing is


def test_a_column_added_by_a_later_migration_is_left_out():
    video = Video.from_row({**ROW, "some_new_column": 7})
    assert not hasattr(video, "some_new_column") and video.filename == "talk.mp4"


def test_a_missing_column_is_an_error_not_a_silent_default():
    row = dict(ROW)
    del row["source_uri"]
    with pytest.raises(TypeError, match="source_uri"):
        Video.from_row(row)


def test_a_video_cannot_be_changed_in_place():
    video = Video.from_row(ROW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        video.status = "completed"  # type: ignore[misc]
