"""Crash windows: a worker SIGKILLed after recording a state in PostgreSQL and before announcing
it on Kafka must not lose the announcement. Each scenario puts the catalog where such a kill
leaves it (the state recorded, its event never sent), delivers the message again as Kafka would
after the kill, and checks that the event now goes out, as the same event every time: the
webhook receiver gets it once, every copy on the topic carries the one deterministic id and the
recorded time, and ClickHouse's ``events`` holds it as one row.

- clip: a clip rendered and recorded, its ``ClipRendered`` never sent (``render.ClipRendering.render``);
- completed: the video marked completed, ``video.completed`` never sent (``render._render``);
- failed: the video failed, ``video.failed`` never sent (``runtime.fail``); messages for it come
  again (its stage's, a broken one that would fail it for another reason, its upload) and each
  announces the first failure, with its code and reason;
- ingest: the video completed, ingest's ``started`` never sent; its upload comes again;
- transcribed: a chunk's transcript stored, its ``TranscriptChunkReady`` never sent
  (``transcribe._transcribe``); its audio chunk comes again.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from streams.adapters.catalog import Catalog
from streams.domain.clip import Clip
from streams.domain.moment import Moment
from streams.domain.video import Video, VideoStage
from streams.domain.envelope import clip_event_id, clip_id, milestone_event_id, stamp, transcript_event_id
from streams.worker.records import clip_rendered, to_payload
from tests.checks import analytics_report
from tests.faults.observe import read_clickhouse
from tests.httpd import Answer, LocalServer
from tests.owner import as_owner, new_tenant
from tests.poison import valid_event
from tests.topics import read_topic, worker_caught_up

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MOMENT = Moment("m1", 0.0, 4.0, 50.0, {"hook": 50.0}, "a test", "A test")  # the moment of tests.poison's moments_found
FAILURE = ("no_speech", "no speech was found in the audio, so there is nothing to make clips from")


@dataclass
class Windows:
    tenant_id: str
    ids: dict[str, str]  # scenario -> video id
    rows: dict[str, Video]  # scenario -> the video (with its stages) once the states were recorded
    after: dict[str, Video]  # scenario -> the same once the messages were handled
    inputs: dict[str, set[str]]  # video id -> the event ids of the messages delivered for it
    clip: Clip  # the stored clip of the ``clip`` scenario
    chunk: dict  # the transcript chunk row of the ``transcribed`` scenario
    events: dict[str, list[dict]]  # video id -> the payloads of its lifecycle events on ``events``
    renders: dict[str, list[dict]]  # video id -> the payloads of its ``ClipRendered`` on ``renders``
    transcripts: dict[str, list[dict]]  # video id -> the payloads on ``transcripts``
    webhooks: list[dict]  # the bodies the receiver got, in order
    report: dict  # the tenant's analytics report
    clickhouse: dict  # video id -> tests.faults.invariants.ClickHouseVideo


def _clip_row(video_id: str) -> dict:
    cid = clip_id(video_id, MOMENT.moment_id, "9:16")
    uri = f"file:///nowhere/{video_id}/clips/{cid}"
    return {"clip_id": cid, "video_id": video_id, "moment_id": "m1", "aspect": "9:16", "start": 0.0, "end": 4.0,
            "duration": 4.0, "width": 1080, "height": 1920, "mp4_uri": uri + ".mp4", "srt_uri": uri + ".srt",
            "vtt_uri": uri + ".vtt", "thumbnail_uri": uri + ".jpg", "caption_style": "bold"}


async def _record(pool, tenant_id: str, ids: dict[str, str]) -> tuple[dict, dict, dict]:
    """Each scenario's state, as a worker killed right after writing it leaves it."""
    catalog = Catalog(pool)
    for video_id in ids.values():
        await catalog.create_video(video_id, tenant_id, "talk.mp4", f"file:///nowhere/{video_id}/source.mp4", 10,
                                   {"clip_count": 1})
    clip = ids["clip"]
    await catalog.stage(clip, "render", "running")
    await catalog.save_moment(clip, MOMENT, 1, is_final=False)
    await catalog.save_clip(_clip_row(clip))
    done = ids["completed"]
    await catalog.stage(done, "render", "running")
    await catalog.stage(done, "render", "completed")
    assert await catalog.complete_video(done)
    assert await catalog.fail_video(ids["failed"], "moments", *FAILURE)
    ingest = ids["ingest"]
    await catalog.stage(ingest, "ingest", "running")
    await catalog.stage(ingest, "ingest", "completed")
    assert await catalog.complete_video(ingest)
    heard = ids["transcribed"]
    await catalog.stage(heard, "transcribe", "running")
    assert await catalog.save_transcript_chunk(heard, 1, 5.0, 10.0, "en", [], [], transcript_event_id(heard, 1))
    chunk = (await catalog.transcript_chunks(heard, 1, 1))[0]
    return await _videos(pool, ids), await catalog.clip(_clip_row(clip)["clip_id"]), chunk


