"""``messages.with_retries``: the sinks' tries with doubling pauses, the last failure raised."""

import asyncio

import pytest

from streams.worker import messages


def test_tries_again_with_doubling_pauses_and_returns_the_first_success(monkeypatch):
    pauses, calls = [], []

    async def sleep(seconds):
        pauses.append(seconds)

    async def work():
        calls.append(1)
        if len(calls) < 3:
            raise OSError("down")
        return "done"

    monkeypatch.setattr(messages.asyncio, "sleep", sleep)
    assert asyncio.run(messages.with_retries(work, tries=4)) == "done"
    assert len(calls) == 3 and pauses == [0.5, 1.0]


def test_the_last_failure_is_raised_after_the_tries(monkeypatch):
    pauses = []

    async def sleep(seconds):
        pauses.append(seconds)

    async def work():
        raise OSError(f"down {len(pauses)}")

    monkeypatch.setattr(messages.asyncio, "sleep", sleep)
    with pytest.raises(OSError, match="down 3"):
        asyncio.run(messages.with_retries(work, tries=4, delay=0.25))
    assert pauses == [0.25, 0.5, 1.0]
