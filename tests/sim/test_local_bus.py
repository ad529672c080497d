"""The node-local bus: one core's events reach another core of the same node, in order,
never re-entrantly, never another node's, and they die with the node."""

from __future__ import annotations

from collections import deque

import pytest

from paceline.core.errors import StateError
from paceline.core.ports import LocalBus, LocalCore
from paceline.sim.net import SimNetwork
from paceline.sim.node import Cluster, LocalDriver, NodeContext
from paceline.sim.world import Simulator


class Ticker:
    """A LocalCore that emits ``tick N`` every second."""

    def __init__(self, now: float) -> None:
        self.next = now + 1.0
        self.n = 0
        self.events: deque[object] = deque()

    def handle_timer(self, now: float) -> None:
        while self.next <= now:
            self.n += 1
            self.events.append(f"tick {self.n}")
            self.next += 1.0

    def next_event(self) -> object | None:
        return self.events.popleft() if self.events else None

    def next_deadline(self) -> float | None:
        return self.next


class Counter:
    """A LocalCore fed through the bus: reports every event it is given."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.events: deque[object] = deque()

    def on_tick(self, event: str, now: float) -> None:
        self.seen.append(event)
        self.events.append(f"counted {event}")

    def handle_timer(self, now: float) -> None: ...

    def next_event(self) -> object | None:
        return self.events.popleft() if self.events else None

    def next_deadline(self) -> float | None:
        return None


def two_core_node(c: Cluster, name: str, counters: dict[str, Counter]) -> None:
    def boot(ctx: NodeContext) -> None:
        assert isinstance(ctx.bus, LocalBus)
        counter = counters[f"{name}#{ctx.incarnation}"] = Counter()
        assert isinstance(counter, LocalCore)
        counting = LocalDriver(ctx, counter, topic="counter")
        ctx.bus.subscribe("ticker", lambda event: counting.feed(counter.on_tick, str(event)))
        LocalDriver(ctx, Ticker(ctx.now()), topic="ticker")

    c.add_node(name, boot).start()


def test_a_cores_events_reach_the_other_core_of_its_node_only() -> None:
    sim = Simulator(1)
    c = Cluster(sim, SimNetwork(sim), keep_history=True)
    counters: dict[str, Counter] = {}
    two_core_node(c, "n1", counters)
    c.add_node("n2", lambda ctx: ctx.bus.subscribe("ticker", lambda e: counters.clear())).start()
    sim.run_until(3.5)
    assert counters["n1#0"].seen == ["tick 1", "tick 2", "tick 3"]
    n1 = [str(o.event) for o in c.history if o.node == "n1" and isinstance(o.event, str)]
    # Each tick is observed, then delivered later (not inside publish), then counted.
    assert n1 == [
        "tick 1",
        "counted tick 1",
        "tick 2",
        "counted tick 2",
        "tick 3",
        "counted tick 3",
    ]


def test_bus_events_wait_for_a_paused_node_and_die_with_a_crash() -> None:
    sim = Simulator(1)
    c = Cluster(sim, SimNetwork(sim))
    counters: dict[str, Counter] = {}
    two_core_node(c, "n1", counters)
    node = c.nodes["n1"]
    sim.run_until(1.5)
    node.pause()
    sim.run_until(3.5)
    assert counters["n1#0"].seen == ["tick 1"]
    node.resume()
    sim.run_until(3.6)
    assert counters["n1#0"].seen == ["tick 1", "tick 2", "tick 3"]  # late, in order
    ctx = node.context
    assert ctx is not None
    ctx.bus.publish("ticker", "in flight")  # published, not yet delivered
    node.crash()
    sim.run_until(10.0)
    assert counters["n1#0"].seen[-1] == "tick 3"
    node.start()
    sim.run_until(11.5)
    assert counters["n1#1"].seen == ["tick 1"]  # a fresh life, a fresh bus


def test_the_bus_is_bounded() -> None:
    sim = Simulator(1)
    c = Cluster(sim, SimNetwork(sim))
    contexts: list[NodeContext] = []
    c.add_node("n1", contexts.append).start()
    bus = contexts[0].bus
    bus.subscribe("t", lambda e: None)
    bus.publish("nobody-listens", "free")  # no subscriber: nothing queued
    for i in range(bus.limit):
        bus.publish("t", i)
    with pytest.raises(StateError, match="publish"):
        bus.publish("t", "one too many")
    sim.run()
    bus.publish("t", "room again")
