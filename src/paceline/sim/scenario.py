"""Scenarios: a run as a pure function of ``(seed, scenario)``.

A ``Scenario`` names the cluster size, the network's faults and a timed list
of nemesis actions (crash, pause, partition, swizzle-clog).
``run(seed, scenario)`` builds the world, runs the heartbeat demo on every
node, applies the nemesis, and returns the trace, the violations and the
network's counters.

Two phases, as TigerBeetle's VOPR: faults until ``duration - settle``, then a
liveness phase in which every fault is cancelled, every partition and clog
lifted, every node up and every link clean, so end-of-run checks judge
convergence, not luck. ``swarm(seed)`` draws a whole scenario from the seed
(swarm testing). The same seed gives the same trace, byte for byte; a failing
seed replays with ``python -m paceline.sim --seed N --scenario NAME``.

The demo is wired in here for now; the membership core will bring its own
boot function and checkers to the same ``Cluster``/``run`` shape.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from paceline.core.frame import AuthMode, FrameCodec
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import Address
from paceline.sim.checkers import Checker, Violation
from paceline.sim.demo import HEARTBEAT_PORT, AtMostOnce, Converged, HeartbeatCore
from paceline.sim.net import LinkFaults, SimNetwork
from paceline.sim.node import Cluster, DatagramDriver, NodeContext, SimNode
from paceline.sim.trace import Trace
from paceline.sim.world import Scope, Simulator


@dataclass(frozen=True, slots=True)
class Crash:
    """Crash ``node`` (a random one if ``None``) at ``at``; restart after ``down`` s."""

    at: float
    down: float = 1.0
    node: str | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    """Freeze ``node`` (a random one if ``None``) at ``at`` for ``length`` s."""

    at: float
    length: float = 1.0
    node: str | None = None


@dataclass(frozen=True, slots=True)
class Partition:
    """From ``at`` to ``until`` cut ``side`` (a random minority if ``None``) from the rest."""

    at: float
    until: float
    side: tuple[str, ...] | None = None
    one_way: bool = False


@dataclass(frozen=True, slots=True)
class SwizzleClog:
    """From ``at``, clog a random subset's links one per ``step``, hold, then unclog."""

    at: float
    step: float = 0.05
    hold: float = 0.5


Nemesis = Crash | Pause | Partition | SwizzleClog


