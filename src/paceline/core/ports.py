"""Ports: the few things a driver hands to the pure cores, as ``Protocol``s.

Two families live here, both implemented twice — by the deterministic
simulator (``paceline.sim``) and by the asyncio drivers (``paceline.runtime``):

- **Environment ports** a driver owns and uses: ``Clock``, ``WallClock``, ``Rng``,
  ``DatagramPort``, ``StreamPort``, ``BlockStore`` (request/completion block
  I/O) and ``LocalBus`` (events between the cores of one node).
- **Core contracts** a pure core exposes so any driver can run it
  (aioquic's shape): ``DatagramCore``, ``StreamCore`` and ``LocalCore``. A core is given
  bytes and ``now``; it returns bytes to send and events, and says when it
  next wants to run (``next_deadline``). It never reads a clock, never
  sleeps and never does I/O.

Every port is minimal on purpose: what is not here, a core cannot depend on.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

DEFAULT_NETWORK = "ring0"
"""The network an address is on when none is named: the first public ring."""


class Address(NamedTuple):
    """A transport address: ``host`` and ``port`` on the named ``network``.

    A node has one interface per network it is cabled to (``ring0``,
    ``ring1``, ``repl``, as the lab's ``pub0``/``pub1``/``rep1-2`` cables),
    so one host is reached at different addresses over different cables. In
    the simulator ``host`` is the node's name; in the asyncio runtime it is
    the interface's IP address, and ``network`` names the configured link
    the socket is bound to (the OS routes by IP; the label says which cable).
    """

    host: str
    port: int
    network: str = DEFAULT_NETWORK

    def __str__(self) -> str:
        return f"{self.host}:{self.port}@{self.network}"


@runtime_checkable
class Clock(Protocol):
    """A monotonic clock in seconds; only differences between readings mean anything."""

    def now(self) -> float:
        """The current monotonic time in seconds."""
        ...


@runtime_checkable
class WallClock(Protocol):
    """Wall-clock time: for rules, lifetimes and history, never for timeouts.

    It may jump (NTP steps it) and differs between nodes by seconds.
    """

    def time(self) -> float:
        """Seconds since the Unix epoch."""
        ...


@runtime_checkable
class Rng(Protocol):
    """The subset of ``random.Random`` cores may use (seeded in the simulator)."""

    def random(self) -> float:
        """A float in [0.0, 1.0)."""
        ...

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        """An int from ``range(start, stop, step)``."""
        ...

    def uniform(self, a: float, b: float) -> float:
        """A float between ``a`` and ``b``."""
        ...

    def getrandbits(self, k: int, /) -> int:
        """An int with ``k`` random bits."""
        ...


@runtime_checkable
class DatagramPort(Protocol):
    """A bound datagram socket: unreliable, unordered, possibly duplicated.

    Inbound datagrams are pushed to the handler given when the port was
    bound, never pulled. ``sendto`` never blocks and never raises for a
    lost datagram (loss is normal); it raises ``StateError`` once closed.
    """

    @property
    def address(self) -> Address:
        """The local address this port is bound to."""
        ...

    def sendto(self, data: bytes, address: Address) -> None:
        """Queue one datagram for ``address``."""
        ...

    def close(self) -> None:
        """Stop sending and receiving; idempotent."""
        ...


@runtime_checkable
class StreamPort(Protocol):
    """One side of a reliable, ordered byte stream (a TCP connection).

    Inbound bytes go to the ``StreamCore``/handler attached to the stream.
    Writes are never lost while the connection lives; a connection that
    breaks is reported once by ``connection_lost`` on both sides.
    """

    @property
    def peer(self) -> Address:
        """The remote address."""
        ...

    def write(self, data: bytes) -> None:
        """Queue ``data``; raises ``StateError`` once the stream is closed."""
        ...

    def close(self) -> None:
        """Close after queued data is sent; idempotent."""
        ...

    def is_closing(self) -> bool:
        """Whether ``close`` was called or the connection was lost."""
        ...


class BlockOp(enum.Enum):
    """What a block request asks for."""

    READ = "read"
    WRITE = "write"
    FLUSH = "flush"


@dataclass(frozen=True, slots=True)
class BlockRequest:
    """One block I/O request: read or write block ``index``, or flush.

    ``tag`` is the submitter's own (a request id); it comes back in the
    completion unchanged.
    """

    op: BlockOp
    index: int = -1
    data: bytes = b""
    tag: int = 0

    @classmethod
    def read(cls, index: int, tag: int = 0) -> BlockRequest:
        """Read block ``index``."""
        return cls(BlockOp.READ, index, b"", tag)

    @classmethod
    def write(cls, index: int, data: bytes, tag: int = 0) -> BlockRequest:
        """Write ``data`` (exactly one block) to block ``index``."""
        return cls(BlockOp.WRITE, index, data, tag)

    @classmethod
    def flush(cls, tag: int = 0) -> BlockRequest:
        """Make every earlier write durable (a barrier)."""
        return cls(BlockOp.FLUSH, -1, b"", tag)


@dataclass(frozen=True, slots=True)
class BlockCompletion:
    """The outcome of one ``BlockRequest``: ``error`` is an errno (``EIO``) or 0;
    ``data`` is the block read (empty otherwise, and on error)."""

    request: BlockRequest
    error: int = 0
    data: bytes = b""

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error == 0


CompletionHandler = Callable[[BlockCompletion], None]


@runtime_checkable
class BlockStore(Protocol):
    """A block device of ``num_blocks`` blocks of ``block_size`` bytes, driven by
    request and completion (io_uring's shape, and what DRBD's protocols need).

    ``submit`` never blocks: the outcome arrives later, once, as a
    ``BlockCompletion`` passed to ``done`` (from the driver's loop, never from
    inside ``submit``). Requests in flight complete in any order, except
    around a flush: a flush completes only once every write submitted before
    it is durable, and no write submitted after it completes before it. A
    read sees the writes that completed before it did. Reads of
    never-written blocks return zeros. A crash may lose any write not covered
    by a completed flush. Device errors come back as ``error=errno.EIO`` in
    the completion; the caller decides what an I/O error means (DRBD's
    ``on-io-error``). A malformed request (index out of range, a write not of
    ``block_size`` bytes) raises ``ValueError`` from ``submit``.

    Example (a core's driver)::

        store.submit(BlockRequest.write(7, data, tag=1), on_done)
        store.submit(BlockRequest.flush(tag=2), on_done)  # completes after write 1
    """

    @property
    def block_size(self) -> int:
        """Bytes per block."""
        ...

    @property
    def num_blocks(self) -> int:
        """Number of blocks."""
        ...

    def submit(self, request: BlockRequest, done: CompletionHandler) -> None:
        """Start ``request``; ``done(completion)`` is called once, later."""
        ...


LOCAL_BUS_LIMIT = 10_000
"""Events a node-local bus holds undelivered before ``publish`` refuses more."""


@runtime_checkable
class LocalBus(Protocol):
    """How one core's events reach the other cores of the same node.

    A driver publishes each event its core emits under the core's topic
    (``"membership"``, ``"cib"``…); another core's driver subscribes to the
    topic and feeds the events to its core. Delivery is asynchronous (never
    from inside ``publish``: no re-entrant core calls), in publish order,
    exactly once to each subscriber, on the node's own loop; the bus dies
    with the node. ``publish`` raises ``StateError`` when ``LOCAL_BUS_LIMIT``
    events wait undelivered (a limit on everything).

    Example::

        bus.subscribe("membership", lambda event: cib_driver.feed(cib.on_view, event))
        bus.publish("membership", ViewInstalled(...))
    """

    def publish(self, topic: str, event: object) -> None:
        """Queue ``event`` for every subscriber of ``topic``."""
        ...

    def subscribe(self, topic: str, handler: Callable[[object], None]) -> None:
        """Call ``handler(event)`` for each event later published on ``topic``."""
        ...


@runtime_checkable
class DatagramCore(Protocol):
    """A pure, timer-driven datagram protocol (aioquic's ``QuicConnection`` shape).

    The driver's loop: feed ``receive_datagram`` / ``handle_timer`` with
    ``now``, then send every ``datagrams_to_send(now)``, drain
    ``next_event()``, and arm one timer at ``next_deadline()``.
    """

    def receive_datagram(self, data: bytes, source: Address, now: float) -> None:
        """Process one inbound datagram (malformed ones are counted and dropped)."""
        ...

    def handle_timer(self, now: float) -> None:
        """Run whatever was due at or before ``now``."""
        ...

    def datagrams_to_send(self, now: float) -> list[tuple[bytes, Address]]:
        """Take the datagrams the core wants sent, with their destinations."""
        ...

    def next_event(self) -> object | None:
        """Take the next event for the application/checkers, or ``None``."""
        ...

    def next_deadline(self) -> float | None:
        """When the core next needs ``handle_timer``; ``None`` if never."""
        ...


@runtime_checkable
class LocalCore(Protocol):
    """A pure core with no socket of its own (a CIB, controller or executor
    core): it is fed through the ``LocalBus`` and by timers, and emits events."""

    def handle_timer(self, now: float) -> None:
        """Run whatever was due at or before ``now``."""
        ...

    def next_event(self) -> object | None:
        """Take the next event, or ``None``."""
        ...

    def next_deadline(self) -> float | None:
        """When the core next needs ``handle_timer``; ``None`` if never."""
        ...


@runtime_checkable
class StreamCore(Protocol):
    """A pure protocol on one byte stream (h11's ``receive_data``/``send`` shape)."""

    def connection_made(self, now: float) -> None:
        """The stream is open."""
        ...

    def receive_data(self, data: bytes, now: float) -> None:
        """Bytes arrived, in order, split at arbitrary places."""
        ...

    def connection_lost(self, reason: str | None, now: float) -> None:
        """The stream broke (``reason``) or was closed cleanly (``None``)."""
        ...

    def data_to_send(self) -> bytes:
        """Take the bytes the core wants written."""
        ...

    def wants_close(self) -> bool:
        """Whether the driver should close the stream (e.g. after a ``ProtocolError``)."""
        ...

    def handle_timer(self, now: float) -> None:
        """Run whatever was due at or before ``now``."""
        ...

    def next_event(self) -> object | None:
        """Take the next event, or ``None``."""
        ...

    def next_deadline(self) -> float | None:
        """When the core next needs ``handle_timer``; ``None`` if never."""
        ...
