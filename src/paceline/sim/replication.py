"""Replicated volumes in the simulator: two nodes, one stream link, two SimDisks.

``run(seed)`` builds a ``System`` with nodes ``n1`` and ``n2`` on a ``repl``
network, each running a ``VolumeCore`` (``replication.peer``) on its own
``SimDisk``, with metadata kept in a synchronous durable area
(``DurableMeta``) that survives crashes. A workload on whichever node is
Primary writes, flushes and reads random blocks; every block it writes
carries its write's global sequence number, so the checkers can tell which
write a block holds. The nemesis, drawn from the seed, cuts and clogs the
link, crashes either node, fails over (crash the Primary, promote the
other), switches over (demote, promote the other), makes split brains
(cut, promote the other while the Primary still writes) and fails disk I/O.
Then the liveness phase heals everything; an operator reattaches failed
disks and resolves split brains the way the UG says (``connect
--discard-my-data`` on the victim), and the workload stops so the replicas
can settle.

Checkers (each with a test that makes it fire on a deliberately broken core):

- S1 ``AtMostOnePrimary``: never two Primaries connected to each other
  (unless allow-two-primaries).
- S2 ``NoLostWrite``: a write acknowledged as replicated and covered by a
  replicated flush (protocol C: on both disks) is never lost: whenever a node
  becomes Primary, and at the end, each block holds that write or a later
  one; reads never return older data either.
- S3 ``ReplicasIdentical``: after the liveness phase both nodes are
  connected, in sync, and their disks byte-identical.
- S7 ``SplitBrainDetected``: when both nodes were Primary while
  disconnected since they were last in sync, their next handshake reports
  split brain; no handshake reports one otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from random import Random

from paceline.core.ids import NodeId
from paceline.core.ports import Address, BlockCompletion
from paceline.replication.gi import Policies
from paceline.replication.peer import VolumeConfig, VolumeCore
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.volstate import (
    ConnChanged,
    DiskChanged,
    DurableMeta,
    IoDone,
    MetaWrite,
    RoleChanged,
    SplitBrain,
)
from paceline.sim.disk import DiskLatency, SimDisk
from paceline.sim.net import LinkFaults, SimStream, StreamHandler
from paceline.sim.node import CoreStalled, NodeContext
from paceline.sim.replcheck import (
    LIVE,
    AtMostOnePrimary,
    FlushDone,
    FlushStarted,
    NoLostWrite,
    ReadDone,
    ReadStarted,
    ReplicasIdentical,
    SplitBrainDetected,
    WriteAcked,
    block_seq,
    make_block,
)
from paceline.sim.system import RunResult, System
from paceline.sim.world import Handle, Scope

REPL_PORT = 7788
NODES = ("n1", "n2")
CoreFactory = Callable[[VolumeConfig, DurableMeta, Random, float], VolumeCore]


# -- the world: what outlives a node's life --------------------------------------------


@dataclass
class Settings:
    size: int = 64
    protocol: str = "C"
    allow_two_primaries: bool = False
    policies: Policies = field(
        default_factory=lambda: Policies("discard-zero-changes", "discard-secondary", "disconnect")
    )
    resync_rate_kib: int = 40_000
    csums_alg: str | None = None
    verify_alg: str | None = "sha1"
    latency: DiskLatency = field(default_factory=lambda: DiskLatency(0.0002, 0.0005, 0.002))
    workload_gap: float = 0.004  # mean time between a Primary's requests
    workload_depth: int = 4  # requests in flight at most


class World:
    """The durable and global state of one run: metadata areas, hosts, the write counter."""

    def __init__(self, system: System, settings: Settings, factory: CoreFactory) -> None:
        self.system = system
        self.settings = settings
        self.factory = factory
        self.metas = {name: DurableMeta.create(settings.size) for name in NODES}
        self.hosts: dict[str, VolumeHost] = {}
        self.seq = 0
        self.workload_on = True

    def disk(self, name: str) -> SimDisk:
        return self.system.cluster.nodes[name].disks["drbd0"]

    def config(self, name: str) -> VolumeConfig:
        s = self.settings
        me, other = (1, 2) if name == "n1" else (2, 1)
        return VolumeConfig(
            "r0", NodeId(me), NodeId(other), s.size, protocol=s.protocol,
            allow_two_primaries=s.allow_two_primaries, policies=s.policies,
            shared_secret="sim-secret", resync_rate_kib=s.resync_rate_kib, max_epoch=16,
            epoch_interval=0.02, ping_interval=0.2, timeout=0.8, al_extent_blocks=8,
            csums_alg=s.csums_alg, verify_alg=s.verify_alg,
        )  # fmt: skip

    def host(self, name: str) -> VolumeHost | None:
        h = self.hosts.get(name)
        return h if h is not None and h.ctx.scope.alive else None


class _Link(StreamHandler):
    """One stream of a host; events of a stream that is no longer the host's are dropped."""

    def __init__(self, host: VolumeHost) -> None:
        self.host = host
        self.stream: SimStream | None = None

    def connection_made(self, stream: SimStream) -> None:
        self.stream = stream
        self.host.link_made(self)

    def data_received(self, data: bytes) -> None:
        if self.host.link is self:
            self.host.call(self.host.core.receive_data, data)

    def connection_lost(self, reason: str | None) -> None:
        if self.host.link is self:
            self.host.link = None
            self.host.call(self.host.core.connection_lost, reason)


