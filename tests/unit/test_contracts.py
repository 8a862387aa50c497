"""The Faust records in streams/worker/records.py and the JSON Schemas in schemas/events agree."""

import dataclasses
import json

import pytest

from streams.domain import contracts
from streams.domain.envelope import SCHEMA_VERSION, new_event_id, utc_now
from streams.domain.events import PUBLISHED
from streams.errors import ContractError
from streams.worker.records import (
    EVENT_RECORDS,
    AudioChunkReady,
    ClipRendered,
    Lifecycle,
    MomentCandidate,
    MomentsFound,
    PostStatsFetched,
    RenderRequested,
    TranscriptChunkReady,
    TranscriptLanguage,
    TranscriptSegment,
    TranscriptWord,
    UploadOptions,
    UploadReceived,
    to_payload,
)


def envelope(**extra):
    return dict(schema_version=SCHEMA_VERSION, event_id=new_event_id(), tenant_id="acme", video_id="vid_123",
                produced_at=utc_now(), **extra)


EXAMPLES = {
    "upload_received": UploadReceived(**envelope(
        source_uri="file:///srv/storage/videos/vid_123/source.mp4", filename="talk.mp4", size_bytes=1048576,
        options=UploadOptions(clip_count=3, aspect_ratios=["9:16", "1:1"]))),
    "audio_chunk_ready": AudioChunkReady(**envelope(
        chunk_index=0, start=0.0, end=92.5, audio_uri="s3://media/videos/vid_123/audio/0000.f32",
        is_last=False, video_duration=600.0)),
    "transcript_chunk_ready": TranscriptChunkReady(**envelope(
        chunk_index=1, start=92.5, end=180.0, language="en",
        words=[TranscriptWord(word="Hello", start=92.6, end=92.9, probability=0.97)],
        segments=[TranscriptSegment(text="Hello.", start=92.6, end=92.9)], is_last=False)),
    "moments_found": MomentsFound(**envelope(is_final=True, through_chunk=4, moments=[MomentCandidate(
        moment_id="vid_123-m1", rank=1, start=12.0, end=41.5, score=87.5,
        signals={"hook": 90.0, "energy": 70.0}, reason="Opens with a question; lively delivery",
        title="Why do clips fail?")])),
    "clip_rendered": ClipRendered(**envelope(
        clip_id="vid_123-m1-9x16", moment_id="vid_123-m1", rank=1, aspect="9:16", start=12.0, end=41.5,
        duration=29.5, mp4_uri="file:///s/c.mp4", srt_uri="file:///s/c.srt", vtt_uri="file:///s/c.vtt",
        thumbnail_uri="file:///s/c.jpg")),
    "lifecycle": Lifecycle(**envelope(stage="ingest", status="failed", error_code="invalid_media",
                                      reason="the file has no audio stream")),
    "render_requested": RenderRequested(**envelope(clip_id="c-clean", moment_id="vid_123-m1", aspect="1:1",
                                                   caption_style="clean")),
    "post_stats_fetched": PostStatsFetched(**envelope(post_id="pst_" + "0" * 32, clip_id="vid_123-m1-9x16",
                                                      platform="youtube", platform_id="dQw4w9WgXcQ", views=1200,
                                                      likes=48)),
}


def test_every_event_type_has_a_schema_a_record_and_an_example():
    assert set(contracts.EVENT_TYPES) == set(EVENT_RECORDS) == set(EXAMPLES)


@pytest.mark.parametrize("event_type", contracts.EVENT_TYPES)
def test_record_payload_is_valid_against_its_schema(event_type):
    payload = json.loads(json.dumps(to_payload(EXAMPLES[event_type])))
    assert contracts.validate(event_type, payload) == payload


@pytest.mark.parametrize("event_type", contracts.EVENT_TYPES)
def test_schema_fields_and_record_fields_match(event_type):
    schema = contracts.schema(event_type)
    declared = set(schema["properties"])
    record_fields = set(EVENT_RECORDS[event_type]._options.fields)
    assert declared == record_fields
    assert set(schema["required"]) <= record_fields


@pytest.mark.parametrize("event_type", contracts.EVENT_TYPES)
def test_payload_round_trips_through_the_record(event_type):
    payload = to_payload(EXAMPLES[event_type])
    again = to_payload(EVENT_RECORDS[event_type].from_data(payload))
    assert again == payload


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p.pop("video_id"), "'video_id' is a required property"),
        (lambda p: p.update(size_bytes=-1), "size_bytes: -1 is less than the minimum of 0"),
        (lambda p: p.update(source_uri="http://169.254.169.254/latest"), "source_uri"),
        (lambda p: p["options"].update(aspect_ratios=["3:2"]), "options/aspect_ratios/0"),
        (lambda p: p.update(extra="x"), "Additional properties are not allowed"),
        (lambda p: p.update(produced_at="yesterday"), "produced_at: 'yesterday' is not a 'date-time'"),
    ],
)
def test_upload_violations_say_where_and_what(mutate, message):
    payload = to_payload(EXAMPLES["upload_received"])
    mutate(payload)
    with pytest.raises(ContractError, match=message.replace("(", r"\(").replace(")", r"\)")):
        contracts.validate("upload_received", payload)


