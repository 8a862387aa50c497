"""Usage and plans (issue 54) against the running pipeline: every completed video is in the ledger
once, with its duration to the second, a failed one not at all, and a completion repeated changes
nothing; a workspace one minute from its limit has a longer video refused with 402 before anything
of it is stored while a shorter one is accepted; twenty videos submitted at once against a limit
that allows five are admitted five; ``GET /v1/usage`` reports the month."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from streams.adapters.storage import FileStorage, open_storage
from streams.usage import store
from streams.usage.plans import Plan
from tests.documented import assert_documented
from tests.owner import as_owner, new_tenant

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _workspace(pipeline, plan: Plan) -> tuple[str, httpx.Client]:
    tenant_id, key = new_tenant(pipeline.settings, f"usage {uuid.uuid4().hex[:6]}")

    async def give(pool):
        async with pool.acquire() as conn:
            await store.set_plan(conn, tenant_id, plan)

    as_owner(pipeline.settings, give)
    return tenant_id, httpx.Client(base_url=pipeline.settings.api_url, timeout=120,
                                   headers={"Authorization": f"Bearer {key}"})


def _submit(http: httpx.Client, path) -> httpx.Response:
    with open(path, "rb") as f:
        return http.post("/v1/videos", files={"file": (path.name, f, "application/octet-stream")},
                         data={"options": '{"clip_count": 1}'})


def _stored_sources(pipeline, tenant_id: str) -> list[str]:
    storage = open_storage(pipeline.settings)
    assert isinstance(storage, FileStorage), "the test stack keeps media on local disk"
    root = storage.local_path(f"tenants/{tenant_id}/videos/x").parent
    return sorted(str(p.relative_to(root)) for p in root.rglob("source*")) if root.exists() else []


def test_every_completed_video_is_in_the_ledger_once_with_its_duration_and_a_failed_one_not_at_all(
        pipeline, tenant_a, tmp_path):
    settings = pipeline.settings
    junk = tmp_path / "notes.mp4"
    junk.write_bytes(b"not a video at all, only words " * 64)
    failed = pipeline.process(junk)
    assert failed["status"] == "failed"

    async def read(pool):
        async with pool.acquire() as conn:
            videos = await conn.fetch("SELECT video_id, status, duration FROM videos WHERE tenant_id = $1",
                                      pipeline.tenant_id)
            rows = await conn.fetch("SELECT subject, quantity, submitted_by FROM usage_records"
                                    " WHERE tenant_id = $1 AND kind = 'source_seconds'", pipeline.tenant_id)
            clips = await conn.fetch("SELECT c.clip_id FROM clips c JOIN videos v USING (video_id)"
                                     " WHERE v.tenant_id = $1", pipeline.tenant_id)
            counted = await conn.fetch("SELECT subject FROM usage_records WHERE tenant_id = $1"
                                       " AND kind = 'clips_rendered'", pipeline.tenant_id)
            return videos, rows, clips, counted

    videos, rows, clips, counted = as_owner(settings, read)
    ledger = {r["subject"]: r for r in rows}
    completed = [v for v in videos if v["status"] == "completed"]
    assert tenant_a["video_id"] in {v["video_id"] for v in completed}
    for video in completed:
        assert round(ledger[video["video_id"]]["quantity"]) == round(video["duration"]), video["video_id"]
    assert failed["video_id"] not in ledger
    assert ledger[tenant_a["video_id"]]["submitted_by"]  # the key it was submitted with
    assert {c["clip_id"] for c in clips} <= {c["subject"] for c in counted}

    # a completion repeated (a redelivered message, a replay) finds the row there and adds none
    async def complete_again(pool):
        async with pool.acquire() as conn:
            await conn.execute("UPDATE videos SET status = 'processing' WHERE video_id = $1", tenant_a["video_id"])
            await conn.execute("UPDATE videos SET status = 'completed' WHERE video_id = $1", tenant_a["video_id"])
            return await conn.fetchval("SELECT count(*) FROM usage_records WHERE subject = $1", tenant_a["video_id"])

    assert as_owner(settings, complete_again) == 1

    report = pipeline.client.call("GET", "/v1/usage")
    assert_documented(report, "Usage")
    assert report["by_day"] and report["by_submitter"]  # the shapes the fuzz's empty month cannot show
    assert report["used"]["source_minutes"] >= round(tenant_a["video"]["duration"] / 60, 2)
    assert report["used"]["clips_rendered"] >= 1 and report["plan"]["source_minutes_per_month"] is None
    assert report["left"]["source_minutes"] is None


def test_one_minute_from_the_limit_a_longer_video_is_refused_before_it_is_stored_and_a_shorter_one_is_taken(
        pipeline, media_dir):
    tenant_id, http = _workspace(pipeline, Plan("one minute", source_minutes_per_month=1))
    with http:
        longer = _submit(http, media_dir / "speech" / "voxpopuli-en-000.ogg")  # 69 s
        assert longer.status_code == 402, longer.text
        error = longer.json()["error"]
        assert error["code"] == "quota_exceeded" and "1.0 of its 1 source minutes left" in error["message"]
        assert error["quota"]["left_source_minutes"] == 1.0 and error["quota"]["resets_at"].endswith("T00:00:00Z")
        assert http.get("/v1/videos").json()["videos"] == [] and _stored_sources(pipeline, tenant_id) == []

        shorter = _submit(http, media_dir / "speech" / "jfk.wav")  # 11 s
        assert shorter.status_code == 202, shorter.text
        usage = http.get("/v1/usage").json()
        assert usage["in_flight"]["videos"] == 1 and usage["left"]["source_minutes"] <= round(49 / 60, 2) + 0.05
        assert http.delete(f"/v1/videos/{shorter.json()['video_id']}").status_code == 204


def test_a_source_url_longer_than_the_minutes_left_fails_at_ingest_and_nothing_of_it_is_kept(pipeline, media_dir):
    """A URL's length is known only once the worker has fetched it: admitted while minutes are left,
    it is measured at ingest against what is left, and refused there with the same error, its
    download deleted and nothing counted."""
    from tests.httpd import Answer, LocalServer

    tenant_id, http = _workspace(pipeline, Plan("one minute", source_minutes_per_month=1))
    ogg = (media_dir / "speech" / "voxpopuli-en-000.ogg").read_bytes()  # 69 s
    with http, LocalServer(lambda request, index: Answer(200, ogg, {"Content-Type": "audio/ogg"})) as server:
        answer = http.post("/v1/videos", json={"source_url": server.url("/long.ogg"), "options": {"clip_count": 1}},
                           headers={"Idempotency-Key": uuid.uuid4().hex})
        assert answer.status_code == 202, answer.text
        video_id = answer.json()["video_id"]
        deadline = time.monotonic() + 300
        while (video := http.get(f"/v1/videos/{video_id}").json())["status"] not in ("completed", "failed"):
            assert time.monotonic() < deadline, "the video did not end"
            time.sleep(1)
        assert video["status"] == "failed", video
        assert video["error"]["code"] == "quota_exceeded", video["error"]
        assert "1.2 minutes long" in video["error"]["message"] and "1.0 of its 1 source minutes left" in \
            video["error"]["message"]
        assert [r.path for r in server.received] == ["/long.ogg"]
        assert _stored_sources(pipeline, tenant_id) == []
        usage = http.get("/v1/usage").json()
        assert usage["in_flight"]["videos"] == 0 and usage["left"]["source_minutes"] == 1.0, usage


def test_twenty_videos_submitted_at_once_against_a_limit_that_allows_five_are_admitted_five(pipeline, media_dir):
    tenant_id, http = _workspace(pipeline, Plan("five", source_minutes_per_month=1))  # 5 x 11 s fit, 6 do not
    with http, ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: _submit(http, media_dir / "speech" / "jfk.wav"), range(20)))
        accepted = [a.json()["video_id"] for a in answers if a.status_code == 202]
        refused = [a for a in answers if a.status_code == 402]
        assert len(accepted) == 5 and len(refused) == 15, [a.status_code for a in answers]
        assert all(a.json()["error"]["code"] == "quota_exceeded" for a in refused)
        assert len(_stored_sources(pipeline, tenant_id)) == 5
        for video_id in accepted:
            assert http.delete(f"/v1/videos/{video_id}").status_code == 204


def test_a_plan_of_videos_at_once_refuses_the_next_until_one_is_done(pipeline, media_dir):
    tenant_id, http = _workspace(pipeline, Plan("one at a time", concurrent_videos=1))
    with http:
        first = _submit(http, media_dir / "speech" / "jfk.wav")
        assert first.status_code == 202, first.text
        second = _submit(http, media_dir / "speech" / "jfk.wav")
        assert second.status_code == 402 and "1 videos in progress at once" in second.json()["error"]["message"]
        assert http.delete(f"/v1/videos/{first.json()['video_id']}").status_code == 204
        # Deleted before ingest took its upload, ingest records it again (and fails it: its source is
        # gone); it holds its place until then.
        deadline = time.monotonic() + 120
        while http.get("/v1/usage").json()["in_flight"]["videos"] and time.monotonic() < deadline:
            time.sleep(0.5)
        third = _submit(http, media_dir / "speech" / "jfk.wav")
        assert third.status_code == 202, third.text
        assert http.delete(f"/v1/videos/{third.json()['video_id']}").status_code == 204


def test_a_completed_video_that_takes_the_workspace_past_80_percent_is_announced_once_and_measured(
        pipeline, media_dir):
    import json
    import time

    from tests.httpd import Answer, LocalServer

    tenant_id, http = _workspace(pipeline, Plan("alerts", source_minutes_per_month=0.2))  # 12 s: jfk is 92 %
    with http, LocalServer(lambda request, index: Answer(204)) as receiver:
        made = http.post("/v1/webhooks/endpoints", json={"url": receiver.url("/hook"),
                                                         "event_types": ["usage.threshold"]})
        assert made.status_code == 201, made.text
        video_id = _submit(http, media_dir / "speech" / "jfk.wav").json()["video_id"]
        deadline = time.monotonic() + 600
        while http.get(f"/v1/videos/{video_id}").json()["status"] not in ("completed", "failed"):
            assert time.monotonic() < deadline, "the video did not finish"
            time.sleep(2)
        assert http.get(f"/v1/videos/{video_id}").json()["status"] == "completed"
        deadline = time.monotonic() + 60
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2)  # anything more would have come by now
        bodies = [json.loads(r.body) for r in receiver.received]
        assert [(b["type"], b["data"]["threshold_percent"]) for b in bodies] == [("usage.threshold", 80)]
        # The completion measured the workspace's storage (the worker's own round is hourly, and this
        # workspace is younger than the worker): its source and clip are counted.
        while (held := http.get("/v1/usage").json()["storage"])["measured_at"] is None:
            assert time.monotonic() < deadline + 60, "the completed video's workspace was not measured"
            time.sleep(0.5)
        assert held["bytes"] > (media_dir / "speech" / "jfk.wav").stat().st_size, held
        assert bodies[0]["data"]["used_source_minutes"] == round(11 / 60, 2)
        refused = _submit(http, media_dir / "speech" / "jfk.wav")  # 1 s left: an 11 s video does not fit
        assert refused.status_code == 402 and refused.json()["error"]["code"] == "quota_exceeded"


def test_storage_held_is_measured_and_an_upload_past_the_plans_storage_is_refused(pipeline, media_dir):
    from datetime import UTC, datetime

    from streams.usage.metering import measure_storage

    jfk = media_dir / "speech" / "jfk.wav"
    tenant_id, http = _workspace(pipeline, Plan("small", storage_gb=1.5 * jfk.stat().st_size / 1e9))
    with http:
        first = _submit(http, jfk)
        assert first.status_code == 202, first.text
        held = as_owner(pipeline.settings,
                        lambda pool: measure_storage(pool, open_storage(pipeline.settings), datetime.now(UTC)))
        assert held[tenant_id] >= jfk.stat().st_size  # its source at least
        storage = http.get("/v1/usage").json()["storage"]
        assert storage["bytes"] == held[tenant_id] and storage["measured_at"].endswith("Z"), storage
        second = _submit(http, jfk)
        assert second.status_code == 402 and "of storage" in second.json()["error"]["message"], second.text
        assert len(_stored_sources(pipeline, tenant_id)) == 1
        # Deleting the video measures the workspace again: the room it made is there at once, not
        # at the worker's next measure (an hour on).
        assert http.delete(f"/v1/videos/{first.json()['video_id']}").status_code == 204
        after = http.get("/v1/usage").json()["storage"]
        assert after["bytes"] < jfk.stat().st_size and after["measured_at"] >= storage["measured_at"], after
        third = _submit(http, jfk)
        assert third.status_code == 202, third.text
        assert http.delete(f"/v1/videos/{third.json()['video_id']}").status_code == 204
