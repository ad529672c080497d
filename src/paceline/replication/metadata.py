"""Volume metadata on a BlockStore: superblock, activity log, bitmap (pure).

Layout, in 4 KiB blocks, of the metadata area (at the end of the backing
device for ``meta-disk internal``, or a whole external store):

    [0, 1]            superblock slots A and B (written alternately)
    [2, 2+AL)         activity-log ring (``ring_blocks``, 32 KiB by default)
    [2+AL, ...)       the dirty bitmap, one bit per 4 KiB data block

Metadata does no I/O itself: every update returns ``Step``s (writes, then a
flush) for the driver to carry out, on the simulator's request/completion
disk or on a file (``run_sync``). Crash safety: a superblock update writes the slot not holding the newest
valid copy, with a higher sequence number and a CRC, then flushes; a read
takes the valid slot with the highest sequence, so a torn or lost update
leaves the previous one in force. Bitmap pages are written lazily (the
activity log covers what a crash loses); AL transactions are flushed
before the data write they announce. The format carries a version.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from paceline.replication.actlog import ActivityLog
from paceline.replication.bitmap import BM_BLOCK_SIZE, PAGE_BITS, Bitmap
from paceline.replication.gi import Flag, GenIds

MAGIC = b"PCLNMD01"
VERSION = 1
SB_SLOTS = 2
_SB = struct.Struct("<8sIQQQQQQQIIII")
# magic, version, seq, data_blocks, current, bitmap, h0, h1, flags, al_slots, al_ring, pad, pad


class MetadataError(Exception):
    """No valid metadata (never created, or both superblocks unreadable)."""


@dataclass(frozen=True, slots=True)
class Superblock:
    data_blocks: int
    gi: GenIds
    flags: int
    al_slots: int = 1237
    al_ring: int = 8
    seq: int = 0

    def encode(self) -> bytes:
        body = _SB.pack(
            MAGIC,
            VERSION,
            self.seq,
            self.data_blocks,
            self.gi.current,
            self.gi.bitmap,
            self.gi.history[0],
            self.gi.history[1],
            self.flags,
            self.al_slots,
            self.al_ring,
            0,
            0,
        )
        body += bytes(BM_BLOCK_SIZE - 4 - len(body))
        return body + struct.pack("<I", zlib.crc32(body))

    @classmethod
    def decode(cls, data: bytes) -> Superblock | None:
        if len(data) != BM_BLOCK_SIZE or data[:8] != MAGIC:
            return None
        if zlib.crc32(data[:-4]) != struct.unpack("<I", data[-4:])[0]:
            return None
        f = _SB.unpack_from(data)
        if f[1] != VERSION:
            return None
        return cls(f[3], GenIds(f[4], f[5], (f[6], f[7])), f[8], f[9], f[10], f[2])


def md_blocks(data_blocks: int, al_ring: int = 8) -> int:
    """Blocks of metadata for ``data_blocks`` of data."""
    return SB_SLOTS + al_ring + max(1, (data_blocks + PAGE_BITS - 1) // PAGE_BITS)


def internal_data_blocks(device_blocks: int, al_ring: int = 8) -> int:
    """Data blocks left on a device of ``device_blocks`` with internal metadata."""
    n = device_blocks - SB_SLOTS - al_ring
    while n > 0 and n + md_blocks(n, al_ring) > device_blocks:
        n -= 1
    if n <= 0:
        raise ValueError(f"a device of {device_blocks} blocks is too small for metadata")
    return n


@dataclass(frozen=True, slots=True)
class Step:
    """Block writes to issue, then (if ``flush``) a flush that must complete
    before the next step starts: metadata I/O is a list of steps (decide, then do)."""

    writes: tuple[tuple[int, bytes], ...]
    flush: bool = True


class SyncStore(Protocol):
    """A synchronous block store (the daemon's file edge; unit tests)."""

    def read_block(self, index: int) -> bytes: ...

    def write_block(self, index: int, data: bytes) -> None: ...

    def flush(self) -> None: ...


def run_sync(store: SyncStore, steps: list[Step]) -> None:
    """Carry out ``steps`` on a synchronous store, in order."""
    for step in steps:
        for index, data in step.writes:
            store.write_block(index, data)
        if step.flush:
            store.flush()


class Metadata:
    """The metadata area that starts at block ``base``: state in memory, I/O as steps."""

    def __init__(self, base: int, sb: Superblock, bitmap: Bitmap) -> None:
        self.base = base
        self.sb = sb
        self.bitmap = bitmap
        self.al = ActivityLog(sb.al_slots, sb.al_ring)
        self.bm_writes = 0

    # -- layout ------------------------------------------------------------

    @property
    def al_start(self) -> int:
        return self.base + SB_SLOTS

    @property
    def bm_start(self) -> int:
        return self.al_start + self.sb.al_ring

    @property
    def end(self) -> int:
        return self.base + md_blocks(self.sb.data_blocks, self.sb.al_ring)

    # -- create / open -----------------------------------------------------

    @classmethod
    def create(
        cls, base: int, data_blocks: int, *, al_slots: int = 1237, al_ring: int = 8
    ) -> tuple[Metadata, list[Step]]:
        """``create-md``: fresh UUIDs (JUST_CREATED), empty AL, clear bitmap."""
        al_slots = min(al_slots, max(1, (data_blocks + 1023) // 1024))
        sb = Superblock(data_blocks, GenIds(), 0, al_slots, al_ring, seq=1)
        md = cls(base, sb, Bitmap(data_blocks))
        zero = bytes(BM_BLOCK_SIZE)
        writes = [(base, sb.encode()), (base + 1, zero)]
        writes += [(md.al_start + i, zero) for i in range(al_ring)]
        writes += [(md.bm_start + p, zero) for p in range(md.bitmap.num_pages)]
        return md, [Step(tuple(writes))]

    @classmethod
    def open(cls, read: Callable[[int], bytes], base: int) -> Metadata:
        """Read the newest valid superblock, the AL and the bitmap.

        If the last run did not end cleanly (no AL_CLEAN flag), every extent
        the activity log names is marked out of sync.
        """
        found = [Superblock.decode(read(base + i)) for i in range(SB_SLOTS)]
        valid = [sb for sb in found if sb is not None]
        if not valid:
            raise MetadataError("no valid metadata found (run create-md first)")
        sb = max(valid, key=lambda s: s.seq)
        bm = Bitmap(sb.data_blocks)
        md = cls(base, sb, bm)
        for page in range(bm.num_pages):
            bm.load_page(page, read(md.bm_start + page))
        ring = [read(md.al_start + i) for i in range(sb.al_ring)]
        md.al = ActivityLog.recover(sb.al_slots, sb.al_ring, ring)
        if not sb.flags & Flag.AL_CLEAN:
            for extent in md.al.active():
                lo = extent * 1024
                bm.set_range(lo, min(lo + 1024, sb.data_blocks))
        return md

    # -- updates -----------------------------------------------------------

    def write_superblock(self, *, gi: GenIds | None = None, flags: int | None = None) -> list[Step]:
        """Crash-safe update: the other slot, a higher sequence, then flush."""
        sb = replace(
            self.sb,
            gi=self.sb.gi if gi is None else gi,
            flags=self.sb.flags if flags is None else flags,
            seq=self.sb.seq + 1,
        )
        self.sb = sb
        return [Step(((self.base + sb.seq % SB_SLOTS, sb.encode()),))]

    def set_flags(self, on: int = 0, off: int = 0) -> list[Step]:
        new = (self.sb.flags | on) & ~off
        if new == self.sb.flags:
            return []
        return self.write_superblock(flags=new)

    def before_write(self, block: int) -> list[Step]:
        """What must be durable before ``block``'s data is written (AL coverage)."""
        tx = self.al.touch(block)
        if tx is None:
            return []
        steps: list[Step] = []
        if tx.evicted is not None:
            steps.append(Step((self._page_write(tx.evicted * 1024 // PAGE_BITS),), False))
        steps.append(Step(((self.al_start + tx.ring_index, tx.data),)))
        if self.sb.flags & Flag.AL_CLEAN:
            steps += self.set_flags(off=Flag.AL_CLEAN)
        return steps

    def _page_write(self, page: int) -> tuple[int, bytes]:
        self.bitmap.dirty_pages.discard(page)
        self.bm_writes += 1
        return (self.bm_start + page, self.bitmap.page(page))

    def write_bitmap(self) -> list[Step]:
        """Every changed bitmap page, then a flush."""
        return [Step(tuple(self._page_write(p) for p in sorted(self.bitmap.dirty_pages)))]

    def clean_shutdown(self) -> list[Step]:
        """Orderly down: bitmap written, AL emptied, AL_CLEAN set."""
        steps = self.write_bitmap()
        tx = self.al.clear()
        steps.append(Step(((self.al_start + tx.ring_index, tx.data),)))
        return steps + self.set_flags(on=Flag.AL_CLEAN)
