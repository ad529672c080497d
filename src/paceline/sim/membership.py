"""Membership in the simulator: real ``MembershipCore``s on simulated links, random faults.

``LinksDriver`` is the simulator's twin of the runtime's membership driver:
one datagram port per link (``Address.network`` names the link), multicast
groups joined when a link has one, the core's events to the checkers and the
node's bus (topic ``"membership"``).

``draw(seed)`` turns a seed into a ``MembershipScenario``: cluster size,
links, unicast or multicast, loss and delay, a small message workload, and
at least three faults from crash/restart, partition (one-way too), cable
unplug, pause and lossy/slow links, over at least 50 token periods, then a
settle phase in which everything heals. ``run(seed)`` runs it under every
checker of ``membership_checkers`` and returns the ``RunResult``: the seed
replays it, byte for byte. ``paceline sim membership --seeds N`` runs many.

A node's highest ring seq survives its crashes (``_Persisted``, what the
runtime keeps in a file), so ring ids never repeat.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from paceline.core.errors import StateError
from paceline.core.frame import AuthMode
from paceline.core.ports import Address
from paceline.membership.core import MembershipCore
from paceline.membership.events import LinkSpec
from paceline.membership.quorum import quorum_options
from paceline.membership.settings import MembershipSettings, link_name
from paceline.sim.membership_checkers import membership_checkers
from paceline.sim.net import LinkFaults
from paceline.sim.node import BootFn, NodeContext, _TimerMixin
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

PORT = 5405
GROUP = "239.0.0.1"
TOKEN = 0.5
"""The simulated token (coarse: what matters is the count of token periods)."""


class LinksDriver(_TimerMixin):
    """Runs one ``MembershipCore`` on one port per link of a simulated node."""

    core: MembershipCore

    def __init__(
        self,
        ctx: NodeContext,
        core: MembershipCore,
        links: Sequence[LinkSpec],
        *,
        topic: str | None = "membership",
        persist: Callable[[int], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.core = core
        self.topic = topic
        self.persist = persist
        self.ports = {}
        for link in links:
            port = ctx.bind_datagram(link.local.port, self._received, link.local.network)
            if link.group is not None:
                ctx.join_group(link.group, port)
            self.ports[link.local.network] = port
        self.pump()

    def _received(self, data: bytes, source: Address) -> None:
        self.core.receive_datagram(data, source, self.ctx.now())
        self.pump()

    def pump(self) -> None:
        """Persist the ring seq, send what the core wants sent, report its events,
        re-arm its timer (the seq is on "disk" before any datagram promising it leaves)."""
        now = self.ctx.now()
        if self.persist is not None:
            self.persist(self.core.highest_ring_seq)
        for data, address in self.core.datagrams_to_send(now):
            self.ports[address.network].sendto(data, address)
        self._emit()
        self._arm()


@dataclass(frozen=True, slots=True)
class MembershipScenario:
    """One drawn run."""

    nodes: int
    links: int
    multicast: bool
    auth: AuthMode
    faults: LinkFaults
    nemesis: tuple[Nemesis, ...]
    duration: float
    settle: float
    message_every: float
    token: float = TOKEN
    heartbeats_per_token: int = 3
    clock_skew: float = 0.0
    """Nodes' clocks start up to this many seconds apart."""
    clock_drift: float = 0.0
    """And run up to this fraction fast or slow."""

    @property
    def heal_at(self) -> float:
        return self.duration - self.settle

    def describe(self) -> str:
        kinds = ", ".join(type(n).__name__.lower() for n in self.nemesis)
        mode = "multicast" if self.multicast else "unicast"
        return (
            f"{self.nodes} nodes, {self.links} link(s) {mode}, loss {self.faults.loss:.2f}, "
            f"{self.duration:g} s ({self.duration / self.token:g} tokens): {kinds}"
        )