def test_unknown_schema_version_is_named():
    payload = {**to_payload(EXAMPLES["upload_received"]), "schema_version": 7}
    with pytest.raises(ContractError, match="unsupported schema_version 7"):
        contracts.validate("upload_received", payload)


def test_failed_lifecycle_needs_a_reason():
    payload = to_payload(EXAMPLES["lifecycle"])
    del payload["reason"]
    with pytest.raises(ContractError, match="'reason' is a required property"):
        contracts.validate("lifecycle", payload)


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"not json", b"[1, 2]"])
def test_parse_refuses_non_json_and_non_objects(raw):
    with pytest.raises(ContractError):
        contracts.parse("upload_received", raw)


# The events the API publishes are frozen domain types (no Faust); the worker reads them with its
# records. Both have the schema's fields, and what the API sends the worker's record reads back.
@pytest.mark.parametrize("event_type", list(PUBLISHED))
def test_a_published_event_has_the_fields_of_the_workers_record(event_type):
    fields = {f.name for f in dataclasses.fields(PUBLISHED[event_type])}
    assert fields == set(EVENT_RECORDS[event_type]._options.fields) == set(contracts.schema(event_type)["properties"])


@pytest.mark.parametrize("event_type", list(PUBLISHED))
def test_what_the_api_sends_the_worker_reads_as_sent(event_type):
    payload = to_payload(EXAMPLES[event_type])
    kept = {k: v for k, v in payload.items() if k not in ("schema_version", "event_id", "produced_at")}
    event = PUBLISHED[event_type](**kept)
    sent = json.loads(event.encode())
    assert to_payload(EVENT_RECORDS[event_type].from_data(sent)) == {**payload, **sent}


def test_an_unset_optional_field_is_left_out_of_what_is_sent():
    render = PUBLISHED["render_requested"](tenant_id="acme", video_id="v", clip_id="c", moment_id="m", aspect="1:1",
                                           caption_style="clean", variant="")
    sent = json.loads(render.encode())
    assert "start" not in sent and "end" not in sent and sent["variant"] == ""
    assert json.loads(render.__class__(**{**render.__dict__, "start": 1.0, "end": 9.0}).encode())["start"] == 1.0


def test_a_published_event_that_breaks_its_schema_is_a_contract_error():
    with pytest.raises(ContractError, match="aspect_ratios"):
        PUBLISHED["upload_received"](tenant_id="acme", video_id="vid_123", source_uri="file:///s/v.mp4", filename="v.mp4",
                       size_bytes=1, options={"aspect_ratios": ["3:2"]}).payload()
    event = PUBLISHED["upload_received"](tenant_id="acme", video_id="v", source_uri="file:///s/v.mp4", filename="v.mp4",
                           size_bytes=0, options={})
    assert event.of_size(5).size_bytes == 5 and event.of_size(5).event_id == event.event_id


def test_a_transcript_in_a_language_the_upload_named_is_read_as_sent():
    # The upload named its language, so no identification was sure or unsure of it: the span's
    # probability is null, and a null is dropped on reading (Faust writes unset fields as null).
    chunk = TranscriptChunkReady(**{**EXAMPLES["transcript_chunk_ready"].asdict(), "language": "pt",
                                    "languages": [TranscriptLanguage(language="pt", start=92.5, end=180.0,
                                                                     probability=None)]})
    read = contracts.parse("transcript_chunk_ready", json.dumps(to_payload(chunk)).encode())
    assert read["languages"] == [{"language": "pt", "start": 92.5, "end": 180.0}]
    assert TranscriptChunkReady.from_data(read).languages[0].probability is None


def _required_but_nullable(node, where: str = ""):
    if isinstance(node, dict):
        required = set(node.get("required", ()))
        for name, spec in (node.get("properties") or {}).items():
            kinds = spec.get("type") if isinstance(spec, dict) else None
            if name in required and isinstance(kinds, list) and "null" in kinds:
                yield f"{where}/{name}"
        for key, value in node.items():
            yield from _required_but_nullable(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _required_but_nullable(value, f"{where}/{i}")


@pytest.mark.parametrize("event_type", contracts.EVENT_TYPES)
def test_no_schema_requires_a_field_it_lets_be_null(event_type):
    # Reading drops nulls at every depth, so such a field, when null, reads as missing.
    assert list(_required_but_nullable(contracts.schema(event_type))) == []
