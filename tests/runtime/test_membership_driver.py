"""The UDP driver of a DatagramCore, over real sockets on loopback.

The core is the simulator's ``HeartbeatCore`` (real framing, HMAC and replay
filter): a real protocol, run here by the real driver thread instead of the
simulated network.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from paceline.core.errors import ConfigError, StateError
from paceline.core.frame import AuthMode, FrameCodec
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import Address
from paceline.runtime.membership import CoreDriver, bind_link
from paceline.sim.demo import Dropped, Heard, HeartbeatCore, PeerDown, PeerUp

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Link:
    local: Address
    group: Address | None = None


def free_ports(n: int) -> list[int]:
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for s in socks:
        s.bind((HOST, 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"condition not met in {timeout} s")
        time.sleep(0.01)


@contextmanager
def cluster(
    n: int, events: dict[int, list[object]], **driver_kw: Any
) -> Iterator[dict[int, CoreDriver[HeartbeatCore]]]:
    codec = FrameCodec(AuthMode.HMAC_SHA256, Keyring.from_authkey(os.urandom(32)))
    ports = free_ports(n)
    addrs = {NodeId(i + 1): Address(HOST, p, "ring0") for i, p in enumerate(ports)}
    drivers: dict[int, CoreDriver[HeartbeatCore]] = {}
    with ExitStack() as stack:
        for me, addr in addrs.items():
            peers = {i: a for i, a in addrs.items() if i != me}
            core = HeartbeatCore(
                me, peers, codec, now=time.monotonic(), incarnation=1, interval=0.02, timeout=0.5
            )
            got = events.setdefault(me, [])
            driver = CoreDriver(core, [Link(addr)], on_event=got.append, **driver_kw)
            stack.enter_context(driver)
            drivers[me] = driver
        yield drivers


def test_three_cores_hear_each_other_and_see_a_stopped_peer_go_down() -> None:
    events: dict[int, list[object]] = {}
    with cluster(3, events) as drivers:
        wait_for(
            lambda: all(d.call(lambda c: len(c.alive)).result(5) == 2 for d in drivers.values())
        )
        drivers[3].stop()
        wait_for(lambda: any(isinstance(e, PeerDown) and e.peer == 3 for e in events[1]))
        stats = drivers[1].link_stats()["ring0"]
        assert stats["rx"] > 0 and stats["tx"] > 0
        assert drivers[1].stats["timers"] > 0
        assert drivers[1].failure is None
    ups = {e.peer for e in events[1] if isinstance(e, PeerUp)}
    assert ups == {2, 3}


def test_garbage_from_a_stranger_is_dropped_by_the_core_and_the_driver_goes_on() -> None:
    events: dict[int, list[object]] = {}
    with cluster(2, events) as drivers:
        target = drivers[1].addresses()["ring0"]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for payload in (b"", b"\x00" * 3, os.urandom(1400), b"\xff" * 60000):
                s.sendto(payload, (target.host, target.port))
        wait_for(lambda: sum(isinstance(e, Dropped) for e in events[1]) >= 4)
        before = sum(isinstance(e, Heard) for e in events[1])
        wait_for(lambda: sum(isinstance(e, Heard) for e in events[1]) > before)
        assert drivers[1].running and drivers[1].failure is None


def test_events_reach_an_asyncio_loop_and_calls_run_in_the_driver_thread() -> None:
    async def main() -> tuple[list[object], list[str], list[int]]:
        loop = asyncio.get_running_loop()
        got: list[object] = []
        threads: list[str] = []

        def on_event(event: object) -> None:
            threads.append(threading.current_thread().name)
            got.append(event)

        events: dict[int, list[object]] = {}
        with cluster(2, events, loop=loop) as drivers:
            for d in drivers.values():
                d.on_event = on_event
            while not any(isinstance(e, PeerUp) for e in got):
                await asyncio.sleep(0.01)
            where = await drivers[1].acall(lambda core: threading.current_thread().name)
            sent = [await d.acall(lambda core: core.sent) for d in drivers.values()]
        return got, [*threads, where], sent

    got, threads, sent = asyncio.run(main())
    assert any(isinstance(e, PeerUp) for e in got)
    assert all(t == "MainThread" for t in threads[:-1]), "events are handed to the loop's thread"
    assert threads[-1] == "paceline-membership", "calls run in the driver thread"
    assert all(s > 0 for s in sent)


def test_heartbeats_go_on_while_the_main_thread_is_busy() -> None:
    events: dict[int, list[object]] = {}
    with cluster(2, events) as drivers:
        wait_for(lambda: drivers[2].call(lambda c: len(c.alive)).result(5) == 1)
        heard_before = sum(isinstance(e, Heard) for e in events[2])
        end = time.monotonic() + 1.0
        x = 0
        while time.monotonic() < end:  # pure Python work holding the GIL, as a scheduler run does
            x += sum(range(1000))
        heard_during = sum(isinstance(e, Heard) for e in events[2]) - heard_before
        assert heard_during > 0
        assert not any(isinstance(e, PeerDown) for e in events[1] + events[2])


def test_a_failing_call_reaches_the_caller_and_calls_after_stop_fail() -> None:
    events: dict[int, list[object]] = {}
    with cluster(1, events) as drivers:
        d = drivers[1]

        def broken(core: HeartbeatCore) -> None:
            raise ValueError("nope")

        with pytest.raises(ValueError, match="nope"):
            d.call(broken).result(5)
        assert d.call(lambda c: c.me).result(5) == 1
    with pytest.raises(StateError):
        d.call(lambda c: c.me).result(5)
    d.stop()  # idempotent


def test_binding_errors_are_config_errors_and_leave_nothing_open() -> None:
    (port,) = free_ports(1)
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind((HOST, port))
    try:
        with pytest.raises(ConfigError, match="cannot bind link ring0"):
            bind_link(Link(Address(HOST, port, "ring0")))
        with pytest.raises(ConfigError, match="cannot bind"):
            bind_link(Link(Address("198.18.250.250", port, "ring0")))  # not ours
        with pytest.raises(ConfigError, match="not an IP address"):
            bind_link(Link(Address("node1", port, "ring0")))
        codec = FrameCodec(AuthMode.NONE)
        core = HeartbeatCore(NodeId(1), {}, codec, now=0.0, incarnation=1)
        (free,) = free_ports(1)
        driver = CoreDriver(
            core, [Link(Address(HOST, free, "ring0")), Link(Address(HOST, port, "ring1"))]
        )
        with pytest.raises(ConfigError):
            driver.start()
        assert driver.bindings["ring0"].send.fileno() == -1, "the first link's socket was closed"
        with pytest.raises(ConfigError, match="at least one link"):
            CoreDriver(core, [])
    finally:
        taken.close()


def test_event_time_is_when_the_core_emitted_the_event_not_when_a_busy_loop_took_it() -> None:
    async def main() -> list[tuple[float, float]]:
        loop = asyncio.get_running_loop()
        seen: list[tuple[float, float]] = []
        events: dict[int, list[object]] = {}
        with cluster(2, events, loop=loop) as drivers:
            d = drivers[1]

            def on_event(event: object) -> None:
                if isinstance(event, Heard):
                    seen.append((d.event_time, time.time()))

            d.on_event = on_event
            await asyncio.sleep(0.05)
            blocked_until = time.time() + 0.3
            time.sleep(0.3)  # the loop is busy: heartbeats are heard (and stamped) meanwhile
            for _ in range(500):  # the loop takes the batch it could not take while busy
                if any(taken >= blocked_until for _, taken in seen):
                    break
                await asyncio.sleep(0.01)
        return seen

    seen = asyncio.run(main())
    assert seen and all(stamp <= taken for stamp, taken in seen)
    # heartbeats heard during the 0.3 s block carry their own time, not the loop's
    assert any(taken - stamp > 0.1 for stamp, taken in seen), seen
