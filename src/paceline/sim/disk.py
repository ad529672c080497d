"""A simulated block device (implements ``paceline.core.ports.BlockStore``).

Writes land in a volatile cache; ``flush`` makes them durable. When the node
crashes (``crash``), every write not yet flushed is lost, as a power cut
loses a disk's write cache and the page cache (Jepsen's lazyfs) — unless
``crash_survival`` is set, and then each unflushed block independently made
it to the platter anyway (so a later write can survive an earlier one: the
reordering real disks do). I/O errors are armed on demand:
``fail_next("write")`` makes the next write raise ``OSError(EIO)``, and
``error_rate`` makes any operation fail with that probability. ``corrupt``
flips a bit of a stored block (bit rot), which only a checksum can catch.
All randomness comes from the disk's own seeded RNG.
"""

from __future__ import annotations

import errno
import os
import random

from paceline.sim.world import Simulator

OPERATIONS = ("read", "write", "flush")


class SimDisk:
    """``num_blocks`` blocks of ``block_size`` bytes, durable only once flushed.

    Args:
        name: shown in the trace, e.g. ``n1/drbd0``.
        sim: the simulator, for the trace and the disk's own RNG (for ``error_rate``);
            without one the disk is a plain in-memory device for unit tests.
    """

    def __init__(
        self,
        name: str,
        *,
        num_blocks: int = 1024,
        block_size: int = 4096,
        sim: Simulator | None = None,
    ) -> None:
        if num_blocks < 1 or block_size < 1:
            raise ValueError("a disk needs at least one block of at least one byte")
        self.name = name
        self._num_blocks = num_blocks
        self._block_size = block_size
        self.sim = sim
        self.rng = sim.fork_rng(f"disk/{name}") if sim is not None else random.Random(name)
        self.durable: dict[int, bytes] = {}
        self.cache: dict[int, bytes] = {}
        self.error_rate = 0.0
        self.crash_survival = 0.0
        self._armed: dict[str, int] = dict.fromkeys(OPERATIONS, 0)
        self.stats: dict[str, int] = dict.fromkeys((*OPERATIONS, "errors", "lost"), 0)

    @property
    def block_size(self) -> int:
        return self._block_size

    @property
    def num_blocks(self) -> int:
        return self._num_blocks

    # -- BlockStore -----------------------------------------------------------

    def read_block(self, index: int) -> bytes:
        self._check_index(index)
        self._maybe_fail("read", index)
        self.stats["read"] += 1
        data = self.cache.get(index)
        if data is None:
            data = self.durable.get(index, bytes(self._block_size))
        return data

    def write_block(self, index: int, data: bytes) -> None:
        self._check_index(index)
        if len(data) != self._block_size:
            raise ValueError(f"write of {len(data)} bytes to a {self._block_size}-byte block")
        self._maybe_fail("write", index)
        self.stats["write"] += 1
        self.cache[index] = bytes(data)

    def flush(self) -> None:
        self._maybe_fail("flush", None)
        self.stats["flush"] += 1
        self.durable.update(self.cache)
        self.cache.clear()

    # -- faults ---------------------------------------------------------------

    def fail_next(self, operation: str, count: int = 1) -> None:
        """Make the next ``count`` ``operation``s (read/write/flush) raise EIO."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown disk operation {operation!r}, expected one of {OPERATIONS}")
        self._armed[operation] += count

    def crash(self) -> None:
        """Power loss: unflushed writes are gone (see ``crash_survival``); armed
        errors are disarmed."""
        lost = 0
        for index in sorted(self.cache):
            if self.crash_survival and self.rng.random() < self.crash_survival:
                self.durable[index] = self.cache[index]
            else:
                lost += 1
        self.stats["lost"] += lost
        self.cache.clear()
        self._armed = dict.fromkeys(OPERATIONS, 0)
        self._trace("d", "crash", f"{self.name} lost {lost} unflushed block(s)")

    def corrupt(self, index: int) -> None:
        """Flip one random bit of block ``index`` as stored (cached or durable)."""
        self._check_index(index)
        store = self.cache if index in self.cache else self.durable
        data = bytearray(store.get(index, bytes(self._block_size)))
        bit = self.rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        store[index] = bytes(data)
        self._trace("d", "corrupt", f"{self.name} block {index} bit {bit}")

    def _maybe_fail(self, operation: str, index: int | None) -> None:
        armed = self._armed[operation] > 0
        if armed:
            self._armed[operation] -= 1
        if armed or (self.error_rate and self.rng.random() < self.error_rate):
            self.stats["errors"] += 1
            where = f" block {index}" if index is not None else ""
            self._trace("d", "eio", f"{self.name} {operation}{where}")
            raise OSError(errno.EIO, os.strerror(errno.EIO), self.name)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self._num_blocks:
            raise ValueError(f"block {index} outside 0..{self._num_blocks - 1}")

    def _trace(self, symbol: str, kind: str, detail: str) -> None:
        if self.sim is not None:
            self.sim.trace.emit(self.sim.now, self.name.split("/", 1)[0], symbol, kind, detail)
