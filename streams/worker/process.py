"""The Faust worker process, started as ``python -m streams.worker [--web-port N]``.

``Worker`` is the app's worker class (``streams.worker.app``: ``App(..., Worker=...)``): Faust's, with a
graceful stop. On the first SIGTERM or SIGINT it stops taking messages, lets the work in hand
finish within ``Settings.worker_stop_grace_seconds`` and abandons what is left, uncommitted, for
the next owner of its partitions (``streams.worker.shutdown``); then Faust's own stop runs (the consumer
leaves its groups, the agents are cancelled). A second signal ends the grace at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import faust

from streams.worker.shutdown import STATE

log = logging.getLogger("clipstream")


class Worker(faust.Worker):
    """Faust's worker, stopping gracefully on SIGTERM and SIGINT (see the module)."""

    def _schedule_shutdown(self, signum: signal.Signals) -> None:
        if self._signal_stop_time:  # a second signal: stop waiting for the work in hand
            log.warning(
                "stop: %s again; not waiting for the work in hand (%s)",
                _name(signum),
                ", ".join(STATE.in_hand) or "none",
            )
            STATE.hurry()
            return
        from streams.worker.app import settings

        STATE.begin(settings.worker_stop_grace_seconds)
        super()._schedule_shutdown(signum)

    async def _stop_on_signal(self, signum: signal.Signals) -> None:
        await let_work_finish(_name(signum))
        await super()._stop_on_signal(signum)

    async def on_shutdown(self) -> None:
        # The agents are stopped: a reader that a cancelled job's thread started since the grace
        # ended would hold the process's exit (which waits for that thread) for its wall clock.
        from streams.media.sandbox import handle

        handle.stop_all()
        await super().on_shutdown()


async def let_work_finish(why: str) -> bool:
    """Wait until nothing is in hand or the grace is over; abandon every message the agents are
    still on (``shutdown.abandon_taken``); stop the media sandbox's children still running, so their
    jobs end (retriable, abandoned) instead of holding the stop. True if nothing was left in hand."""
    from streams.media.sandbox import handle

    in_hand = STATE.in_hand
    if in_hand:
        log.info(
            "stop (%s): taking no new messages; %.0f s for the %d in hand to finish: %s",
            why,
            STATE.grace_left(),
            len(in_hand),
            ", ".join(in_hand),
        )
    else:
        log.info("stop (%s): nothing in hand", why)
    idle = await STATE.wait_idle()
    # Before Faust's own stop, which acknowledges what its agents hold as it closes their streams,
    # committing as it goes: the messages set aside, and any still in hand, are never committed.
    STATE.abandon_taken()
    if idle:
        if in_hand:
            log.info("stop: the work in hand finished")
        return True
    left = STATE.in_hand
    log.warning(
        "stop: abandoning %d message(s) still in hand (%s); they are not committed, and the next owner of "
        "their partitions takes them over",
        len(left),
        ", ".join(left),
    )
    handle.stop_all()
    return False


def _name(signum) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


def load_models(agents: str) -> list[str]:
    """Load the models the agent groups in ``agents`` (``CLIPSTREAM_AGENTS``) run in-process,
    before the worker joins its consumer groups: a missing model stops the start with
    ``ModelMissing`` instead of failing every video later. Returns what was loaded."""
    from streams.services.agent_groups import agent_groups

    loaded = []
    if "moments" in agent_groups(agents):
        from streams.moments.readers import editorial_head, multilingual_reader, sentence_encoder

        sentence_encoder()
        editorial_head()
        multilingual_reader()
        loaded += ["sentence encoder", "editorial head", "multilingual reader"]
    return loaded


def main(argv: list[str] | None = None) -> None:
    from streams.adapters.kafka_admin import ensure_topics
    from streams.errors import ModelMissing
    from streams.ops.error_reports import init_sentry
    from streams.ops.tracing import init_tracing
    from streams.worker import topics
    from streams.worker.app import app, settings

    init_sentry(settings, "worker")
    init_tracing("worker", settings.environment)
    try:
        log.info("worker: loaded %s", ", ".join(load_models(settings.agents)) or "no in-process models")
    except ModelMissing as exc:
        log.error("worker: cannot start: %s", exc.message)
        raise SystemExit(f"clipstream-worker: {exc.message}") from exc
    asyncio.run(
        ensure_topics(
            settings.kafka_bootstrap,
            [t.get_topic_name() for t in topics.ALL],
            settings.kafka_partitions,
            settings.kafka_replication,
        )
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["clipstream-worker", "worker", "--loglevel", "info", *argv]
    app.main()
