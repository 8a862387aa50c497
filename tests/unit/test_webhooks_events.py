"""Pipeline events as webhook events: which become webhooks, their payloads and their keys."""

import json

import pytest

from streams.domain.contracts import validate
from streams.domain.envelope import SCHEMA_VERSION
from streams.worker.records import ClipRendered, Lifecycle, MomentCandidate, MomentsFound, to_payload
from streams.webhooks.events import (
    EVENT_TYPES,
    body,
    from_clip,
    from_lifecycle,
    from_ranking,
    message_id,
)


def lifecycle(stage: str, status: str, event_id: str = "e1", **fields) -> dict:
    return to_payload(Lifecycle(
        schema_version=SCHEMA_VERSION, event_id=event_id, tenant_id="t1", video_id="v1",
        produced_at="2025-06-01T12:00:00.000Z", stage=stage, status=status, **fields))


def clip(clip_id: str = "c1", event_id: str = "e9", produced_at: str = "2025-06-01T12:05:00.000Z", **more) -> dict:
    return to_payload(ClipRendered(
        schema_version=SCHEMA_VERSION, event_id=event_id, tenant_id="t1", video_id="v1",
        produced_at=produced_at, clip_id=clip_id, moment_id="m1", rank=2, aspect="9:16",
        start=12.5, end=40.0, duration=27.5, mp4_uri="s3://b/c1.mp4", srt_uri="s3://b/c1.srt",
        vtt_uri="s3://b/c1.vtt", thumbnail_uri="s3://b/c1.jpg", **more))


# every (stage, status) the agents report (grep "report(" streams/agents streams/worker/reporting.py)
@pytest.mark.parametrize("stage,status,kind", [
    ("ingest", "started", "video.processing"),
    ("ingest", "finished", None),
    ("transcribe", "started", None),
    ("transcribe", "progress", None),
    ("transcribe", "finished", "transcript.ready"),
    ("moments", "started", None),
    ("moments", "finished", None),  # moments.ready comes from the final ranking itself
    ("render", "started", None),
    ("render", "progress", None),
    ("render", "finished", None),
    ("video", "finished", "video.completed"),
])
def test_lifecycle_events_map_to_webhook_types(stage, status, kind):
    event = from_lifecycle(lifecycle(stage, status))
    assert (event.type if event else None) == kind
    if event:
        assert event.type in EVENT_TYPES
        assert event.tenant_id == "t1"
        assert event.payload["type"] == kind
        assert event.payload["timestamp"] == "2025-06-01T12:00:00.000Z"
        assert event.payload["data"]["video_id"] == "v1" and event.payload["data"]["tenant_id"] == "t1"


def test_any_failure_is_one_video_failed_with_the_stage_and_error():
    stage_failed = from_lifecycle(lifecycle("render", "failed", error_code="render_failed", reason="ffmpeg died"))
    video_failed = from_lifecycle(lifecycle("video", "failed", "e2", error_code="render_failed", reason="ffmpeg died"))
    assert stage_failed.type == video_failed.type == "video.failed"
    assert stage_failed.payload["data"]["stage"] == "render"
    assert stage_failed.payload["data"]["error"] == {"code": "render_failed", "message": "ffmpeg died"}
    assert stage_failed.key == video_failed.key  # so an endpoint gets one video.failed


def test_a_redelivered_or_re_reported_event_has_the_same_key_and_body():
    first, again = from_lifecycle(lifecycle("video", "finished", "e1")), from_lifecycle(lifecycle("video", "finished", "e7"))
    assert first.key == again.key == "video.completed:v1"
    assert body(first.payload) == body(again.payload)
    assert from_clip(clip(event_id="e1")).key == from_clip(clip(event_id="e2")).key == (
        "clip.rendered:c1:2025-06-01T12:05:00.000Z")
    assert from_clip(clip("c2")).key != from_clip(clip("c1")).key
    # deleted, then asked for again: its row is stored anew, and that is another occurrence
    assert from_clip(clip(produced_at="2025-06-02T08:00:00.000Z")).key != from_clip(clip()).key


def test_each_deletion_of_a_clip_is_an_occurrence_of_its_own():
    from streams.webhooks.events import from_deleted_clip

    first = from_deleted_clip("t1", "v1", "c1", "m1", "9:16", "d1", "2026-12-05T09:00:00Z")
    again = from_deleted_clip("t1", "v1", "c1", "m1", "9:16", "d2", "2026-12-05T09:30:00Z")
    assert first.type == "clip.deleted" and first.type in EVENT_TYPES and first.tenant_id == "t1"
    assert first.payload["data"] == {"video_id": "v1", "tenant_id": "t1", "clip_id": "c1", "moment_id": "m1",
                                     "aspect": "9:16", "links": {"video": "/v1/videos/v1",
                                                                 "clips": "/v1/videos/v1/clips"}}
    assert first.key != again.key and first.key.startswith("clip.deleted:c1:")


