"""Trace context in Kafka headers: what a sender injects is what the next stage continues."""

import faust
import pytest

from streams.ops import tracing
from streams.worker.consumer import TracedTopic

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture(autouse=True)
def provider():
    tracing.init_tracing("worker", "test")


def test_a_stage_continues_the_trace_of_its_message_and_passes_it_on():
    with tracing.handling("ingest", headers=[("traceparent", PARENT.encode())]) as span:
        sent = dict(tracing.kafka_headers())
    version, trace_id, span_id, flags = sent["traceparent"].decode().split("-")
    assert trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert span_id == format(span.get_span_context().span_id, "016x") != "b7ad6b7169203331"
    assert (version, flags) == ("00", "01")


def test_a_message_without_context_starts_a_new_trace_not_the_previous_one():
    with tracing.handling("ingest", headers=[("traceparent", PARENT.encode())]):
        with tracing.handling("render", headers=[]) as span:
            assert format(span.get_span_context().trace_id, "032x") != "0af7651916cd43dd8448eb211c80319c"


def test_garbage_trace_headers_start_a_new_trace():
    with tracing.handling("ingest", headers={"traceparent": b"not-a-trace\xff"}) as span:
        assert span.get_span_context().is_valid


def test_outside_a_span_nothing_is_injected():
    assert tracing.kafka_headers() == []


def test_a_traced_topic_adds_the_context_to_every_message_and_keeps_the_senders_headers():
    app = faust.App("tracing-test", broker="memory://", Topic=TracedTopic)
    topic = app.topic("t")
    assert isinstance(topic, TracedTopic)
    assert topic.prepare_headers(None) == {}
    with tracing.handling("moments", headers=[("traceparent", PARENT.encode())]):
        as_dict = topic.prepare_headers({"error_code": b"x"})
        as_list = topic.prepare_headers([("error_code", b"x")])
    assert as_dict["error_code"] == b"x" and b"0af7651916cd43dd8448eb211c80319c" in as_dict["traceparent"]
    assert [k for k, _ in as_list] == ["error_code", "traceparent"]
