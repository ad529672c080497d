"""Simulated nodes: hosts for pure cores, with crash and restart.

A node is booted by a ``boot(ctx)`` function — the simulator's equivalent of a
daemon's ``main`` — that builds the node's cores and wires them with drivers
to the ``NodeContext``: a node-local clock, a seeded RNG, datagram ports and
streams on the node's networks (``ctx.address(port, "repl")``), timers, a
node-local bus (``ctx.bus``, a ``LocalBus``) and persistent disks
(``ctx.disk(name)``, a request/completion ``BlockStore``).
``DatagramDriver``, ``StreamDriver`` and ``LocalDriver`` are the simulator's
twins of the asyncio drivers: they feed cores bytes and ``now``, send what
the cores return, pass the cores' events to the checkers — and, given a
``topic``, publish them on the node's bus for its other cores — and arm one
timer at ``next_deadline()``. ``driver.feed(fn, arg)`` runs ``fn(arg, now)``
on the driver's core and pumps it: how a bus subscriber hands an event on::

    def boot(ctx: NodeContext) -> None:
        memb = DatagramDriver(ctx, Membership(...), 5405, topic="membership")
        cib = LocalDriver(ctx, CibCore(...), topic="cib")
        ctx.bus.subscribe("membership", lambda event: cib.feed(cib.core.on_view, event))

``pause()`` freezes a node (SIGSTOP, a stalled VM): others still reach it,
but its timers and inbound traffic wait until ``resume()``, when it finds
its clock jumped. ``crash()`` is a power cut: the node's timers and pending callbacks are
cancelled, its ports closed (peers' streams see a reset), its disks lose
every unflushed write, and its volatile state — everything ``boot`` built —
is dropped. ``restart()`` boots it again with a higher incarnation; only the
disks survive.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from paceline.core.errors import PacelineError, StateError
from paceline.core.ports import (
    DEFAULT_NETWORK,
    LOCAL_BUS_LIMIT,
    Address,
    BlockCompletion,
    BlockRequest,
    CompletionHandler,
    DatagramCore,
    LocalCore,
    StreamCore,
)
from paceline.sim.checkers import Checker, Observation, Violation
from paceline.sim.disk import DiskLatency, SimDisk
from paceline.sim.net import (
    AcceptFn,
    DatagramHandler,
    SimDatagramPort,
    SimNetwork,
    SimStream,
    StreamHandler,
)
from paceline.sim.world import Handle, Scope, SimClock, Simulator


@dataclass(frozen=True, slots=True)
class Booted:
    """A node (re)started with a fresh incarnation."""

    incarnation: int

    def __str__(self) -> str:
        return f"booted incarnation {self.incarnation}"


@dataclass(frozen=True, slots=True)
class Paused:
    """A node froze (SIGSTOP, a VM pause): alive to others' eyes, doing nothing."""

    def __str__(self) -> str:
        return "paused"


@dataclass(frozen=True, slots=True)
class Resumed:
    """A paused node runs again and finds its clock jumped."""

    def __str__(self) -> str:
        return "resumed"


@dataclass(frozen=True, slots=True)
class Crashed:
    """A node lost power."""

    incarnation: int

    def __str__(self) -> str:
        return f"crashed incarnation {self.incarnation}"


_E = TypeVar("_E")

RECEIVE_BUFFER = 256
"""Datagrams a paused node's port holds before it drops more."""

BootFn = Callable[["NodeContext"], object]
"""Builds a node's cores and drivers on a fresh context; its return value is ignored."""


