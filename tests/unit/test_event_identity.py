"""Milestone events and clip announcements have a deterministic identity: the same occurrence,
announced again (a redelivery after a worker died between recording it and sending it), is the
same event, down to the sorting key its ClickHouse row gets."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from streams.domain.clip import Clip
from streams.domain import contracts
from streams.analytics.rows import COLUMNS, from_message
from streams.domain.envelope import (
    MILESTONES,
    audio_chunk_event_id,
    clip_event_id,
    milestone_event_id,
    moments_event_id,
    new_event_id,
    stamp,
    transcript_event_id,
    utc_now,
)
from streams.worker.records import clip_rendered, lifecycle, to_payload
from streams.webhooks.events import from_lifecycle

HEX32 = re.compile(r"^[0-9a-f]{32}$")
RECORDED = datetime(2026, 5, 1, 10, 0, 0, 250731, tzinfo=timezone.utc)


def test_a_milestone_id_depends_only_on_video_stage_and_status():
    assert milestone_event_id("v1", "render", "finished") == milestone_event_id("v1", "render", "finished")
    # Pinned: a release that changed them would announce what is already recorded under new ids.
    assert milestone_event_id("v1", "render", "finished") == "1dd255b487e25b3e9ace3670815c7b9c"
    assert clip_event_id("c1") == "bd2e39f9914b5c208856d940941246c0"
    ids = {milestone_event_id(v, s, st) for v in ("v1", "v2") for s in ("ingest", "render", "video")
           for st in MILESTONES}
    assert len(ids) == 2 * 3 * len(MILESTONES)


def test_derived_ids_have_the_format_of_random_ones():
    for value in (new_event_id(), milestone_event_id("v1", "video", "failed"), clip_event_id("0123abcd")):
        assert HEX32.match(value), value
    assert clip_event_id("c1") == clip_event_id("c1") != clip_event_id("c2")
    assert clip_event_id("c1") not in {milestone_event_id("c1", s, st) for s in ("video", "render")
                                       for st in MILESTONES}


def test_chunk_and_moments_announcements_are_named_by_their_place_in_the_video():
    assert audio_chunk_event_id("v1", 3) == audio_chunk_event_id("v1", 3)
    assert transcript_event_id("v1", 3) == transcript_event_id("v1", 3)
    assert moments_event_id("v1", 3, False) == moments_event_id("v1", 3, False)
    ids = {f(v, i) for f in (audio_chunk_event_id, transcript_event_id) for v in ("v1", "v2") for i in range(3)} | \
        {moments_event_id(v, i, final) for v in ("v1", "v2") for i in range(3) for final in (False, True)}
    assert len(ids) == 2 * 2 * 3 + 2 * 3 * 2  # nothing shared between videos, chunks, kinds
    assert all(HEX32.match(value) for value in ids)
    # Pinned, like the milestones': stored rows keep the id they were announced with.
    assert transcript_event_id("v1", 0) == "efcc40831e42507690973e28d5bbd615"


def test_stamp_writes_a_recorded_time_as_produced_at_does():
    assert stamp(RECORDED) == "2026-05-01T10:00:00.250Z"
    paris = timezone(timedelta(hours=2))
    assert stamp(RECORDED.astimezone(paris)) == "2026-05-01T10:00:00.250Z"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", utc_now())


@pytest.mark.parametrize("status", MILESTONES)
def test_a_milestone_announced_twice_is_the_same_event(status):
    fields = {"error_code": "no_speech", "reason": "no speech"} if status == "failed" else {}
    first = to_payload(lifecycle("t1", "v1", "moments", status, RECORDED, **fields))
    again = to_payload(lifecycle("t1", "v1", "moments", status, RECORDED, **fields))
    assert first == again
    assert first["event_id"] == milestone_event_id("v1", "moments", status, RECORDED)
    assert first["produced_at"] == "2026-05-01T10:00:00.250Z"
    contracts.validate("lifecycle", first)


def test_a_second_failure_after_a_revival_is_a_new_event_and_a_new_webhook():
    """``clipstream dlq replay`` revives a failed video; failing again is another occurrence,
    which must reach ClickHouse and the webhook endpoints, not be kept once with the first."""
    later = RECORDED + timedelta(minutes=5)
    fields = {"error_code": "no_speech", "reason": "no speech"}
    first, again, second = (to_payload(lifecycle("t1", "v1", "moments", "failed", at, **fields))
                            for at in (RECORDED, RECORDED, later))
    assert first["event_id"] == again["event_id"] != second["event_id"]
    hooks = [from_lifecycle(e) for e in (first, again, second)]
    assert hooks[0].key == hooks[1].key != hooks[2].key
    assert hooks[0].type == hooks[2].type == "video.failed"
    # The video's own failed event is the same occurrence as its stage's: one webhook for both.
    video = to_payload(lifecycle("t1", "v1", "video", "failed", RECORDED, **fields))
    assert from_lifecycle(video).key == hooks[0].key
    # Milestones that happen once stay one occurrence whenever they are announced.
    finished = [from_lifecycle(to_payload(lifecycle("t1", "v1", "video", "finished", at))) for at in (RECORDED, later)]
    assert finished[0].key == finished[1].key
    assert milestone_event_id("v1", "video", "finished", later) == milestone_event_id("v1", "video", "finished")


def test_progress_is_a_new_event_each_time():
    one, two = (to_payload(lifecycle("t1", "v1", "render", "progress", RECORDED, progress=0.5)) for _ in range(2))
    assert one["event_id"] != two["event_id"]
    assert milestone_event_id("v1", "render", "progress") not in (one["event_id"], two["event_id"])


def test_a_milestone_without_a_recorded_time_keeps_its_id():
    assert lifecycle("t1", "v1", "video", "finished").event_id == milestone_event_id("v1", "video", "finished")


def _stored_clip(**changes) -> Clip:
    """A clip as ``Catalog.clip`` returns it (the moment's columns beside)."""
    uri = "file:///srv/storage/t1/v1/clips/c1"
    return Clip.from_row({"clip_id": "c1", "video_id": "v1", "moment_id": "m1", "aspect": "9:16", "start_s": 12.5, "end_s": 40.25,
            "duration": 27.75, "width": 1080, "height": 1920, "mp4_uri": uri + ".mp4", "srt_uri": uri + ".srt",
            "vtt_uri": uri + ".vtt", "thumbnail_uri": uri + ".jpg", "variant": "", "caption_style": "bold",
            "created_at": RECORDED, "rank": 2, "score": 71.0, "title": "A title", "reason": "why",
                          "signals": {}, **changes})


def test_a_clip_is_announced_from_its_row_the_same_way_every_time():
    first = to_payload(clip_rendered("t1", _stored_clip(), rank=1))
    assert first == to_payload(clip_rendered("t1", _stored_clip(), rank=1))
    contracts.validate("clip_rendered", first)
    assert first == {
        "schema_version": 1, "event_id": clip_event_id("c1"), "tenant_id": "t1", "video_id": "v1",
        "produced_at": "2026-05-01T10:00:00.250Z", "clip_id": "c1", "moment_id": "m1", "rank": 1, "aspect": "9:16",
        "start": 12.5, "end": 40.25, "duration": 27.75, "mp4_uri": "file:///srv/storage/t1/v1/clips/c1.mp4",
        "srt_uri": "file:///srv/storage/t1/v1/clips/c1.srt", "vtt_uri": "file:///srv/storage/t1/v1/clips/c1.vtt",
        "thumbnail_uri": "file:///srv/storage/t1/v1/clips/c1.jpg"}
    # a clip with cover art names it too, as the contract allows (an optional field)
    covered = to_payload(clip_rendered("t1", _stored_clip(cover_uri="file:///srv/storage/t1/v1/clips/c1.cover.png"), 1))
    contracts.validate("clip_rendered", covered)
    assert covered == {**first, "cover_uri": "file:///srv/storage/t1/v1/clips/c1.cover.png"}


def _sorting_key(topic: str, wire: bytes) -> tuple:
    """The ``events`` row's ORDER BY (tenant_id, video_id, event_time, event_id): rows with equal
    keys are one row to ReplacingMergeTree (read with FINAL)."""
    row = dict(zip(COLUMNS, from_message(topic, wire)))
    return row["tenant_id"], row["video_id"], row["event_time"], row["event_id"]


def test_announcements_of_one_occurrence_are_one_clickhouse_row():
    milestone = [lifecycle("t1", "v1", "video", "finished", RECORDED).dumps() for _ in range(2)]
    assert _sorting_key("events", milestone[0]) == _sorting_key("events", milestone[1])
    clip = [clip_rendered("t1", _stored_clip(), rank=r).dumps() for r in (3, 1)]  # re-ranked in between
    assert _sorting_key("renders", clip[0]) == _sorting_key("renders", clip[1])
    progress = [lifecycle("t1", "v1", "render", "progress", RECORDED, progress=0.5).dumps() for _ in range(2)]
    assert _sorting_key("events", progress[0]) != _sorting_key("events", progress[1])
