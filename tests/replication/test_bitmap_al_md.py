"""Dirty bitmap, activity log and crash-safe metadata, on the simulator's disk."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paceline.replication.actlog import CONTEXT, ActivityLog
from paceline.replication.bitmap import PAGE_BITS, Bitmap
from paceline.replication.gi import Flag, GenIds
from paceline.replication.metadata import (
    Metadata,
    MetadataError,
    internal_data_blocks,
    md_blocks,
    run_sync,
)


class PowerCutStore:
    """4 KiB blocks, durable only once flushed; ``crash`` drops the rest (lazyfs-like)."""

    def __init__(self, blocks: int) -> None:
        self.num_blocks = blocks
        self.durable: dict[int, bytes] = {}
        self.cache: dict[int, bytes] = {}

    def read_block(self, index: int) -> bytes:
        assert 0 <= index < self.num_blocks
        return self.cache.get(index, self.durable.get(index, bytes(4096)))

    def write_block(self, index: int, data: bytes) -> None:
        assert 0 <= index < self.num_blocks and len(data) == 4096
        self.cache[index] = data

    def flush(self) -> None:
        self.durable.update(self.cache)
        self.cache.clear()

    def crash(self) -> None:
        self.cache.clear()


def test_bitmap_bits_pages_and_merge() -> None:
    bm = Bitmap(PAGE_BITS + 10)
    assert bm.set(3) and not bm.set(3)
    bm.set(PAGE_BITS + 9)
    assert bm.count() == 2 and list(bm.iter_set()) == [3, PAGE_BITS + 9]
    assert bm.dirty_pages == {0, 1}
    other = Bitmap(PAGE_BITS + 10)
    other.set_range(2, 5)
    assert bm.merge(other) == 2 and bm.count() == 4
    copy = Bitmap.from_bytes(bm.nbits, bm.page(0) + bm.page(1))
    assert list(copy.iter_set()) == list(bm.iter_set()) and copy.count() == 4
    assert bm.clear(3) and not bm.clear(3)
    assert bm.find_next(4) == 4
    with pytest.raises(IndexError):
        bm.set(PAGE_BITS + 10)


@given(st.sets(st.integers(0, 999)))
def test_bitmap_count_matches_set(blocks: set[int]) -> None:
    bm = Bitmap(1000)
    for b in blocks:
        bm.set(b)
    assert bm.count() == len(blocks) == len(list(bm.iter_set()))
    assert Bitmap.from_bytes(1000, bm.to_bytes()).count() == len(blocks)


def test_al_hot_extents_and_lru_eviction() -> None:
    al = ActivityLog(2)
    assert al.touch(0) is not None
    assert al.touch(5) is None  # same 4 MiB extent
    assert al.touch(1024) is not None
    tx = al.touch(2048)  # third extent: the least recently used one leaves
    assert tx is not None and tx.evicted == 0
    assert al.active() == [1, 2]


@settings(max_examples=50)
@given(
    st.integers(1, 2 * CONTEXT + 5),
    st.lists(st.integers(0, 5000), min_size=1, max_size=300),
    st.integers(3, 8),
)
def test_al_recovers_from_its_ring(nslots: int, extents: list[int], ring: int) -> None:
    """Whatever the write pattern, the ring's last blocks rebuild the hot set."""
    if nslots > CONTEXT * (ring - 1):
        return
    al = ActivityLog(nslots, ring)
    blocks = [b"\0" * 4096] * ring
    for e in extents:
        tx = al.touch(e * 1024)
        if tx is not None:
            blocks[tx.ring_index] = tx.data
    assert ActivityLog.recover(nslots, ring, blocks).active() == al.active()
    tx = al.clear()
    blocks[tx.ring_index] = tx.data
    assert ActivityLog.recover(nslots, ring, blocks).active() == []


def test_internal_layout_fits() -> None:
    n = internal_data_blocks(10_000)
    assert n + md_blocks(n) <= 10_000 < n + md_blocks(n) + 2
    with pytest.raises(ValueError):
        internal_data_blocks(5)


def make(blocks: int = 4096) -> tuple[PowerCutStore, Metadata, int]:
    disk = PowerCutStore(blocks)
    data = internal_data_blocks(blocks)
    md, steps = Metadata.create(data, data, al_slots=8)
    run_sync(disk, steps)
    return disk, md, data


def test_create_open_roundtrip_and_never_created() -> None:
    disk, _md, data = make()
    again = Metadata.open(disk.read_block, data)
    assert again.sb.gi == GenIds() and again.sb.data_blocks == data
    with pytest.raises(MetadataError):
        Metadata.open(PowerCutStore(64).read_block, 10)


def test_superblock_update_is_crash_safe() -> None:
    disk, md, data = make()
    run_sync(disk, md.write_superblock(gi=GenIds(0xAA0, 0, (0, 0)), flags=Flag.CONSISTENT))
    # an update whose flush never happened: the crash loses it, the old one holds
    disk.write_block(data + (md.sb.seq + 1) % 2, b"garbage".ljust(4096, b"\0"))
    disk.crash()
    assert Metadata.open(disk.read_block, data).sb.gi.current == 0xAA0
    # a torn superblock (valid magic, bad CRC) in the newer slot is ignored too
    run_sync(disk, md.write_superblock(gi=GenIds(0xBB0, 0, (0, 0))))
    block = bytearray(disk.read_block(data + md.sb.seq % 2))
    block[100] ^= 1
    disk.write_block(data + md.sb.seq % 2, bytes(block))
    disk.flush()
    assert Metadata.open(disk.read_block, data).sb.gi.current == 0xAA0


def test_crash_marks_hot_extents_out_of_sync() -> None:
    disk, md, data = make()
    for block in (10, 1030, 2100):
        run_sync(disk, md.before_write(block))  # AL transaction durable before the data write
        md.bitmap.set(block)  # disconnected write; the bitmap page is written lazily
    disk.crash()
    after = Metadata.open(disk.read_block, data)
    for extent in (0, 1, 2):
        lo = extent * 1024
        assert all(after.bitmap.test(b) for b in range(lo, min(lo + 1024, data)))
    assert after.bitmap.count() == min(3 * 1024, data)


def test_clean_shutdown_resyncs_only_dirty_blocks() -> None:
    disk, md, data = make()
    for block in (10, 1030):
        run_sync(disk, md.before_write(block))
        md.bitmap.set(block)
    run_sync(disk, md.clean_shutdown())
    disk.crash()  # nothing unflushed remains
    after = Metadata.open(disk.read_block, data)
    assert list(after.bitmap.iter_set()) == [10, 1030]
    assert after.sb.flags & Flag.AL_CLEAN


def test_evicted_extent_keeps_its_dirty_bits_across_a_crash() -> None:
    disk = PowerCutStore(4096)
    data = internal_data_blocks(4096)
    md, steps = Metadata.create(data, data, al_slots=1)
    run_sync(disk, steps)
    run_sync(disk, md.before_write(10))
    md.bitmap.set(10)
    run_sync(disk, md.before_write(2000))  # extent 0 leaves the log: its bitmap page goes first
    md.bitmap.set(2000)
    disk.crash()
    after = Metadata.open(disk.read_block, data)
    assert after.bitmap.test(10), "the bit of a cold extent must be on disk before it leaves the AL"
    assert all(after.bitmap.test(b) for b in range(1024, 2048))
    assert not after.bitmap.test(11)
