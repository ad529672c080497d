"""The activity log keeps recently written extents (DRBD's al-extents LRU), so that
small fsynced writes into a few extents do not each cost a metadata write."""

from __future__ import annotations

from random import Random

from paceline.replication.peer import VolumeCore

from .test_peer import Node, data, fresh_pair, settle


def write_flush(a: Node, b: Node, block: int) -> None:
    a.core.write(block, data(block), 1.0)
    a.core.flush(1.0)
    a.pump()
    settle(a, b)


def test_fsynced_writes_into_a_warm_extent_cost_no_metadata_write() -> None:
    a, b = fresh_pair(al_extent_blocks=4)
    write_flush(a, b, 5)
    assert not a.core._al_refs  # settled on both sides
    before = a.core.stats["meta_writes"]
    write_flush(a, b, 6)  # the same extent, after the first write settled
    write_flush(a, b, 5)
    assert a.core.stats["meta_writes"] == before
    assert 1 in a.meta.al  # still named on disk
    write_flush(a, b, 13)  # a cold extent: one metadata write before the data write
    assert a.core.stats["meta_writes"] == before + 1
    assert {1, 3} <= a.meta.al
    again = VolumeCore(a.config, a.meta, Random(5), 2.0)  # power cut, reboot
    assert {4, 5, 6, 7, 12, 13, 14, 15} <= set(again.bitmap.iter_set())  # both resync


def test_warm_extents_are_bounded_and_a_secondary_keeps_none() -> None:
    a, b = fresh_pair(al_extent_blocks=1, al_warm=3)
    for block in range(6):
        write_flush(a, b, block)
    assert a.meta.al == frozenset({3, 4, 5})  # the least recently written left
    a.core.demote(1.0)
    a.pump()
    settle(a, b)
    assert a.meta.al == frozenset()
