"""Ports: the few things a driver hands to the pure cores, as ``Protocol``s.

Two families live here, both implemented twice — by the deterministic
simulator (``paceline.sim``) and by the asyncio drivers (``paceline.runtime``):

- **Environment ports** a driver owns and uses: ``Clock``, ``WallClock``, ``Rng``,
  ``DatagramPort``, ``StreamPort``, ``BlockStore``.
- **Core contracts** a pure core exposes so any driver can run it
  (aioquic's shape): ``DatagramCore`` and ``StreamCore``. A core is given
  bytes and ``now``; it returns bytes to send and events, and says when it
  next wants to run (``next_deadline``). It never reads a clock, never
  sleeps and never does I/O.

Every port is minimal on purpose: what is not here, a core cannot depend on.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

Address = tuple[str, int]
"""A transport address: (host, port). Simulated hosts are node names."""


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


@runtime_checkable
class BlockStore(Protocol):
    """A block device of ``num_blocks`` blocks of ``block_size`` bytes.

    Reads of never-written blocks return zeros. A write is durable only after
    a later ``flush`` returns: a crash may lose any write not yet flushed.
    Device errors raise ``OSError`` (``errno.EIO``); the caller decides what
    an I/O error means (DRBD's ``on-io-error``).
    """

    @property
    def block_size(self) -> int:
        """Bytes per block."""
        ...

    @property
    def num_blocks(self) -> int:
        """Number of blocks."""
        ...

    def read_block(self, index: int) -> bytes:
        """The ``block_size`` bytes of block ``index``."""
        ...

    def write_block(self, index: int, data: bytes) -> None:
        """Replace block ``index`` with ``data`` (exactly ``block_size`` bytes)."""
        ...

    def flush(self) -> None:
        """Make every write that returned before this call durable."""
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