def draw(seed: int, nodes: int | None = None, *, small: bool = False) -> MembershipScenario:
    """The scenario of ``seed`` (``nodes`` fixes the cluster size; ``small``: 2-3
    nodes and 1-2 links, what CI runs by the hundred)."""
    rng = random.Random(f"membership/{seed}")
    drawn = rng.randint(2, 3 if small else 5)
    n = nodes if nodes is not None else drawn
    links = rng.choice((1, 1, 2, 2) if small else (1, 1, 2, 2, 3))
    token = TOKEN
    settle = 10 * token
    fault_end = 40 * token
    duration = fault_end + settle
    names = [f"n{i}" for i in range(1, n + 1)]
    loss = rng.choice((0.0, 0.0, 0.01, 0.05))
    faults = LinkFaults(
        delay=rng.choice((0.0005, 0.002, 0.01)),
        jitter=0.001,
        loss=loss,
        duplicate=rng.choice((0.0, 0.01)),
        reorder=rng.choice((0.0, 0.02)),
    )
    nemesis: list[Nemesis] = []
    for _ in range(rng.randint(3, 6)):
        at = rng.uniform(2 * token, fault_end - 4 * token)
        length = rng.uniform(0.5 * token, 8 * token)
        until = min(at + length, fault_end - token)
        kind = rng.choice(("crash", "partition", "oneway", "unplug", "pause", "clog"))
        node = rng.choice(names)
        if kind == "crash":
            nemesis.append(Crash(at, down=length, node=node))
        elif kind in ("partition", "oneway") and n > 1:
            side = tuple(rng.sample(names, rng.randint(1, n - 1)))
            nemesis.append(Partition(at, until, side, one_way=kind == "oneway"))
        elif kind == "unplug":
            nemesis.append(Unplug(at, until, node, link_name(rng.randrange(links))))
        elif kind == "clog":
            hold = rng.uniform(0.2 * token, 2 * token)
            nemesis.append(SwizzleClog(at, step=0.05 * token, hold=hold))
        else:
            nemesis.append(Pause(at, rng.uniform(0.1 * token, 2 * token), node))
    return MembershipScenario(
        nodes=n,
        links=links,
        multicast=rng.random() < 0.2,
        auth=rng.choice((AuthMode.NONE, AuthMode.HMAC_SHA256, AuthMode.AES_256_GCM)),
        faults=faults,
        nemesis=tuple(nemesis),
        duration=duration,
        settle=settle,
        message_every=rng.choice((0.5, 1.0, 2.0)) * token,
        clock_skew=rng.choice((0.0, 5.0)),
        clock_drift=rng.choice((0.0, 0.001)),
    )


@dataclass(slots=True)
class _Persisted:
    """What a node keeps across crashes: its highest ring seq (a file in the runtime)."""

    ring_seq: dict[str, int] = field(default_factory=dict)

    def save(self, name: str, seq: int) -> None:
        self.ring_seq[name] = seq


def settings_for(scenario: MembershipScenario, n: int) -> MembershipSettings:
    token = scenario.token
    return MembershipSettings(
        token=token,
        heartbeat=token / scenario.heartbeats_per_token,
        consensus=1.2 * token,
        join=min(0.05, token / 10),
        auth=scenario.auth,
        quorum=quorum_options(),
        votes=dict.fromkeys(range(1, n + 1), 1),
        expected_votes=n,
    )


def node_links(scenario: MembershipScenario, names: Sequence[str], me: int) -> list[LinkSpec]:
    out = []
    for number in range(scenario.links):
        net = link_name(number)
        local = Address(names[me - 1], PORT, net)
        if scenario.multicast:
            out.append(LinkSpec(number, local, {}, Address(GROUP, PORT, net)))
        else:
            peers = {i: Address(name, PORT, net) for i, name in enumerate(names, 1) if i != me}
            out.append(LinkSpec(number, local, peers))
    return out


CoreFactory = Callable[..., MembershipCore]


@dataclass(slots=True)
class Installed:
    """What ``install`` put on a ``System``: node names -> ids, the live cores and drivers."""

    ids: dict[str, int]
    settings: MembershipSettings
    cores: dict[str, MembershipCore] = field(default_factory=dict)
    drivers: dict[str, LinksDriver] = field(default_factory=dict)


