"""Structured logs: JSON lines with the bound ids and the current trace."""

import json
import logging

import pytest

from streams.ops import logs, tracing


def _line(formatter: logging.Formatter, message: str = "hello %s", *args, **extra) -> str:
    record = logging.LogRecord("clipstream.test", logging.INFO, __file__, 1, message, args or ("world",), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return formatter.format(record)


def test_a_json_line_has_the_message_level_component_and_extra_fields():
    line = json.loads(_line(logs.JsonFormatter("api"), duration_ms=12.5))
    assert line["message"] == "hello world" and line["level"] == "info" and line["logger"] == "clipstream.test"
    assert line["component"] == "api" and line["duration_ms"] == 12.5
    assert line["time"].endswith("+00:00")
    assert "trace_id" not in line and "video_id" not in line


def test_bound_ids_apply_inside_the_block_only_and_bind_adds_to_the_enclosing_binding():
    formatter = logs.JsonFormatter("worker")
    with logs.bound(tenant_id="t-1") as binding:
        with logs.bound(video_id="v-1", stage="ingest", event_id=None):
            inner = json.loads(_line(formatter))
        logs.bind(video_id="v-2")
        later = json.loads(_line(formatter))
    outside = json.loads(_line(formatter))
    assert (inner["tenant_id"], inner["video_id"], inner["stage"]) == ("t-1", "v-1", "ingest")
    assert "event_id" not in inner
    assert later["video_id"] == "v-2" and binding["video_id"] == "v-2"
    assert "tenant_id" not in outside and "video_id" not in outside
    logs.bind(video_id="ignored")  # outside any block: nothing to add to, and no error
    assert "video_id" not in json.loads(_line(formatter))


def test_a_fresh_binding_starts_without_the_enclosing_ids():
    with logs.bound(video_id="v-1", event_id="e-1"):
        logs.bind(tenant_id="t-1")
        with logs.bound(fresh=True, stage="render"):
            line = json.loads(_line(logs.JsonFormatter()))
    assert line["stage"] == "render" and not {"video_id", "event_id", "tenant_id"} & set(line)


def test_lines_inside_a_handled_message_carry_its_trace_id():
    tracing.init_tracing("worker", "test")
    headers = {"traceparent": b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    with tracing.handling("moments", video_id="v-9", headers=headers):
        line = json.loads(_line(logs.JsonFormatter("worker")))
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert line["span_id"] != "00f067aa0ba902b7" and len(line["span_id"]) == 16  # its own span, a child
    assert line["stage"] == "moments" and line["video_id"] == "v-9"


def test_exceptions_are_one_field_and_text_format_keeps_the_ids():
    try:
        raise ValueError("bad frame")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "ValueError: bad frame" in json.loads(logs.JsonFormatter().format(record))["error"]
    with logs.bound(video_id="v-3"):
        assert _line(logs.TextFormatter()).endswith("[video_id=v-3]")


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="json or text"):
        logs.dict_config("xml", "api")