class Cluster:
    """The simulator, the network, the nodes and the checkers of one run."""

    def __init__(
        self,
        sim: Simulator,
        net: SimNetwork,
        checkers: Iterable[Checker] = (),
        *,
        keep_history: bool = True,
    ) -> None:
        self.sim = sim
        self.net = net
        self.checkers = list(checkers)
        self.nodes: dict[str, SimNode] = {}
        self.keep_history = keep_history
        self.history: list[Observation] = []  # kept for tests; long runs turn it off
        self.violations: list[Violation] = []

    def add_node(
        self,
        name: str,
        boot: BootFn,
        *,
        networks: Iterable[str] | None = None,
        clock_offset: float = 0.0,
        clock_rate: float = 1.0,
    ) -> SimNode:
        """A new node (not started yet), cabled to ``networks`` (default: every
        network), whose clock reads ``offset + rate * t``."""
        if name in self.nodes:
            raise ValueError(f"node {name!r} exists")
        cabled = tuple(self.net.networks if networks is None else networks)
        for network in cabled:
            self.net.attach(name, network)
        clock = SimClock(self.sim, clock_offset, rate=clock_rate, wall_offset=clock_offset)
        node = self.nodes[name] = SimNode(self, name, boot, clock, cabled)
        return node

    def observe(self, node: str, event: object, *, trace: bool = True) -> None:
        """Record ``event`` from ``node`` and run the checkers on it."""
        observation = Observation(self.sim.now, node, event)
        if self.keep_history:
            self.history.append(observation)
        if trace:
            kind = type(event).__name__.lower()[:8]
            self.sim.trace.emit(self.sim.now, node, "e", kind, str(event))
        for checker in self.checkers:
            self._record(checker.observe(observation))

    def finish(self) -> list[Violation]:
        """End the run: run the checkers' end-of-run checks; every violation found."""
        for checker in self.checkers:
            self._record(checker.finish(self.sim.now))
        return list(self.violations)

    def _record(self, found: list[Violation]) -> None:
        for violation in found:
            self.violations.append(violation)
            self.sim.trace.emit(
                self.sim.now, violation.node or "-", "V", violation.checker, violation.message
            )


class SimNode:
    """One simulated machine; see the module docstring."""

    def __init__(
        self,
        cluster: Cluster,
        name: str,
        boot: BootFn,
        clock: SimClock,
        networks: tuple[str, ...] = (DEFAULT_NETWORK,),
    ) -> None:
        self.cluster = cluster
        self.sim = cluster.sim
        self.name = name
        self.boot = boot
        self.clock = clock
        self.networks = networks
        self.disks: dict[str, SimDisk] = {}
        self.incarnation = -1
        self.context: NodeContext | None = None

    @property
    def up(self) -> bool:
        """Whether the node is running."""
        return self.context is not None

    def start(self) -> None:
        """Boot the node (it must be down)."""
        if self.context is not None:
            raise StateError(f"node {self.name}", "up", "start")
        self.incarnation += 1
        self.sim.trace.emit(self.sim.now, self.name, "^", "boot", f"incarnation {self.incarnation}")
        self.context = NodeContext(self)
        self.cluster.observe(self.name, Booted(self.incarnation), trace=False)
        self.boot(self.context)

    def crash(self) -> None:
        """Cut the power (the node must be up)."""
        ctx = self.context
        if ctx is None:
            raise StateError(f"node {self.name}", "down", "crash")
        self.sim.trace.emit(
            self.sim.now, self.name, "!", "crash", f"incarnation {self.incarnation}"
        )
        self.context = None
        ctx.teardown()
        for disk in self.disks.values():
            disk.crash()
        self.cluster.observe(self.name, Crashed(self.incarnation), trace=False)

    @property
    def paused(self) -> bool:
        """Whether the node is up but frozen."""
        return self.context is not None and self.context.scope.paused

    def pause(self) -> None:
        """Freeze the node: its timers and inbound traffic wait (the node must be up)."""
        ctx = self.context
        if ctx is None or ctx.scope.paused:
            raise StateError(f"node {self.name}", "down" if ctx is None else "paused", "pause")
        self.sim.trace.emit(self.sim.now, self.name, "z", "pause")
        ctx.scope.pause()
        self.cluster.observe(self.name, Paused(), trace=False)

    def resume(self) -> None:
        """Unfreeze the node: what waited runs now (the node must be paused)."""
        ctx = self.context
        if ctx is None or not ctx.scope.paused:
            raise StateError(f"node {self.name}", "down" if ctx is None else "running", "resume")
        self.sim.trace.emit(self.sim.now, self.name, "w", "resume", f"{len(ctx.scope.held)} held")
        self.sim.resume(ctx.scope)
        self.cluster.observe(self.name, Resumed(), trace=False)

    def restart(self) -> None:
        """Crash the node if it is up, then boot it."""
        if self.context is not None:
            self.crash()
        self.start()