class VolumeHost:
    """A node's volume daemon for one life: core, disk, link, timer, workload."""

    def __init__(self, ctx: NodeContext, world: World) -> None:
        self.ctx = ctx
        self.world = world
        self.name = ctx.name
        s = world.settings
        self.store = ctx.disk("drbd0", num_blocks=s.size, latency=s.latency)
        self.core = world.factory(
            world.config(self.name), world.metas[self.name], ctx.rng, ctx.now()
        )
        self.link: _Link | None = None
        self._timer: Handle | None = None
        self._connecting = False
        self.pending: dict[int, tuple[str, int, int]] = {}  # rid -> (op, seq/fid, block)
        self.workload = True
        self.sent_bytes = 0  # what this life wrote to the replication link
        self.split_brain = False  # the last handshake left an unresolved split brain
        self._fid = 0
        world.hosts[self.name] = self
        if self.name == "n2":
            ctx.listen(REPL_PORT, self._accept, "repl")
        ctx.observe(DiskChanged(self.core.disk))
        self._tick_workload()
        self.pump()

    # connection management (n1 connects, n2 listens)

    def _accept(self, stream: SimStream) -> StreamHandler:
        return _Link(self)

    def _try_connect(self) -> None:
        self._connecting = False
        if self.link is None and self.core.wants_connection:
            link = _Link(self)
            self.link = link
            link.stream = self.ctx.connect(Address("n2", REPL_PORT, "repl"), link)
        self.pump()

    def link_made(self, link: _Link) -> None:
        if self.name == "n2" and self.link is None and self.core.wants_connection:
            self.link = link
        if self.link is not link or not self.core.wants_connection:
            if link.stream is not None:
                link.stream.close()
            return
        self.call(lambda now: self.core.connection_made(now))

    # the driver loop

    def call(self, fn: Callable[..., object], *args: object) -> None:
        fn(*args, self.ctx.now())
        self.pump()

    def pump(self) -> None:
        core, ctx = self.core, self.ctx
        for effect in core.take_effects():
            if isinstance(effect, MetaWrite):
                self.world.metas[self.name].apply(effect)
            else:
                self.store.submit(effect, self._disk_done)
        link = self.link
        data = core.data_to_send()
        if data and link is not None and link.stream is not None and not link.stream.is_closing():
            link.stream.write(data)
            self.sent_bytes += len(data)
        while (event := core.next_event()) is not None:
            if isinstance(event, IoDone):
                self._io_done(event)
                continue
            if isinstance(event, SplitBrain):
                self.split_brain = not event.resolved
            ctx.observe(event)
        if core.wants_close():
            self.link = None
            if link is not None and link.stream is not None:
                link.stream.close()
            core.connection_lost("closed", ctx.now())  # the stream is ours no more
        if (
            core.wants_connection
            and self.name == "n1"
            and not self._connecting
            and self.link is None
        ):
            self._connecting = True
            ctx.sim.call_later(0.1, self._try_connect, ctx.scope)
        self._arm()

    def _disk_done(self, completion: BlockCompletion) -> None:
        self.call(self.core.disk_done, completion)

    def _arm(self) -> None:
        deadline = self.core.next_deadline()
        if self._timer is not None:
            if (
                self._timer.live
                and deadline is not None
                and self._timer.time == self.ctx.clock.to_sim(deadline)
            ):
                return
            self._timer.cancel()
            self._timer = None
        if deadline is not None:
            self._timer = self.ctx.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._timer = None
        now = self.ctx.now()
        self.core.handle_timer(now)
        deadline = self.core.next_deadline()
        if deadline is not None and deadline <= now:
            raise CoreStalled(f"{self.name}: handle_timer({now!r}) left next_deadline {deadline!r}")
        self.pump()

    def reattach(self) -> None:
        """``drbdadm attach`` after a disk failure: a fresh core from the metadata."""
        if self.link is not None and self.link.stream is not None:
            self.link.stream.close()
        self.link = None
        for rid in list(self.pending):
            self._io_done(IoDone(rid, self.pending[rid][0], -1, 5, False))
        was = self.core.role
        self.core = self.world.factory(
            self.world.config(self.name), self.world.metas[self.name], self.ctx.rng, self.ctx.now()
        )
        if was != self.core.role:
            self.ctx.observe(RoleChanged(self.core.role))
        self.ctx.observe(ConnChanged(self.core.cstate, "attached"))
        self.ctx.observe(DiskChanged(self.core.disk))
        self.pump()

    # the workload: random writes, flushes and reads while Primary

    def _tick_workload(self) -> None:
        ctx, s = self.ctx, self.world.settings
        ctx.sim.call_later(ctx.rng.expovariate(1 / s.workload_gap), self._tick_workload, ctx.scope)
        core = self.core
        if not (self.workload and self.world.workload_on) or core.role != Role.PRIMARY:
            return
        if core.disk == DiskState.DISKLESS or len(self.pending) >= s.workload_depth:
            return
        now = ctx.now()
        r = ctx.rng.random()
        block = ctx.rng.randrange(s.size)
        if r < 0.7:
            self.world.seq += 1
            seq = self.world.seq
            rid = core.write(block, make_block(seq, block), now)
            self.pending[rid] = ("write", seq, block)
        elif r < 0.85:
            self._fid += 1
            self._note(FlushStarted(self._fid))
            rid = core.flush(now)
            self.pending[rid] = ("flush", self._fid, -1)
        else:
            rid = core.read(block, now)
            self._note(ReadStarted(rid, block))
            self.pending[rid] = ("read", 0, block)
        self.pump()

    def _io_done(self, event: IoDone) -> None:
        op, number, block = self.pending.pop(event.rid, ("?", 0, -1))
        if op == "write" and not event.error:
            self._note(WriteAcked(number, block, event.replicated))
        elif op == "flush":
            self._note(FlushDone(number, not event.error, event.replicated and not event.error))
        elif op == "read" and not event.error:
            self._note(ReadDone(event.rid, block, block_seq(event.data, block)))

    def _note(self, event: object) -> None:
        if self.ctx.scope.alive:
            self.ctx.node.cluster.observe(self.name, event, trace=False)


