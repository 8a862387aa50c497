"""What an operator sees of a real run: Prometheus series on the API's and the worker's
``/metrics``, one trace id from the upload request through the JSON logs of every stage, and an
agent's failure reported to a Sentry-compatible endpoint with the video and event ids."""

from __future__ import annotations

import secrets
import time

import pytest

from streams.stack.process import free_port
from tests.httpd import Answer, LocalServer
from tests.media_recipes import short_talk, text_named_mp4
from tests.sentry_sink import dsn, error_events, sentry_server
from tests.telemetry import json_lines, scrape, total

pytestmark = pytest.mark.integration

STAGES = ("ingest", "transcribe", "moments", "render")


@pytest.fixture(scope="module")
def traced_run(pipeline, media_dir, built_media):
    """A short talk submitted with a caller's ``traceparent``, processed with a webhook endpoint
    subscribed, and a text file posing as a video (a dead letter) beside it."""
    trace_id = secrets.token_hex(16)
    with LocalServer(lambda request, index: Answer(204)) as receiver:
        endpoint = pipeline.client.call("POST", "/v1/webhooks/endpoints", json={"url": receiver.url("/hook")})
        talk = short_talk(media_dir, built_media)
        with open(talk, "rb") as f:
            answer = pipeline.client.http.post(
                "/v1/videos", files={"file": (talk.name, f)}, data={"clip_count": "1"},
                headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
        assert answer.status_code == 202, answer.text
        assert answer.headers["traceparent"].split("-")[1] == trace_id  # the answer names the trace
        video_id = answer.json()["video_id"]
        bad = pipeline.client.submit(text_named_mp4(built_media / "operations-notes.mp4"))["video_id"]
        assert pipeline.client.wait(video_id, timeout=600)["status"] == "completed"
        assert pipeline.client.wait(bad, timeout=300)["status"] == "failed"
        deadline = time.monotonic() + 60
        while not any(r.path == "/hook" for r in receiver.received) and time.monotonic() < deadline:
            time.sleep(0.5)
    assert pipeline.client.http.delete(f"/v1/webhooks/endpoints/{endpoint['endpoint_id']}").status_code == 204
    return {"trace_id": trace_id, "video_id": video_id, "bad": bad}


def test_the_api_and_the_worker_expose_the_operators_series(pipeline, traced_run):
    api = scrape(f"{pipeline.settings.api_url}/metrics")
    assert total(api, "clipstream_http_requests_total", method="POST", route="/v1/videos", status="202") >= 2
    assert total(api, "clipstream_http_request_seconds_count", route="/v1/videos/{video_id}") > 0
    routes = {dict(ls)["route"] for n, ls in api if n == "clipstream_http_requests_total"}
    assert not any(traced_run["video_id"] in route for route in routes), routes  # templates, never ids

    worker = scrape(f"http://127.0.0.1:{pipeline.settings.worker_port}/metrics")
    for stage in STAGES:
        assert total(worker, "clipstream_stage_seconds_count", stage=stage, outcome="ok") > 0, stage
    assert total(worker, "clipstream_stage_seconds_count", stage="ingest", outcome="failed") > 0
    assert total(worker, "clipstream_dead_letters_total", stage="ingest", code="not_media") > 0
    assert total(worker, "clipstream_triton_request_seconds_count", model="whisper") > 0
    assert total(worker, "clipstream_render_frames_total") > 0
    assert total(worker, "clipstream_render_frames_per_second_count") > 0
    assert total(worker, "clipstream_webhook_deliveries_total", outcome="delivered") > 0
    lag = {dict(ls)["topic"] for (n, ls) in worker if n == "clipstream_consumer_lag"}
    assert {"uploads", "audio_chunks", "transcripts", "moments"} <= lag, lag


def test_the_callers_trace_id_reaches_the_logs_of_every_stage_that_handled_the_video(pipeline, traced_run):
    trace_id, video_id = traced_run["trace_id"], traced_run["video_id"]
    api_lines = json_lines(pipeline.api.log_path)
    api = [line for line in api_lines if line.get("trace_id") == trace_id]
    assert any(line.get("video_id") == video_id and line.get("tenant_id") == pipeline.tenant_id
               and line.get("http_status") == 202 for line in api), api
    # Requests after the upload (the client's polls, on the same keep-alive connection) are their
    # own traces and do not inherit the upload's ids.
    assert all(line.get("trace_id") == trace_id for line in api_lines if line.get("video_id") == video_id)
    worker = [line for line in json_lines(pipeline.worker.log_path) if line.get("trace_id") == trace_id]
    stages = {line.get("stage") for line in worker}
    assert set(STAGES) | {"webhooks"} <= stages, stages
    assert all(line.get("video_id") == video_id for line in worker)
    assert all(line.get("event_id") for line in worker if line.get("stage") in STAGES)
    # The other upload is another trace: none of its lines carry this one's id.
    assert not any(line.get("video_id") == traced_run["bad"] for line in worker)


def test_an_agent_failure_reaches_sentry_with_the_video_and_event_ids(pipeline, media_dir, built_media):
    """The session's worker is swapped for one whose Triton address answers nothing: transcription
    fails for real (gRPC UNAVAILABLE), once, and the report must name the video and its event."""
    with sentry_server() as sentry:
        failing = pipeline.settings.with_overrides(
            sentry_dsn=dsn(sentry), environment="test", release="clipstream@ops-test",
            triton_grpc_url=f"127.0.0.1:{free_port()}", stage_attempts=1)
        with pipeline.swapped("worker", failing):
            video_id = pipeline.client.submit(short_talk(media_dir, built_media))["video_id"]
            video = pipeline.client.wait(video_id, timeout=300)
            assert video["status"] == "failed", video
            assert video["error"]["code"] == "inference_unavailable" and "whisper" in video["error"]["message"]
            deadline = time.monotonic() + 30
            while not error_events(sentry.received) and time.monotonic() < deadline:
                time.sleep(0.5)
            worker = scrape(f"http://127.0.0.1:{pipeline.settings.worker_port}/metrics")
    [event] = [e for e in error_events(sentry.received) if e["tags"].get("video_id") == video_id]
    tags = event["tags"]
    assert tags["stage"] == "transcribe" and tags["tenant_id"] == pipeline.tenant_id
    assert len(tags["event_id"]) >= 16 and len(tags["trace_id"]) == 32
    assert tags["component"] == "worker"
    assert event["release"] == "clipstream@ops-test" and event["environment"] == "test"
    assert "whisper" in event["exception"]["values"][-1]["value"]
    assert total(worker, "clipstream_triton_errors_total", model="whisper") > 0
    assert total(worker, "clipstream_dead_letters_total", stage="transcribe") > 0