class SimBus:
    """The node-local bus of one life of a node (implements ``LocalBus``).

    Each published event is delivered to every subscriber of its topic from
    a callback of its own, in publish order, in the node's scope: it waits
    while the node is paused and dies with it.
    """

    def __init__(self, ctx: NodeContext, limit: int = LOCAL_BUS_LIMIT) -> None:
        self.ctx = ctx
        self.limit = limit
        self.pending = 0
        self._subscribers: dict[str, list[Callable[[object], None]]] = {}

    def subscribe(self, topic: str, handler: Callable[[object], None]) -> None:
        self._subscribers.setdefault(topic, []).append(handler)

    def publish(self, topic: str, event: object) -> None:
        handlers = self._subscribers.get(topic)
        if not handlers:
            return
        if self.pending >= self.limit:
            raise StateError(f"bus of {self.ctx.name}", f"{self.pending} undelivered", "publish")
        self.pending += 1
        self.ctx.sim.call_later(0.0, partial(self._deliver, tuple(handlers), event), self.ctx.scope)

    def _deliver(self, handlers: tuple[Callable[[object], None], ...], event: object) -> None:
        self.pending -= 1
        for handler in handlers:
            handler(event)


class DiskPort:
    """A node's view of one of its disks for one life (implements ``BlockStore``):
    completions reach the node like inbound traffic — they wait while it is
    paused, and a crash cancels them."""

    def __init__(self, ctx: NodeContext, disk: SimDisk) -> None:
        self.ctx = ctx
        self.disk = disk

    @property
    def block_size(self) -> int:
        return self.disk.block_size

    @property
    def num_blocks(self) -> int:
        return self.disk.num_blocks

    def submit(self, request: BlockRequest, done: CompletionHandler) -> None:
        ctx = self.ctx
        if not ctx.scope.alive:
            raise StateError(f"disk {self.disk.name}", "crashed", "submit")

        def arrived(completion: BlockCompletion) -> None:
            if ctx.scope.alive:
                ctx.inbound(partial(done, completion))

        self.disk.submit(request, arrived)


