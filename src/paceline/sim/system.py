"""A system of simulated nodes: its networks, its nodes' cores, faults and checkers.

``System`` is the generic harness every scenario is written on: it builds
the simulator, the network and the cluster from a seed, boots each node's
cores (one boot function per core, run in order at every boot), attaches
the checkers, schedules the nemesis and runs. A scenario is a few lines::

    system = System(seed, networks={"ring0": None, "ring1": None,
                                    "repl": LinkFaults(bandwidth=100e6)})
    for name in ("n1", "n2", "n3"):
        system.node(name, boot_membership, boot_cib, networks=("ring0", "ring1", "repl"))
    system.check(ViewsAgree(), AtMostOneDC())
    system.nemesis(
        Unplug(1.0, 3.0, "n1", "ring0"),                # one cable; ring1 still up
        Partition(2.0, 4.0, ("n1",), network="repl"),  # replication link down only
        Crash(5.0, down=1.0, node="n2"),
    )
    result = system.run(duration=10.0, settle=3.0, name="split-brain")

Two phases, as TigerBeetle's VOPR: faults until ``duration - settle``, then a
liveness phase in which every fault is cancelled, every cut and clog lifted,
every cable plugged, every node up and every link clean (loss, duplication
and reordering off; delay and bandwidth kept), so end-of-run checks judge
convergence, not luck. The same seed gives the same trace, byte for byte.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from paceline.core.ports import DEFAULT_NETWORK
from paceline.sim.checkers import Checker, Violation
from paceline.sim.net import LinkFaults, SimNetwork
from paceline.sim.node import BootFn, Cluster, NodeContext, SimNode
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
    """From ``at`` to ``until`` cut ``side`` (a random minority if ``None``) from the
    rest, on ``network`` only (every network if ``None``)."""

    at: float
    until: float
    side: tuple[str, ...] | None = None
    one_way: bool = False
    network: str | None = None


@dataclass(frozen=True, slots=True)
class SwizzleClog:
    """From ``at``, clog a random subset's links one per ``step``, hold, then unclog
    (on ``network`` only, or every network)."""

    at: float
    step: float = 0.05
    hold: float = 0.5
    network: str | None = None


@dataclass(frozen=True, slots=True)
class Unplug:
    """From ``at`` to ``until`` pull ``node``'s cable to ``network`` (a random node if ``None``)."""

    at: float
    until: float
    node: str | None = None
    network: str = DEFAULT_NETWORK


Nemesis = Crash | Pause | Partition | SwizzleClog | Unplug


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


class System:
    """See the module docstring.

    Args:
        seed: the run's seed.
        networks: the networks' names, or names mapped to their own default
            faults (``None``: ``faults``).
        faults: the default faults of every link.
        sink: receives every trace line as it is made (e.g. ``print``).
        clock_skew: nodes' clocks start up to this many seconds apart (drawn from the seed).
        clock_drift: and run up to this fraction fast or slow.
        keep_history: keep every observation in ``cluster.history`` (tests).
    """

    def __init__(
        self,
        seed: int,
        *,
        networks: Mapping[str, LinkFaults | None] | Iterable[str] = (DEFAULT_NETWORK,),
        faults: LinkFaults | None = None,
        sink: Callable[[str], None] | None = None,
        clock_skew: float = 0.0,
        clock_drift: float = 0.0,
        keep_history: bool = False,
        stream_timeout: float = 5.0,
    ) -> None:
        self.seed = seed
        self.trace = Trace(sink)
        self.sim = Simulator(seed, trace=self.trace)
        configured = dict(networks) if isinstance(networks, Mapping) else dict.fromkeys(networks)
        self.net = SimNetwork(self.sim, faults, networks=configured, stream_timeout=stream_timeout)
        for name, network_faults in configured.items():
            self.net.set_network(name, network_faults)
        self._network_faults = configured
        self.cluster = Cluster(self.sim, self.net, keep_history=keep_history)
        self.clock_skew = clock_skew
        self.clock_drift = clock_drift
        self._clocks = self.sim.fork_rng("clocks")
        self._nemesis: list[Nemesis] = []

    def node(
        self,
        name: str,
        *boots: BootFn,
        networks: Iterable[str] | None = None,
        clock_offset: float | None = None,
        clock_rate: float | None = None,
    ) -> SimNode:
        """Add node ``name`` running ``boots`` (one per core, in order), cabled to
        ``networks`` (default: every network); it boots when the run starts."""
        if clock_offset is None:
            skew = self.clock_skew
            clock_offset = self._clocks.uniform(0, skew) if skew else 0.0
        if clock_rate is None:
            drift = self.clock_drift
            clock_rate = 1.0 + self._clocks.uniform(-drift, drift)
        return self.cluster.add_node(
            name,
            partial(_boot_all, boots),
            networks=networks,
            clock_offset=clock_offset,
            clock_rate=clock_rate,
        )

    def check(self, *checkers: Checker) -> None:
        """Judge the run with ``checkers`` too."""
        self.cluster.checkers.extend(checkers)

    def nemesis(self, *actions: Nemesis) -> None:
        """Apply ``actions`` during the fault phase."""
        self._nemesis.extend(actions)

    def run(self, duration: float, *, settle: float = 0.0, name: str = "system") -> RunResult:
        """Boot every node, run the fault phase then ``settle`` s of liveness, finish."""
        if not 0 <= settle < duration:
            raise ValueError(f"settle {settle} must be below duration {duration}")
        for node in self.cluster.nodes.values():
            if not node.up:
                node.start()
        self._schedule_nemesis(duration - settle)
        self.sim.run_until(duration)
        violations = self.cluster.finish()
        stats = dict(self.net.stats)
        stats["events"] = self.sim.events_run
        return RunResult(self.seed, name, tuple(self.trace.lines), tuple(violations), stats)

    def _schedule_nemesis(self, heal_at: float) -> None:
        """Schedule the faults in a scope of their own, cancelled when the liveness
        phase starts: no fault (a late swizzle step, say) can leak into it."""
        sim, net, cluster = self.sim, self.net, self.cluster
        rng = sim.fork_rng("nemesis")
        names = sorted(cluster.nodes)
        nemesis = Scope("nemesis")

        def at(when: float, fn: Callable[[], None]) -> None:
            sim.call_at(when, fn, nemesis)

        for action in self._nemesis:
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
                cut = partial(
                    net.partition, side, rest, one_way=action.one_way, network=action.network
                )
                at(action.at, cut)
                at(action.until, partial(net.heal, action.network))
            elif isinstance(action, Unplug):
                host = action.node or rng.choice(names)
                at(action.at, partial(net.unplug, host, action.network))
                at(action.until, partial(net.plug, host, action.network))
            else:
                net.swizzle_clog(
                    names,
                    start=action.at,
                    step=action.step,
                    hold=action.hold,
                    scope=nemesis,
                    network=action.network,
                )
        sim.call_at(heal_at, partial(self._heal_all, nemesis))

    def _heal_all(self, nemesis: Scope) -> None:
        nemesis.cancel()
        net = self.net
        net.set_default(LinkFaults())
        net.clear_faults()
        for name, faults in self._network_faults.items():
            if faults is not None:
                clean = dataclasses.replace(faults, loss=0.0, duplicate=0.0, reorder=0.0)
                net.set_network(name, clean)
        net.heal()
        net.unclog_all()
        for name in sorted(self.cluster.nodes):
            _resume(self.cluster.nodes[name])
            _start(self.cluster.nodes[name])


def _boot_all(boots: tuple[BootFn, ...], ctx: NodeContext) -> None:
    for boot in boots:
        boot(ctx)


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
