"""The replication core in the simulator: resync rate, link bytes per dirty byte, core cost.

Simulated time is exact, so the rate and byte figures are the protocol's own
(no machine noise): the resync rate achieved against ``resync-rate`` (goal
within 10 %), and the bytes that cross the link, both ways, per dirty byte
resynced (goal <= 1.05), with and without ``csums-alg`` (blocks already equal
on the target cross as digests). The CPU figures are wall time of the pure
core plus the simulator on this machine: blocks resynced and writes
replicated per second of CPU, against the simulator alone moving the same
bytes over a stream (the reference measured in the same run).
"""

from __future__ import annotations

import time
from functools import partial

from paceline.core.ports import Address
from paceline.replication.peer import VolumeCore
from paceline.replication.states import ConnState
from paceline.replication.volstate import SyncFinished, SyncStarted
from paceline.sim.checkers import Observation, Violation
from paceline.sim.net import LinkFaults, SimStream, StreamHandler
from paceline.sim.replcheck import make_block
from paceline.sim.replication import NODES, Settings, World, _boot
from paceline.sim.system import System


class _Syncs:
    name = "bench-recorder"

    def __init__(self) -> None:
        self.events: list[tuple[float, str, object]] = []

    def observe(self, o: Observation) -> list[Violation]:
        if isinstance(o.event, (SyncStarted, SyncFinished)):
            self.events.append((o.time, o.node, o.event))
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


def _pair(
    size: int, rate_kib: int, csums: str | None, bandwidth: float
) -> tuple[System, World, _Syncs]:
    settings = Settings(size=size, resync_rate_kib=rate_kib, csums_alg=csums, workload_gap=1e9)
    system = System(1, networks={"repl": LinkFaults(bandwidth=bandwidth)}, stream_timeout=1.0)
    system.net.max_split = 0
    world = World(system, settings, VolumeCore)
    world.workload_on = False
    for name in NODES:
        system.node(name, partial(_boot, world), networks=("repl",))
    rec = _Syncs()
    system.check(rec)
    for node in system.cluster.nodes.values():
        node.start()
    return system, world, rec


def _until(system: System, done: object, limit: float) -> None:
    while not done() and system.sim.now < limit:  # type: ignore[operator]
        system.sim.run_until(system.sim.now + 0.01)


def _full_sync(size: int, rate_kib: int) -> dict[str, float]:
    system, _world, rec = _pair(size, rate_kib, None, 1e9)
    t0 = time.process_time()
    _until(
        system, lambda: any(isinstance(e, SyncFinished) for _, n, e in rec.events if n == "n2"), 600
    )
    cpu = time.process_time() - t0
    start = min(t for t, n, e in rec.events if n == "n1" and isinstance(e, SyncStarted))
    end = max(t for t, n, e in rec.events if n == "n2" and isinstance(e, SyncFinished))
    achieved = size * 4 / (end - start)
    return {
        "blocks": size,
        "configured_kib_s": rate_kib,
        "achieved_kib_s": round(achieved, 1),
        "ratio": round(achieved / rate_kib, 4),
        "cpu_s": round(cpu, 3),
        "blocks_per_cpu_s": round(size / cpu, 1),
    }


def _dirty(size: int, dirty: int, equal: int, csums: str | None) -> dict[str, float]:
    """Cut the link, write ``dirty`` blocks on the Primary (``equal`` of them also
    written, identically, on the Secondary's disk behind its back), heal, resync."""
    system, world, rec = _pair(size, 400_000, csums, 1e9)
    n1, n2 = (world.hosts[n] for n in NODES)
    _until(system, lambda: len([e for e in rec.events if isinstance(e[2], SyncFinished)]) >= 2, 60)
    system.net.partition(["n1"], ["n2"], network="repl")
    _until(system, lambda: n1.core.cstate == ConnState.WF_CONNECTION, 60)
    now = n1.ctx.now()
    for block in range(dirty):
        n1.core.write(block, make_block(1000 + block, block), now)
        n1.pump()
    system.sim.run_until(system.sim.now + 0.1)
    disk2 = world.disk("n2")
    for block in range(equal):
        disk2.durable[block] = make_block(1000 + block, block)
    before = n1.sent_bytes + n2.sent_bytes
    finished = len([e for e in rec.events if isinstance(e[2], SyncFinished)])
    system.net.heal("repl")
    _until(
        system,
        lambda: len([e for e in rec.events if isinstance(e[2], SyncFinished)]) >= finished + 2,
        60,
    )
    crossed = world.hosts["n1"].sent_bytes + world.hosts["n2"].sent_bytes - before
    return {
        "dirty_blocks": dirty,
        "equal_on_target": equal,
        "link_bytes": crossed,
        "bytes_per_dirty_byte": round(crossed / (dirty * 4096), 4),
    }


def _replicated_writes(count: int) -> dict[str, float]:
    system, world, rec = _pair(256, 400_000, None, 1e9)
    n1 = world.hosts["n1"]
    _until(system, lambda: len([e for e in rec.events if isinstance(e[2], SyncFinished)]) >= 2, 60)
    t0 = time.process_time()
    done = 0
    for i in range(count):
        n1.core.write(i % 256, make_block(i + 1, i % 256), n1.ctx.now())
        if i % 16 == 15:
            n1.core.flush(n1.ctx.now())
        n1.pump()
        system.sim.run_until(system.sim.now + 0.001)
        done += 1
    system.sim.run_until(system.sim.now + 0.1)
    cpu = time.process_time() - t0
    return {"writes": done, "cpu_s": round(cpu, 3), "writes_per_cpu_s": round(done / cpu, 1)}


class _Sink(StreamHandler):
    def __init__(self) -> None:
        self.got = 0

    def data_received(self, data: bytes) -> None:
        self.got += len(data)


def _reference_stream(blocks: int) -> dict[str, float]:
    """The simulator alone: ``blocks`` 4 KiB writes over one stream (no core)."""
    system = System(1, networks={"repl": LinkFaults(bandwidth=1e9)})
    system.net.max_split = 0
    sink = _Sink()
    for name in NODES:
        system.net.attach(name, "repl")
    system.net.listen(Address("n2", 1, "repl"), lambda s: sink)
    client = _Sink()
    stream: SimStream = system.net.connect("n1", Address("n2", 1, "repl"), client)
    system.sim.run_until(0.01)
    t0 = time.process_time()
    payload = bytes(4096)
    for _ in range(blocks):
        stream.write(payload)
        system.sim.run_until(system.sim.now + 0.0001)
    system.sim.run_until(system.sim.now + 0.1)
    cpu = time.process_time() - t0
    return {"blocks": blocks, "cpu_s": round(cpu, 3), "blocks_per_cpu_s": round(blocks / cpu, 1)}


def run() -> dict[str, object]:
    full = _full_sync(2048, 8192)
    ref = _reference_stream(2048)
    return {
        "full_sync_8MiB_at_8MiB_s": full,
        "dirty_resync": _dirty(256, 64, 0, None),
        "dirty_resync_csums_half_equal": _dirty(256, 64, 32, "md5"),
        "replicated_writes": _replicated_writes(2000),
        "reference_stream_only": ref,
        "core_cost_ratio": round(ref["blocks_per_cpu_s"] / full["blocks_per_cpu_s"], 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
