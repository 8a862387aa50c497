"""The fault suite (``pytest -m fault``, part of every full run): scenarios that kill workers,
rebalance them, restart Kafka, Triton and PostgreSQL, upload the hostile corpus among normal
videos and 20 videos at once, each checked by one checker (``invariants``) into a row of a table
printed at the end of the session and written to ``.local/fault-report.json``.

Where it runs: on a private stack of its own (``faults`` fixture, package scope: started by the
first fault test, removed after the last), with its own API and worker, never on the session's
stack. Its faults (restarted infrastructure, killed and extra workers, a worker stopped for the
ClickHouse read at the end) would otherwise reach every test that runs after or beside it, and
the session's ordering rules (``tests/conftest.py``: ``test_app_processes`` starts and stops the
session's API and worker) would not hold. The price is one more stack start, about 20 s here
(Kafka, PostgreSQL, MinIO, Triton with Whisper, ClickHouse, then the API and worker; measured
12 s + 4 s on the 2-core machine), which is also why the suite can run on its own.

Randomness (where the kills land, which stage a restart hits) comes from one seed, printed with
the table; ``CLIPSTREAM_FAULT_SEED`` replays a run.
"""

from __future__ import annotations

import os
import random
import uuid

import pytest

from streams.settings import project_root
from streams.stack import supervisor
from tests.conftest import _reporter, fresh_stack_settings
from tests.faults.harness import FaultStack
from tests.faults.media import jfk_talk, reading_talk
from tests.faults.receiver import WebhookReceiver
from tests.faults.report import LEDGER
from tests.faults.scenario import FaultRun

FAULT_SETTINGS = {
    "render_preset": "ultrafast",  # spare the two cores; the clips' quality is not what is tested
    "webhook_allowed_hosts": "127.0.0.1",  # the receiver is on loopback
    "webhook_retry_schedule": "1,1,2,2,3",  # the receiver refuses first attempts: retry within seconds
    "webhook_timeout_seconds": 5.0,
    "chunk_min_seconds": 8.0,  # a 30 s talk is three chunks: a video spends a while in transcribe
    "chunk_max_seconds": 12.0,
    "rate_limit_per_second": 200.0,  # 20 uploads at once from one key
    "rate_limit_burst": 400,
    "media_sandbox_probe_seconds": 10.0,  # the corpus's reader stall is cut off after 10 s, not 60
}


def fault_seed() -> int:
    given = os.environ.get("CLIPSTREAM_FAULT_SEED")
    return int(given) if given else random.SystemRandom().randrange(10**9)


@pytest.fixture(scope="package")
def faults(request, media_dir, tmp_path_factory) -> FaultRun:
    say = _reporter(request.config)
    seed = fault_seed()
    LEDGER.seed = seed
    say(f"faults: seed {seed} (replay with CLIPSTREAM_FAULT_SEED={seed})")
    built = tmp_path_factory.mktemp("fault_media")
    media = {"reading": reading_talk(media_dir, built), "jfk": jfk_talk(media_dir, built)}
    settings = fresh_stack_settings(project_root() / ".local" / f"test-faults-{uuid.uuid4().hex[:8]}",
                                    **FAULT_SETTINGS)
    stack = FaultStack(settings, say)
    say(f"faults: starting a private stack in {settings.data_dir}")
    try:
        stack.up()
        with WebhookReceiver() as receiver:
            yield FaultRun(stack, receiver, LEDGER, media, seed)
    finally:
        try:
            stack.down()
        finally:
            supervisor.purge(settings)
            if LEDGER.records:
                LEDGER.write()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not LEDGER.records:
        return
    terminalreporter.write_sep("=", "fault suite")
    for line in LEDGER.table().splitlines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"written to {LEDGER.write()}")
