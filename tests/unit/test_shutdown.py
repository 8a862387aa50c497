"""A worker's graceful stop (``streams.worker.shutdown``) and the rules the agents' loop follows while it
stops (``streams.worker.messages``): the work in hand may finish within the grace, nothing new is started,
a retriable failure is set aside instead of retried or given up, and a message whose work is
cancelled is abandoned. The real state, the real ``run_guarded`` and ``handle_message``, no broker:
nothing here gets as far as sending anything."""

from __future__ import annotations

import asyncio
import weakref

import pytest
from faust.transport.consumer import ConsumerMessage

from streams.ops import metrics

from streams.worker import messages
from streams.domain.deadletters import Origin
from streams.errors import SandboxUnavailable
from streams.worker.shutdown import STATE, Stopping
from streams.worker.process import let_work_finish

VIDEO = "vid_stop"


@pytest.fixture(autouse=True)
def fresh_state():
    STATE.reset()
    yield
    STATE.reset()


def message(offset: int = 7) -> ConsumerMessage:
    return ConsumerMessage("audio_chunks", 0, offset, 0.0, 0, None, b"k", b"v", None, generation_id=1)


async def settle() -> None:
    """Let every task that can run, run."""
    for _ in range(20):
        await asyncio.sleep(0)


# -- the state ---------------------------------------------------------------------------------------
async def test_nothing_in_hand_is_idle_at_once():
    state = Stopping()
    state.begin(30.0)
    assert state.stopping and await state.wait_idle()


async def test_the_work_in_hand_may_finish_within_the_grace():
    state = Stopping()
    release = asyncio.Event()

    async def work():
        with state.holding("render vid_1"):
            await release.wait()

    task = asyncio.create_task(work())
    await settle()
    state.begin(60.0)
    waiting = asyncio.create_task(state.wait_idle())
    await settle()
    assert not waiting.done() and state.in_hand == ["render vid_1"]
    release.set()
    assert await waiting is True
    assert state.in_hand == []
    await task


async def test_work_still_in_hand_when_the_grace_is_over_is_named():
    state = Stopping()
    with state.holding("transcribe vid_2"):
        state.begin(0.0)
        assert await state.wait_idle() is False
        assert state.in_hand == ["transcribe vid_2"]


async def test_a_second_signal_ends_the_grace_at_once():
    state = Stopping()
    with state.holding("ingest vid_3"):
        state.begin(3600.0)
        waiting = asyncio.create_task(state.wait_idle())
        await settle()
        assert not waiting.done()
        state.hurry()
        assert await waiting is False
        assert state.grace_left() == 0.0


async def test_a_retry_pause_ends_when_the_worker_begins_to_stop():
    state = Stopping()
    assert await state.pause(0.01) is False  # not stopping: the whole pause
    pausing = asyncio.create_task(state.pause(3600.0))
    await settle()
    assert not pausing.done()
    state.begin(20.0)
    assert await pausing is True


async def test_a_message_set_aside_waits_until_cancelled():
    state = Stopping()
    aside = asyncio.create_task(state.set_aside())
    await settle()
    assert not aside.done()
    aside.cancel()
    with pytest.raises(asyncio.CancelledError):
        await aside


def test_an_abandoned_message_is_remembered_by_its_place_not_kept_alive():
    state = Stopping()
    kept, other = message(1), message(2)
    state.abandon(kept)
    state.abandon(None)  # a message already collected: nothing to remember
    assert state.abandoned(kept) and not state.abandoned(other)
    assert not state.abandoned("not a message")
    ref = weakref.ref(kept)
    del kept
    assert ref() is None  # its stream may collect it once acknowledged...
    assert state.abandoned(message(1)) and state.abandoned_offsets("audio_chunks", 0) == {1}  # ...its offset stays


# -- the agents' loop --------------------------------------------------------------------------------
def origin(offset: int = 7) -> Origin:
    return Origin(topic="audio_chunks", partition=0, offset=offset, key=VIDEO.encode(), value=b"{}")


async def test_no_message_is_started_once_stopping_and_it_is_abandoned_when_cancelled():
    STATE.begin(20.0)
    m, started = message(), []

    async def work():
        started.append(1)

    task = asyncio.create_task(messages.handle_message("transcribe", origin(), weakref.ref(m), work))
    await settle()
    assert not task.done() and started == []
    assert STATE.abandoned(m)  # at once: Faust may acknowledge it as it stops, before it cancels the agent
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert started == [] and STATE.abandoned(m)


async def test_a_message_whose_work_is_cancelled_is_abandoned():
    m, release = message(), asyncio.Event()

    async def work():
        await release.wait()

    task = asyncio.create_task(messages.handle_message("render", origin(), weakref.ref(m), work))
    await settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert STATE.abandoned(m)


