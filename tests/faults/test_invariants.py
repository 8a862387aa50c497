"""The fault suite's checker on hand-made facts: a video that kept every guarantee gives a green
row, and each broken guarantee turns it red under the right count. No stack needed."""

from __future__ import annotations

from dataclasses import replace

from tests.faults.invariants import (
    ClickHouseVideo,
    Delivery,
    ScenarioFacts,
    VideoFacts,
    check,
    check_video,
    compare_counts,
)

COUNTS = {"videos": 2, "completed": 1, "failed": 1, "usage_minutes": 0.5, "clips": 1,
          "stages": {"ingest": 1, "transcribe": 1, "moments": 1, "render": 1}}


def good_video(video_id: str = "v1", clip: str = "c1") -> VideoFacts:
    files = tuple(f"clips/{clip}.{ext}" for ext in ("mp4", "srt", "vtt", "jpg", "json"))
    hooks = [Delivery(f"msg_{kind}", kind, video_id) for kind in
             ("video.processing", "transcript.ready", "moments.ready", "video.completed")]
    hooks.append(Delivery("msg_clip", "clip.rendered", video_id, clip))
    return VideoFacts(
        video_id=video_id, name="talk.mp4", hostile=False, status="completed", clips_wanted=1, chunk_count=2,
        clip_rows=(clip,), objects=(*files, "source.mp4"),
        deliveries=tuple(hooks),
        clickhouse=ClickHouseVideo(events=("e1", "e2", "e3"), clip_ids=frozenset({clip}), completed=True, failed=False),
    )


def hostile_video(video_id: str = "h1") -> VideoFacts:
    return VideoFacts(
        video_id=video_id, name="evil.m3u8", hostile=True, status="failed", error_code="media_unreadable",
        error="the upload is not a video FFmpeg can read", allowed_codes=frozenset({"media_unreadable"}),
        objects=("source.m3u8",), deliveries=(Delivery("msg_failed", "video.failed", video_id),),
        clickhouse=ClickHouseVideo(events=("e9",), clip_ids=frozenset(), completed=False, failed=True),
    )


def scenario(*videos: VideoFacts, **changes) -> ScenarioFacts:
    facts = ScenarioFacts(scenario="s", videos=videos or (good_video(), hostile_video()), postgres=COUNTS,
                          clickhouse=dict(COUNTS))
    return replace(facts, **changes)


def test_a_run_that_kept_every_guarantee_is_green():
    row = check(scenario())
    assert row.green, row.problems
    assert (row.submitted, row.completed, row.failed_with_reason) == (2, 1, 1)
    assert (row.duplicates, row.lost, row.stray) == (0, 0, 0)


def test_a_normal_video_that_failed_turns_the_row_red():
    video = replace(good_video(), status="failed", error_code="inference_error", error="Triton was away")
    row = check(scenario(video, hostile_video()))
    assert not row.green and row.completed == 0
    assert any("a normal video ended failed" in p for p in row.problems)


def test_duplicates_are_counted_for_each_kind_of_effect():
    base = good_video()
    cases = {
        "a second clip row": replace(base, clip_rows=("c1", "c1")),
        "a clip beyond the count": replace(
            base, clip_rows=("c1", "c2"),
            objects=base.objects + tuple(f"clips/c2.{e}" for e in ("mp4", "srt", "vtt", "jpg", "json")),
            deliveries=base.deliveries + (Delivery("msg_clip2", "clip.rendered", "v1", "c2"),),
            clickhouse=replace(base.clickhouse, clip_ids=frozenset({"c1", "c2"}))),
        "a leftover render file beside the clips": replace(base, objects=base.objects + ("clips/.c1.mp4.part",)),
        "an occurrence under two webhook ids": replace(
            base, deliveries=base.deliveries + (Delivery("msg_other", "video.completed", "v1"),)),
        "an event row twice in ClickHouse": replace(base, clickhouse=replace(base.clickhouse, events=("e1", "e1"))),
        "a clip in ClickHouse with no row": replace(
            base, clickhouse=replace(base.clickhouse, clip_ids=frozenset({"c1", "c9"}))),
    }
    for what, video in cases.items():
        verdict = check_video(video)
        assert verdict.duplicates >= 1 and verdict.lost == 0, (what, verdict)
        assert not check(scenario(video, hostile_video())).green, what


def test_lost_effects_of_a_completed_video_are_counted():
    base = good_video()
    cases = {
        "a clip never rendered": replace(base, clip_rows=(), objects=("source.mp4",)),
        "a clip file missing": replace(base, objects=tuple(o for o in base.objects if o != "clips/c1.vtt")),
        "the upload gone": replace(base, objects=tuple(o for o in base.objects if o != "source.mp4")),
        "a webhook never accepted": replace(base, deliveries=base.deliveries[:-1]),
        "the clip missing from ClickHouse": replace(base, clickhouse=replace(base.clickhouse, clip_ids=frozenset())),
        "the completion missing from ClickHouse": replace(base, clickhouse=replace(base.clickhouse, completed=False)),
    }
    for what, video in cases.items():
        verdict = check_video(video)
        assert verdict.lost >= 1, (what, verdict)
        assert not check(scenario(video, hostile_video())).green, what


