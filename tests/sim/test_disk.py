"""The simulated disk: durability only through flush, and I/O errors on demand."""

from __future__ import annotations

import errno

import pytest

from paceline.core.ports import BlockStore
from paceline.sim.disk import SimDisk
from paceline.sim.world import Simulator

BS = 16


def block(fill: int) -> bytes:
    return bytes([fill]) * BS


def test_it_is_a_block_store_reading_zeros_until_written() -> None:
    disk = SimDisk("n1/d0", num_blocks=4, block_size=BS)
    assert isinstance(disk, BlockStore)
    assert (disk.block_size, disk.num_blocks) == (BS, 4)
    assert disk.read_block(3) == bytes(BS)
    disk.write_block(3, block(7))
    assert disk.read_block(3) == block(7)  # reads see the cache


def test_a_crash_loses_unflushed_writes_and_keeps_flushed_ones() -> None:
    disk = SimDisk("n1/d0", num_blocks=4, block_size=BS)
    disk.write_block(0, block(1))
    disk.flush()
    disk.write_block(0, block(2))  # overwrites a flushed block, not flushed itself
    disk.write_block(1, block(3))
    disk.crash()
    assert disk.read_block(0) == block(1)
    assert disk.read_block(1) == bytes(BS)
    assert disk.stats["lost"] == 2


def test_armed_errors_fail_the_next_operations_with_eio() -> None:
    sim = Simulator(1)
    disk = SimDisk("n1/d0", num_blocks=4, block_size=BS, sim=sim)
    disk.fail_next("write")
    with pytest.raises(OSError) as info:
        disk.write_block(0, block(1))
    assert info.value.errno == errno.EIO
    disk.write_block(0, block(1))  # only the next one
    disk.fail_next("flush")
    with pytest.raises(OSError):
        disk.flush()
    disk.crash()  # the failed flush made nothing durable
    assert disk.read_block(0) == bytes(BS)
    disk.fail_next("read", 2)
    for _ in range(2):
        with pytest.raises(OSError):
            disk.read_block(0)
    assert disk.read_block(0) == bytes(BS)
    eio = [line.split()[4:6] for line in sim.trace.lines if line.split()[2:4] == ["d", "eio"]]
    assert eio == [["n1/d0", op] for op in ("write", "flush", "read", "read")]


def test_error_rate_fails_randomly_and_reproducibly() -> None:
    def outcomes(seed: int) -> list[bool]:
        disk = SimDisk("n1/d0", num_blocks=4, block_size=BS, sim=Simulator(seed))
        disk.error_rate = 0.5
        result = []
        for _ in range(40):
            try:
                disk.read_block(0)
                result.append(True)
            except OSError:
                result.append(False)
        return result

    assert outcomes(3) == outcomes(3)
    assert True in outcomes(3) and False in outcomes(3)


def test_misuse_is_refused() -> None:
    disk = SimDisk("n1/d0", num_blocks=4, block_size=BS)
    with pytest.raises(ValueError, match=r"block 4 outside 0\.\.3"):
        disk.read_block(4)
    with pytest.raises(ValueError, match="write of 3 bytes to a 16-byte block"):
        disk.write_block(0, b"abc")
    with pytest.raises(ValueError, match="unknown disk operation 'trim'"):
        disk.fail_next("trim")


def test_crash_survival_lets_some_unflushed_writes_through_reproducibly() -> None:
    def survivors(seed: int) -> list[int]:
        disk = SimDisk("n1/d0", num_blocks=64, block_size=BS, sim=Simulator(seed))
        disk.crash_survival = 0.5
        for i in range(64):
            disk.write_block(i, block(1))
        disk.crash()
        return [i for i in range(64) if disk.read_block(i) == block(1)]

    assert survivors(2) == survivors(2)
    assert 0 < len(survivors(2)) < 64  # some made it, some did not: reordered durability


def test_corruption_flips_exactly_one_bit() -> None:
    disk = SimDisk("n1/d0", num_blocks=4, block_size=BS, sim=Simulator(1))
    disk.write_block(2, block(0))
    disk.flush()
    disk.corrupt(2)
    flipped = sum(bin(a ^ b).count("1") for a, b in zip(disk.read_block(2), block(0), strict=True))
    assert flipped == 1
