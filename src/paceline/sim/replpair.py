"""Two volume nodes in the simulator without a nemesis: for measured syncs (pure).

``pair(size, rate_kib, ...)`` boots ``n1`` (``primary --force``) and ``n2``
on one ``repl`` link of the given one-way ``delay`` and ``bandwidth``, with
no workload; ``SyncLog`` records every ``SyncStarted``/``SyncFinished`` with
its simulated time, so a test or the bench can compute the resync rate the
protocol achieves (simulated time is exact: no machine noise).

Example::

    system, world, log = pair(2048, 8192)
    run_until(system, lambda: log.finished("n2"), 600)
    log.rate_kib("n1", "n2")      # KiB/s from n1's start to n2's finish
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from paceline.replication.peer import VolumeCore
from paceline.replication.volstate import SyncFinished, SyncStarted
from paceline.sim.checkers import Observation, Violation
from paceline.sim.disk import DiskLatency
from paceline.sim.net import LinkFaults
from paceline.sim.replication import NODES, CoreFactory, Settings, World, _boot
from paceline.sim.system import System

__all__ = ["SyncLog", "pair", "run_until"]


class SyncLog:
    """A checker that never fires: it keeps the sync events with their times."""

    name = "sync-log"

    def __init__(self) -> None:
        self.events: list[tuple[float, str, SyncStarted | SyncFinished]] = []

    def observe(self, o: Observation) -> list[Violation]:
        if isinstance(o.event, SyncStarted | SyncFinished):
            self.events.append((o.time, o.node, o.event))
        return []

    def finish(self, now: float) -> list[Violation]:
        return []

    def finished(self, node: str, count: int = 1) -> bool:
        return sum(1 for _, n, e in self.events if n == node and isinstance(e, SyncFinished)) >= (
            count
        )

    def rate_kib(self, source: str, target: str) -> float:
        """KiB/s of the last sync: blocks over the source's start to the target's finish."""
        start, started = max(
            (t, e) for t, n, e in self.events if n == source and isinstance(e, SyncStarted)
        )
        end = max(t for t, n, e in self.events if n == target and isinstance(e, SyncFinished))
        return started.blocks * 4 / (end - start)


def pair(
    size: int,
    rate_kib: int,
    *,
    csums: str | None = None,
    bandwidth: float = 1e9,
    delay: float = 0.0005,
    latency: DiskLatency | None = None,
    factory: CoreFactory = VolumeCore,
) -> tuple[System, World, SyncLog]:
    settings = Settings(size=size, resync_rate_kib=rate_kib, csums_alg=csums, workload_gap=1e9)
    if latency is not None:
        settings.latency = latency
    faults = LinkFaults(delay=delay, jitter=delay / 10, bandwidth=bandwidth)
    system = System(1, networks={"repl": faults}, stream_timeout=1.0)
    system.net.max_split = 0
    world = World(system, settings, factory)
    world.workload_on = False
    for name in NODES:
        system.node(name, partial(_boot, world), networks=("repl",))
    log = SyncLog()
    system.check(log)
    for node in system.cluster.nodes.values():
        node.start()
    return system, world, log


def run_until(system: System, done: Callable[[], bool], limit: float) -> None:
    """Run the simulation in 10 ms steps until ``done()`` or simulated ``limit`` seconds."""
    while not done() and system.sim.now < limit:
        system.sim.run_until(system.sim.now + 0.01)
