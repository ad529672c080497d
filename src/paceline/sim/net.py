"""The simulated network: named networks of interfaces, datagrams and streams, faults.

A node is cabled to one or more named networks (``ring0``, ``ring1``,
``repl``: the lab's public rings and replication cables); each cable ends
in an interface ``(host, network)``, and an address is
``Address(host, port, network)``. Traffic stays on its network: a datagram
from an interface on ``ring0`` to an address on ``repl`` is dropped
(``no-route``). A datagram sent to a group address (``join_group``) goes to
every member on the group's network, as IP multicast.

Faults, all drawn from the network's own seeded RNG, at four levels; the
most specific one wins (``faults(src, dst, network)``):

1. a directed node pair on one network, ``set_link(a, b, f, network="repl")``;
2. a directed node pair on every network, ``set_link(a, b, f)``;
3. one cable (both directions through that interface), ``set_cable(a, "repl", f)``
   (the sender's cable before the receiver's);
4. a network, ``add_network("repl", f)`` / ``set_network``; else the default.

``LinkFaults`` is delay + jitter, loss, duplication, reordering (an extra
delay for some datagrams, so they overtake others), bandwidth (streams).
Cuts: ``block(a, b)`` cuts the a→b direction only (a one-way partition),
``partition(side_a, side_b)`` cuts both ways unless ``one_way``; both take
``network=`` to cut one network only (a replication link down while the
rings still carry the cluster's traffic). ``unplug(host, network)`` pulls
one cable, ``plug`` puts it back. ``heal()`` lifts every cut and replugs
every cable; ``heal(network)`` those of one network.

Clogging (FoundationDB): a clogged pair delivers nothing but loses nothing;
what it held is delivered when it is unclogged. ``swizzle_clog`` clogs pairs
one by one, then unclogs them in another random order; both take
``network=`` too.

Datagrams obey every fault. Streams are TCP-like, bound to a network by the
address they connect to: ordered and never lost or duplicated, but delayed;
their bytes arrive split at random places; a stream whose path stays cut for
``stream_timeout`` breaks on both sides, and a clogged stream just waits.

Example: three nodes on two rings and a replication network::

    net = SimNetwork(sim, networks=("ring0", "ring1", "repl"))
    net.set_network("repl", LinkFaults(bandwidth=100e6))
    for n in ("n1", "n2", "n3"):
        for network in ("ring0", "ring1", "repl"):
            net.attach(n, network)
    net.unplug("n1", "ring0")                    # ring1 still carries n1's traffic
    net.partition(["n1"], ["n2"], network="repl")  # DRBD split brain, rings up
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from paceline.core.errors import StateError
from paceline.core.ports import DEFAULT_NETWORK, Address
from paceline.sim.world import Scope, Simulator

DatagramHandler = Callable[[bytes, Address], None]

PairKey = tuple[str, str, "str | None"]
"""A directed node pair on one network, or on every network (``None``)."""


@dataclass(frozen=True, slots=True)
class LinkFaults:
    """What a link does to traffic. Probabilities are per datagram.

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
    return f"{address[0]}:{address[1]}@{address[2]}"


