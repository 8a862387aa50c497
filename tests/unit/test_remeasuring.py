"""Storage measured again in the background (``streams.usage.metering.Remeasuring``): one measure at a
time per workspace, asks while one runs folded into one more measure after it, a failure logged."""

from __future__ import annotations

import asyncio
import logging

from streams.usage.metering import Remeasuring


def test_asks_while_a_measure_runs_make_one_more_after_it_and_workspaces_do_not_wait_on_each_other():
    measured: list[str] = []
    gate = asyncio.Event()

    async def measure(tenant_id: str) -> None:
        measured.append(tenant_id)
        if tenant_id == "a" and len(measured) == 1:
            await gate.wait()  # the first measure of a lists a big bucket

    async def run() -> None:
        remeasuring = Remeasuring(measure)
        remeasuring.ask("a")
        await asyncio.sleep(0)
        remeasuring.ask("a")
        remeasuring.ask("a")
        remeasuring.ask("b")
        await asyncio.sleep(0.01)
        assert measured == ["a", "b"]  # b measured while a's first measure still runs
        gate.set()
        await remeasuring.idle()

    asyncio.run(run())
    assert measured == ["a", "b", "a"]


def test_a_failed_measure_is_logged_and_the_next_ask_measures_again(caplog):
    calls = []

    async def measure(tenant_id: str) -> None:
        calls.append(tenant_id)
        if len(calls) == 1:
            raise RuntimeError("the bucket is gone")

    async def run() -> None:
        remeasuring = Remeasuring(measure)
        remeasuring.ask("a")
        await remeasuring.idle()
        remeasuring.ask("a")
        await remeasuring.idle()

    with caplog.at_level(logging.ERROR, logger="streams.usage.metering"):
        asyncio.run(run())
    assert calls == ["a", "a"]
    assert "the storage of a was not measured again" in caplog.text and "the bucket is gone" in caplog.text