def test_clip_rendered_carries_the_clip():
    event = from_clip(clip())
    assert event.type == "clip.rendered" and event.tenant_id == "t1"
    data = event.payload["data"]
    assert data["clip_id"] == "c1" and data["rank"] == 2 and data["aspect"] == "9:16"
    assert (data["start"], data["end"], data["duration"]) == (12.5, 40.0, 27.5)
    # the API's links, never where storage keeps the files (issue 47)
    assert data["mp4"] == "/v1/clips/c1/download?file=mp4" and data["thumbnail"] == "/v1/clips/c1/download?file=thumbnail"
    assert "s3://" not in json.dumps(event.payload)
    assert data["links"]["clips"] == "/v1/videos/v1/clips"
    assert "cover" not in data  # most clips have no cover art


def test_clip_rendered_links_the_cover_art_of_a_clip_that_has_one():
    data = from_clip(clip(cover_uri="s3://b/c1.cover.png")).payload["data"]
    assert data["cover"] == "/v1/clips/c1/download?file=cover"
    assert "s3://" not in json.dumps(data)


def ranking(is_final: bool, event_id: str = "event-05", superseded=()) -> dict:
    moments = [MomentCandidate(moment_id=f"m{r}", rank=r, start=10.0 * r, end=10.0 * r + 25, score=80.0 - r,
                               signals={"hook": 70.0}, reason=f"reason {r}", title=f"Title {r}") for r in (2, 1)]
    return to_payload(MomentsFound(
        schema_version=SCHEMA_VERSION, event_id=event_id, tenant_id="t1", video_id="v1",
        produced_at="2025-06-01T12:04:00.000Z", is_final=is_final, moments=moments, through_chunk=3,
        superseded=list(superseded)))


def test_moments_ready_is_the_final_ranking_with_what_it_superseded():
    assert from_ranking(ranking(is_final=False)) is None  # provisional picks are no webhook
    found = ranking(is_final=True, superseded=["m7"])
    validate("moments_found", found)
    event = from_ranking(found)
    assert event.type == "moments.ready" and event.type in EVENT_TYPES and event.tenant_id == "t1"
    assert event.key == from_ranking(ranking(True, "event-06", ["m7"])).key == "moments.ready:v1"
    assert event.payload["timestamp"] == "2025-06-01T12:04:00.000Z"
    data = event.payload["data"]
    assert [(m["moment_id"], m["rank"]) for m in data["moments"]] == [("m1", 1), ("m2", 2)]
    assert data["moments"][0] == {"moment_id": "m1", "rank": 1, "start": 10.0, "end": 35.0, "score": 79.0,
                                  "title": "Title 1", "reason": "reason 1"}
    assert data["superseded"] == ["m7"]
    assert data["links"]["clips"] == "/v1/videos/v1/clips" and data["links"]["moments"] == "/v1/videos/v1/moments"


def test_message_ids_are_stable_per_endpoint_and_distinct_between_endpoints():
    assert message_id("ep1", "video.completed:v1") == message_id("ep1", "video.completed:v1")
    assert message_id("ep1", "video.completed:v1") != message_id("ep2", "video.completed:v1")
    assert message_id("ep1", "video.completed:v1").startswith("msg_")


def test_the_body_is_canonical_json():
    payload = {"type": "x", "data": {"b": 1, "a": "é"}, "timestamp": "t"}
    assert body(payload) == '{"data":{"a":"é","b":1},"timestamp":"t","type":"x"}'.encode()
    assert json.loads(body(payload)) == payload


def test_a_post_is_announced_once_as_published_or_failed_with_why():
    from datetime import UTC, datetime

    from streams.domain.posts import Post
    from streams.webhooks.events import EVENT_TYPES, from_post

    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    post = Post("pst_" + "1" * 32, "t1", "c1", "acc_" + "2" * 32, "A title", "", ("x",), "public", at, "published",
                1, at, at, platform_id="yt123", url="https://www.youtube.com/shorts/yt123")
    published = from_post(post, "2026-12-01T09:00:05Z")
    assert published.type == "post.published" and published.key == f"post.published:{post.post_id}"
    assert published.tenant_id == "t1" and published.payload["data"]["url"].endswith("yt123")
    assert "error_code" not in published.payload["data"]
    failed = from_post(post, "2026-12-01T09:00:05Z", "account_reconnect_required", "connect it again")
    assert failed.type == "post.failed" and failed.payload["data"]["error_code"] == "account_reconnect_required"
    assert {"post.published", "post.failed"} <= set(EVENT_TYPES)