class NodeContext:
    """What a booting node gets: its clock, RNG, networks, timers, bus and disks.

    Everything made through a context dies with it when the node crashes.
    """

    def __init__(self, node: SimNode) -> None:
        self.node = node
        self.name = node.name
        self.incarnation = node.incarnation
        self.sim = node.sim
        self.net = node.cluster.net
        self.clock = node.clock
        self.rng: random.Random = node.sim.fork_rng(f"node/{node.name}/{node.incarnation}")
        self.scope = Scope(f"{node.name}#{node.incarnation}")
        self.networks = node.networks
        self.bus = SimBus(self)
        self._ports: list[SimDatagramPort] = []
        self._streams: list[SimStream] = []
        self._listening: list[Address] = []
        self._buffered = 0  # datagrams waiting in the receive buffer
        self._held = 0  # inbound events (datagrams, stream events) waiting to run

    def now(self) -> float:
        """The node's monotonic clock."""
        return self.clock.now()

    def call_at(self, local_time: float, fn: Callable[[], None]) -> Handle:
        """Run ``fn`` when the node's clock reads ``local_time`` (unless it crashes first)."""
        return self.sim.call_at(self.clock.to_sim(local_time), fn, self.scope)

    def address(self, port: int, network: str = DEFAULT_NETWORK) -> Address:
        """This node's address for ``port`` on ``network`` (one it is cabled to)."""
        if network not in self.networks:
            raise ValueError(
                f"node {self.name} has no interface on {network!r} (it has {self.networks})"
            )
        return Address(self.name, port, network)

    def bind_datagram(
        self, port: int, handler: DatagramHandler, network: str = DEFAULT_NETWORK
    ) -> SimDatagramPort:
        """A datagram port on this node's interface on ``network``.

        While the node is paused (and until it has run what the pause held),
        inbound datagrams wait in a receive buffer of ``RECEIVE_BUFFER``
        datagrams, as in a socket's; more are dropped.
        """

        def deliver(data: bytes, source: Address) -> None:
            if not self._waiting():
                handler(data, source)
            elif self._buffered >= RECEIVE_BUFFER:
                self.net.drop(self.name, "rcvbuf", f"{len(data)}B to :{port}")
            else:
                self._buffered += 1
                self._hold(partial(self._unbuffer, handler, data, source))

        bound = self.net.bind(self.address(port, network), deliver)
        self._ports.append(bound)
        return bound

    def _unbuffer(self, handler: DatagramHandler, data: bytes, source: Address) -> None:
        self._buffered -= 1
        handler(data, source)

    def _waiting(self) -> bool:
        """Whether inbound events must wait: the node is paused, or has not yet
        run everything a pause held (a newer event must not overtake those)."""
        return self.scope.paused or self._held > 0

    def inbound(self, fn: Callable[[], None]) -> None:
        """Run inbound ``fn`` now, or after what a pause holds (in arrival order)."""
        if self._waiting():
            self._hold(fn)
        else:
            fn()

    def _hold(self, fn: Callable[[], None]) -> None:
        """Run inbound ``fn`` after every inbound event held before it."""
        self._held += 1
        self.sim.call_later(0.0, partial(self._release, fn), self.scope)

    def _release(self, fn: Callable[[], None]) -> None:
        self._held -= 1
        fn()

    def join_group(self, group: Address, port: SimDatagramPort) -> None:
        """Receive datagrams sent to the multicast ``group`` on ``port``."""
        self.net.join_group(group, port.address)

    def listen(self, port: int, accept: AcceptFn, network: str = DEFAULT_NETWORK) -> None:
        """Accept streams on ``port`` of this node's interface on ``network``."""
        address = self.address(port, network)

        def accept_live(stream: SimStream) -> StreamHandler:
            self._track(stream)
            return _Gated(self, accept(stream))

        self.net.listen(address, accept_live)
        self._listening.append(address)

    def connect(self, dest: Address, handler: StreamHandler) -> SimStream:
        """Open a stream to ``dest``, over ``dest``'s network."""
        self.address(0, dest.network)  # the node must be cabled to it
        stream = self.net.connect(self.name, dest, _Gated(self, handler))
        self._track(stream)
        return stream

    def _track(self, stream: SimStream) -> None:
        """Remember ``stream`` for teardown (forgetting the ones already dead)."""
        self._streams = [s for s in self._streams if not s.dead]
        self._streams.append(stream)

    def disk(
        self,
        name: str,
        *,
        num_blocks: int = 1024,
        block_size: int = 4096,
        latency: DiskLatency | None = None,
    ) -> DiskPort:
        """The node's disk ``name`` (a ``BlockStore``), created on first use with
        these parameters; the disk survives crashes (``node.disks[name]``)."""
        disk = self.node.disks.get(name)
        if disk is None:
            disk = SimDisk(
                f"{self.name}/{name}",
                num_blocks=num_blocks,
                block_size=block_size,
                sim=self.sim,
                latency=latency,
            )
            self.node.disks[name] = disk
        return DiskPort(self, disk)

    def observe(self, event: object) -> None:
        """Report ``event`` to the trace and the checkers."""
        if self.scope.alive:
            self.node.cluster.observe(self.name, event)

    def teardown(self) -> None:
        """Everything this life made stops: timers, ports, listeners, streams."""
        self.scope.cancel()
        for port in self._ports:
            port.close()
        for address in self._listening:
            self.net.stop_listening(address)
        for stream in self._streams:
            if not stream.dead:
                stream.abort_by_crash()


class _Gated(StreamHandler):
    """Passes stream events to ``inner``; while the node is paused they wait, in order."""

    def __init__(self, ctx: NodeContext, inner: StreamHandler) -> None:
        self.ctx = ctx
        self.inner = inner

    def _run(self, fn: Callable[[], None]) -> None:
        self.ctx.inbound(fn)

    def connection_made(self, stream: SimStream) -> None:
        self._run(partial(self.inner.connection_made, stream))

    def data_received(self, data: bytes) -> None:
        self._run(partial(self.inner.data_received, data))

    def connection_lost(self, reason: str | None) -> None:
        self._run(partial(self.inner.connection_lost, reason))