def test_audio_chunks_are_kept_until_their_video_completes_and_gone_after():
    base = good_video()
    kept = check_video(replace(base, objects=base.objects + ("audio/00000.wav",)))
    assert (kept.stray, kept.lost) == (1, 0)
    unfinished = replace(base, status="processing", objects=base.objects + ("audio/00000.wav",))
    assert check_video(unfinished).lost == 1  # its second chunk
    whole = check_video(replace(unfinished, objects=unfinished.objects + ("audio/00001.wav",)))
    assert (whole.stray, whole.lost, whole.duplicates) == (0, 0, 0)


def test_a_hostile_input_must_fail_with_an_allowed_reason_and_touch_nothing_else():
    base = hostile_video()
    assert not check(scenario(good_video(), replace(base, status="completed", error_code=None, error=None))).green
    no_reason = check(scenario(good_video(), replace(base, error="  ")))
    assert no_reason.failed_with_reason == 0 and not no_reason.green
    other_code = check(scenario(good_video(), replace(base, error_code="internal_error")))
    assert any("expected one of" in p for p in other_code.problems) and not other_code.green
    for what, video in {
        "a clip row": replace(base, clip_rows=("c7",)),
        "a file beyond its upload": replace(base, objects=("source.m3u8", "clips/c7.mp4")),
        "a completion webhook": replace(base, deliveries=base.deliveries + (Delivery("m", "video.completed", "h1"),)),
    }.items():
        assert check_video(video).stray >= 1, what
    assert check_video(replace(base, deliveries=())).lost == 1


def test_effects_outside_every_video_are_stray():
    row = check(scenario(stray_objects=("tenants/t/videos/other/source.mp4",)))
    assert row.stray == 1 and not row.green
    row = check(scenario(stray_deliveries=(Delivery("m", "video.completed", "somebody-else"),)))
    assert row.stray == 1 and not row.green


def test_clickhouse_counts_against_postgres():
    assert compare_counts(COUNTS, dict(COUNTS)).problems == []
    fewer = compare_counts(COUNTS, {**COUNTS, "clips": 0})
    assert (fewer.lost, fewer.duplicates) == (1, 0)
    more = compare_counts(COUNTS, {**COUNTS, "stages": {**COUNTS["stages"], "render": 3}})
    assert (more.lost, more.duplicates) == (0, 2)
    minutes = compare_counts(COUNTS, {**COUNTS, "usage_minutes": 0.7})
    assert minutes.problems and not check(scenario(clickhouse={**COUNTS, "usage_minutes": 0.7})).green
    assert not check(scenario(clickhouse=None)).green  # a report never read is not a pass


def test_a_webhook_accepted_again_under_its_id_is_resent_not_a_duplicate():
    base = good_video()
    again = replace(base.deliveries[-1], at=65.0)
    verdict = check_video(replace(base, deliveries=base.deliveries + (again,)))
    assert (verdict.resent, verdict.duplicates, verdict.lost) == (1, 0, 0)
    assert "65 s apart" in verdict.notices[0] and verdict.problems == []
    row = check(scenario(replace(base, deliveries=base.deliveries + (again,)), hostile_video()))
    assert row.resent == 1 and row.green


def test_an_upload_the_api_refused_counts_as_failed_with_its_reason():
    refused = VideoFacts(video_id="refused:name_nul", name="name_nul", hostile=True, status="refused",
                         error_code="invalid_input", error="the file name holds a NUL character",
                         allowed_codes=frozenset({"invalid_input", "empty_file"}))
    row = check(scenario(good_video(), hostile_video(), refused))
    assert row.green and row.failed_with_reason == 2
    assert not check(scenario(good_video(), hostile_video(), replace(refused, error_code="internal_error"))).green


def test_the_usage_ledger_bills_a_completed_video_once_for_its_duration_and_a_failed_one_never():
    billed = replace(good_video(), duration=11.02, ledger=(11.02,))
    assert check(scenario(billed, replace(hostile_video(), ledger=()))).green
    assert check(scenario(replace(billed, ledger=(11.02, 11.02)), hostile_video())).duplicates == 1
    assert check(scenario(replace(billed, ledger=()), hostile_video())).lost == 1
    assert check(scenario(billed, replace(hostile_video(), ledger=(3.0,)))).stray == 1
    wrong = check(scenario(replace(billed, ledger=(13.0,)), hostile_video()))
    assert not wrong.green and any("bills 13.0 s of a 11.0 s video" in p for p in wrong.problems)
