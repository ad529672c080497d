"""The node-local bus of the asyncio daemon (implements ``core.ports.LocalBus``).

The twin of ``paceline.sim.node.SimBus``: one core's driver publishes the
events its core emits under a topic; the drivers of the node's other cores
subscribe. Each event is delivered from its own ``loop.call_soon`` callback
(never from inside ``publish``), in publish order; at most ``limit`` events
wait undelivered, beyond that ``publish`` raises ``StateError``.

Example::

    bus = AsyncioBus()
    bus.subscribe("membership", lambda event: cib_driver.feed(cib.on_view, event))
    bus.publish("membership", view)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from paceline.core.errors import StateError
from paceline.core.ports import LOCAL_BUS_LIMIT


class AsyncioBus:
    """See the module docstring; create it inside the running loop."""

    def __init__(self, limit: int = LOCAL_BUS_LIMIT) -> None:
        self.limit = limit
        self.pending = 0
        self._loop = asyncio.get_running_loop()
        self._subscribers: dict[str, list[Callable[[object], None]]] = {}

    def subscribe(self, topic: str, handler: Callable[[object], None]) -> None:
        self._subscribers.setdefault(topic, []).append(handler)

    def publish(self, topic: str, event: object) -> None:
        handlers = self._subscribers.get(topic)
        if not handlers:
            return
        if self.pending >= self.limit:
            raise StateError("AsyncioBus", f"{self.pending} undelivered", "publish")
        self.pending += 1
        self._loop.call_soon(self._deliver, tuple(handlers), event)

    def _deliver(self, handlers: tuple[Callable[[object], None], ...], event: object) -> None:
        self.pending -= 1
        for handler in handlers:
            handler(event)
