"""The asyncio block adapter over a real file: the same request/completion contract
as the simulated disk."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest

from paceline.core.errors import StateError
from paceline.core.ports import BlockCompletion, BlockRequest, BlockStore
from paceline.runtime.blockio import FileBlockStore

BS = 512


async def run_requests(
    store: FileBlockStore, requests: list[BlockRequest]
) -> list[BlockCompletion]:
    got: list[BlockCompletion] = []
    finished = asyncio.Event()

    def done(completion: BlockCompletion) -> None:
        got.append(completion)
        if len(got) == len(requests):
            finished.set()

    for request in requests:
        store.submit(request, done)
    assert got == []  # never from inside submit
    await asyncio.wait_for(finished.wait(), 30)
    return got


def test_writes_flush_and_reads_back_through_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "disk.img"

    async def main() -> list[BlockCompletion]:
        store = FileBlockStore(path, num_blocks=8, block_size=BS)
        assert isinstance(store, BlockStore)
        got = await run_requests(
            store,
            [
                BlockRequest.write(3, b"a" * BS, tag=1),
                BlockRequest.write(5, b"b" * BS, tag=2),
                BlockRequest.flush(tag=3),
                BlockRequest.read(3, tag=4),
                BlockRequest.read(7, tag=5),
            ],
        )
        await store.aclose()
        with pytest.raises(StateError):
            store.submit(BlockRequest.flush(), print)
        return got

    got = asyncio.run(main())
    assert [c.request.tag for c in got] == [1, 2, 3, 4, 5]  # the barrier holds: in order
    assert all(c.ok for c in got)
    assert got[3].data == b"a" * BS and got[4].data == bytes(BS)
    raw = path.read_bytes()
    assert len(raw) == 8 * BS and raw[5 * BS : 6 * BS] == b"b" * BS


def test_a_device_error_comes_back_in_the_completion() -> None:
    async def main() -> list[BlockCompletion]:
        store = FileBlockStore("/dev/full", num_blocks=4, block_size=BS)  # writes: ENOSPC
        got = await run_requests(store, [BlockRequest.write(0, b"x" * BS), BlockRequest.read(1)])
        await store.aclose()
        return got

    write, read = asyncio.run(main())
    assert write.error == errno.ENOSPC and not write.ok
    assert read.ok and read.data == bytes(BS)


def test_malformed_requests_are_refused_at_submit(tmp_path: Path) -> None:
    async def main() -> None:
        store = FileBlockStore(tmp_path / "d", num_blocks=2, block_size=BS)
        with pytest.raises(ValueError, match=r"block 2 outside 0\.\.1"):
            store.submit(BlockRequest.read(2), print)
        with pytest.raises(ValueError, match="write of 1 bytes"):
            store.submit(BlockRequest.write(0, b"x"), print)
        await store.aclose()

    asyncio.run(main())


def test_a_batch_of_consecutive_writes_lands_in_order_rewrites_included(tmp_path: Path) -> None:
    """Consecutive blocks submitted together go out as one pwritev; a second write
    of a block later in the same batch still wins; a flush in between keeps its place."""
    path = tmp_path / "disk.img"
    requests = [BlockRequest.write(i, bytes([i]) * BS, tag=i) for i in range(10)]
    requests += [BlockRequest.flush(tag=10), BlockRequest.write(3, b"z" * BS, tag=11)]
    requests += [BlockRequest.write(4, b"y" * BS, tag=12), BlockRequest.read(3, tag=13)]

    async def main() -> list[BlockCompletion]:
        store = FileBlockStore(path, num_blocks=16, block_size=BS)
        got = await run_requests(store, requests)
        await store.aclose()
        return got

    got = asyncio.run(main())
    assert [c.request.tag for c in got] == list(range(14))
    assert all(c.ok for c in got) and got[-1].data == b"z" * BS
    data = path.read_bytes()
    want = [bytes([i]) * BS for i in range(10)]
    want[3], want[4] = b"z" * BS, b"y" * BS
    assert data[: 10 * BS] == b"".join(want)
