"""A simulated block device (implements ``paceline.core.ports.BlockStore``).

I/O is request and completion: ``submit(request, done)`` schedules the
completion at ``now + latency`` (per operation, plus jitter drawn from the
disk's own seeded RNG), so requests in flight complete out of order — the
reordering of unflushed writes that real disks and their queues do. A write
lands in a volatile cache when it completes; a flush is a barrier: it
completes no earlier than every write submitted before it, then makes those
writes durable, and no write submitted after it completes before it.

When the node crashes (``crash``), every write not yet covered by a completed
flush is lost — in flight or cached — as a power cut loses a disk's write
cache and the page cache (Jepsen's lazyfs), unless ``crash_survival`` is
set: then each cached block independently made it to the platter anyway (so
a later write can survive an earlier one). Completions still pending at the
crash never arrive. I/O errors are armed on demand: ``fail_next("write")``
makes the next write complete with ``EIO``, and ``error_rate`` makes any
request fail with that probability. ``corrupt`` flips a bit of a stored
block (bit rot), which only a checksum can catch.

Example::

    disk = SimDisk("n1/drbd0", sim=sim, latency=DiskLatency(write=0.002, jitter=0.001))
    disk.submit(BlockRequest.write(0, data), print)
    disk.submit(BlockRequest.flush(), print)  # after the write's completion, always
    sim.run()
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from paceline.core.ports import BlockCompletion, BlockOp, BlockRequest, CompletionHandler
from paceline.sim.world import Simulator

OPERATIONS = ("read", "write", "flush")


@dataclass(frozen=True, slots=True)
class DiskLatency:
    """How long each kind of request takes: a base per operation plus up to ``jitter``."""

    read: float = 0.0001
    write: float = 0.0002
    flush: float = 0.001
    jitter: float = 0.0002

    def __post_init__(self) -> None:
        if min(self.read, self.write, self.flush, self.jitter) < 0:
            raise ValueError("disk latencies must be >= 0")

    def base(self, op: BlockOp) -> float:
        """The base latency of ``op``."""
        return (
            self.read if op is BlockOp.READ else self.write if op is BlockOp.WRITE else self.flush
        )


INSTANT = DiskLatency(0.0, 0.0, 0.0, 0.0)
"""No latency at all (completions still come later, from the event loop)."""


class SimDisk:
    """``num_blocks`` blocks of ``block_size`` bytes, durable only once flushed.

    Args:
        name: shown in the trace, e.g. ``n1/drbd0``.
        sim: the simulator that schedules completions; the disk's RNG forks from it.
        latency: per-operation latencies and jitter.
    """

    def __init__(
        self,
        name: str,
        *,
        sim: Simulator,
        num_blocks: int = 1024,
        block_size: int = 4096,
        latency: DiskLatency | None = None,
    ) -> None:
        if num_blocks < 1 or block_size < 1:
            raise ValueError("a disk needs at least one block of at least one byte")
        self.name = name
        self._num_blocks = num_blocks
        self._block_size = block_size
        self.sim = sim
        self.rng = sim.fork_rng(f"disk/{name}")
        self.latency = latency or DiskLatency()
        self.durable: dict[int, bytes] = {}
        self.cache: dict[int, tuple[int, bytes]] = {}  # index -> (submission number, data)
        self.error_rate = 0.0
        self.crash_survival = 0.0
        self._life = 0  # grows at every crash
        self._armed: dict[str, int] = dict.fromkeys(OPERATIONS, 0)
        self._submitted = 0
        self._in_flight = 0  # writes submitted, not completed
        self._last_write_done = 0.0  # when the latest write submitted completes
        self._barrier = 0.0  # when the latest flush submitted completes
        self.stats: dict[str, int] = dict.fromkeys((*OPERATIONS, "errors", "lost"), 0)

    @property
    def block_size(self) -> int:
        return self._block_size

    @property
    def num_blocks(self) -> int:
        return self._num_blocks

    # -- BlockStore -----------------------------------------------------------

    def submit(self, request: BlockRequest, done: CompletionHandler) -> None:
        """Start ``request``; ``done`` gets its completion after the latency."""
        op = request.op
        if op is not BlockOp.FLUSH:
            self._check_index(request.index)
        if op is BlockOp.WRITE and len(request.data) != self._block_size:
            raise ValueError(
                f"write of {len(request.data)} bytes to a {self._block_size}-byte block"
            )
        self._submitted += 1
        number, lat = self._submitted, self.latency
        when = (
            self.sim.now + lat.base(op) + (self.rng.uniform(0.0, lat.jitter) if lat.jitter else 0.0)
        )
        fail = self._draw_failure(op.value)
        if op is BlockOp.WRITE:
            when = max(when, self._barrier)  # never before an earlier flush
            self._last_write_done = max(self._last_write_done, when)
            self._in_flight += 1
        elif op is BlockOp.FLUSH:
            when = max(when, self._last_write_done, self._barrier)
            self._barrier = when
        life = self._life
        self.sim.call_at(when, lambda: self._complete(life, number, request, fail, done))

    def _complete(
        self, life: int, number: int, request: BlockRequest, fail: bool, done: CompletionHandler
    ) -> None:
        if life != self._life:  # submitted before a crash: it never happened
            return
        op = request.op
        if op is BlockOp.WRITE:
            self._in_flight -= 1
        if fail:
            self.stats["errors"] += 1
            where = "" if op is BlockOp.FLUSH else f" block {request.index}"
            self._trace("d", "eio", f"{self.name} {op.value}{where}")
            done(BlockCompletion(request, errno.EIO))
            return
        self.stats[op.value] += 1
        if op is BlockOp.WRITE:
            self.cache[request.index] = (number, request.data)
            done(BlockCompletion(request))
        elif op is BlockOp.FLUSH:
            covered = [i for i, (n, _) in self.cache.items() if n < number]
            for index in covered:
                self.durable[index] = self.cache.pop(index)[1]
            done(BlockCompletion(request))
        else:
            done(BlockCompletion(request, 0, self.peek(request.index)))

    def peek(self, index: int) -> bytes:
        """Block ``index`` as a read would see it now (for tests and checkers; no latency)."""
        self._check_index(index)
        cached = self.cache.get(index)
        if cached is not None:
            return cached[1]
        return self.durable.get(index, bytes(self._block_size))

    # -- faults ---------------------------------------------------------------

    def fail_next(self, operation: str, count: int = 1) -> None:
        """Make the next ``count`` ``operation``s (read/write/flush) complete with EIO."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown disk operation {operation!r}, expected one of {OPERATIONS}")
        self._armed[operation] += count

    def crash(self) -> None:
        """Power loss: unflushed writes are gone (see ``crash_survival``), pending
        completions never come, armed errors are disarmed."""
        lost = self._in_flight
        for index in sorted(self.cache):
            if self.crash_survival and self.rng.random() < self.crash_survival:
                self.durable[index] = self.cache[index][1]
            else:
                lost += 1
        self.stats["lost"] += lost
        self.cache.clear()
        self._life += 1
        self._in_flight = 0
        self._last_write_done = self._barrier = 0.0
        self._armed = dict.fromkeys(OPERATIONS, 0)
        self._trace("d", "crash", f"{self.name} lost {lost} unflushed write(s)")

    def corrupt(self, index: int) -> None:
        """Flip one random bit of block ``index`` as stored (cached or durable)."""
        self._check_index(index)
        cached = self.cache.get(index)
        data = bytearray(cached[1] if cached else self.durable.get(index, bytes(self._block_size)))
        bit = self.rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        if cached:
            self.cache[index] = (cached[0], bytes(data))
        else:
            self.durable[index] = bytes(data)
        self._trace("d", "corrupt", f"{self.name} block {index} bit {bit}")

    def _draw_failure(self, operation: str) -> bool:
        if self._armed[operation] > 0:
            self._armed[operation] -= 1
            return True
        return bool(self.error_rate) and self.rng.random() < self.error_rate

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self._num_blocks:
            raise ValueError(f"block {index} outside 0..{self._num_blocks - 1}")

    def _trace(self, symbol: str, kind: str, detail: str) -> None:
        self.sim.trace.emit(self.sim.now, self.name.split("/", 1)[0], symbol, kind, detail)
