"""Work a worker does on a timer beside its agents (a Faust ``app.task`` awaits ``repeat``): each
round with the worker's resources, a failed round logged and the rounds begun again shortly after,
so a database or bucket that is down for a while stops nothing for good."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from streams.worker.resources import Runtime, runtime

log = logging.getLogger(__name__)

RESTART_SECONDS = 5.0


async def repeat(
    what: str, round_: Callable[[Runtime], Awaitable[object]], seconds: Callable[[Runtime], float]
) -> None:
    """Await ``round_(rt)`` every ``seconds(rt)`` for as long as the worker runs, the first at once;
    after a failure (logged as ``what`` failing) the rounds begin again in ``RESTART_SECONDS``."""
    while True:
        try:
            rt = await runtime()
            while True:
                await round_(rt)
                await asyncio.sleep(seconds(rt))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again in %.0f s", what, RESTART_SECONDS)
            await asyncio.sleep(RESTART_SECONDS)
