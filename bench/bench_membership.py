"""Membership on real sockets: heartbeat timeliness under a busy daemon, and (root,
lab) detection, view change, idle CPU and false suspicions against real Corosync.

1. ``busy_loop`` (no root needed): a heartbeat core (the simulator's
   ``HeartbeatCore``: real framing and HMAC) sends every 50 ms over UDP on
   loopback while the daemon's main thread runs pure-Python work in 250 ms
   blocks (a scheduler run, a CIB write). Measured: the longest gap between
   two heartbeats the peer receives, and how late the core's timer ran.
   Reference in the same run: the same core driven from the asyncio event
   loop itself (``call_at``), blocked by the same work: what a driver that
   shares the daemon's loop would do.
2. ``lab`` (root): five lab nodes running ``membershipd`` (token
   ``TOKEN_MS``): idle CPU per node over ``IDLE_SECONDS``; ``TRIALS``
   power-offs of one node, each timed on a survivor from the power-off to
   the moment its core reported the node unreachable (``detection``, as a
   ratio of the token) and to the new view (``view``); false suspicions
   (views installed that drop a live node) during ``HOG_SECONDS`` with a CPU
   hog on each host core, at the default token (1000 ms). Reference:
   Debian's corosync 3.1 in the same lab, same token, same power-offs.

``python -m bench.run --only bench_membership``; ``BENCH_MEMBERSHIP_QUICK=1``
shortens every phase (for trying the bench, not for figures).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from paceline.core.frame import AuthMode, FrameCodec
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import Address
from paceline.runtime.membership import CoreDriver
from paceline.sim.demo import Heard, HeartbeatCore

QUICK = os.environ.get("BENCH_MEMBERSHIP_QUICK") == "1"
INTERVAL = 0.05
BUSY_BLOCK = 0.25
BUSY_SECONDS = 2.0 if QUICK else 6.0
TOKEN_MS = 1000
TRIALS = 3 if QUICK else 20
IDLE_SECONDS = 10 if QUICK else 60
HOG_SECONDS = 10 if QUICK else 120
LAB_NODES = 5


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += sum(range(500))


class _Link:
    def __init__(self, port: int) -> None:
        self.local = Address("127.0.0.1", port, "ring0")
        self.group = None


def _cores() -> tuple[HeartbeatCore, HeartbeatCore, Address, Address]:
    codec = FrameCodec(AuthMode.HMAC_SHA256, Keyring.from_authkey(os.urandom(32)))
    a = Address("127.0.0.1", _free_port(), "ring0")
    b = Address("127.0.0.1", _free_port(), "ring0")
    now = time.monotonic()
    kw: dict[str, Any] = {"interval": INTERVAL, "timeout": 10.0, "incarnation": 1, "now": now}
    return (
        HeartbeatCore(NodeId(1), {NodeId(2): b}, codec, **kw),
        HeartbeatCore(NodeId(2), {NodeId(1): a}, codec, **kw),
        a,
        b,
    )


def _gaps(times: list[float]) -> dict[str, float]:
    gaps = [b - a for a, b in itertools.pairwise(times)]
    if not gaps:
        return {"heartbeats": 0}
    gaps.sort()
    return {
        "heartbeats": len(times),
        "gap_max_ms": round(gaps[-1] * 1000, 1),
        "gap_p99_ms": round(gaps[int(len(gaps) * 0.99) - 1 if len(gaps) > 1 else 0] * 1000, 1),
        "gap_median_ms": round(statistics.median(gaps) * 1000, 1),
    }


def _receiver(core: HeartbeatCore, port: int) -> tuple[CoreDriver[HeartbeatCore], list[float]]:
    heard: list[float] = []

    def on_event(event: object) -> None:
        if isinstance(event, Heard):
            heard.append(time.monotonic())

    driver = CoreDriver(core, [_Link(port)], on_event=on_event, name="bench-peer")
    driver.start()
    return driver, heard


def busy_threaded() -> dict[str, Any]:
    """The real driver (its own thread) while the main thread is busy."""
    ca, cb, a, b = _cores()
    peer, heard = _receiver(cb, b.port)
    driver = CoreDriver(ca, [_Link(a.port)], name="bench")
    driver.start()
    try:
        time.sleep(0.3)
        start = len(heard)
        end = time.monotonic() + BUSY_SECONDS
        while time.monotonic() < end:
            _busy(BUSY_BLOCK)
            time.sleep(0.001)
        driver.call(lambda c: None).result(5)
        stats = dict(driver.stats)
    finally:
        driver.stop()
        peer.stop()
    out = _gaps(heard[start:])
    out["timer_late_max_ms"] = round(stats["timer_late_max"] * 1000, 2)
    out["timer_late_mean_ms"] = round(stats["timer_late_sum"] / max(stats["timers"], 1) * 1000, 3)
    return out


class _LoopProtocol(asyncio.DatagramProtocol):
    def __init__(self, core: HeartbeatCore, pump: Callable[[], None]) -> None:
        self.core = core
        self.pump = pump

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.core.receive_datagram(data, Address(addr[0], addr[1], "ring0"), time.monotonic())
        self.pump()


def busy_on_loop() -> dict[str, Any]:
    """Reference: the same core driven by the asyncio loop that the busy work blocks."""
    ca, cb, a, b = _cores()
    peer, heard = _receiver(cb, b.port)
    late: list[float] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        transport: asyncio.DatagramTransport | None = None
        timer: asyncio.TimerHandle | None = None

        def pump() -> None:
            nonlocal timer
            assert transport is not None
            for data, addr in ca.datagrams_to_send(time.monotonic()):
                transport.sendto(data, (addr.host, addr.port))
            while ca.next_event() is not None:
                pass
            if timer is not None:
                timer.cancel()
            deadline = ca.next_deadline()
            if deadline is not None:
                timer = loop.call_at(deadline, fire, deadline)

        def fire(deadline: float) -> None:
            now = time.monotonic()
            late.append(now - deadline)
            ca.handle_timer(now)
            pump()

        transport, _ = await loop.create_datagram_endpoint(
            lambda: _LoopProtocol(ca, pump), local_addr=(a.host, a.port)
        )
        pump()
        await asyncio.sleep(0.3)
        end = time.monotonic() + BUSY_SECONDS
        while time.monotonic() < end:
            _busy(BUSY_BLOCK)  # a blocking step of the daemon, on the loop
            await asyncio.sleep(0.001)
        transport.close()

    start = len(heard)
    try:
        asyncio.run(main())
    finally:
        peer.stop()
    out = _gaps(heard[start:])
    out["timer_late_max_ms"] = round(max(late, default=0.0) * 1000, 2)
    out["timer_late_mean_ms"] = round(statistics.fmean(late) * 1000, 3) if late else 0.0
    return out


def busy_loop() -> dict[str, Any]:
    threaded = busy_threaded()
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.001)  # what a daemon may set: the GIL changes hands sooner
    try:
        threaded_1ms = busy_threaded()
    finally:
        sys.setswitchinterval(old)
    reference = busy_on_loop()
    out: dict[str, Any] = {
        "interval_ms": INTERVAL * 1000,
        "busy_block_ms": BUSY_BLOCK * 1000,
        "threaded_driver": threaded,
        "threaded_driver_switchinterval_1ms": threaded_1ms,
        "reference_driver_on_busy_loop": reference,
    }
    if threaded.get("gap_max_ms") and reference.get("gap_max_ms"):
        out["gap_max_ratio_threaded_to_loop"] = round(
            threaded["gap_max_ms"] / reference["gap_max_ms"], 3
        )
    return out


def run() -> dict[str, Any]:
    out: dict[str, Any] = {"busy_loop": busy_loop()}
    if os.geteuid() != 0:
        out["lab"] = {"skipped": "needs root"}
        return out
    try:
        from bench import membership_lab
    except ImportError as exc:
        out["lab"] = {"skipped": f"lab part not available: {exc}"}
        return out
    out["lab"] = membership_lab.run()
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
