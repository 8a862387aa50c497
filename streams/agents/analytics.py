"""Analytics sink: every pipeline topic into ClickHouse's ``events`` table, in batches.

Every topic is read as raw bytes (``streams.analytics.rows`` turns each message into one typed
row, and a message it cannot read into an ``unreadable`` row), ``BATCH_SIZE`` messages or
``BATCH_SECONDS`` at a time with ``take_events`` -- Faust's ``take`` that keeps each message's
topic and headers, which a row needs (the dead-letter reason rides in the headers).

At-least-once, exact anyway: a redelivered or replayed message is the same row (same sorting key),
which the ``events`` table keeps once, and every rollup aggregates with min/max/uniqExact, which a
duplicate cannot move. An insert that keeps failing is spooled to a file (the raw messages, under
``data_dir/worker/analytics-spool``) and sent with the next insert that succeeds, so an outage of
ClickHouse neither stops the pipeline's topics nor loses a count.

With the embedded engine, the worker owns its data directory (chdb allows one process per
directory) and answers the API's report requests on its web port (``USAGE_PATH``), behind a token
it writes into the data directory at start.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import os
import uuid
import weakref
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from streams.adapters.analytics import USAGE_PATH, AnalyticsStore, issue_token
from streams.analytics.forgetting import forget_deleted
from streams.analytics.rows import from_message
from streams.worker import topics
from streams.worker.app import app, settings
from streams.worker.messages import handle_batch, with_retries
from streams.worker.resources import runtime

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
BATCH_SECONDS = 1.0
FORGET_SECONDS = 10.0
INSERT_TRIES = 4

sink_topics = app.topic(
    *(t.get_topic_name() for t in topics.ALL),
    key_type=bytes,
    key_serializer="raw",
    value_type=bytes,
    value_serializer="raw",
)

_store: AnalyticsStore | None = None
_store_lock = asyncio.Lock()
_token: str | None = None


@app.agent(sink_topics)
async def analytics_sink(stream):
    async for batch in stream.take_events(BATCH_SIZE, within=BATCH_SECONDS):
        messages = [_message(event) for event in batch]
        taken = [weakref.ref(event.message) for event in batch]
        del batch  # no reference to the events kept while writing (see runtime.consume)
        await handle_batch("analytics", taken, partial(write, messages))


@app.task
async def analytics_start() -> None:
    """Own the engine and apply the migrations as the worker starts, not at the first event."""
    try:
        await store()
    except Exception as exc:  # the sink retries and spools; the report route answers 503
        log.error("analytics: ClickHouse could not be opened at start: %s: %s", type(exc).__name__, exc)


@app.task
async def analytics_forget() -> None:
    """Every ``FORGET_SECONDS``: the videos deleted in the catalog lose the words of their talk here
    too (``streams.analytics.forgetting``); restarted if it fails (ClickHouse or the catalog down)."""
    while True:
        try:
            rt = await runtime()
            target = await store()
            while True:
                emptied = await forget_deleted(rt.catalog, target, datetime.now(UTC))
                if emptied:
                    log.info("analytics: the reasons of %d events of deleted videos emptied", emptied)
                await asyncio.sleep(FORGET_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error(
                "analytics: deleted videos not forgotten yet (again in a minute): %s: %s", type(exc).__name__, exc
            )
            await asyncio.sleep(60.0)


@app.page(USAGE_PATH)
async def analytics_usage(web, request):
    """A tenant's report, for the API (embedded engine only: with a server the API reads it)."""
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if _token is None or not hmac.compare_digest(sent.encode(), _token.encode()):
        return web.json({"error": "unauthorized"}, status=401)
    tenant_id = request.query.get("tenant_id", "")
    try:
        days = int(request.query.get("days", "30"))
    except ValueError:
        days = 0
    if not tenant_id or not 1 <= days <= 366:
        return web.json({"error": "tenant_id and days (1 to 366) are required"}, status=400)
    try:
        report = await asyncio.to_thread((await store()).usage, tenant_id, days)
    except Exception as exc:
        log.exception("analytics: the report failed")
        return web.json({"error": f"{type(exc).__name__}: {exc}"[:500]}, status=503)
    return web.json(report)