# -- the scenario: boot, nemesis, operator -------------------------------------------------

FAULTS = (
    "cut", "clog", "crash", "failover", "switchover", "split-brain", "eio", "slow",
    "reconnect", "power", "promote", "verify", "invalidate", "invalidate-remote", "detach",
)  # fmt: skip
"""cut/clog/slow the link; crash one node, or both at once (power); failover (crash
the Primary, promote the other); switchover; split-brain (cut, then promote the
other); eio (one disk fails); reconnect (the operator's repairs); promote (a
promotion that must be refused while the other is Primary and connected); verify
(an online verify, racing the writes and the other faults); invalidate,
invalidate-remote and detach (the admin verbs, refused or not, on either node)."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One nemesis action: ``kind`` at ``at`` for ``length`` seconds, on ``node``."""

    kind: str
    at: float
    length: float = 0.5
    node: str = "n1"

    def __str__(self) -> str:
        return f"{self.kind}@{self.at:.2f}+{self.length:.2f}:{self.node}"


def draw_faults(rng: Random, count: int, start: float, end: float) -> list[Fault]:
    """``count`` faults drawn from ``rng`` between ``start`` and ``end``."""
    out = []
    for _ in range(count):
        kind = rng.choice(FAULTS)
        at = rng.uniform(start, end)
        out.append(Fault(kind, at, rng.uniform(0.2, 1.5), rng.choice(NODES)))
    return sorted(out, key=lambda f: f.at)


