"""The worker's consumer commits only what its agents processed (``streams.worker.consumer``), checked on
Faust's own consumer, message and flow-control objects (no broker: the rules are bookkeeping; the
rebalance itself runs on a real broker in ``tests/integration/test_rebalance.py``)."""

import asyncio
import gc
import weakref

import faust
import pytest
from faust.transport.consumer import ConsumerMessage
from faust.types import TP
from mode.utils.queues import FlowControlQueue

from streams.worker.consumer import App, DroppingFlowControl, committable, held
from streams.worker.messages import handle_message, origin_of
from streams.worker.shutdown import STATE

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


def test_an_abandoned_message_is_never_committed_whoever_acknowledges_it_last(consumer):
    consumer._committed_offset[TP0] = 14
    m, after = message(14), message(15)
    for each in (m, after):
        each.tracked = True
        consumer._unacked_messages.add(each)
        each.incref(2)  # the stage's agent and the analytics sink
    STATE.abandon(m)  # the stage's agent was cancelled with it in hand
    try:
        assert m.ack(consumer) is False and m.ack(consumer) is False  # the sink's copy, then the stage's
        after.ack(consumer), after.ack(consumer)
        assert m not in consumer._unacked_messages and not held(m, dropped=0)
        assert consumer._new_offset(TP0) is None  # offset 14 is read again by the partition's next owner
    finally:
        STATE.reset()


def test_an_abandoned_offset_acknowledged_behind_the_consumer_s_back_is_not_committed(consumer):
    """Faust's compiled stream iterator acknowledges inline, straight into the consumer's books,
    without ``Consumer.ack``: the commit itself leaves an abandoned offset out."""
    consumer._committed_offset[TP0] = 14
    consumer._acked[TP0] = [14, 15, 16]
    STATE.abandon(message(15))
    try:
        assert consumer._new_offset(TP0) == 15  # 14 is committed; 15 is the next to read
    finally:
        STATE.reset()


async def _cancelled_with_a_message_in_hand(consumer, loop_body) -> None:
    """An agent's loop over a real Faust stream (the iterator Faust picks, compiled or not),
    cancelled while working on its one message, offset 14; the stream is then collected, as it is
    after a worker's agents are cancelled."""
    app = consumer.app
    app.flow_control.resume()
    consumer._committed_offset[TP0] = 14
    channel = app.channel()
    m = message(14)
    m.tracked = True
    consumer._unacked_messages.add(m)
    m.incref()
    working = asyncio.Event()

    async def agent(stream):
        async for event in stream.events():
            await loop_body(event, working)

    stream = channel.stream()
    task = asyncio.create_task(agent(stream))
    await stream.channel.queue.put(faust.Event(app, b"k", b"v", {}, m))  # as the conductor delivers it
    await working.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    del task, m
    for _ in range(5):  # the stream's generators are closed once collected
        gc.collect()
        await asyncio.sleep(0)


async def test_plain_faust_acknowledges_a_cancelled_agent_s_message_which_is_why_abandoning_exists(consumer):
    async def body(event, working):
        working.set()
        await asyncio.Event().wait()  # the work, cancelled

    await _cancelled_with_a_message_in_hand(consumer, body)
    assert consumer._new_offset(TP0) == 15  # committed at the consumer's stop, never processed: lost


async def test_a_message_whose_agent_is_cancelled_in_handle_message_is_not_committed(consumer):
    async def body(event, working):
        origin, ref = origin_of(event), weakref.ref(event.message)
        del event

        async def work():
            working.set()
            await asyncio.Event().wait()

        await handle_message("transcribe", origin, ref, work)

    try:
        await _cancelled_with_a_message_in_hand(consumer, body)
        assert consumer._new_offset(TP0) is None  # the partition's next owner reads offset 14 again
    finally:
        STATE.reset()
