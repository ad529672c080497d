"""The simulated disk: request/completion with latency, a flush barrier, durability
only through flush, and I/O errors on demand."""

from __future__ import annotations

import errno

import pytest

from paceline.core.ports import BlockCompletion, BlockRequest, BlockStore
from paceline.sim.disk import INSTANT, DiskLatency, SimDisk
from paceline.sim.world import Simulator

BS = 16


def block(fill: int) -> bytes:
    return bytes([fill]) * BS


class Done:
    """Collects completions with the simulated time they arrived."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.got: list[tuple[float, BlockCompletion]] = []

    def __call__(self, completion: BlockCompletion) -> None:
        self.got.append((self.sim.now, completion))

    @property
    def tags(self) -> list[int]:
        return [c.request.tag for _, c in self.got]


def disk_of(seed: int = 1, *, num_blocks: int = 4, latency: DiskLatency = INSTANT) -> SimDisk:
    return SimDisk(
        "n1/d0", num_blocks=num_blocks, block_size=BS, sim=Simulator(seed), latency=latency
    )


def do(disk: SimDisk, request: BlockRequest) -> BlockCompletion:
    """Submit ``request`` and run the simulator until it completes."""
    got: list[BlockCompletion] = []
    disk.submit(request, got.append)
    assert got == []  # never from inside submit
    disk.sim.run()
    [completion] = got
    return completion


def read(disk: SimDisk, index: int) -> bytes:
    completion = do(disk, BlockRequest.read(index))
    assert completion.ok
    return completion.data


def write(disk: SimDisk, index: int, data: bytes) -> None:
    assert do(disk, BlockRequest.write(index, data)).ok


def flush(disk: SimDisk) -> None:
    assert do(disk, BlockRequest.flush()).ok


def test_it_is_a_block_store_reading_zeros_until_written() -> None:
    disk = disk_of()
    assert isinstance(disk, BlockStore)
    assert (disk.block_size, disk.num_blocks) == (BS, 4)
    assert read(disk, 3) == bytes(BS)
    write(disk, 3, block(7))
    assert read(disk, 3) == block(7)  # reads see the cache


def test_a_crash_loses_unflushed_writes_and_keeps_flushed_ones() -> None:
    disk = disk_of()
    write(disk, 0, block(1))
    flush(disk)
    write(disk, 0, block(2))  # overwrites a flushed block, not flushed itself
    write(disk, 1, block(3))
    disk.crash()
    assert read(disk, 0) == block(1)
    assert read(disk, 1) == bytes(BS)
    assert disk.stats["lost"] == 2


def test_a_crash_loses_exactly_the_writes_no_completed_flush_covers() -> None:
    disk = disk_of(latency=DiskLatency(read=0.001, write=0.001, flush=0.002, jitter=0.0))
    done = Done(disk.sim)
    disk.submit(BlockRequest.write(0, block(1), tag=1), done)
    disk.submit(BlockRequest.flush(tag=2), done)
    disk.submit(BlockRequest.write(1, block(2), tag=3), done)  # completes, never flushed
    disk.sim.run()
    disk.submit(BlockRequest.write(2, block(3), tag=4), done)  # in flight at the crash
    disk.crash()
    disk.sim.run()
    assert done.tags == [1, 2, 3]  # the in-flight write never completes
    assert [disk.peek(i) for i in range(3)] == [block(1), bytes(BS), bytes(BS)]
    assert disk.stats["lost"] == 2


def test_latency_is_seen_in_simulated_time_with_seeded_jitter() -> None:
    lat = DiskLatency(read=0.003, write=0.005, flush=0.010, jitter=0.001)

    def times(seed: int) -> list[float]:
        disk = disk_of(seed, latency=lat)
        done = Done(disk.sim)
        disk.submit(BlockRequest.read(0, tag=1), done)
        disk.submit(BlockRequest.write(1, block(1), tag=2), done)
        disk.sim.run()
        start = disk.sim.now
        disk.submit(BlockRequest.flush(tag=3), done)
        disk.sim.run()
        got = {c.request.tag: t for t, c in done.got}
        return [got[1], got[2], got[3] - start]

    read_at, write_at, flush_took = times(1)
    assert 0.003 <= read_at <= 0.004 and 0.005 <= write_at <= 0.006
    assert 0.010 <= flush_took <= 0.011
    assert times(1) == times(1) and times(1) != times(2)


def test_writes_complete_out_of_order_without_a_barrier_and_never_across_one() -> None:
    lat = DiskLatency(read=0.001, write=0.001, flush=0.0, jitter=0.01)
    reordered = False
    for seed in range(10):
        disk = disk_of(seed, num_blocks=64, latency=lat)
        done = Done(disk.sim)
        for i in range(10):
            disk.submit(BlockRequest.write(i, block(i), tag=i), done)
        disk.submit(BlockRequest.flush(tag=100), done)
        for i in range(10, 20):
            disk.submit(BlockRequest.write(i, block(i), tag=i), done)
        disk.sim.run()
        tags = done.tags
        barrier = tags.index(100)
        assert sorted(tags[:barrier]) == list(range(10))  # every earlier write, then the flush
        assert sorted(tags[barrier + 1 :]) == list(range(10, 20))  # no later write before it
        reordered |= tags[:barrier] != sorted(tags[:barrier])
        assert all(i in disk.durable for i in range(10))  # the flush made them durable
        assert not any(i in disk.durable for i in range(10, 20))
    assert reordered


def test_armed_errors_fail_the_next_operations_with_eio_in_the_completion() -> None:
    disk = disk_of()
    disk.fail_next("write")
    failed = do(disk, BlockRequest.write(0, block(1)))
    assert failed.error == errno.EIO and not failed.ok
    write(disk, 0, block(1))  # only the next one
    disk.fail_next("flush")
    assert do(disk, BlockRequest.flush()).error == errno.EIO
    disk.crash()  # the failed flush made nothing durable
    assert read(disk, 0) == bytes(BS)
    disk.fail_next("read", 2)
    for _ in range(2):
        completion = do(disk, BlockRequest.read(0))
        assert completion.error == errno.EIO and completion.data == b""
    assert read(disk, 0) == bytes(BS)
    lines = disk.sim.trace.lines
    eio = [line.split()[4:6] for line in lines if line.split()[2:4] == ["d", "eio"]]
    assert eio == [["n1/d0", op] for op in ("write", "flush", "read", "read")]


def test_error_rate_fails_randomly_and_reproducibly() -> None:
    def outcomes(seed: int) -> list[bool]:
        disk = disk_of(seed)
        disk.error_rate = 0.5
        return [do(disk, BlockRequest.read(0)).ok for _ in range(40)]

    assert outcomes(3) == outcomes(3)
    assert True in outcomes(3) and False in outcomes(3)


def test_misuse_is_refused() -> None:
    disk = disk_of()
    with pytest.raises(ValueError, match=r"block 4 outside 0\.\.3"):
        disk.submit(BlockRequest.read(4), print)
    with pytest.raises(ValueError, match="write of 3 bytes to a 16-byte block"):
        disk.submit(BlockRequest.write(0, b"abc"), print)
    with pytest.raises(ValueError, match="unknown disk operation 'trim'"):
        disk.fail_next("trim")
    with pytest.raises(ValueError, match="latencies must be >= 0"):
        DiskLatency(read=-1.0)


def test_crash_survival_lets_some_unflushed_writes_through_reproducibly() -> None:
    def survivors(seed: int) -> list[int]:
        disk = disk_of(seed, num_blocks=64)
        disk.crash_survival = 0.5
        for i in range(64):
            disk.submit(BlockRequest.write(i, block(1)), lambda c: None)
        disk.sim.run()
        disk.crash()
        return [i for i in range(64) if disk.peek(i) == block(1)]

    assert survivors(2) == survivors(2)
    assert 0 < len(survivors(2)) < 64  # some made it, some did not: reordered durability


def test_corruption_flips_exactly_one_bit() -> None:
    disk = disk_of()
    write(disk, 2, block(0))
    flush(disk)
    disk.corrupt(2)
    flipped = sum(bin(a ^ b).count("1") for a, b in zip(read(disk, 2), block(0), strict=True))
    assert flipped == 1