async def test_a_finished_message_is_not_abandoned():
    m, done = message(), []

    async def work():
        done.append(1)

    await messages.handle_message("render", origin(), weakref.ref(m), work)
    assert done == [1] and not STATE.abandoned(m)


def guarded(work, stage: str = "transcribe"):
    return messages.run_guarded(stage, tenant_id="tenant_stop", video_id=VIDEO, raw=b'{"event_id": "e1"}',
                               source_topic="audio_chunks", work=work)


def outcomes(stage: str) -> dict[str, float]:
    """How many messages of ``stage`` ended with each outcome so far (the stage histogram's counts)."""
    counts = {}
    for family in metrics.REGISTRY.collect():
        for sample in family.samples:
            if sample.name == "clipstream_stage_seconds_count" and sample.labels.get("stage") == stage:
                counts[sample.labels["outcome"]] = sample.value
    return counts


async def test_work_in_hand_when_the_stop_begins_finishes():
    release, before = asyncio.Event(), outcomes("moments")

    async def work():
        await release.wait()

    task = asyncio.create_task(guarded(work, "moments"))
    await settle()
    assert STATE.in_hand == [f"moments {VIDEO}"]
    STATE.begin(20.0)
    release.set()
    assert await task is True
    assert STATE.in_hand == []
    assert outcomes("moments").get("ok", 0) == before.get("ok", 0) + 1


async def test_a_retriable_failure_while_stopping_is_set_aside_not_retried_nor_given_up():
    STATE.begin(20.0)
    tries, before = [], outcomes("ingest")

    async def work():
        tries.append(1)
        raise SandboxUnavailable("the media sandbox was stopped (SIGTERM) while the worker was stopping")

    task = asyncio.create_task(guarded(work, "ingest"))
    await settle()
    assert STATE.in_hand == []  # no longer in hand: the worker need not wait for it
    assert not task.done(), "it must not return: the loop would advance and acknowledge the message"
    assert tries == [1]
    after = outcomes("ingest")
    assert after.get("abandoned", 0) == before.get("abandoned", 0) + 1
    assert after.get("failed", 0) == before.get("failed", 0)  # not given up: no dead letter, no failed video
    assert after.get("retried", 0) == before.get("retried", 0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_stop_during_a_retry_pause_sets_the_message_aside_without_another_try():
    failed, tries = asyncio.Event(), []

    async def work():
        tries.append(1)
        failed.set()
        raise SandboxUnavailable("Triton is down")

    task = asyncio.create_task(guarded(work, "render"))
    await failed.wait()  # run_guarded is now in its pause before the second try
    await settle()
    assert STATE.in_hand == [f"render {VIDEO}"]
    STATE.begin(20.0)
    await settle()
    assert STATE.in_hand == []
    assert not task.done() and tries == [1]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_worker_waits_for_the_work_in_hand_then_reports_what_it_abandons():
    release = asyncio.Event()

    async def work():
        with STATE.holding("render vid_4"):
            await release.wait()

    task = asyncio.create_task(work())
    await settle()
    STATE.begin(60.0)
    finishing = asyncio.create_task(let_work_finish("SIGTERM"))
    await settle()
    assert not finishing.done()
    release.set()
    assert await finishing is True
    await task

    stuck = asyncio.create_task(work())  # a new hold; the grace is cut short
    release.clear()
    await settle()
    STATE.hurry()
    assert await let_work_finish("SIGTERM") is False
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck


async def test_what_the_agents_are_on_when_the_grace_ends_is_abandoned_before_faust_stops():
    m, release = message(9), asyncio.Event()

    async def work():
        await release.wait()

    task = asyncio.create_task(messages.handle_message("render", origin(9), weakref.ref(m), work))
    await settle()
    STATE.begin(0.0)
    assert not STATE.abandoned(m)
    await let_work_finish("SIGTERM")
    assert STATE.abandoned(m)  # before the stop closes the agent's stream, which acknowledges it
    release.set()  # even if it then finishes, it is done again by the partition's next owner
    await task


async def test_a_sink_s_batch_is_in_hand_while_written_and_abandoned_whole_if_cancelled():
    ms, release = [message(1), message(2)], asyncio.Event()

    async def write():
        await release.wait()

    task = asyncio.create_task(messages.handle_batch("analytics", [weakref.ref(m) for m in ms], write))
    await settle()
    assert STATE.in_hand == ["analytics (2 messages)"]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(STATE.abandoned(m) for m in ms) and STATE.in_hand == []


async def test_no_batch_is_started_once_stopping():
    STATE.begin(20.0)
    ms, written = [message(3)], []

    async def write():
        written.append(1)

    task = asyncio.create_task(messages.handle_batch("search", [weakref.ref(m) for m in ms], write))
    await settle()
    assert not task.done() and written == [] and STATE.in_hand == []
    assert STATE.abandoned(ms[0])
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert STATE.abandoned(ms[0])