def install(
    system: System,
    scenario: MembershipScenario,
    *,
    core: CoreFactory = MembershipCore,
    workload: bool = True,
    also: Sequence[BootFn] = (),
) -> Installed:
    """Put ``scenario.nodes`` membership nodes (``n1`` ... with ids 1 ...) on ``system``,
    each with a small broadcast workload unless ``workload`` is off.

    ``also``: more boot functions for every node, run after membership's (a
    controller core, say): they find the node's live core in
    ``installed.cores[ctx.name]`` and its events on ``ctx.bus`` topic
    ``"membership"``."""
    sc = scenario
    names = [f"n{i}" for i in range(1, sc.nodes + 1)]
    ids = {name: i for i, name in enumerate(names, 1)}
    settings = settings_for(sc, sc.nodes)
    authkey = system.sim.fork_rng("authkey").randbytes(32)
    persisted = _Persisted()
    out = Installed(ids, settings)

    def boot(name: str, ctx: NodeContext) -> None:
        me = ids[name]
        links = node_links(sc, names, me)
        membership = core(
            settings,
            me,
            links,
            None if sc.auth is AuthMode.NONE else authkey,
            ctx.rng,
            ctx.now(),
            incarnation=ctx.incarnation,
            min_ring_seq=persisted.ring_seq.get(name, 0),
        )
        driver = LinksDriver(ctx, membership, links, persist=partial(persisted.save, name))
        out.cores[name] = membership
        out.drivers[name] = driver
        if not workload:
            return
        counter = [0]

        def tick() -> None:
            if membership.view is not None:
                counter[0] += 1
                size = 10 if ctx.rng.random() < 0.8 else ctx.rng.randrange(1, 6000)
                header = f"{me}/{ctx.incarnation}/{counter[0]}/".encode()
                try:
                    membership.broadcast(header + bytes(size))
                except StateError:
                    pass  # the send queue is full: the workload backs off
                driver.pump()
            ctx.call_at(ctx.now() + sc.message_every, tick)

        ctx.call_at(ctx.now() + sc.message_every, tick)

    for name in names:
        networks = [link_name(i) for i in range(sc.links)]
        system.node(name, partial(boot, name), *also, networks=networks)
    return out


def system_for(
    seed: int, scenario: MembershipScenario, sink: Callable[[str], None] | None = None
) -> System:
    """The ``System`` a scenario runs on: its links, with its faults."""
    networks = [link_name(i) for i in range(scenario.links)]
    return System(
        seed,
        networks=networks,
        faults=scenario.faults,
        sink=sink,
        clock_skew=scenario.clock_skew,
        clock_drift=scenario.clock_drift,
    )


def run(
    seed: int,
    scenario: MembershipScenario | None = None,
    *,
    core: CoreFactory = MembershipCore,
    sink: Callable[[str], None] | None = None,
    bound: float | None = None,
) -> RunResult:
    """Run ``scenario`` (default: ``draw(seed)``) with cores made by ``core``,
    judged by every membership checker."""
    sc = scenario if scenario is not None else draw(seed)
    system = system_for(seed, sc, sink)
    installed = install(system, sc, core=core)
    checkers = membership_checkers(
        installed.ids, installed.settings.votes, sc.nodes, sc.heal_at, bound or 8 * sc.token
    )
    system.check(*checkers)
    system.nemesis(*sc.nemesis)
    return system.run(sc.duration, settle=sc.settle, name="membership")


def run_seeds(
    first: int,
    count: int,
    *,
    nodes: int | None = None,
    core: CoreFactory = MembershipCore,
    out: Callable[[str], None] | None = None,
    small: bool = False,
) -> list[RunResult]:
    """Run seeds ``first .. first + count - 1``; the failed results (each line to ``out``)."""
    failed = []
    for seed in range(first, first + count):
        result = run(seed, draw(seed, nodes, small=small), core=core)
        if not result.ok:
            failed.append(result)
            if out is not None:
                for violation in result.violations[:5]:
                    out(f"seed {seed}: {violation}")
                flags = _nodes_flag(nodes) + (" --small" if small else "")
                out(f"replay: paceline sim membership --seed {seed}{flags}")
    return failed


def _nodes_flag(nodes: int | None) -> str:
    return "" if nodes is None else f" --nodes {nodes}"