async def _videos(pool, ids: dict[str, str]) -> dict[str, Video]:
    return {name: await Catalog(pool).video(video_id) for name, video_id in ids.items()}


def _messages(tenant_id: str, ids: dict[str, str]) -> list[tuple[str, str, dict]]:
    """(topic, key, payload): what Kafka delivers again after the kill, each redelivered twice."""
    def event(kind: str, scenario: str, **changes) -> dict:
        return {**valid_event(kind, ids[scenario], tenant_id=tenant_id), **changes}

    provisional = event("moments_found", "clip", is_final=False)
    final = event("moments_found", "completed")
    chunk = event("audio_chunk_ready", "failed")
    failed_upload = event("upload_received", "failed")
    broken = event("audio_chunk_ready", "failed", schema_version=2)  # would fail the video for its own reason
    upload = event("upload_received", "ingest")
    heard = event("audio_chunk_ready", "transcribed", chunk_index=1, start=5.0, end=10.0, is_last=False,
                  video_duration=20.0)
    twice = [("moments", provisional), ("moments", final), ("audio_chunks", chunk), ("uploads", failed_upload),
             ("uploads", upload), ("audio_chunks", heard)]
    return ([(topic, value["video_id"], value) for topic, value in twice] * 2
            + [("audio_chunks", broken["video_id"], broken)])


async def _deliver(bootstrap: str, messages) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, key, value in messages:
            await producer.send_and_wait(topic, json.dumps(value).encode(), key=key.encode())
    finally:
        await producer.stop()


