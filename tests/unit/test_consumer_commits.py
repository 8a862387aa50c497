"""The worker's consumer commits only what its agents processed (``streams.consumer``), checked on
Faust's own consumer, message and flow-control objects (no broker: the rules are bookkeeping; the
rebalance itself runs on a real broker in ``tests/integration/test_rebalance.py``)."""

import faust
import pytest
from faust.transport.consumer import ConsumerMessage
from faust.types import TP
from mode.utils.queues import FlowControlQueue

from streams.consumer import App, DroppingFlowControl, committable, held

TP0 = TP("audio_chunks", 0)


def message(offset: int, generation_id: int | None = 1) -> ConsumerMessage:
    return ConsumerMessage("audio_chunks", 0, offset, 0.0, 0, None, b"k", b"v", None, generation_id=generation_id)


@pytest.fixture
async def consumer():
    app = App("commits-test", broker="kafka://127.0.0.1:1", store="memory://")
    app.consumer_generation_id = 1
    app.topics.add(app.topic("audio_chunks"))
    await app.topics._update_indices()  # as subscribing does: acks are on for the topic
    return app.consumer


def test_nothing_is_committed_while_the_next_message_to_read_is_unacknowledged(consumer):
    consumer._committed_offset[TP0] = 14  # the next offset to read
    consumer._acked[TP0] = [15, 16]
    assert consumer._new_offset(TP0) is None


def test_plain_faust_commits_over_a_one_message_gap_which_is_why_the_rule_exists():
    plain = faust.App("commits-plain", broker="kafka://127.0.0.1:1", store="memory://").consumer
    plain._committed_offset[TP0] = 14
    plain._acked[TP0] = [15, 16]
    assert plain._new_offset(TP0) == 17  # offset 14 would be lost


def test_the_commit_runs_to_the_first_gap_after_the_committed_offset(consumer):
    consumer._committed_offset[TP0] = 14
    consumer._acked[TP0] = [16, 14, 15, 18]
    assert consumer._new_offset(TP0) == 17
    assert consumer._acked[TP0] == [18]


def test_a_processed_message_of_this_generation_is_committed(consumer):
    m = message(14)
    m.tracked = True
    consumer._unacked_messages.add(m)
    m.incref()
    assert m.ack(consumer) is True
    assert consumer._acked[TP0] == [14]
    assert m not in consumer._unacked_messages


@pytest.mark.parametrize("tracked, generation", [(False, 1), (True, 0)], ids=["skipped", "older-generation"])
def test_a_message_skipped_or_from_an_older_generation_is_never_committed(consumer, tracked, generation):
    m = message(14, generation_id=generation)
    m.tracked = tracked
    consumer._unacked_messages.add(m)
    m.incref()
    m.ack(consumer)
    assert consumer._acked[TP0] == []
    assert m not in consumer._unacked_messages
    assert not committable(m, 1)


def test_clearing_the_inboxes_counts_each_dropped_copy():
    flow = DroppingFlowControl()
    inboxes = [FlowControlQueue(maxsize=10, flow_control=flow, clear_on_resume=True) for _ in range(2)]
    app = faust.App("commits-flow", broker="kafka://127.0.0.1:1", store="memory://")
    m1, m2 = message(1), message(2)
    inboxes[0].put_nowait(faust.Event(app, b"k", b"v", {}, m1))
    inboxes[0].put_nowait(faust.Event(app, b"k", b"v", {}, m2))
    inboxes[1].put_nowait(faust.Event(app, b"k", b"v", {}, m2))
    flow.clear()
    assert all(inbox.empty() for inbox in inboxes)
    assert (flow.dropped(m1), flow.dropped(m2), flow.dropped(message(3))) == (1, 2, 0)


def test_a_message_is_held_while_it_has_references_beyond_its_dropped_copies():
    m = message(1)
    m.incref(2)  # the stage's agent and the analytics sink
    assert held(m, dropped=1)  # one copy dropped, one agent still on it
    m.decref()
    assert not held(m, dropped=1)  # what is left is the dropped copy: nobody will ack it
    m.acked = True
    assert not held(m, dropped=0)


async def test_a_revoke_keeps_the_partition_s_commit_state_until_its_wait_is_over(consumer):
    consumer._committed_offset[TP0] = 14
    consumer._acked[TP0] = [15]
    seen = {}

    async def on_revoked(revoked):
        seen["committed"] = consumer._committed_offset.get(TP0)
        seen["next_commit"] = consumer._new_offset(TP0)

    consumer._on_partitions_revoked = on_revoked
    await consumer.on_partitions_revoked({TP0})
    assert seen == {"committed": 14, "next_commit": None}
    assert TP0 not in consumer._committed_offset and TP0 not in consumer._acked
