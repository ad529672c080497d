"""The real-network driver of a ``DatagramCore`` (the membership core) on UDP sockets.

The core runs in a thread of its own (``selectors``, no asyncio), so its
heartbeats stay on time while the daemon's event loop is busy with a CIB
write or a scheduler run: the loop can block for seconds, the driver thread
still wakes at ``next_deadline()`` (it competes only for the GIL, which a
busy thread hands over every ``sys.getswitchinterval()``, 5 ms). Only the
driver thread ever touches the core.

Sockets, one per link (``LinkSpec`` of ``paceline.membership.events``, or
anything with ``local`` and ``group`` ``Address``es):

- unicast: a UDP socket bound to the link's ``local`` address (the node's
  ``ringN_addr`` and port);
- multicast (corosync 1.x/2.x ``mcastaddr``): that socket sends (to the
  group and to peers), with ``IP_MULTICAST_IF`` on the local address,
  TTL 1 and loopback off; a second socket bound to the group address and
  port joins the group (``IP_ADD_MEMBERSHIP``) on the interface of the
  local address and only receives.

A datagram from ``(ip, port)`` on link ``ringN`` reaches the core as
``Address(ip, port, "ringN")``; the core's ``(data, Address)`` go out on the
socket of ``Address.network``.

The daemon's side (any thread)::

    driver = CoreDriver(core, links, on_event=handle)        # handle(event) runs where deliver says
    driver.start()                                           # binds (errors raise here), starts the thread
    await driver.acall(lambda core: core.broadcast(b"..."))   # runs in the driver thread; its result
    driver.call(lambda core: core.counters).result(1.0)      # the same from sync code
    driver.stop()

Events: with ``loop=`` the driver hands each event to ``on_event`` on that
asyncio loop (batched through one ``call_soon_threadsafe``), else it calls
``on_event`` in the driver thread (keep it short); inside ``on_event``,
``driver.event_time`` is the wall clock when the core emitted that event (a
busy loop hands it on later). At most ``max_pending``
events wait for a stalled loop; past that they are dropped and counted in
``stats["events_dropped"]`` (a daemon that far behind is broken anyway).

``stats`` (read through ``call``): per link ``rx``/``tx``/``send_errors``,
``timer_late_max``/``timer_late_sum``/``timers`` (how late ``handle_timer``
ran after the deadline: the figure that says whether heartbeats stay on
time), ``loop_errors``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import logging
import os
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from paceline.core.errors import ConfigError, StateError
from paceline.core.ports import Address, DatagramCore

__all__ = ["CoreDriver", "LinkBinding", "bind_link"]

T = TypeVar("T")
C = TypeVar("C", bound=DatagramCore)

RECV_BUFFER = 65536
"""Bytes read per datagram (the largest UDP payload fits)."""
RECV_BATCH = 64
"""Datagrams read from one socket per wake-up before timers get their turn."""
MAX_PENDING_EVENTS = 10_000
MAX_COMMANDS = 1_000
"""Calls queued for the driver thread before ``call`` refuses more."""
IDLE_WAKE = 1.0
"""Longest sleep when the core wants no timer (so ``stop`` is never stuck)."""
SOCKET_BUFFER = 1 << 20
"""SO_RCVBUF/SO_SNDBUF asked for (the kernel may give less)."""

log = logging.getLogger(__name__)


class LinkLike(Protocol):
    """What the driver needs of a link: where to bind, and the multicast group if any."""

    @property
    def local(self) -> Address: ...

    @property
    def group(self) -> Address | None: ...


class LinkBinding:
    """The socket(s) of one link: ``send`` (also receives unicast) and, for multicast, ``group``."""

    def __init__(self, network: str, send: socket.socket, group: socket.socket | None) -> None:
        self.network = network
        self.send = send
        self.group = group
        self.stats = {"rx": 0, "tx": 0, "send_errors": 0}

    @property
    def sockets(self) -> list[socket.socket]:
        return [s for s in (self.send, self.group) if s is not None]

    @property
    def address(self) -> Address:
        host, port = self.send.getsockname()[:2]
        return Address(host, port, self.network)

    def close(self) -> None:
        for s in self.sockets:
            s.close()


def _family(host: str) -> socket.AddressFamily:
    try:
        version = ipaddress.ip_address(host).version
    except ValueError:
        raise ConfigError(f"link address {host!r} is not an IP address") from None
    return socket.AF_INET6 if version == 6 else socket.AF_INET


def _udp(family: socket.AddressFamily) -> socket.socket:
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setblocking(False)
    for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, SOCKET_BUFFER)
        except OSError:
            pass
    return s


def bind_link(link: LinkLike) -> LinkBinding:
    """Bind the socket(s) of ``link``.

    Raises:
        ConfigError: the address is not this node's, the port is taken, or
            multicast is asked on IPv6 (not supported yet).
    """
    local, group = link.local, link.group
    family = _family(local.host)
    send = _udp(family)
    try:
        send.bind((local.host, local.port))
    except OSError as exc:
        send.close()
        raise ConfigError(
            f"cannot bind link {local.network} to {local.host}:{local.port}: {exc.strerror or exc}",
            field=f"{local.network} address",
        ) from None
    if group is None:
        return LinkBinding(local.network, send, None)
    if family != socket.AF_INET or _family(group.host) != socket.AF_INET:
        send.close()
        raise ConfigError(f"multicast on {local.network}: only IPv4 groups are supported")
    try:
        iface = socket.inet_aton(local.host)
        send.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, iface)
        send.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        send.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        recv = _udp(socket.AF_INET)
        recv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        recv.bind((group.host, group.port))
        recv.setsockopt(
            socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group.host) + iface
        )
        recv.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    except OSError as exc:
        send.close()
        raise ConfigError(
            f"cannot join multicast group {group.host}:{group.port} on {local.host}: "
            f"{exc.strerror or exc}",
            field=f"{local.network} mcastaddr",
        ) from None
    return LinkBinding(local.network, send, recv)


class CoreDriver(Generic[C]):
    """See the module docstring."""

    def __init__(
        self,
        core: C,
        links: Sequence[LinkLike],
        *,
        on_event: Callable[[object], None] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_pending: int = MAX_PENDING_EVENTS,
        name: str = "membership",
    ) -> None:
        if not links:
            raise ConfigError("membership needs at least one link")
        self.core = core
        self.links = list(links)
        self.on_event = on_event
        self.loop = loop
        self.clock = clock
        self.max_pending = max_pending
        self.name = name
        self.bindings: dict[str, LinkBinding] = {}
        self.stats: dict[str, Any] = {
            "timers": 0,
            "timer_late_max": 0.0,
            "timer_late_sum": 0.0,
            "events": 0,
            "events_dropped": 0,
            "loop_errors": 0,
            "unroutable": 0,
        }
        self._commands: deque[tuple[Callable[[C], Any], concurrent.futures.Future[Any]]] = deque()
        self._pending: deque[tuple[float, object]] = deque()
        self.event_time = 0.0
        """Wall clock when the core emitted the event ``on_event`` is handed now."""
        self._pending_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.failure: BaseException | None = None

    # --- life -----------------------------------------------------------------

    def start(self) -> None:
        """Bind every link (errors raise here, nothing left open) and start the thread."""
        if self._thread is not None:
            raise StateError("CoreDriver", "started", "start")
        try:
            for link in self.links:
                binding = bind_link(link)
                self.bindings[binding.network] = binding
        except BaseException:
            self._close_sockets()
            raise
        self._thread = threading.Thread(target=self._run, name=f"paceline-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, close the sockets; queued calls fail with ``StateError``. Idempotent."""
        self._stop.set()
        self._wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise StateError("CoreDriver", "running", f"stop (thread alive after {timeout} s)")
        self._close_sockets()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._wake_r = self._wake_w = -1
        while self._commands:
            _, fut = self._commands.popleft()
            fut.set_exception(StateError("CoreDriver", "stopped", "call"))

    def __enter__(self) -> CoreDriver[C]:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def addresses(self) -> dict[str, Address]:
        """The bound (send) address of each link, by network name (port 0 resolved)."""
        return {name: b.address for name, b in self.bindings.items()}

    # --- calls from other threads ---------------------------------------------

    def call(self, fn: Callable[[C], T]) -> concurrent.futures.Future[T]:
        """Run ``fn(core)`` in the driver thread (then send what it queued); its result."""
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self._stop.is_set() or self._thread is None:
            fut.set_exception(StateError("CoreDriver", "not running", "call"))
            return fut
        if len(self._commands) >= MAX_COMMANDS:
            fut.set_exception(StateError("CoreDriver", f"{MAX_COMMANDS} calls queued", "call"))
            return fut
        self._commands.append((fn, fut))
        self._wake()
        return fut

    async def acall(self, fn: Callable[[C], T], timeout: float = 5.0) -> T:
        """``call`` for asyncio code: awaits the result without blocking the loop."""
        return await asyncio.wait_for(asyncio.wrap_future(self.call(fn)), timeout)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass  # a wake-up is already pending, or we are stopped

    # --- the thread -------------------------------------------------------------

    def _run(self) -> None:
        sel = selectors.DefaultSelector()
        try:
            sel.register(self._wake_r, selectors.EVENT_READ, None)
            for binding in self.bindings.values():
                for s in binding.sockets:
                    sel.register(s, selectors.EVENT_READ, binding)
            self._pump(self.clock())
            while not self._stop.is_set():
                deadline = self.core.next_deadline()
                now = self.clock()
                wait = IDLE_WAKE if deadline is None else min(max(deadline - now, 0.0), IDLE_WAKE)
                ready = sel.select(wait)
                for key, _ in ready:
                    if key.data is None:
                        self._drain_wake()
                    else:
                        self._receive(key.fileobj, key.data)  # type: ignore[arg-type]
                now = self.clock()
                self._run_commands()
                deadline = self.core.next_deadline()
                if deadline is not None and now >= deadline:
                    late = now - deadline
                    self.stats["timers"] += 1
                    self.stats["timer_late_sum"] += late
                    if late > self.stats["timer_late_max"]:
                        self.stats["timer_late_max"] = late
                    self.core.handle_timer(now)
                self._pump(now)
        except BaseException as exc:  # a core bug: say so loudly, the daemon decides
            self.failure = exc
            log.exception("%s driver thread died", self.name)
            self.stats["loop_errors"] += 1
        finally:
            sel.close()

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _receive(self, sock: socket.socket, binding: LinkBinding) -> None:
        for _ in range(RECV_BATCH):
            try:
                data, source = sock.recvfrom(RECV_BUFFER)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable reported on a later read, and the like
                binding.stats["recv_errors"] = binding.stats.get("recv_errors", 0) + 1
                continue
            binding.stats["rx"] += 1
            self.core.receive_datagram(
                data, Address(source[0], source[1], binding.network), self.clock()
            )

    def _run_commands(self) -> None:
        for _ in range(len(self._commands)):
            fn, fut = self._commands.popleft()
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(self.core))
            except BaseException as exc:  # the caller gets it; the driver goes on
                fut.set_exception(exc)

    def _pump(self, now: float) -> None:
        """Send what the core queued, hand on its events."""
        for data, address in self.core.datagrams_to_send(now):
            binding = self.bindings.get(address.network)
            if binding is None:
                self.stats["unroutable"] += 1
                continue
            try:
                binding.send.sendto(data, (address.host, address.port))
                binding.stats["tx"] += 1
            except OSError:  # no route, buffer full, link down: loss is normal for UDP
                binding.stats["send_errors"] += 1
        events = []
        while (event := self.core.next_event()) is not None:
            events.append(event)
        if events:
            self.stats["events"] += len(events)
            self._hand_on(events, time.time())

    def _hand_on(self, events: list[object], stamp: float) -> None:
        if self.on_event is None:
            return
        if self.loop is None:
            self.event_time = stamp
            for event in events:
                self.on_event(event)
            return
        stamped = [(stamp, e) for e in events]
        with self._pending_lock:
            room = self.max_pending - len(self._pending)
            if room < len(stamped):
                self.stats["events_dropped"] += len(stamped) - max(room, 0)
                stamped = stamped[: max(room, 0)]
            was_empty = not self._pending
            self._pending.extend(stamped)
        if was_empty and stamped:
            try:
                self.loop.call_soon_threadsafe(self._deliver)
            except RuntimeError:  # the loop is closed: the daemon is going away
                pass

    def _deliver(self) -> None:
        with self._pending_lock:
            batch = list(self._pending)
            self._pending.clear()
        assert self.on_event is not None
        for stamp, event in batch:
            self.event_time = stamp
            self.on_event(event)

    def _close_sockets(self) -> None:
        for binding in self.bindings.values():
            binding.close()

    def link_stats(self) -> dict[str, dict[str, int]]:
        """Per-link socket counters (safe to read from any thread: plain ints)."""
        return {name: dict(b.stats) for name, b in self.bindings.items()}
