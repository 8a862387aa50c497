"""The publisher's gate for work it does every so often (processing posts, statistics)."""

from __future__ import annotations

import asyncio

from streams.publish.publisher import Every


def test_a_gate_opens_once_and_not_again_until_its_seconds_have_passed():
    async def go() -> tuple[bool, ...]:
        hourly, always = Every(3600.0), Every(0.0)
        return hourly.due(), hourly.due(), always.due(), always.due()

    assert asyncio.run(go()) == (True, False, True, True)