class CoreStalled(PacelineError):
    """A core, just run for its deadline, asked to run again no later than now.

    Everything due at ``now`` must be done by ``handle_timer(now)``; a core that
    keeps asking for the same instant would spin the simulator forever.
    """


class _TimerMixin:
    """The one timer every driver keeps armed at its core's ``next_deadline()``,
    and how its core's events leave: to the checkers, and to the bus under
    ``topic`` when there is one."""

    ctx: NodeContext
    core: DatagramCore | StreamCore | LocalCore
    topic: str | None = None
    _timer: Handle | None = None

    def pump(self) -> None:
        raise NotImplementedError

    def feed(self, fn: Callable[[_E, float], None], event: _E) -> None:
        """Run ``fn(event, now)`` (a method of this driver's core), then pump."""
        fn(event, self.ctx.now())
        self.pump()

    def _emit(self) -> None:
        ctx, topic = self.ctx, self.topic
        while (event := self.core.next_event()) is not None:
            ctx.observe(event)
            if topic is not None:
                ctx.bus.publish(topic, event)

    def _fire(self) -> None:
        self._timer = None
        self.ctx.sim.trace.emit(self.ctx.sim.now, self.ctx.name, "t", "timer")
        now = self.ctx.now()
        self.core.handle_timer(now)
        deadline = self.core.next_deadline()
        if deadline is not None and deadline <= now:
            raise CoreStalled(
                f"{self.ctx.name}: {type(self.core).__name__}.handle_timer({now!r}) left "
                f"next_deadline() at {deadline!r}"
            )
        self.pump()

    def _arm(self) -> None:
        deadline = self.core.next_deadline()
        when = None if deadline is None else self.ctx.clock.to_sim(deadline)
        if self._timer is not None and self._timer.live and self._timer.time == when:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if when is not None:
            self._timer = self.ctx.sim.call_at(when, self._fire, self.ctx.scope)


class DatagramDriver(_TimerMixin):
    """Runs one ``DatagramCore`` on one datagram port of a node."""

    core: DatagramCore

    def __init__(
        self,
        ctx: NodeContext,
        core: DatagramCore,
        port: int,
        *,
        network: str = DEFAULT_NETWORK,
        topic: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.core = core
        self.topic = topic
        self.port = ctx.bind_datagram(port, self._received, network)
        self.pump()

    def _received(self, data: bytes, source: Address) -> None:
        self.core.receive_datagram(data, source, self.ctx.now())
        self.pump()

    def pump(self) -> None:
        """Send what the core wants sent, report its events, re-arm its timer."""
        now = self.ctx.now()
        for data, address in self.core.datagrams_to_send(now):
            self.port.sendto(data, address)
        self._emit()
        self._arm()


class StreamDriver(_TimerMixin, StreamHandler):
    """Runs one ``StreamCore`` on one stream of a node."""

    core: StreamCore

    def __init__(self, ctx: NodeContext, core: StreamCore, *, topic: str | None = None) -> None:
        self.ctx = ctx
        self.core = core
        self.topic = topic
        self.stream: SimStream | None = None

    def connection_made(self, stream: SimStream) -> None:
        self.stream = stream
        self.core.connection_made(self.ctx.now())
        self.pump()

    def data_received(self, data: bytes) -> None:
        self.core.receive_data(data, self.ctx.now())
        self.pump()

    def connection_lost(self, reason: str | None) -> None:
        self.core.connection_lost(reason, self.ctx.now())
        self.pump()

    def pump(self) -> None:
        """Write what the core wants written, report its events, re-arm its timer."""
        stream = self.stream
        data = self.core.data_to_send()
        if data and stream is not None and not stream.is_closing():
            stream.write(data)
        self._emit()
        if stream is not None and self.core.wants_close():
            stream.close()
        self._arm()


class LocalDriver(_TimerMixin):
    """Runs one ``LocalCore`` (no socket: fed by the bus, ``feed`` and its timer)."""

    core: LocalCore

    def __init__(self, ctx: NodeContext, core: LocalCore, *, topic: str | None = None) -> None:
        self.ctx = ctx
        self.core = core
        self.topic = topic
        self.pump()

    def pump(self) -> None:
        """Report the core's events, re-arm its timer."""
        self._emit()
        self._arm()