class Operator:
    """The admin and the nemesis: faults during the run, repairs in the liveness phase."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.system = world.system
        self.sim = world.system.sim
        self.net = world.system.net
        self.scope = Scope("replication-nemesis")
        self.log: list[str] = []
        self.eio_node: str | None = None

    def schedule(self, faults: list[Fault], heal_at: float, end: float) -> None:
        for fault in faults:
            self.sim.call_at(fault.at, partial(self._start, fault), self.scope)
        self.sim.call_at(heal_at, partial(self._heal, heal_at, end))

    def _note(self, text: str) -> None:
        self.log.append(text)
        self.sim.trace.emit(self.sim.now, "-", "N", "nemesis", text)

    def _later(self, delay: float, fn: Callable[[], None]) -> None:
        self.sim.call_later(delay, fn, self.scope)

    def primary(self) -> VolumeHost | None:
        for name in NODES:
            h = self.world.host(name)
            if h is not None and h.core.role == Role.PRIMARY:
                return h
        return None

    def _node(self, name: str) -> object:
        return self.system.cluster.nodes[name]

    def _crash(self, name: str, length: float) -> None:
        node = self.system.cluster.nodes[name]
        if node.up:
            node.crash()
            self.sim.call_later(length, lambda: None if node.up else node.start())

    def _promote(self, name: str) -> None:
        h = self.world.host(name)
        if h is not None:
            h.call(h.core.promote)

    def _start(self, f: Fault) -> None:
        self._note(str(f))
        other = "n2" if f.node == "n1" else "n1"
        net = self.net
        if f.kind == "cut":
            net.partition(["n1"], ["n2"], network="repl")
            self._later(f.length, lambda: net.heal("repl"))
        elif f.kind == "clog":
            net.clog("n1", "n2", network="repl")
            net.clog("n2", "n1", network="repl")
            self._later(f.length, net.unclog_all)
        elif f.kind == "slow":
            net.set_network("repl", LinkFaults(delay=0.01, jitter=0.01, bandwidth=5e6))
            self._later(f.length, lambda: net.set_network("repl", LinkFaults(bandwidth=100e6)))
        elif f.kind == "crash":
            self._crash(f.node, f.length)
        elif f.kind == "power":
            for name in NODES:
                self._crash(name, f.length)
        elif f.kind == "promote":
            self._promote(f.node)
        elif f.kind in ("verify", "invalidate", "invalidate-remote", "detach"):
            h, peer = self.world.host(f.node), self.world.host(other)
            # invalidate(-remote) discards a copy: only while the other one is good and no
            # disk has failed (as with eio, discarding the last good copy is a double
            # fault that loses data by design)
            good_elsewhere = peer is not None and peer.core.disk == DiskState.UP_TO_DATE
            discards = f.kind in ("invalidate", "invalidate-remote")
            safe = self.eio_node is None and (f.kind != "invalidate" or good_elsewhere)
            if h is not None and (not discards or safe):
                h.call(getattr(h.core, f.kind.replace("-", "_")))
        elif f.kind == "failover":
            p = self.primary()
            if p is not None:
                survivor = "n2" if p.name == "n1" else "n1"
                self._crash(p.name, f.length)
                self._later(0.05, partial(self._promote, survivor))
        elif f.kind == "split-brain":
            net.partition(["n1"], ["n2"], network="repl")
            self._later(max(f.length, 1.2), lambda: net.heal("repl"))
            p = self.primary()
            target = other if p is None or p.name == f.node else f.node
            self._later(1.0, partial(self._promote, target))
        elif f.kind == "switchover":
            p = self.primary()
            if p is not None:
                p.workload = False
                self._switch(p, 0)
        elif f.kind == "eio":
            # One disk fails, once per run, while the other holds a good copy:
            # anything more is a double fault that loses data by design.
            hosts = [self.world.host(n) for n in NODES]
            healthy = all(
                h is not None and h.core.cstate == ConnState.CONNECTED
                and h.core.disk == DiskState.UP_TO_DATE
                for h in hosts
            )  # fmt: skip
            if healthy and self.eio_node is None:
                self.eio_node = f.node
                disk = self.world.disk(f.node)
                disk.error_rate = 1.0
                self._later(0.005, lambda: setattr(disk, "error_rate", 0.0))
        elif f.kind == "reconnect":
            self._resolve(demote=False)

    def _switch(self, p: VolumeHost, tries: int) -> None:
        if not p.ctx.scope.alive:
            return
        if p.core.busy and tries < 50:
            self._later(0.01, partial(self._switch, p, tries + 1))
            return
        p.call(p.core.demote)
        p.workload = True
        self._later(0.02, partial(self._promote, "n2" if p.name == "n1" else "n1"))

    def _resolve(self, *, demote: bool) -> None:
        """Reattach failed disks; reconnect StandAlone nodes (the split-brain victim
        discarding its data); in the liveness phase, first make both Secondary."""
        hosts = [h for n in NODES if (h := self.world.host(n)) is not None]
        for h in hosts:
            if h.core.disk == DiskState.DISKLESS:
                self._note(f"attach {h.name}")
                h.reattach()
            if demote and h.core.role == Role.PRIMARY and not h.core.busy:
                h.call(h.core.demote)
        if len(hosts) < 2 or any(h.core.cstate in LIVE for h in hosts):
            return
        if demote and any(h.core.role == Role.PRIMARY for h in hosts):
            return
        primaries = [h for h in hosts if h.core.role == Role.PRIMARY]
        if len(primaries) == 2:
            return
        for h in hosts:
            if h.core.cstate != ConnState.STAND_ALONE:
                continue
            victim = (
                h.split_brain and (h.core.role == Role.SECONDARY) and (primaries or h.name == "n2")
            )
            self._note(f"connect {h.name}" + (" --discard-my-data" if victim else ""))
            h.call(partial(h.core.connect, discard_my_data=bool(victim)))

    def _heal(self, heal_at: float, end: float) -> None:
        self.scope.cancel()
        self.world.workload_on = False
        for name in NODES:
            self.world.disk(name).error_rate = 0.0
        self.net.unclog_all()
        self.net.set_network("repl", LinkFaults(bandwidth=100e6))
        self._note("heal")
        self._repair(end)

    def _repair(self, end: float) -> None:
        self._resolve(demote=True)
        if self.sim.now + 0.05 < end:
            self.sim.call_later(0.05, partial(self._repair, end))


def _boot(world: World, ctx: NodeContext) -> None:
    host = VolumeHost(ctx, world)
    if ctx.name == "n1" and ctx.incarnation == 0:
        host.call(partial(host.core.promote, force=True))  # primary --force: the initial sync


def run(
    seed: int,
    *,
    settings: Settings | None = None,
    factory: CoreFactory = VolumeCore,
    faults: list[Fault] | None = None,
    count: int = 4,
    duration: float = 4.0,
    settle: float = 1.5,
    sink: Callable[[str], None] | None = None,
) -> RunResult:
    """One seeded run: ``faults`` (default: ``count`` drawn from the seed), then healing."""
    settings = settings or Settings(csums_alg="md5" if seed % 2 else None)
    system = System(
        seed, networks={"repl": LinkFaults(bandwidth=100e6)}, sink=sink, stream_timeout=1.0
    )
    system.net.max_split = 1  # frames split across reads: once is enough, and cheaper
    world = World(system, settings, factory)
    for name in NODES:
        system.node(name, partial(_boot, world), networks=("repl",))

    def disks() -> dict[str, SimDisk]:
        nodes = system.cluster.nodes
        return {n: nodes[n].disks["drbd0"] for n in NODES if "drbd0" in nodes[n].disks}

    system.check(
        AtMostOnePrimary(settings.allow_two_primaries),
        NoLostWrite(disks),
        ReplicasIdentical(disks, settings.size),
        SplitBrainDetected(),
    )
    if faults is None:
        faults = draw_faults(
            system.sim.fork_rng("replication-faults"), count, 0.3, duration - settle - 0.3
        )
    operator = Operator(world)
    operator.schedule(faults, duration - settle, duration)
    result = system.run(duration, settle=settle, name="replication")
    stats = dict(result.stats)
    stats["writes"] = world.seq
    return RunResult(result.seed, result.scenario, result.trace, result.violations, stats)
