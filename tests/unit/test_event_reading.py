"""``contracts.read``: what every agent runs on a consumed message before any work. Each way a
message can be broken is a typed ContractError with a reason; what our own producers write
(Faust records, with ``null`` for unset optional fields) reads back whole."""

from __future__ import annotations

import json

import pytest

from streams.domain import contracts
from streams.errors import ContractError, EventTooLarge, InvalidKey, UnsupportedSchemaVersion
from streams.worker.records import EVENT_RECORDS, Lifecycle, to_payload
from tests.poison import CONSUMERS, poisons, valid_event

LIMIT = 64 * 1024


@pytest.mark.parametrize("event_type", sorted(EVENT_RECORDS))
def test_a_record_as_faust_writes_it_reads_back_as_its_payload(event_type):
    record = EVENT_RECORDS[event_type].from_data(valid_event(event_type, "vid_1"))
    wire = record.dumps()  # Faust's own JSON: unset optional fields are null
    assert contracts.read(event_type, b"vid_1", wire, LIMIT) == to_payload(record)


def test_unset_optional_fields_are_null_on_the_wire_and_absent_once_read():
    event = Lifecycle(**valid_event("lifecycle", "vid_1"))
    assert json.loads(event.dumps())["progress"] is None
    assert "progress" not in contracts.read("lifecycle", "vid_1", event.dumps(), LIMIT)


@pytest.mark.parametrize("topic", sorted(CONSUMERS))
def test_every_kind_of_poison_is_a_typed_error_with_a_reason(topic):
    event_type, _ = CONSUMERS[topic]
    for poison in poisons(event_type, huge_bytes=LIMIT):
        with pytest.raises(ContractError) as info:
            contracts.read(event_type, poison.key, poison.value, LIMIT)
        assert info.value.code == poison.code, poison.name
        assert info.value.message.startswith(f"{event_type}: "), info.value.message


def test_the_reasons_say_what_is_wrong():
    def reason(key, value, limit=LIMIT):
        with pytest.raises(ContractError) as info:
            contracts.read("audio_chunk_ready", key, value, limit)
        return info.value

    good = json.dumps(valid_event("audio_chunk_ready", "vid_1")).encode()
    assert "not JSON" in reason(b"vid_1", b"\x00garbage").message
    assert "not JSON" in reason(b"vid_1", b"").message
    assert "not JSON" in reason(b"vid_1", b"[" * 50_000).message  # nesting deeper than the parser goes
    assert "expected a JSON object, got list" in reason(b"vid_1", b"[1, 2]").message
    wrong = json.dumps({**valid_event("audio_chunk_ready", "vid_1"), "chunk_index": "zero"}).encode()
    assert "chunk_index" in reason(b"vid_1", wrong).message
    newer = reason(b"vid_1", json.dumps({**valid_event("audio_chunk_ready", "vid_1"), "schema_version": 2}).encode())
    assert isinstance(newer, UnsupportedSchemaVersion) and "unsupported schema_version 2" in newer.message
    big = reason(b"vid_1", good, limit=len(good) - 1)
    assert isinstance(big, EventTooLarge) and f"{len(good):,} bytes" in big.message
    assert isinstance(reason(None, good), InvalidKey) and "no key" in reason(None, good).message
    assert "not UTF-8" in reason(b"\xff\xfe", good).message
    assert "'other' is not its video_id 'vid_1'" in reason(b"other", good).message


def test_a_message_exactly_at_the_limit_and_a_text_key_are_fine():
    good = json.dumps(valid_event("audio_chunk_ready", "vid_1")).encode()
    assert contracts.read("audio_chunk_ready", "vid_1", good, len(good))["video_id"] == "vid_1"
