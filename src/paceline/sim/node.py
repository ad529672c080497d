"""Simulated nodes: hosts for pure cores, with crash and restart.

A node is booted by a ``boot(ctx)`` function — the simulator's equivalent of a
daemon's ``main`` — that builds the node's cores and wires them with drivers
to the ``NodeContext``: a node-local clock, a seeded RNG, datagram ports,
streams, timers and persistent disks. ``DatagramDriver`` and ``StreamDriver``
are the simulator's twins of the asyncio drivers: they feed cores bytes and
``now``, send what the cores return, pass the cores' events to the checkers
and arm one timer at ``next_deadline()``.

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

from paceline.core.errors import PacelineError
from paceline.core.ports import Address, DatagramCore, StreamCore
from paceline.sim.checkers import Checker, Observation, Violation
from paceline.sim.disk import SimDisk
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
        self, name: str, boot: BootFn, *, clock_offset: float = 0.0, clock_rate: float = 1.0
    ) -> SimNode:
        """A new node (not started yet) whose clock reads ``offset + rate * t``."""
        if name in self.nodes:
            raise ValueError(f"node {name!r} exists")
        clock = SimClock(self.sim, clock_offset, rate=clock_rate, wall_offset=clock_offset)
        node = self.nodes[name] = SimNode(self, name, boot, clock)
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

    def __init__(self, cluster: Cluster, name: str, boot: BootFn, clock: SimClock) -> None:
        self.cluster = cluster
        self.sim = cluster.sim
        self.name = name
        self.boot = boot
        self.clock = clock
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
            raise ValueError(f"node {self.name} is already up")
        self.incarnation += 1
        self.sim.trace.emit(self.sim.now, self.name, "^", "boot", f"incarnation {self.incarnation}")
        self.context = NodeContext(self)
        self.cluster.observe(self.name, Booted(self.incarnation), trace=False)
        self.boot(self.context)

    def crash(self) -> None:
        """Cut the power (the node must be up)."""
        ctx = self.context
        if ctx is None:
            raise ValueError(f"node {self.name} is already down")
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
            raise ValueError(f"node {self.name} is not running")
        self.sim.trace.emit(self.sim.now, self.name, "z", "pause")
        ctx.scope.pause()
        self.cluster.observe(self.name, Paused(), trace=False)

    def resume(self) -> None:
        """Unfreeze the node: what waited runs now (the node must be paused)."""
        ctx = self.context
        if ctx is None or not ctx.scope.paused:
            raise ValueError(f"node {self.name} is not paused")
        self.sim.trace.emit(self.sim.now, self.name, "w", "resume", f"{len(ctx.scope.held)} held")
        self.sim.resume(ctx.scope)
        self.cluster.observe(self.name, Resumed(), trace=False)

    def restart(self) -> None:
        """Crash the node if it is up, then boot it."""
        if self.context is not None:
            self.crash()
        self.start()


class NodeContext:
    """What a booting node gets: its clock, RNG, network, timers and disks.

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

    def bind_datagram(self, port: int, handler: DatagramHandler) -> SimDatagramPort:
        """A datagram port on this node.

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

        bound = self.net.bind((self.name, port), deliver)
        self._ports.append(bound)
        return bound

    def _unbuffer(self, handler: DatagramHandler, data: bytes, source: Address) -> None:
        self._buffered -= 1
        handler(data, source)

    def _waiting(self) -> bool:
        """Whether inbound events must wait: the node is paused, or has not yet
        run everything a pause held (a newer event must not overtake those)."""
        return self.scope.paused or self._held > 0

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

    def listen(self, port: int, accept: AcceptFn) -> None:
        """Accept streams on ``port``."""
        address = (self.name, port)

        def accept_live(stream: SimStream) -> StreamHandler:
            self._track(stream)
            return _Gated(self, accept(stream))

        self.net.listen(address, accept_live)
        self._listening.append(address)

    def connect(self, dest: Address, handler: StreamHandler) -> SimStream:
        """Open a stream to ``dest``."""
        stream = self.net.connect(self.name, dest, _Gated(self, handler))
        self._track(stream)
        return stream

    def _track(self, stream: SimStream) -> None:
        """Remember ``stream`` for teardown (forgetting the ones already dead)."""
        self._streams = [s for s in self._streams if not s.dead]
        self._streams.append(stream)

    def disk(self, name: str, *, num_blocks: int = 1024, block_size: int = 4096) -> SimDisk:
        """The node's disk ``name``, created on first use; it survives crashes."""
        disk = self.node.disks.get(name)
        if disk is None:
            disk = SimDisk(
                f"{self.name}/{name}", num_blocks=num_blocks, block_size=block_size, sim=self.sim
            )
            self.node.disks[name] = disk
        return disk

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
        if self.ctx._waiting():
            self.ctx._hold(fn)
        else:
            fn()

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
    """The one timer both drivers keep armed at their core's ``next_deadline()``."""

    ctx: NodeContext
    core: DatagramCore | StreamCore
    _timer: Handle | None = None

    def pump(self) -> None:
        raise NotImplementedError

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

    def __init__(self, ctx: NodeContext, core: DatagramCore, port: int) -> None:
        self.ctx = ctx
        self.core = core
        self.port = ctx.bind_datagram(port, self._received)
        self.pump()

    def _received(self, data: bytes, source: Address) -> None:
        self.core.receive_datagram(data, source, self.ctx.now())
        self.pump()

    def pump(self) -> None:
        """Send what the core wants sent, report its events, re-arm its timer."""
        now = self.ctx.now()
        for data, address in self.core.datagrams_to_send(now):
            self.port.sendto(data, address)
        while (event := self.core.next_event()) is not None:
            self.ctx.observe(event)
        self._arm()


class StreamDriver(_TimerMixin, StreamHandler):
    """Runs one ``StreamCore`` on one stream of a node."""

    core: StreamCore

    def __init__(self, ctx: NodeContext, core: StreamCore) -> None:
        self.ctx = ctx
        self.core = core
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
        while (event := self.core.next_event()) is not None:
            self.ctx.observe(event)
        if stream is not None and self.core.wants_close():
            stream.close()
        self._arm()
