"""A publisher process for the publishing tests: ``python -m tests.publisher_run`` with its
settings in the environment. It publishes due posts until none is left to publish (or for
``PUBLISH_SECONDS``), and, with ``PUBLISH_KILL_AT=<checkpoint>:<n>``, kills itself with SIGKILL
the n-th time it reaches that checkpoint (``streams.publish.publisher``): no cleanup, no goodbye.

Environment: ``PUBLISH_DSN`` (owner role), ``PUBLISH_KEYS`` (Fernet keys), ``PUBLISH_MEDIA`` (the
clip file every post sends), ``PUBLISH_YT`` (``api_url|token_url|ca_certs|client_id|secret``),
``PUBLISH_LEASE`` (seconds), ``PUBLISH_POSTS`` (the post ids to wait for, comma-separated)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import asyncpg

from streams.publish import store
from streams.publish.publisher import Publisher, platforms
from streams.publish.tokens import TokenCipher
from streams.publish.youtube import CHUNK_UNIT, YouTube, YouTubeClient


def checkpoint_killing_at(spec: str):
    name, _, nth = spec.partition(":")
    seen = {"n": 0}

    def checkpoint(reached: str) -> None:
        if reached == name:
            seen["n"] += 1
            if seen["n"] == int(nth or 1):
                os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


async def main() -> None:
    api_url, token_url, ca_certs, client_id, secret = os.environ["PUBLISH_YT"].split("|")
    client = YouTubeClient(client_id, secret, api_url=api_url, token_url=token_url, ca_certs=ca_certs,
                           chunk_bytes=CHUNK_UNIT)
    media = Path(os.environ["PUBLISH_MEDIA"])

    async def media_of(_post) -> Path:
        return media

    kill = os.environ.get("PUBLISH_KILL_AT")
    pool = await asyncpg.create_pool(os.environ["PUBLISH_DSN"], min_size=1, max_size=8)
    publisher = Publisher(
        pool,
        TokenCipher.from_setting(os.environ["PUBLISH_KEYS"]),
        platforms({"youtube": lambda grant, _renew: YouTube(client, grant)}),
        media_of,
        lease_seconds=float(os.environ.get("PUBLISH_LEASE", "3")),
        retry_seconds=1.0,
        batch=int(os.environ.get("PUBLISH_BATCH", "4")),
        poll_seconds=0.2,
        checkpoint=checkpoint_killing_at(kill) if kill else (lambda _name: None),
    )
    wanted = [p for p in os.environ.get("PUBLISH_POSTS", "").split(",") if p]
    deadline = time.monotonic() + float(os.environ.get("PUBLISH_SECONDS", "120"))
    while time.monotonic() < deadline:
        await publisher.run_once()
        async with pool.acquire() as conn:
            if wanted and await store.due_count(conn, wanted) == 0:
                break
        await asyncio.sleep(0.2)
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main())
