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

from paceline.core.ports import Address
from paceline.replication.states import ConnState
from paceline.replication.volstate import SyncFinished, SyncStarted
from paceline.sim.disk import DiskLatency
from paceline.sim.net import LinkFaults, SimStream, StreamHandler
from paceline.sim.replcheck import make_block
from paceline.sim.replication import NODES
from paceline.sim.replpair import pair, run_until
from paceline.sim.system import System


def _full_sync(
    size: int, rate_kib: int, delay: float = 0.0005, latency: DiskLatency | None = None
) -> dict[str, float]:
    system, _world, rec = pair(size, rate_kib, delay=delay, latency=latency)
    t0 = time.process_time()
    run_until(
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
    system, world, rec = pair(size, 400_000, csums=csums)
    n1, n2 = (world.hosts[n] for n in NODES)
    run_until(
        system, lambda: len([e for e in rec.events if isinstance(e[2], SyncFinished)]) >= 2, 60
    )
    system.net.partition(["n1"], ["n2"], network="repl")
    run_until(system, lambda: n1.core.cstate == ConnState.WF_CONNECTION, 60)
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
    run_until(
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
    system, world, rec = pair(256, 400_000)
    n1 = world.hosts["n1"]
    run_until(
        system, lambda: len([e for e in rec.events if isinstance(e[2], SyncFinished)]) >= 2, 60
    )
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
        # the lab bench's rate, 10 ms round trips, 10 ms flushes (a loaded disk)
        "full_sync_16MiB_at_16MiB_s_slow": _full_sync(
            4096, 16384, 0.005, DiskLatency(0.0002, 0.0005, 0.01, 0.0002)
        ),
        "dirty_resync": _dirty(256, 64, 0, None),
        "dirty_resync_csums_half_equal": _dirty(256, 64, 32, "md5"),
        "replicated_writes": _replicated_writes(2000),
        "reference_stream_only": ref,
        "core_cost_ratio": round(ref["blocks_per_cpu_s"] / full["blocks_per_cpu_s"], 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
