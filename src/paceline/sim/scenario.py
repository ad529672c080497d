"""Scenarios: named runs of the demo, each a pure function of ``(seed, scenario)``.

A ``Scenario`` names the cluster size, its networks, the network's faults, a
timed list of nemesis actions (crash, pause, partition, cable pull,
swizzle-clog) and what to install on the nodes (``install``: the heartbeat
demo unless told otherwise). ``run(seed, scenario)`` is a ``System``
(``sim/system.py``, the generic harness) with those nodes, faults and
cores; it returns the trace, the violations and the network's counters.
``swarm(seed)`` draws a whole scenario from the seed (swarm testing). The
same seed gives the same trace, byte for byte; a failing seed replays with
``python -m paceline.sim --seed N --scenario NAME``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from paceline.core.ports import DEFAULT_NETWORK
from paceline.sim import demo
from paceline.sim.net import LinkFaults
from paceline.sim.system import (
    Crash,
    Nemesis,
    Partition,
    Pause,
    RunResult,
    SwizzleClog,
    System,
    Unplug,
)

__all__ = [
    "SCENARIOS",
    "Crash",
    "Nemesis",
    "Partition",
    "Pause",
    "RunResult",
    "Scenario",
    "SwizzleClog",
    "Unplug",
    "node_name",
    "run",
    "scenario_for",
    "swarm",
]

Install = Callable[[System, Sequence[str]], None]
"""Puts a scenario's cores (and their checkers) on the named nodes of a system."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """What to simulate; see the module docstring."""

    name: str
    nodes: int = 3
    duration: float = 6.0
    settle: float = 2.0
    faults: LinkFaults = field(default_factory=LinkFaults)
    nemesis: tuple[Nemesis, ...] = ()
    clock_skew: float = 5.0
    clock_drift: float = 1e-4
    networks: tuple[str, ...] = (DEFAULT_NETWORK,)
    install: Install = demo.install

    def __post_init__(self) -> None:
        if not 1 <= self.nodes <= 64:
            raise ValueError(f"1..64 nodes, not {self.nodes}")
        if not 0 <= self.settle < self.duration:
            raise ValueError(f"settle {self.settle} must be below duration {self.duration}")


def node_name(i: int) -> str:
    """The name of node id ``i``."""
    return f"n{i}"


def run(seed: int, scenario: Scenario, *, sink: Callable[[str], None] | None = None) -> RunResult:
    """Simulate ``scenario`` with ``seed``; see the module docstring."""
    system = System(
        seed,
        networks=scenario.networks,
        faults=scenario.faults,
        sink=sink,
        clock_skew=scenario.clock_skew,
        clock_drift=scenario.clock_drift,
    )
    scenario.install(system, [node_name(i) for i in range(1, scenario.nodes + 1)])
    system.nemesis(*scenario.nemesis)
    return system.run(scenario.duration, settle=scenario.settle, name=scenario.name)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("calm"),
        Scenario("lossy", faults=LinkFaults(loss=0.2, duplicate=0.2, reorder=0.2)),
        Scenario("partition", nemesis=(Partition(1.0, 2.5),)),
        Scenario("one-way", nemesis=(Partition(1.0, 2.5, one_way=True),)),
        Scenario("crash", nemesis=(Crash(1.0, down=1.5),)),
        Scenario("pause", nemesis=(Pause(1.0, length=1.5),)),
        Scenario("swizzle", nemesis=(SwizzleClog(0.5, step=0.1, hold=0.8),)),
        Scenario(
            "cable",
            networks=("ring0", "repl"),
            nemesis=(Unplug(1.0, 2.5, "n1", "ring0"), Partition(1.5, 3.0, network="repl")),
        ),
        Scenario(
            "chaos",
            nodes=4,
            duration=8.0,
            faults=LinkFaults(loss=0.05, duplicate=0.05, reorder=0.1),
            nemesis=(
                Partition(0.8, 1.8, one_way=True),
                Crash(2.0, down=1.0),
                Pause(2.5, length=0.6),
                SwizzleClog(3.2, step=0.05, hold=0.5),
                Partition(4.2, 5.2),
            ),
        ),
    )
}


def swarm(seed: int) -> Scenario:
    """A scenario drawn from ``seed``: cluster size, link faults, clock skew and
    nemesis actions all vary (VOPR's ``options_swarm``)."""
    rng = random.Random(f"swarm/{seed}")
    nodes = rng.randint(1, 5)
    duration = round(rng.uniform(4.0, 10.0), 3)
    settle = 2.0
    end = duration - settle
    faults = LinkFaults(
        delay=rng.choice([0.0001, 0.0005, 0.002, 0.02]),
        jitter=rng.choice([0.0, 0.001, 0.01]),
        loss=rng.choice([0.0, 0.0, 0.05, 0.3]),
        duplicate=rng.choice([0.0, 0.1, 0.5]),
        reorder=rng.choice([0.0, 0.1, 0.3]),
    )
    nemesis: list[Nemesis] = []
    for _ in range(rng.randint(0, 4)):
        at = round(rng.uniform(0.2, end), 3)
        kind = rng.choice(["crash", "pause", "partition", "one-way", "swizzle"])
        if kind == "crash":
            nemesis.append(Crash(at, down=round(rng.uniform(0.1, 2.0), 3)))
        elif kind == "pause":
            nemesis.append(Pause(at, length=round(rng.uniform(0.1, 2.0), 3)))
        elif kind == "swizzle":
            nemesis.append(SwizzleClog(at, step=0.05, hold=round(rng.uniform(0.1, 1.0), 3)))
        elif nodes > 1:
            until = round(rng.uniform(at, end), 3)
            nemesis.append(Partition(at, until, one_way=kind == "one-way"))
    return Scenario(
        f"swarm-{seed}",
        nodes=nodes,
        duration=duration,
        settle=settle,
        faults=faults,
        nemesis=tuple(nemesis),
        clock_skew=rng.choice([0.0, 5.0, 1e6]),
        clock_drift=rng.choice([0.0, 1e-4, 1e-2]),
    )


def scenario_for(name: str, seed: int) -> Scenario:
    """The scenario called ``name``; ``swarm`` is drawn from ``seed``."""
    if name == "swarm":
        return swarm(seed)
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}, expected swarm or one of {sorted(SCENARIOS)}"
        ) from None