async def _announcements(bootstrap: str, want: dict[tuple[str, str], int], timeout: float = 120.0) -> None:
    """Until each (topic, video id) has at least ``want`` messages, or ``timeout`` runs out (the
    tests then say which are missing)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        counts = {(topic, v): len(await read_topic(bootstrap, topic, key=v)) for topic, v in want}
        if all(counts[k] >= n for k, n in want.items()):
            return
        await asyncio.sleep(1.0)


def _deliveries_done(settings, endpoint_id: str, timeout: float = 120.0) -> None:
    """Until the endpoint has no delivery waiting to be sent."""
    async def pending(pool) -> int:
        async with pool.acquire() as conn:
            return await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1"
                                       " AND status = 'pending'", endpoint_id)

    deadline = time.monotonic() + timeout
    while as_owner(settings, pending):
        assert time.monotonic() < deadline, "webhook deliveries still pending"
        time.sleep(1.0)


@pytest.fixture(scope="module")
def windows(pipeline) -> Windows:
    settings = pipeline.settings
    tenant_id, key = new_tenant(settings, "crash windows")
    ids = {name: f"crash-{name}-{uuid.uuid4().hex[:10]}" for name in ("clip", "completed", "failed", "ingest", "transcribed")}
    bootstrap = settings.kafka_bootstrap
    with LocalServer(lambda request, index: Answer(204)) as receiver, \
            httpx.Client(base_url=settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as http:
        created = http.post("/v1/webhooks/endpoints", json={"url": receiver.url("/hook")})
        assert created.status_code == 201, created.text
        rows, clip, chunk = as_owner(settings, lambda pool: _record(pool, tenant_id, ids))
        messages = _messages(tenant_id, ids)
        asyncio.run(_deliver(bootstrap, messages))
        asyncio.run(_announcements(bootstrap, {("renders", ids["clip"]): 2, ("events", ids["completed"]): 6,
                                               ("events", ids["failed"]): 10, ("events", ids["ingest"]): 4,
                                               ("transcripts", ids["transcribed"]): 2}))
        asyncio.run(worker_caught_up(bootstrap))  # the webhook agents and the analytics sink too
        _deliveries_done(settings, created.json()["endpoint_id"])
        report = analytics_report(http)
        webhooks = [json.loads(r.body) for r in receiver.received if r.path == "/hook"]
    after = as_owner(settings, lambda pool: _videos(pool, ids))
    inputs = {v: {value["event_id"] for _, key, value in messages if key == v} for v in ids.values()}
    events = {v: [m["value"] for m in asyncio.run(read_topic(bootstrap, "events", key=v))] for v in ids.values()}
    renders = {v: [m["value"] for m in asyncio.run(read_topic(bootstrap, "renders", key=v))] for v in ids.values()}
    transcripts = {v: [m["value"] for m in asyncio.run(read_topic(bootstrap, "transcripts", key=v))]
                   for v in ids.values()}
    pipeline.worker.stop(pipeline.say)  # the embedded ClickHouse opens for one process at a time
    try:
        clickhouse = read_clickhouse(settings, list(ids.values()))
    finally:
        pipeline.worker.start(pipeline.say)
    return Windows(tenant_id, ids, rows, after, inputs, clip, chunk, events, renders, transcripts, webhooks, report,
                   clickhouse)


def _stage(row: Video, name: str) -> VideoStage:
    stage = row.stage(name)
    assert stage is not None, name
    return stage


def _announced(windows: Windows, scenario: str, stage: str, status: str) -> list[dict]:
    video_id = windows.ids[scenario]
    return [e for e in windows.events[video_id] if (e["stage"], e["status"]) == (stage, status)]


def _webhooks(windows: Windows, scenario: str) -> list[dict]:
    return [w for w in windows.webhooks if w["data"]["video_id"] == windows.ids[scenario]]


def test_a_recorded_clip_is_announced_when_its_moment_comes_again(windows):
    video_id, clip = windows.ids["clip"], windows.clip
    announced = clip_rendered(windows.tenant_id, clip, rank=1)
    expected = to_payload(announced)
    assert expected["event_id"] == clip_event_id(clip.clip_id)
    assert expected["produced_at"] == stamp(clip.created_at)
    assert len(windows.renders[video_id]) == 2  # once per delivery of its moment
    # each time the same event, as the worker writes it (an optional field unset is null on the wire)
    assert all(value == json.loads(announced.dumps()) for value in windows.renders[video_id])
    hooks = _webhooks(windows, "clip")
    assert [(w["type"], w["data"]["clip_id"], w["data"]["mp4"]) for w in hooks] == \
        [("clip.rendered", clip.clip_id, f"/v1/clips/{clip.clip_id}/download?file=mp4")]
    assert windows.events[video_id] == []  # the stage was running already: nothing else to say
    # One row in events FINAL beside the moments message's own.
    assert sorted(windows.clickhouse[video_id].events) == sorted({expected["event_id"], *windows.inputs[video_id]})
    assert windows.clickhouse[video_id].clip_ids == {clip.clip_id}


def test_a_completed_video_is_announced_when_its_final_ranking_comes_again(windows):
    video_id, row = windows.ids["completed"], windows.rows["completed"]
    render = _stage(row, "render")
    want = {("render", "started"): render.started_at, ("render", "finished"): render.finished_at,
            ("video", "finished"): row.finished_at}
    for (stage, status), recorded in want.items():
        copies = _announced(windows, "completed", stage, status)
        assert len(copies) == 2, (stage, status, copies)  # once per delivery of the final ranking
        assert {(e["event_id"], e["produced_at"]) for e in copies} == \
            {(milestone_event_id(video_id, stage, status), stamp(recorded))}, (stage, status)
    assert len(windows.events[video_id]) == 6  # nothing else: no clip, no progress
    # moments.ready is the final ranking's own webhook: each delivery of it enqueues that one
    # occurrence, which the receiver gets once (in the real run it was sent before the kill).
    assert sorted(w["type"] for w in _webhooks(windows, "completed")) == ["moments.ready", "video.completed"]
    assert sorted(windows.clickhouse[video_id].events) == \
        sorted({*(milestone_event_id(video_id, stage, status) for stage, status in want), *windows.inputs[video_id]})
    assert windows.clickhouse[video_id].completed


def test_a_failed_video_announces_its_first_failure_whatever_comes_for_it(windows):
    video_id, row = windows.ids["failed"], windows.rows["failed"]
    code, reason = FAILURE
    after = windows.after["failed"]
    assert (after.error_code, after.error, after.finished_at) == (code, reason, row.finished_at)
    assert [(s.stage, s.status) for s in after.stages] == \
        [(s.stage, s.status) for s in row.stages]  # the broken message failed nothing anew
    events = windows.events[video_id]
    # Two deliveries of its chunk, two of its upload, one broken message: each announces the failure.
    assert len(events) == 2 * 5
    assert {(e["stage"], e["status"], e["event_id"], e["produced_at"], e["error_code"], e["reason"])
            for e in events} == {
        (stage, "failed", milestone_event_id(video_id, stage, "failed", row.finished_at), stamp(row.finished_at), code,
         reason)
        for stage in ("moments", "video")}
    hooks = _webhooks(windows, "failed")
    assert [(w["type"], w["data"]["stage"], w["data"]["error"]) for w in hooks] == \
        [("video.failed", "moments", {"code": code, "message": reason})]
    failed = {milestone_event_id(video_id, stage, "failed", row.finished_at) for stage in ("moments", "video")}
    rows = windows.clickhouse[video_id].events
    assert sorted(e for e in rows if e in failed) == sorted(failed)  # one row each
    assert len(set(rows)) == len(rows)  # and so is every other (its messages, their dead letters)
    assert windows.clickhouse[video_id].failed
    # Counted by distinct event id: five announcements are one failure event.
    assert [(f["stage"], f["error_code"], f["videos"], f["events"]) for f in windows.report["failures"]
            if f["kind"] == "failed"] == [("moments", code, 1, 1)]


def test_a_completed_videos_upload_coming_again_announces_ingest(windows):
    video_id, row = windows.ids["ingest"], windows.rows["ingest"]
    ingest = _stage(row, "ingest")
    seconds = round((ingest.finished_at - ingest.started_at).total_seconds(), 3)
    for status, recorded in (("started", ingest.started_at), ("finished", ingest.finished_at)):
        copies = _announced(windows, "ingest", "ingest", status)
        assert len(copies) == 2, (status, copies)
        assert {(e["event_id"], e["produced_at"]) for e in copies} == \
            {(milestone_event_id(video_id, "ingest", status), stamp(recorded))}
    assert {e.get("duration_seconds") for e in _announced(windows, "ingest", "ingest", "finished")} == {seconds}
    assert len(windows.events[video_id]) == 4
    assert [w["type"] for w in _webhooks(windows, "ingest")] == ["video.processing"]
    announced = {milestone_event_id(video_id, "ingest", s) for s in ("started", "finished")}
    assert sorted(windows.clickhouse[video_id].events) == sorted(announced | windows.inputs[video_id])


def test_nothing_was_announced_for_a_video_it_did_not_name(windows):
    assert {w["data"]["video_id"] for w in windows.webhooks} <= set(windows.ids.values())
    assert [len(windows.renders[v]) for n, v in windows.ids.items() if n != "clip"] == [0, 0, 0, 0]
    assert [len(windows.transcripts[v]) for n, v in windows.ids.items() if n != "transcribed"] == [0, 0, 0, 0]


def test_a_stored_transcript_is_announced_as_the_same_event_when_its_audio_comes_again(windows):
    video_id, chunk = windows.ids["transcribed"], windows.chunk
    copies = windows.transcripts[video_id]
    assert len(copies) == 2, copies  # once per delivery of its audio chunk, without calling Whisper
    assert {(c["event_id"], c["produced_at"], c["chunk_index"], c["is_last"]) for c in copies} == \
        {(transcript_event_id(video_id, 1), stamp(chunk.created_at), 1, False)}
    assert chunk.event_id == transcript_event_id(video_id, 1)  # the id stored is the id sent
    rows = windows.clickhouse[video_id].events
    assert rows.count(transcript_event_id(video_id, 1)) == 1  # two announcements, one row
    assert len(set(rows)) == len(rows)
