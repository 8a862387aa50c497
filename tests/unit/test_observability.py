"""sentry-sdk: a no-op without a DSN; with one, events reach the DSN's host tagged by component,
and an agent's failure carries its stage, video, event and trace ids.

The "Sentry server" here is a plain HTTP listener on loopback that records what it receives."""

from pathlib import Path

import pytest
import sentry_sdk

from streams.ops import tracing
from streams.ops.error_reports import capture_failure, init_sentry
from streams.settings import Settings
from tests.sentry_sink import dsn, error_events, sentry_server


def test_no_dsn_means_no_reporting():
    assert init_sentry(Settings(data_dir=Path("/tmp/x")), "worker") is False


@pytest.fixture
def reported():
    """(settings pointing at a local Sentry stand-in, the events it received)."""
    with sentry_server() as server:
        settings = Settings(data_dir=Path("/tmp/x"), sentry_dsn=dsn(server), environment="test",
                            release="clipstream@test")
        try:
            yield settings, lambda: (sentry_sdk.flush(timeout=5), error_events(server.received))[1]
        finally:
            sentry_sdk.get_client().close()
            # Back to a disabled client for the rest of the session, without the default
            # integrations: theirs would patch subprocess.Popen for the whole test process and write
            # SUBPROCESS_SENTRY_TRACE/BAGGAGE into every child's environment (the sandbox test's
            # "child gets nothing" failed after this module).
            sentry_sdk.init(default_integrations=False)


def test_events_reach_the_dsn_with_component_and_release(reported):
    settings, events = reported
    assert init_sentry(settings, "worker") is True
    try:
        raise RuntimeError("render failed for video v-1")
    except RuntimeError as exc:
        sentry_sdk.capture_exception(exc)
    [event] = events()
    assert event["tags"]["component"] == "worker"
    assert event["release"] == "clipstream@test" and event["environment"] == "test"
    assert event["exception"]["values"][0]["value"] == "render failed for video v-1"


def test_a_failure_carries_its_ids_and_the_trace_and_they_do_not_leak_into_the_next(reported):
    settings, events = reported
    init_sentry(settings, "worker")
    tracing.init_tracing("worker", "test")
    headers = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    with tracing.handling("render", tenant_id="t-1", video_id="v-1", event_id="e-1", headers=headers):
        capture_failure(RuntimeError("ffmpeg died"), stage="render", tenant_id="t-1", video_id="v-1",
                        event_id="e-1", code="internal_error")
    capture_failure(RuntimeError("another"), stage="moments", video_id="v-2")
    first, second = sorted(events(), key=lambda e: e["exception"]["values"][0]["value"] != "ffmpeg died")
    assert {k: first["tags"][k] for k in ("stage", "tenant_id", "video_id", "event_id", "code", "trace_id")} == {
        "stage": "render", "tenant_id": "t-1", "video_id": "v-1", "event_id": "e-1", "code": "internal_error",
        "trace_id": "0af7651916cd43dd8448eb211c80319c"}
    assert second["tags"]["video_id"] == "v-2" and "event_id" not in second["tags"]
    assert "trace_id" not in second["tags"]

