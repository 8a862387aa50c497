"""The worker's Kafka consumer: Faust's, with the rebalance holes in its at-least-once closed.

A message may be committed only when every agent that was handed it has finished with it. Faust
(faust-streaming 0.15) keeps that promise in steady state, but a rebalance opens four holes, each
seen in this project's fault suite (a second worker joining and leaving):

1. **A stall.** On a revoke Faust empties every agent's inbox (``flow_control.clear``) and then
   waits until every message an agent has started is acknowledged. A message read by two agents
   (each stage's agent and the analytics sink read the same topic) counts one reference per agent;
   when one agent has started it and the other's copy was still in the emptied inbox, that copy is
   never acknowledged, the count never reaches zero, and the wait never ends: every stage of the
   worker stops. Here the wait is for messages an agent still *holds*: references beyond the
   copies dropped from inboxes (``DroppingFlowControl`` counts them). Such a message is never
   acknowledged, so never committed, and the next owner of its partition reads it again.
2. **Commits past a gap during the revoke.** Faust forgets what a revoked partition acknowledged
   and committed *before* waiting, so the commits made while it waits start from whatever is
   acknowledged next, over any unacknowledged message before it. Here that state is kept until the
   wait is over.
3. **An off-by-one at the head.** Faust's guard against committing over an unacknowledged message
   right after the last commit lets a gap of exactly one message through (it compares with ``> 1``
   where the committed offset is already the next one to read). Here any gap holds the commit.
4. **Acknowledgements of messages it never processed.** A message fetched before a rebalance and
   handed over after it (an older generation), or taken from an inbox while the flow is suspended,
   is skipped by the agent and acknowledged as if done. Here such a message is never committed: the
   partition's new owner (or this worker again) reads it from the committed offset.

The same goes for a message a stopping worker abandons (one its grace period did not finish, or
one it set aside unstarted: ``streams.worker.shutdown``). Faust's stream acknowledges the event an agent
holds when the stream's generator is closed (the ``finally`` around its ``yield``; ``take_events``
acknowledges its whole batch): as Faust stops the streams it tracks, which need not wait for the
agent's cancellation, with the consumer's periodic commits still running, or once a cancelled
agent's stream is collected; and its compiled stream iterator acknowledges straight into
``_acked``, without ``ack``. Here the offset of a message marked abandoned
(``runtime.handle_message``, ``handle_batch``) is left out of every commit (``_new_offset``), and
the worker marks what its agents are on before Faust's stop begins.

A message that is not committed is read again, which the pipeline absorbs (every stage is
idempotent: the crash-window and fault suites prove it); a committed message that no agent
processed is lost for good. Every rule here chooses the first.

The wait is bounded (``WAIT_FRACTION`` of the broker's rebalance timeout, past which the group
would drop this worker anyway): a handler still running then finishes on its own, and its
acknowledgement, of an older generation by then, commits nothing.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import MutableMapping
from typing import Any

import faust
from faust.transport.consumer import CONSUMER_PARTITIONS_REVOKED
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.utils.tracing import traced_from_parent_span
from mode import Service
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

from streams.ops.tracing import kafka_headers
from streams.worker.shutdown import STATE

log = logging.getLogger(__name__)

#: How much of the broker's rebalance timeout a revoke may spend waiting for running handlers.
WAIT_FRACTION = 0.75


class DroppingFlowControl(FlowControlEvent):
    """Faust's flow control, counting the message copies each ``clear`` drops from the agents'
    inboxes: those copies will never be acknowledged (``dropped``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._dropped: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def clear(self) -> None:
        for queue in list(self._queues):
            for item in list(getattr(queue, "_queue", ())):
                message = getattr(item, "message", None)
                if message is not None:
                    self._dropped[message] = self._dropped.get(message, 0) + 1
        super().clear()

    def dropped(self, message) -> int:
        """How many copies of ``message`` were dropped from inboxes unprocessed."""
        return self._dropped.get(message, 0)


def held(message, dropped: int) -> bool:
    """Whether an agent is still working on ``message``: it is unacknowledged and has more
    references than copies dropped from inboxes."""
    return not message.acked and message.refcount > dropped


def committable(message, generation_id: int | None) -> bool:
    """Whether ``message``, acknowledged by its last agent, was processed and may be committed: an
    agent took it while the flow was on (``tracked``; one skipped by every agent never is), and it
    was fetched in the current ``generation_id`` of the group."""
    if message.generation_id is not None and message.generation_id != generation_id:
        return False
    return bool(message.tracked)


class Consumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer with the four rules above."""

    def ack(self, message) -> bool:
        if STATE.abandoned(message) or not committable(message, self.app.consumer_generation_id):
            # Forget it without committing: it is read again from the committed offset.
            self._unacked_messages.discard(message)
            return False
        return super().ack(message)

    def _new_offset(self, tp):
        acked = self._acked[tp]
        abandoned = STATE.abandoned_offsets(tp.topic, tp.partition)
        if abandoned and acked:  # acknowledged by Faust's stream as it closed, never processed
            acked[:] = [offset for offset in acked if offset not in abandoned]
        if acked and not self._gap[tp]:
            acked.sort()
            committed = self._committed_offset[tp]
            if committed is not None and acked[0] > committed:
                return None  # the next message to read is not acknowledged yet
        return super()._new_offset(tp)

    @Service.transitions_to(CONSUMER_PARTITIONS_REVOKED)
    async def on_partitions_revoked(self, revoked) -> None:
        # Faust forgets the revoked partitions' acknowledgements and committed offsets first and
        # then waits and commits; here they are forgotten after, so those commits stop at any gap.
        span = self.app._start_span_from_rebalancing("on_partitions_revoked")
        with span:
            if self._active_partitions is not None:
                self._active_partitions.difference_update(revoked)
            self._paused_partitions.difference_update(revoked)
            try:
                await traced_from_parent_span(span)(self._on_partitions_revoked, partitions=revoked)(revoked)
            finally:
                for tp in revoked:
                    for state in (self._gap, self._acked, self._acked_index, self._read_offset, self._committed_offset):
                        state.pop(tp, None)

    async def wait_empty(self) -> None:
        """Wait (bounded) until no agent holds a message, committing as acknowledgements come in;
        then commit what is acknowledged."""
        flow_control = self.app.flow_control
        assert isinstance(flow_control, DroppingFlowControl), "App installs this consumer with it"
        dropped = flow_control.dropped
        deadline = time.monotonic() + WAIT_FRACTION * float(self.app.conf.broker_rebalance_timeout)
        while not self.should_stop:
            if STATE.stopping:
                await self._wait_for_work_in_hand(deadline)
                break
            waiting = [m for m in list(self._unacked_messages) if held(m, dropped(m))]
            if not waiting:
                break
            if time.monotonic() >= deadline:
                log.warning(
                    "rebalance: stopped waiting for %d message(s) still in hand (%s); they are "
                    "not committed and will be read again",
                    len(waiting),
                    ", ".join(f"{m.topic}:{m.partition}:{m.offset}" for m in waiting[:5]),
                )
                break
            await self.commit()
            await self._wait_for_ack(timeout=1)
        await self.commit_and_end_transactions()

    async def _wait_for_work_in_hand(self, deadline: float) -> None:
        """A stopping worker's wait: for the work in hand (``shutdown.STATE``), not for every
        message an agent holds (one set aside unstarted is held until the agent is cancelled),
        within what is left of the grace period: at once when the stop itself gets here (the worker
        has waited already), the rest of the grace for a rebalance during it."""
        if not await STATE.wait_idle(until=deadline):
            log.warning(
                "stopping: not waiting for the work in hand any longer (%s); it is not committed and "
                "will be read again",
                ", ".join(STATE.in_hand[:5]),
            )


class App(faust.App):
    """Faust's app on this module's consumer and flow control."""

    @cached_property
    def flow_control(self) -> DroppingFlowControl:
        return DroppingFlowControl(loop=self.loop)

    def _new_transport(self):
        transport = super()._new_transport()
        # Faust's transport makes its consumer from this attribute; its annotations call it a class
        # variable, but it is read through the instance, so setting it here reaches this app only.
        transport.Consumer = Consumer  # type: ignore[misc]
        return transport


class TracedTopic(faust.Topic):
    """A Faust topic whose every message carries the sender's trace context in its headers."""

    def prepare_headers(self, headers: Any) -> Any:
        prepared = super().prepare_headers(headers)
        extra = kafka_headers()
        if not extra:
            return prepared
        if prepared is None:
            return extra
        if isinstance(prepared, MutableMapping):
            for key, value in extra:
                prepared.setdefault(key, value)
            return prepared
        present = {k for k, _ in prepared}
        return [*prepared, *((k, v) for k, v in extra if k not in present)]