def _on(network: str | None) -> str:
    return "" if network is None else f" on {network}"


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
        self.net.trace_link(self.local.host, ">", "stream", what)
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
        now, src, dst = self.net.sim.now, self.local.host, self._peer.host
        network = self._peer.network
        bandwidth = self.net.faults(src, dst, network).bandwidth
        if bandwidth is not None:  # bytes leave one after another
            self._wire_free = max(self._wire_free, now) + len(chunk) / bandwidth
            departed = self._wire_free
        else:
            departed = now
        last = self._queue[-1][0] if self._queue else now
        due = max(last, departed + self.net.one_way_delay(src, dst, network))
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
        src, dst, network = self.local.host, self._peer.host, self._peer.network
        now = net.sim.now
        cut = net.is_blocked(src, dst, network)
        if cut or net.is_clogged(src, dst, network):
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
    """Every network's interfaces, datagram ports, listeners and faults.

    Args:
        sim: the simulator whose clock and scheduling the network uses.
        faults: the default ``LinkFaults`` of every link.
        networks: the networks there are (more with ``add_network``).
        stream_timeout: how long a cut path keeps a stream alive.
    """

    def __init__(
        self,
        sim: Simulator,
        faults: LinkFaults | None = None,
        *,
        networks: Iterable[str] = (DEFAULT_NETWORK,),
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
        self._networks: dict[str, LinkFaults | None] = dict.fromkeys(networks)
        self._interfaces: set[tuple[str, str]] = set()
        self._links: dict[PairKey, LinkFaults] = {}
        self._cables: dict[tuple[str, str], LinkFaults] = {}
        self._resolved: dict[tuple[str, str, str], LinkFaults] = {}  # cache of faults()
        self._blocked: set[PairKey] = set()
        self._unplugged: set[tuple[str, str]] = set()
        self._clogged: dict[PairKey, list[tuple[Address, Address, bytes]]] = {}
        self._ports: dict[Address, SimDatagramPort] = {}
        self._listeners: dict[Address, AcceptFn] = {}
        self._groups: dict[Address, set[Address]] = {}
        self._next_ephemeral: dict[str, int] = {}
        self.stats: dict[str, int] = {}

    # -- topology -----------------------------------------------------------------

    @property
    def networks(self) -> tuple[str, ...]:
        """The networks' names, in the order they were added."""
        return tuple(self._networks)

    def add_network(self, name: str, faults: LinkFaults | None = None) -> None:
        """A new network, with its own default ``faults`` (else the network default)."""
        if name in self._networks:
            raise ValueError(f"network {name!r} exists")
        self._networks[name] = faults
        self._resolved.clear()

    def attach(self, host: str, network: str) -> None:
        """Cable ``host`` to ``network`` (an interface); idempotent."""
        self._check_network(network)
        self._interfaces.add((host, network))

    def interfaces(self, host: str) -> tuple[str, ...]:
        """The networks ``host`` is cabled to, in network order."""
        return tuple(n for n in self._networks if (host, n) in self._interfaces)

    def _check_network(self, network: str) -> None:
        if network not in self._networks:
            raise ValueError(f"unknown network {network!r}, expected one of {self.networks}")

    # -- fault configuration ----------------------------------------------------------

    def set_link(
        self, src: str, dst: str, faults: LinkFaults, *, network: str | None = None
    ) -> None:
        """Use ``faults`` on the src→dst direction, on ``network`` or on every network."""
        if network is not None:
            self._check_network(network)
        self._links[(src, dst, network)] = faults
        self._resolved.clear()

    def set_cable(self, host: str, network: str, faults: LinkFaults) -> None:
        """Use ``faults`` on ``host``'s cable to ``network``, both directions."""
        self._check_network(network)
        self._cables[(host, network)] = faults
        self._resolved.clear()

    def set_network(self, network: str, faults: LinkFaults | None) -> None:
        """Use ``faults`` on ``network`` (``None``: the default)."""
        self._check_network(network)
        self._networks[network] = faults
        self._resolved.clear()

    def set_default(self, faults: LinkFaults) -> None:
        """Use ``faults`` on every link without a setting of its own."""
        self.default = faults
        self._resolved.clear()

    def clear_faults(self) -> None:
        """Forget every pair, cable and network setting (cuts and clogs stay)."""
        self._links.clear()
        self._cables.clear()
        self._networks = dict.fromkeys(self._networks)
        self._resolved.clear()

    def faults(self, src: str, dst: str, network: str = DEFAULT_NETWORK) -> LinkFaults:
        """The faults of src→dst on ``network`` (see the module docstring's levels)."""
        key = (src, dst, network)
        found = self._resolved.get(key)
        if found is None:
            links, cables = self._links, self._cables
            found = (
                links.get(key)
                or links.get((src, dst, None))
                or cables.get((src, network))
                or cables.get((dst, network))
                or self._networks.get(network)
                or self.default
            )
            self._resolved[key] = found
        return found

    def block(self, src: str, dst: str, *, network: str | None = None) -> None:
        """Cut src→dst (dst→src still works: a one-way partition), on one or every network."""
        self._blocked.add((src, dst, network))
        self._trace_world("*", "block", f"{src} -> {dst}{_on(network)}")

    def unblock(self, src: str, dst: str, *, network: str | None = None) -> None:
        """Restore src→dst (a cut made with the same ``network``)."""
        self._blocked.discard((src, dst, network))
        self._trace_world("*", "unblock", f"{src} -> {dst}{_on(network)}")

    def partition(
        self,
        side_a: Iterable[str],
        side_b: Iterable[str],
        *,
        one_way: bool = False,
        network: str | None = None,
    ) -> None:
        """Cut every link from ``side_a`` to ``side_b``, and back unless ``one_way``;
        on ``network`` only, or on every network."""
        if network is not None:
            self._check_network(network)
        a, b = sorted(side_a), sorted(side_b)
        for x in a:
            for y in b:
                self._blocked.add((x, y, network))
                if not one_way:
                    self._blocked.add((y, x, network))
        arrow = "->" if one_way else "<->"
        self._trace_world("*", "part", f"{','.join(a)} {arrow} {','.join(b)}{_on(network)}")

    def unplug(self, host: str, network: str) -> None:
        """Pull ``host``'s cable to ``network``: nothing crosses it either way."""
        self._check_network(network)
        self._unplugged.add((host, network))
        self._trace_world("*", "unplug", f"{host} from {network}")

    def plug(self, host: str, network: str) -> None:
        """Put ``host``'s cable to ``network`` back."""
        self._unplugged.discard((host, network))
        self._trace_world("*", "plug", f"{host} into {network}")

    def heal(self, network: str | None = None) -> None:
        """Lift every cut and replug every cable (clogs stay); with ``network``,
        only the cuts made on that network and its cables."""
        if network is None:
            self._blocked.clear()
            self._unplugged.clear()
        else:
            self._blocked = {k for k in self._blocked if k[2] != network}
            self._unplugged = {k for k in self._unplugged if k[1] != network}
        self._trace_world("*", "heal", "all links" if network is None else network)

    def is_blocked(self, src: str, dst: str, network: str = DEFAULT_NETWORK) -> bool:
        """Whether src→dst on ``network`` is cut (a pair cut or a pulled cable)."""
        blocked = self._blocked
        if blocked and ((src, dst, network) in blocked or (src, dst, None) in blocked):
            return True
        unplugged = self._unplugged
        return bool(unplugged) and ((src, network) in unplugged or (dst, network) in unplugged)

    def is_unplugged(self, host: str, network: str) -> bool:
        """Whether ``host``'s cable to ``network`` is pulled."""
        return (host, network) in self._unplugged

    def clog(self, src: str, dst: str, *, network: str | None = None) -> None:
        """Hold every datagram on src→dst (on ``network``, or every network) until ``unclog``."""
        self._clogged.setdefault((src, dst, network), [])
        self._trace_world("*", "clog", f"{src} -> {dst}{_on(network)}")

    def unclog(self, src: str, dst: str, *, network: str | None = None) -> None:
        """Release a clog made with the same arguments and deliver what it held, in order."""
        held = self._clogged.pop((src, dst, network), [])
        self._trace_world("*", "unclog", f"{src} -> {dst}{_on(network)} releasing {len(held)}")
        for source, dest, data in held:
            delay = self.faults(src, dst, dest.network).delay
            self._schedule_delivery(source, dest, data, delay)

    def unclog_all(self) -> None:
        """Release every clog, in the order they were made."""
        for src, dst, network in list(self._clogged):
            self.unclog(src, dst, network=network)

    def is_clogged(self, src: str, dst: str, network: str = DEFAULT_NETWORK) -> bool:
        """Whether src→dst on ``network`` is clogged (by a clog of that network or of all)."""
        clogged = self._clogged
        return bool(clogged) and ((src, dst, network) in clogged or (src, dst, None) in clogged)

    def _clog_of(
        self, src: str, dst: str, network: str
    ) -> list[tuple[Address, Address, bytes]] | None:
        clogged = self._clogged
        if not clogged:
            return None
        held = clogged.get((src, dst, network))
        return held if held is not None else clogged.get((src, dst, None))

    def swizzle_clog(
        self,
        hosts: Iterable[str],
        *,
        start: float,
        step: float,
        hold: float,
        scope: Scope | None = None,
        network: str | None = None,
    ) -> None:
        """FoundationDB's swizzle-clog: from ``start``, clog the links of a random
        subset of ``hosts`` one every ``step``; after ``hold`` unclog them one by
        one in a fresh random order. On ``network`` only, or on every network."""
        names = sorted(hosts)
        chosen = [h for h in names if self.rng.random() < 0.5] or [self.rng.choice(names)]
        links = [(a, b) for a in chosen for b in names if a != b]
        self.rng.shuffle(links)
        for i, (a, b) in enumerate(links):
            self.sim.call_at(start + i * step, partial(self.clog, a, b, network=network), scope)
        release = list(links)
        self.rng.shuffle(release)
        t0 = start + len(links) * step + hold
        for i, (a, b) in enumerate(release):
            self.sim.call_at(t0 + i * step, partial(self.unclog, a, b, network=network), scope)

    # -- datagrams ----------------------------------------------------------------

    def bind(self, address: Address, handler: DatagramHandler) -> SimDatagramPort:
        """A datagram port at ``address`` whose inbound datagrams go to ``handler``
        (cabling the host to the address's network if it was not)."""
        if address in self._ports:
            raise StateError("SimNetwork", f"{_addr(address)} bound", "bind")
        self.attach(address.host, address.network)
        port = self._ports[address] = SimDatagramPort(self, address, handler)
        return port

    def unbind(self, address: Address, port: SimDatagramPort) -> None:
        """Forget ``port`` (datagrams to it are then dropped)."""
        if self._ports.get(address) is port:
            del self._ports[address]
            for members in self._groups.values():
                members.discard(address)

    def one_way_delay(self, src: str, dst: str, network: str = DEFAULT_NETWORK) -> float:
        """A fresh delay for one packet on src→dst over ``network``."""
        f = self.faults(src, dst, network)
        return f.delay + (self.rng.uniform(0.0, f.jitter) if f.jitter else 0.0)

    def join_group(self, group: Address, member: Address) -> None:
        """Deliver datagrams sent to ``group`` (a multicast address) to ``member``.

        Groups are per network (``member`` must be on the group's network);
        each member's copy crosses its own link with that link's faults; the
        sender does not receive its own datagram.
        """
        if member.network != group.network:
            raise ValueError(f"{_addr(member)} cannot join {_addr(group)}: another network")
        self._groups.setdefault(group, set()).add(member)

    def leave_group(self, group: Address, member: Address) -> None:
        """Stop delivering ``group``'s datagrams to ``member``."""
        self._groups.get(group, set()).discard(member)

    def send_datagram(self, source: Address, dest: Address, data: bytes) -> None:
        """Send one datagram (to one port, or to every member of a group)."""
        self.trace_link(source.host, ">", "dgram", f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
        self._count("sent")
        members = self._groups.get(dest)
        if members is None:
            self._transmit(source, dest, data)
            return
        for member in sorted(members):
            if member != source:
                self._transmit(source, member, data)

    def _cut_reason(self, src: str, dst: str, network: str) -> str | None:
        """Why src→dst on ``network`` is cut (``partition``/``unplugged``), or ``None``."""
        blocked = self._blocked
        if blocked and ((src, dst, network) in blocked or (src, dst, None) in blocked):
            return "partition"
        unplugged = self._unplugged
        if unplugged and ((src, network) in unplugged or (dst, network) in unplugged):
            return "unplugged"
        return None

    def _transmit(self, source: Address, dest: Address, data: bytes) -> None:
        """Apply the link's faults to one datagram and schedule what survives."""
        src, dst, network = source.host, dest.host, dest.network
        if source.network != network:
            self.drop(src, "no-route", f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
            return
        if self._blocked or self._unplugged:
            why = self._cut_reason(src, dst, network)
            if why is not None:
                self.drop(src, why, f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
                return
        f = self.faults(src, dst, network)
        if f.loss and self.rng.random() < f.loss:
            self.drop(src, "loss", f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
            return
        copies = 2 if f.duplicate and self.rng.random() < f.duplicate else 1
        if copies == 2:
            self.trace_link(src, "=", "dup", f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
            self._count("duplicated")
        for _ in range(copies):
            delay = f.delay + (self.rng.uniform(0.0, f.jitter) if f.jitter else 0.0)
            if f.reorder and self.rng.random() < f.reorder:
                delay += f.reorder_delay
                self._count("reordered")
            self._schedule_delivery(source, dest, data, delay)

    def _schedule_delivery(self, source: Address, dest: Address, data: bytes, delay: float) -> None:
        self.sim.call_later(delay, partial(self._deliver, source, dest, data))

    def _deliver(self, source: Address, dest: Address, data: bytes) -> None:
        src, dst, network = source.host, dest.host, dest.network
        if self._blocked or self._unplugged:
            why = self._cut_reason(src, dst, network)
            if why is not None:
                self.drop(dst, why, f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
                return
        held = self._clog_of(src, dst, network)
        if held is not None:
            held.append((source, dest, data))
            self.trace_link(dst, "~", "held", f"{_addr(source)} -> {_addr(dest)} {len(data)}B")
            self._count("held")
            return
        port = self._ports.get(dest)
        what = f"{_addr(source)} -> {_addr(dest)} {len(data)}B"
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
        """Open a stream from ``host`` to ``dest`` over ``dest``'s network;
        ``handler`` learns the outcome."""
        port = self._next_ephemeral.get(host, 40000)
        self._next_ephemeral[host] = port + 1
        local = Address(host, port, dest.network)
        stream = SimStream(self, local, dest, handler)
        self.trace_link(host, ">", "connect", f"{_addr(local)} -> {_addr(dest)}")
        self._try_connect(stream, self.sim.now)
        return stream

    def _try_connect(self, stream: SimStream, started: float) -> None:
        src, dst, network = stream.local.host, stream.peer.host, stream.peer.network
        if stream.dead or stream.closing:
            return
        if self.is_blocked(src, dst, network) or self.is_blocked(dst, src, network):
            if self.sim.now - started >= self.stream_timeout:
                stream._lose("timeout")
            else:
                self.sim.call_later(
                    self.retransmit_interval, lambda: self._try_connect(stream, started)
                )
            return
        rtt = self.one_way_delay(src, dst, network) + self.one_way_delay(dst, src, network)
        self.sim.call_later(rtt, lambda: self._establish(stream))

    def _establish(self, stream: SimStream) -> None:
        if stream.dead or stream.closing:
            return
        accept = self._listeners.get(stream.peer)
        if accept is None:
            self.trace_link(
                stream.local.host, "x", "refused", f"{_addr(stream.local)} -> {_addr(stream.peer)}"
            )
            stream._lose("refused")
            return
        server = SimStream(self, stream.peer, stream.local, StreamHandler())
        server.handler = accept(server)
        server.other, stream.other = stream, server
        self.trace_link(
            stream.local.host, "<", "connect", f"{_addr(stream.local)} -> {_addr(stream.peer)}"
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
