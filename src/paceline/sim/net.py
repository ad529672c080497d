"""The simulated network: datagrams and streams between named hosts, with faults.

Hosts are node names; an address is ``(host, port)``. A datagram sent to a
group address (``join_group``) goes to every member, as IP multicast.

Faults, all drawn from the network's own seeded RNG:

- per directed link (``LinkFaults``): delay + jitter, loss, duplication,
  reordering (an extra delay for some datagrams, so they overtake others);
- partitions: ``block(a, b)`` cuts the a→b direction only (a one-way
  partition), ``partition(side_a, side_b)`` cuts both ways unless
  ``one_way``; ``heal()`` lifts them all;
- clogging (FoundationDB): a clogged link delivers nothing but loses nothing;
  what it held is delivered when it is unclogged. ``swizzle_clog`` clogs links
  one by one, then unclogs them in another random order.

Datagrams obey every fault. Streams are TCP-like: ordered and never lost or
duplicated, but delayed; their bytes arrive split at random places; a stream
whose link stays cut for ``stream_timeout`` breaks on both sides, and a
clogged stream just waits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from paceline.core.errors import StateError
from paceline.core.ports import Address
from paceline.sim.world import Scope, Simulator

DatagramHandler = Callable[[bytes, Address], None]


@dataclass(frozen=True, slots=True)
class LinkFaults:
    """What a directed link does to traffic. Probabilities are per datagram.

    ``bandwidth`` (bytes per second, ``None`` for unlimited) paces streams:
    a stream's bytes leave one after another, so a large write takes
    ``size / bandwidth`` to cross, as replication traffic does on a real link.
    """

    delay: float = 0.0005
    jitter: float = 0.0005
    loss: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    reorder_delay: float = 0.02
    bandwidth: float | None = None

    def __post_init__(self) -> None:
        for name in ("loss", "duplicate", "reorder"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} probability {p} outside 0..1")
        if min(self.delay, self.jitter, self.reorder_delay) < 0:
            raise ValueError("delays must be >= 0")
        if self.bandwidth is not None and self.bandwidth <= 0:
            raise ValueError(f"bandwidth {self.bandwidth} must be > 0 bytes/s")


def _addr(address: Address) -> str:
    return f"{address[0]}:{address[1]}"


class SimDatagramPort:
    """A bound datagram endpoint (implements ``paceline.core.ports.DatagramPort``)."""

    def __init__(self, net: SimNetwork, address: Address, handler: DatagramHandler) -> None:
        self.net = net
        self._address = address
        self.handler = handler
        self.closed = False

    @property
    def address(self) -> Address:
        return self._address

    def sendto(self, data: bytes, address: Address) -> None:
        if self.closed:
            raise StateError("DatagramPort", "closed", "sendto")
        self.net.send_datagram(self._address, address, bytes(data))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.net.unbind(self._address, self)


class StreamHandler:
    """Receives a stream's events; subclass it (the sim's ``StreamDriver`` does)."""

    def connection_made(self, stream: SimStream) -> None:
        """The stream is open."""

    def data_received(self, data: bytes) -> None:
        """In-order bytes arrived."""

    def connection_lost(self, reason: str | None) -> None:
        """The stream closed cleanly (``None``) or broke (``reason``)."""


_DATA, _FIN, _RST = "data", "fin", "rst"  # kinds of segment in a stream's queue


class SimStream:
    """One side of a simulated TCP connection (implements ``StreamPort``)."""

    def __init__(
        self, net: SimNetwork, local: Address, peer: Address, handler: StreamHandler
    ) -> None:
        self.net = net
        self.local = local
        self._peer = peer
        self.handler = handler
        self.other: SimStream | None = None
        self.closing = False
        self.dead = False  # connection_lost delivered (or the owner crashed)
        self._queue: deque[tuple[float, str, bytes]] = deque()  # (due, kind, data)
        self._pumping = False
        self._blocked_since: float | None = None
        self._wire_free = 0.0  # when the link finishes sending what was queued

    @property
    def peer(self) -> Address:
        return self._peer

    def write(self, data: bytes) -> None:
        if self.closing or self.dead:
            raise StateError("StreamPort", "closed", "write")
        what = f"{_addr(self.local)} -> {_addr(self._peer)} {len(data)}B"
        self.net.trace_link(self.local[0], ">", "stream", what)
        for chunk in self.net.split(bytes(data)):
            self._enqueue(_DATA, chunk)

    def close(self) -> None:
        if self.closing or self.dead:
            return
        self.closing = True
        self._enqueue(_FIN, b"")
        self.net.sim.call_later(0.0, lambda: self._lose(None))

    def is_closing(self) -> bool:
        return self.closing or self.dead

    # -- delivery to ``other``, in order ---------------------------------------

    def _enqueue(self, kind: str, chunk: bytes) -> None:
        now, src, dst = self.net.sim.now, self.local[0], self._peer[0]
        bandwidth = self.net.faults(src, dst).bandwidth
        if bandwidth is not None:  # bytes leave one after another
            self._wire_free = max(self._wire_free, now) + len(chunk) / bandwidth
            departed = self._wire_free
        else:
            departed = now
        last = self._queue[-1][0] if self._queue else now
        due = max(last, departed + self.net.one_way_delay(src, dst))
        self._queue.append((due, kind, chunk))
        self._schedule(due)

    def _schedule(self, when: float) -> None:
        if not self._pumping:
            self._pumping = True
            self.net.sim.call_at(when, self._pump)

    def _pump(self) -> None:
        self._pumping = False
        other, net = self.other, self.net
        if other is None or other.dead or not self._queue:
            self._queue.clear()
            return
        src, dst = self.local[0], self._peer[0]
        now = net.sim.now
        cut = net.is_blocked(src, dst)
        if cut or net.is_clogged(src, dst):
            if self._blocked_since is None:
                self._blocked_since = now
                net.trace_link(
                    src, "~", "held", f"stream {_addr(self.local)} -> {_addr(self._peer)}"
                )
            if cut and now - self._blocked_since >= net.stream_timeout:
                net.trace_link(src, "x", "reset", f"stream {_addr(self.local)} timed out")
                self.reset("timeout")
                return
            self._schedule(now + net.retransmit_interval)
            return
        self._blocked_since = None
        due, kind, chunk = self._queue[0]
        if due > now:
            self._schedule(due)
            return
        self._queue.popleft()
        if kind == _FIN:
            other._lose(None)
        elif kind == _RST:
            other._lose(chunk.decode())
        else:
            net.trace_link(
                dst, "<", "stream", f"{_addr(self.local)} -> {_addr(self._peer)} {len(chunk)}B"
            )
            other.handler.data_received(chunk)
        if self._queue:
            self._schedule(self._queue[0][0])

    def _lose(self, reason: str | None) -> None:
        if not self.dead:
            self.dead = True
            self.handler.connection_lost(reason)

    def reset(self, reason: str) -> None:
        """Break the connection: both sides see ``connection_lost(reason)``."""
        self._queue.clear()
        self._lose(reason)
        if self.other is not None:
            self.other._queue.clear()
            self.other._lose(reason)

    def abort_by_crash(self) -> None:
        """The owning node died: no more callbacks here; the peer sees a reset."""
        self.dead = True
        self.closing = True
        self._queue.clear()
        self._enqueue(_RST, b"reset by peer")


AcceptFn = Callable[[SimStream], StreamHandler]


class SimNetwork:
    """Every host's datagram ports, listeners and links.

    Args:
        sim: the simulator whose clock and scheduling the network uses.
        faults: the default ``LinkFaults`` of every link.
        stream_timeout: how long a cut link keeps a stream alive.
    """

    def __init__(
        self,
        sim: Simulator,
        faults: LinkFaults | None = None,
        *,
        stream_timeout: float = 5.0,
        retransmit_interval: float = 0.2,
        max_split: int = 3,
    ) -> None:
        self.sim = sim
        self.rng = sim.fork_rng("net")
        self.default = faults or LinkFaults()
        self.stream_timeout = stream_timeout
        self.retransmit_interval = retransmit_interval
        self.max_split = max_split
        self._links: dict[tuple[str, str], LinkFaults] = {}
        self._blocked: set[tuple[str, str]] = set()
        self._clogged: dict[tuple[str, str], list[tuple[Address, Address, bytes]]] = {}
        self._ports: dict[Address, SimDatagramPort] = {}
        self._listeners: dict[Address, AcceptFn] = {}
        self._groups: dict[Address, set[Address]] = {}
        self._next_ephemeral: dict[str, int] = {}
        self.stats: dict[str, int] = {}

    # -- configuration ----------------------------------------------------------

    def set_link(self, src: str, dst: str, faults: LinkFaults) -> None:
        """Use ``faults`` on the src→dst direction."""
        self._links[(src, dst)] = faults

    def set_default(self, faults: LinkFaults) -> None:
        """Use ``faults`` on every link without its own setting."""
        self.default = faults

    def faults(self, src: str, dst: str) -> LinkFaults:
        """The faults of the src→dst direction."""
        return self._links.get((src, dst), self.default)

    def block(self, src: str, dst: str) -> None:
        """Cut src→dst (dst→src still works: a one-way partition)."""
        self._blocked.add((src, dst))
        self._trace_world("*", "block", f"{src} -> {dst}")

    def unblock(self, src: str, dst: str) -> None:
        """Restore src→dst."""
        self._blocked.discard((src, dst))
        self._trace_world("*", "unblock", f"{src} -> {dst}")

    def partition(
        self, side_a: Iterable[str], side_b: Iterable[str], *, one_way: bool = False
    ) -> None:
        """Cut every link from ``side_a`` to ``side_b``, and back unless ``one_way``."""
        a, b = sorted(side_a), sorted(side_b)
        for x in a:
            for y in b:
                self._blocked.add((x, y))
                if not one_way:
                    self._blocked.add((y, x))
        arrow = "->" if one_way else "<->"
        self._trace_world("*", "part", f"{','.join(a)} {arrow} {','.join(b)}")

    def heal(self) -> None:
        """Lift every partition (clogs stay)."""
        self._blocked.clear()
        self._trace_world("*", "heal", "all links")

    def is_blocked(self, src: str, dst: str) -> bool:
        """Whether src→dst is cut."""
        return (src, dst) in self._blocked

    def clog(self, src: str, dst: str) -> None:
        """Hold every datagram on src→dst until ``unclog``."""
        self._clogged.setdefault((src, dst), [])
        self._trace_world("*", "clog", f"{src} -> {dst}")

    def unclog(self, src: str, dst: str) -> None:
        """Release src→dst and deliver what it held, in the order it arrived."""
        held = self._clogged.pop((src, dst), [])
        self._trace_world("*", "unclog", f"{src} -> {dst} releasing {len(held)}")
        for source, dest, data in held:
            self._schedule_delivery(source, dest, data, self.faults(src, dst).delay)

    def is_clogged(self, src: str, dst: str) -> bool:
        """Whether src→dst is clogged."""
        return (src, dst) in self._clogged

    def swizzle_clog(
        self,
        hosts: Iterable[str],
        *,
        start: float,
        step: float,
        hold: float,
        scope: Scope | None = None,
    ) -> None:
        """FoundationDB's swizzle-clog: from ``start``, clog the links of a random
        subset of ``hosts`` one every ``step``; after ``hold`` unclog them one by
        one in a fresh random order."""
        names = sorted(hosts)
        chosen = [h for h in names if self.rng.random() < 0.5] or [self.rng.choice(names)]
        links = [(a, b) for a in chosen for b in names if a != b]
        self.rng.shuffle(links)
        for i, (a, b) in enumerate(links):
            self.sim.call_at(start + i * step, partial(self.clog, a, b), scope)
        release = list(links)
        self.rng.shuffle(release)
        t0 = start + len(links) * step + hold
        for i, (a, b) in enumerate(release):
            self.sim.call_at(t0 + i * step, partial(self.unclog, a, b), scope)

    # -- datagrams ----------------------------------------------------------------

    def bind(self, address: Address, handler: DatagramHandler) -> SimDatagramPort:
        """A datagram port at ``address`` whose inbound datagrams go to ``handler``."""
        if address in self._ports:
            raise StateError("SimNetwork", f"{_addr(address)} bound", "bind")
        port = self._ports[address] = SimDatagramPort(self, address, handler)
        return port

    def unbind(self, address: Address, port: SimDatagramPort) -> None:
        """Forget ``port`` (datagrams to it are then dropped)."""
        if self._ports.get(address) is port:
            del self._ports[address]
            for members in self._groups.values():
                members.discard(address)

    def one_way_delay(self, src: str, dst: str) -> float:
        """A fresh delay for one packet on src→dst."""
        f = self.faults(src, dst)
        return f.delay + (self.rng.uniform(0.0, f.jitter) if f.jitter else 0.0)

    def join_group(self, group: Address, member: Address) -> None:
        """Deliver datagrams sent to ``group`` (a multicast address) to ``member``.

        Each member's copy crosses its own link with that link's faults; the
        sender does not receive its own datagram.
        """
        self._groups.setdefault(group, set()).add(member)

    def leave_group(self, group: Address, member: Address) -> None:
        """Stop delivering ``group``'s datagrams to ``member``."""
        self._groups.get(group, set()).discard(member)

    def send_datagram(self, source: Address, dest: Address, data: bytes) -> None:
        """Send one datagram (to one port, or to every member of a group)."""
        self.trace_link(source[0], ">", "dgram", f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
        self._count("sent")
        members = self._groups.get(dest)
        if members is None:
            self._transmit(source, dest, data)
            return
        for member in sorted(members):
            if member != source:
                self._transmit(source, member, data)

    def _transmit(self, source: Address, dest: Address, data: bytes) -> None:
        """Apply the link's faults to one datagram and schedule what survives."""
        src, dst = source[0], dest[0]
        what = f"{_addr(source)} -> {_addr(dest)} {len(data)}B"
        if self.is_blocked(src, dst):
            self.drop(src, "partition", what)
            return
        f = self.faults(src, dst)
        if f.loss and self.rng.random() < f.loss:
            self.drop(src, "loss", what)
            return
        copies = 2 if f.duplicate and self.rng.random() < f.duplicate else 1
        if copies == 2:
            self.trace_link(src, "=", "dup", what)
            self._count("duplicated")
        for _ in range(copies):
            delay = self.one_way_delay(src, dst)
            if f.reorder and self.rng.random() < f.reorder:
                delay += f.reorder_delay
                self._count("reordered")
            self._schedule_delivery(source, dest, data, delay)

    def _schedule_delivery(self, source: Address, dest: Address, data: bytes, delay: float) -> None:
        self.sim.call_later(delay, lambda: self._deliver(source, dest, data))

    def _deliver(self, source: Address, dest: Address, data: bytes) -> None:
        src, dst = source[0], dest[0]
        what = f"{_addr(source)} -> {_addr(dest)} {len(data)}B"
        if self.is_blocked(src, dst):
            self.drop(dst, "partition", what)
            return
        held = self._clogged.get((src, dst))
        if held is not None:
            held.append((source, dest, data))
            self.trace_link(dst, "~", "held", what)
            self._count("held")
            return
        port = self._ports.get(dest)
        if port is None:
            self.drop(dst, "no-port", what)
            return
        self.trace_link(dst, "<", "dgram", what)
        self._count("delivered")
        port.handler(data, source)

    def drop(self, host: str, why: str, what: str) -> None:
        """Trace and count a datagram dropped at ``host`` (``dropped-WHY``)."""
        self.trace_link(host, "x", why, what)
        self._count(f"dropped-{why}")

    # -- streams ------------------------------------------------------------------

    def listen(self, address: Address, accept: AcceptFn) -> None:
        """Accept streams at ``address``; ``accept`` returns each one's handler."""
        if address in self._listeners:
            raise StateError("SimNetwork", f"{_addr(address)} listening", "listen")
        self._listeners[address] = accept

    def stop_listening(self, address: Address) -> None:
        """Refuse new streams at ``address``."""
        self._listeners.pop(address, None)

    def connect(self, host: str, dest: Address, handler: StreamHandler) -> SimStream:
        """Open a stream from ``host`` to ``dest``; ``handler`` learns the outcome."""
        port = self._next_ephemeral.get(host, 40000)
        self._next_ephemeral[host] = port + 1
        stream = SimStream(self, (host, port), dest, handler)
        self.trace_link(host, ">", "connect", f"{host}:{port} -> {_addr(dest)}")
        self._try_connect(stream, self.sim.now)
        return stream

    def _try_connect(self, stream: SimStream, started: float) -> None:
        src, dst = stream.local[0], stream.peer[0]
        if stream.dead or stream.closing:
            return
        if self.is_blocked(src, dst) or self.is_blocked(dst, src):
            if self.sim.now - started >= self.stream_timeout:
                stream._lose("timeout")
            else:
                self.sim.call_later(
                    self.retransmit_interval, lambda: self._try_connect(stream, started)
                )
            return
        rtt = self.one_way_delay(src, dst) + self.one_way_delay(dst, src)
        self.sim.call_later(rtt, lambda: self._establish(stream))

    def _establish(self, stream: SimStream) -> None:
        if stream.dead or stream.closing:
            return
        accept = self._listeners.get(stream.peer)
        if accept is None:
            self.trace_link(
                stream.local[0], "x", "refused", f"{_addr(stream.local)} -> {_addr(stream.peer)}"
            )
            stream._lose("refused")
            return
        server = SimStream(self, stream.peer, stream.local, StreamHandler())
        server.handler = accept(server)
        server.other, stream.other = stream, server
        self.trace_link(
            stream.local[0], "<", "connect", f"{_addr(stream.local)} -> {_addr(stream.peer)}"
        )
        server.handler.connection_made(server)
        stream.handler.connection_made(stream)

    def split(self, data: bytes) -> list[bytes]:
        """``data`` cut at 0..max_split random places (streams have no boundaries)."""
        if len(data) < 2 or self.max_split == 0:
            return [data]
        cuts = sorted(
            {
                self.rng.randrange(1, len(data))
                for _ in range(self.rng.randrange(self.max_split + 1))
            }
        )
        return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]

    # -- trace and counters -----------------------------------------------------------

    def trace_link(self, host: str, symbol: str, kind: str, detail: str) -> None:
        """Trace a network event at ``host``."""
        self.sim.trace.emit(self.sim.now, host, symbol, kind, detail)

    def _trace_world(self, symbol: str, kind: str, detail: str) -> None:
        self.sim.trace.emit(self.sim.now, "-", symbol, kind, detail)

    def _count(self, what: str) -> None:
        self.stats[what] = self.stats.get(what, 0) + 1