async def store() -> AnalyticsStore:
    """The store, opened (and migrated) on first use. The worker that opens the embedded engine
    owns it, so it alone issues the API's token: a second worker on the same data directory
    cannot open it, and leaves the token alone."""
    global _store, _token
    async with _store_lock:
        if _store is None:
            _store = await asyncio.to_thread(AnalyticsStore.open, settings)
            if not settings.clickhouse_url:
                _token = issue_token(settings)
    return _store


async def write(messages: list[dict]) -> bool:
    """Insert the rows of ``messages`` (and any spooled before); spool them if ClickHouse keeps
    refusing. True if they were inserted."""

    async def insert():
        target = await store()
        await asyncio.to_thread(target.insert, _rows(messages))
        return target

    try:
        target = await with_retries(insert, INSERT_TRIES)
    except Exception as exc:  # an outage that outlasted the tries: spooled
        path = spool(messages)
        log.error(
            "analytics: %d events not inserted (%s: %s); spooled to %s", len(messages), type(exc).__name__, exc, path
        )
        return False
    await _resend_spooled(target)
    return True


def _message(event) -> dict:
    message = event.message
    headers = event.headers
    if not isinstance(headers, dict):
        headers = dict(headers or ())
    return {"topic": message.topic, "value": event.value or b"", "headers": headers, "timestamp": message.timestamp}


def _rows(messages: list[dict]) -> list[tuple]:
    return [from_message(m["topic"], m["value"], m["headers"], m["timestamp"]) for m in messages]


# -- the spool: raw messages whose insert failed, sent again later ---------------------------------
def spool_dir() -> Path:
    return settings.data_dir / "worker" / "analytics-spool"


def spool(messages: list[dict], folder: Path | None = None) -> Path:
    path = (folder or spool_dir()) / f"{uuid.uuid4().hex}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    with open(part, "w") as f:
        for m in messages:
            f.write(
                json.dumps(
                    {
                        "topic": m["topic"],
                        "value": _b64(m["value"]),
                        "timestamp": m["timestamp"],
                        "headers": {k: _b64(v) for k, v in m["headers"].items()},
                    }
                )
                + "\n"
            )
    part.replace(path)
    return path


def _unspool(path: Path) -> list[dict]:
    messages = []
    for line in path.read_text().splitlines():
        m = json.loads(line)
        messages.append(
            {
                "topic": m["topic"],
                "value": base64.b64decode(m["value"]),
                "timestamp": m["timestamp"],
                "headers": {k: base64.b64decode(v) for k, v in m["headers"].items()},
            }
        )
    return messages


async def _resend_spooled(target: AnalyticsStore, folder: Path | None = None) -> None:
    """Send every spooled file to ``target``, each claimed by renaming it to ``.sending-<pid>``.
    A claim whose process is gone (killed while sending) is taken back first: the file would
    otherwise never be sent, and its messages, acknowledged when spooled, would be lost."""
    folder = folder or spool_dir()
    if not folder.is_dir():
        return
    for claimed in folder.glob("*.sending-*"):
        owner = claimed.suffix.removeprefix(".sending-")
        if owner.isdigit() and int(owner) != os.getpid() and not _alive(int(owner)):
            try:
                claimed.rename(claimed.with_suffix(".jsonl"))
                log.warning("analytics: took back %s, whose sender (pid %s) is gone", claimed.name, owner)
            except OSError:  # another sender took it back first
                continue
    for path in sorted(folder.glob("*.jsonl")):
        claimed = path.with_suffix(f".sending-{os.getpid()}")
        try:
            path.rename(claimed)  # one sender per file, even with two workers on one data directory
        except OSError:
            continue
        try:
            await asyncio.to_thread(target.insert, _rows(_unspool(claimed)))
        except Exception as exc:
            claimed.rename(path)
            log.warning("analytics: the spooled %s is still not inserted: %s", path.name, exc)
            return
        claimed.unlink()
        log.info("analytics: sent the spooled %s", path.name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _b64(value) -> str:
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value or b"").decode()
