"""The catalog's clip as a frozen domain type: its moment's columns beside its own, and each of its
files named one way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.domain.clip import CLIP_FILES, Clip

URI = "s3://bucket/t1/v1/clips/c1"
ROW = {"clip_id": "c1", "video_id": "v1", "moment_id": "m1", "aspect": "9:16", "start_s": 1.0, "end_s": 31.0,
       "duration": 30.0, "width": 1080, "height": 1920, "mp4_uri": URI + ".mp4", "srt_uri": URI + ".srt",
       "vtt_uri": URI + ".vtt", "thumbnail_uri": URI + ".jpg", "created_at": datetime(2026, 11, 25, tzinfo=UTC),
       "variant": "", "caption_style": None, "rank": None, "score": 64.5, "title": "t", "reason": "r",
       "signals": {"hook": 0.4}, "is_final": True, "superseded": False, "tenant_id": "t1"}


def test_a_joined_row_becomes_a_clip_and_names_each_file():
    clip = Clip.from_row(ROW)
    assert (clip.rank, clip.is_final, clip.signals) == (None, True, {"hook": 0.4})
    assert {kind: clip.file_uri(kind) for kind in CLIP_FILES} == {
        "mp4": URI + ".mp4", "srt": URI + ".srt", "vtt": URI + ".vtt", "thumbnail": URI + ".jpg"}


def test_a_file_kind_it_does_not_have_is_refused():
    with pytest.raises(ValueError, match="no clip file 'source'"):
        Clip.from_row(ROW).file_uri("source")


def test_cover_art_is_one_of_its_files_only_where_its_row_keeps_one():
    assert Clip.from_row(ROW).files == CLIP_FILES
    assert Clip.from_row({**ROW, "cover_uri": None}).files == CLIP_FILES
    covered = Clip.from_row({**ROW, "cover_uri": URI + ".cover.png"})
    assert covered.files == (*CLIP_FILES, "cover") and covered.cover_uri == URI + ".cover.png"
