"""The asyncio node-local bus: the same contract as the simulator's."""

from __future__ import annotations

import asyncio

import pytest

from paceline.core.errors import StateError
from paceline.core.ports import LocalBus
from paceline.runtime.bus import AsyncioBus


def test_events_reach_subscribers_later_in_order_and_the_bus_is_bounded() -> None:
    async def main() -> tuple[list[object], list[object]]:
        bus = AsyncioBus(limit=3)
        assert isinstance(bus, LocalBus)
        got: list[object] = []
        bus.subscribe("membership", got.append)
        bus.publish("other", "unheard")
        for i in range(3):
            bus.publish("membership", i)
        with pytest.raises(StateError, match="publish"):
            bus.publish("membership", "one too many")
        before = list(got)
        await asyncio.sleep(0)
        bus.publish("membership", 3)
        await asyncio.sleep(0)
        return before, got

    before, got = asyncio.run(main())
    assert before == [] and got == [0, 1, 2, 3]