def test_each_correction_of_a_transcript_is_an_occurrence_of_its_own():
    from streams.webhooks.events import from_correction

    words = [{"word": "nation", "start": 5.2, "end": 5.6, "heard": "country"}]
    first = from_correction("t1", "v1", words, ["c1"], "k1", "2026-12-01T09:00:05Z")
    again = from_correction("t1", "v1", words, ["c1"], "k2", "2026-12-01T09:00:07Z")
    assert first.type == "transcript.corrected" and first.type in EVENT_TYPES and first.tenant_id == "t1"
    assert first.payload["data"]["words"] == words and first.payload["data"]["clips"] == ["c1"]
    assert first.payload["data"]["links"]["transcript"] == "/v1/videos/v1/transcript"
    assert first.key != again.key and first.key.startswith("transcript.corrected:v1:")


def test_every_webhook_is_sent_as_the_api_document_describes_it():
    """The document's ``webhooks`` name every type, and each type's body, made by the functions
    the agents call, is what it says (each ``data`` is closed, so a field added to an event and
    not to the document fails here)."""
    from datetime import UTC, datetime

    from streams.domain.posts import Post
    from streams.usage.plans import Plan
    from streams.webhooks.events import (
        TEST_EVENT, from_correction, from_deleted_clip, from_deleted_video, from_post, from_usage, ping)
    from tests.documented import _document, assert_documented_webhook

    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    post = Post("pst_" + "1" * 32, "t1", "c1", "acc_" + "2" * 32, "A title", "", ("x",), "public", at, "published",
                1, at, at, platform_id="yt123", url="https://www.youtube.com/shorts/yt123")
    used = {"plan": Plan("default", 600.0).as_json(), "used_source_minutes": 481.5, "limit_source_minutes": 600.0}
    sent = [
        from_lifecycle(lifecycle("ingest", "started")),
        from_lifecycle(lifecycle("transcribe", "finished")),
        from_correction("t1", "v1", [{"word": "nation", "start": 5.2, "end": 5.6, "heard": "country"},
                                     {"word": "Then", "start": 0.0, "end": 0.3}], ["c1"], "k1", "2026-12-01T09:00:05Z"),
        from_lifecycle(lifecycle("transcribe", "finished", speakers=[{"speaker": "S1", "talk_seconds": 61.5},
                                                                     {"speaker": "S2", "talk_seconds": 40.0}])),
        from_ranking(ranking(is_final=True, superseded=["m7"])),
        from_clip(clip()),
        from_clip(clip(cover_uri="s3://b/c1.cover.png")),
        from_deleted_clip("t1", "v1", "c1", "m1", "9:16", "d1", "2026-12-05T09:00:00Z"),
        from_deleted_video("t1", "v1", ["c1", "c2"], "2026-12-05T09:00:00Z"),
        from_lifecycle(lifecycle("video", "finished")),
        from_lifecycle(lifecycle("render", "failed", error_code="render_failed", reason="ffmpeg died")),
        from_post(post, "2026-12-01T09:00:05Z"),
        from_post(post, "2026-12-01T09:00:05Z", "account_reconnect_required", "connect it again"),
        from_post(Post("pst_" + "3" * 32, "t1", "c1", "acc_" + "2" * 32, "A title", "", (), "public", at, "failed",
                       3, at, at), "2026-12-01T09:00:05Z", "upload_refused", "refused"),
        from_usage("t1", 80, "2026-12", used, "2026-12-01T09:00:05Z"),
        ping("t1", "whe_1", "n1", "2026-12-01T09:00:05Z"),
    ]
    assert {e.type for e in sent} == set(_document()["webhooks"]) == {*EVENT_TYPES, TEST_EVENT}
    for event in sent:
        assert_documented_webhook(json.loads(body(event.payload)))
    extra = json.loads(body(from_clip(clip()).payload))
    extra["data"]["storage_uri"] = "s3://b/c1.mp4"
    with pytest.raises(AssertionError, match="clip.rendered webhook"):
        assert_documented_webhook(extra)