@dataclass(frozen=True, slots=True)
class Scenario:
    """What to simulate; see the module docstring."""

    name: str
    nodes: int = 3
    duration: float = 6.0
    settle: float = 2.0
    faults: LinkFaults = field(default_factory=LinkFaults)
    nemesis: tuple[Nemesis, ...] = ()
    auth: AuthMode = AuthMode.HMAC_SHA256
    clock_skew: float = 5.0
    clock_drift: float = 1e-4
    replay_protection: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.nodes <= 64:
            raise ValueError(f"1..64 nodes, not {self.nodes}")
        if not 0 <= self.settle < self.duration:
            raise ValueError(f"settle {self.settle} must be below duration {self.duration}")


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a run produced."""

    seed: int
    scenario: str
    trace: tuple[str, ...]
    violations: tuple[Violation, ...]
    stats: Mapping[str, int]

    @property
    def ok(self) -> bool:
        """No checker found a violation."""
        return not self.violations

    def summary(self) -> str:
        """One line: seed, scenario, counts, verdict."""
        counts = " ".join(f"{k}={v}" for k, v in sorted(self.stats.items()))
        verdict = "ok" if self.ok else f"{len(self.violations)} violation(s)"
        return f"seed={self.seed} scenario={self.scenario} {counts} -> {verdict}"


def node_name(i: int) -> str:
    """The name of node id ``i``."""
    return f"n{i}"


def run(seed: int, scenario: Scenario, *, sink: Callable[[str], None] | None = None) -> RunResult:
    """Simulate ``scenario`` with ``seed``; see the module docstring."""
    trace = Trace(sink)
    sim = Simulator(seed, trace=trace)
    net = SimNetwork(sim, scenario.faults)
    ids = {NodeId(i): node_name(i) for i in range(1, scenario.nodes + 1)}
    checkers: list[Checker] = [AtMostOnce(), Converged(ids)]
    cluster = Cluster(sim, net, checkers, keep_history=False)
    ring = Keyring.from_authkey(sim.fork_rng("authkey").randbytes(32))
    codec = FrameCodec(scenario.auth, None if scenario.auth is AuthMode.NONE else ring)
    addresses: dict[NodeId, Address] = {i: (n, HEARTBEAT_PORT) for i, n in ids.items()}

    def boot_for(me: NodeId) -> Callable[[NodeContext], None]:
        peers = {i: a for i, a in addresses.items() if i != me}

        def boot(ctx: NodeContext) -> None:
            core = HeartbeatCore(
                me,
                peers,
                codec,
                now=ctx.now(),
                incarnation=ctx.incarnation,
                replay_protection=scenario.replay_protection,
            )
            DatagramDriver(ctx, core, HEARTBEAT_PORT)

        return boot

    skew = sim.fork_rng("clocks")
    for i, name in ids.items():
        offset = skew.uniform(0, scenario.clock_skew) if scenario.clock_skew else 0.0
        rate = 1.0 + skew.uniform(-scenario.clock_drift, scenario.clock_drift)
        cluster.add_node(name, boot_for(i), clock_offset=offset, clock_rate=rate).start()

    _schedule_nemesis(cluster, scenario, sorted(ids.values()))
    sim.run_until(scenario.duration)
    violations = cluster.finish()
    stats = dict(net.stats)
    stats["events"] = sim.events_run
    return RunResult(seed, scenario.name, tuple(trace.lines), tuple(violations), stats)


def _schedule_nemesis(cluster: Cluster, scenario: Scenario, names: list[str]) -> None:
    """Schedule the faults in a scope of their own, cancelled when the liveness
    phase starts: no fault (a late swizzle step, say) can leak into it."""
    sim, net = cluster.sim, cluster.net
    rng = sim.fork_rng("nemesis")
    heal_at = scenario.duration - scenario.settle
    nemesis = Scope("nemesis")

    def at(when: float, fn: Callable[[], None]) -> None:
        sim.call_at(when, fn, nemesis)

    for action in scenario.nemesis:
        if isinstance(action, Crash):
            node = cluster.nodes[action.node or rng.choice(names)]
            at(action.at, partial(_crash, node))
            at(action.at + action.down, partial(_start, node))
        elif isinstance(action, Pause):
            node = cluster.nodes[action.node or rng.choice(names)]
            at(action.at, partial(_pause, node))
            at(action.at + action.length, partial(_resume, node))
        elif isinstance(action, Partition):
            side = action.side or tuple(rng.sample(names, max(1, (len(names) - 1) // 2)))
            rest = [n for n in names if n not in side]
            at(action.at, partial(net.partition, side, rest, one_way=action.one_way))
            at(action.until, net.heal)
        else:
            net.swizzle_clog(
                names, start=action.at, step=action.step, hold=action.hold, scope=nemesis
            )
    sim.call_at(heal_at, partial(_heal_all, cluster, names, nemesis))


def _crash(node: SimNode) -> None:
    if node.up:
        node.crash()


def _start(node: SimNode) -> None:
    if not node.up:
        node.start()


def _pause(node: SimNode) -> None:
    if node.up and not node.paused:
        node.pause()


def _resume(node: SimNode) -> None:
    if node.paused:
        node.resume()


def _heal_all(cluster: Cluster, names: list[str], nemesis: Scope) -> None:
    nemesis.cancel()
    net = cluster.net
    net.set_default(LinkFaults())
    net.heal()
    for a in names:
        for b in names:
            if net.is_clogged(a, b):
                net.unclog(a, b)
    for name in names:
        _resume(cluster.nodes[name])
        _start(cluster.nodes[name])


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
