"""The metrics' own logic: consumer lag from offsets, render speed, and the exposition format."""

from prometheus_client import CollectorRegistry, generate_latest

from streams.ops import metrics


def test_lag_is_the_end_offset_minus_the_committed_one_per_partition():
    registry = CollectorRegistry()
    registry.register(metrics.LagCollector(lambda: [("uploads", 0, 10, 7), ("uploads", 1, 5, None),
                                                    ("transcripts", 2, None, 3), ("renders", 3, 4, 9)]))
    assert registry.get_sample_value("clipstream_consumer_lag", {"topic": "uploads", "partition": "0"}) == 3
    # Never committed: everything on the partition is still to be read.
    assert registry.get_sample_value("clipstream_consumer_lag", {"topic": "uploads", "partition": "1"}) == 5
    # An unknown end offset gives no number rather than a wrong one; lag is never negative.
    assert registry.get_sample_value("clipstream_consumer_lag", {"topic": "transcripts", "partition": "2"}) is None
    assert registry.get_sample_value("clipstream_consumer_lag", {"topic": "renders", "partition": "3"}) == 0


def test_render_speed_counts_frames_and_ignores_empty_renders():
    before = metrics.REGISTRY.get_sample_value("clipstream_render_frames_total") or 0
    count = metrics.REGISTRY.get_sample_value("clipstream_render_frames_per_second_count") or 0
    metrics.observe_render(300, 2.0)
    metrics.observe_render(0, 1.0)
    assert metrics.REGISTRY.get_sample_value("clipstream_render_frames_total") == before + 300
    assert metrics.REGISTRY.get_sample_value("clipstream_render_frames_per_second_count") == count + 1


def test_the_exposition_is_prometheus_text():
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    assert b"# TYPE clipstream_stage_seconds histogram" in body
    assert generate_latest(metrics.REGISTRY).startswith(b"# HELP")


def test_the_worker_reports_no_lag_before_its_consumer_runs(monkeypatch):
    from faust.exceptions import ConsumerNotStarted

    from streams.worker.app import _offsets, app

    class UnstartedConsumer:
        """Stand-in for Faust's consumer between its creation and its thread's start (the real one
        would have to be created on the process-wide app, which other tests' agents then use)."""

        def assignment(self):
            raise ConsumerNotStarted("Consumer thread not yet started")

    monkeypatch.setattr(app, "_consumer", UnstartedConsumer())
    assert _offsets() == []
    assert b"clipstream_consumer_lag" in metrics.exposition()[0]
