"""The activity log: the set of hot 4 MiB extents, as a ring of transactions (pure).

Before a write to a cold extent, an AL transaction must be durable (the
caller writes the block ``touch`` returns and flushes before it issues the
data write). After a crash of a Primary, every extent the log names is
marked out of sync, so a resync covers exactly what may differ (DRBD's
``al-extents``; ``specs/drbd.md`` §3.5).

On disk: a ring of ``ring_blocks`` 4 KiB blocks. Each transaction block
holds a sequence number, the one slot update it makes, and a rolling
window of the slot table (``CONTEXT`` slots), with a CRC. Replaying the
valid blocks in sequence order rebuilds the table; a torn or stale block
fails its CRC or has an older sequence and is ignored.
"""

from __future__ import annotations

import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass

EXTENT_BLOCKS = 1024  # 4 MiB of 4 KiB blocks
BLOCK = 4096
MAGIC = b"PCLNAL01"
_HEAD = struct.Struct("<8sQiiI")  # magic, seq, slot, extent, context start
CONTEXT = (BLOCK - _HEAD.size - 4) // 4  # slots carried per transaction
EMPTY = -1
RESET = -1  # slot number of a transaction that empties the whole table


@dataclass(frozen=True, slots=True)
class Transaction:
    """One AL block to write at ``ring_index`` (then flush) before the data write."""

    ring_index: int
    data: bytes
    evicted: int | None  # extent that left the log (its bitmap page must be written first)


class ActivityLog:
    def __init__(self, nslots: int, ring_blocks: int = 8) -> None:
        if nslots < 1:
            raise ValueError("an activity log needs at least one slot")
        if nslots > CONTEXT * (ring_blocks - 1):
            raise ValueError(
                f"al-extents {nslots} needs a ring of more than {ring_blocks} blocks "
                f"(at most {CONTEXT * (ring_blocks - 1)})"
            )
        self.nslots = nslots
        self.ring_blocks = ring_blocks
        self.slots = [EMPTY] * nslots
        self._where: dict[int, int] = {}  # extent -> slot
        self._lru: OrderedDict[int, None] = OrderedDict()
        self.seq = 0
        self.writes = 0  # transactions produced (the /proc 'al:' counter)

    @staticmethod
    def extent_of(block: int) -> int:
        return block // EXTENT_BLOCKS

    def is_hot(self, extent: int) -> bool:
        return extent in self._where

    def active(self) -> list[int]:
        return sorted(self._where)

    def touch(self, block: int) -> Transaction | None:
        """A write to ``block`` is coming: None if its extent is hot, else the
        transaction to make durable first."""
        extent = self.extent_of(block)
        if extent in self._where:
            self._lru.move_to_end(extent)
            return None
        evicted: int | None = None
        if len(self._where) < self.nslots:
            slot = self.slots.index(EMPTY)
        else:
            evicted, _ = self._lru.popitem(last=False)
            slot = self._where.pop(evicted)
        self.slots[slot] = extent
        self._where[extent] = slot
        self._lru[extent] = None
        return self._transaction(slot, extent, evicted)

    def clear(self) -> Transaction:
        """Empty the log (orderly down / after resync): one transaction that
        carries the whole table as empty."""
        self.slots = [EMPTY] * self.nslots
        self._where.clear()
        self._lru.clear()
        return self._transaction(RESET, EMPTY, None)

    def _transaction(self, slot: int, extent: int, evicted: int | None) -> Transaction:
        self.seq += 1
        self.writes += 1
        windows = (self.nslots + CONTEXT - 1) // CONTEXT
        start = ((self.seq - 1) % windows) * CONTEXT
        ctx = self.slots[start : start + CONTEXT]
        body = _HEAD.pack(MAGIC, self.seq, slot, extent, start) + struct.pack(f"<{len(ctx)}i", *ctx)
        body = body + bytes(BLOCK - 4 - len(body))
        data = body + struct.pack("<I", zlib.crc32(body))
        return Transaction((self.seq - 1) % self.ring_blocks, data, evicted)

    @classmethod
    def recover(cls, nslots: int, ring_blocks: int, blocks: list[bytes]) -> ActivityLog:
        """Rebuild the log from the ring's blocks as read from disk."""
        al = cls(nslots, ring_blocks)
        records = []
        for data in blocks:
            if len(data) != BLOCK or data[:8] != MAGIC:
                continue
            body, (crc,) = data[:-4], struct.unpack("<I", data[-4:])
            if zlib.crc32(body) != crc:
                continue
            _, seq, slot, extent, start = _HEAD.unpack_from(body)
            records.append((seq, slot, extent, start, body))
        records.sort()
        for seq, slot, extent, start, body in records:
            if slot == RESET:
                al.slots = [EMPTY] * nslots
            n = min(CONTEXT, nslots - start) if start < nslots else 0
            ctx = struct.unpack_from(f"<{n}i", body, _HEAD.size)
            al.slots[start : start + n] = list(ctx)
            if 0 <= slot < nslots:
                al.slots[slot] = extent
            al.seq = seq
        for slot, extent in enumerate(al.slots):
            if extent != EMPTY:
                if extent in al._where:  # a stale duplicate from an older context
                    al.slots[slot] = EMPTY
                    continue
                al._where[extent] = slot
                al._lru[extent] = None
        return al
