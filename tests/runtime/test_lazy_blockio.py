"""The lab's lazy disk: writes are visible at once but durable only after a flush."""

from __future__ import annotations

import asyncio
from pathlib import Path

from paceline.core.ports import BlockCompletion, BlockRequest
from paceline.runtime.blockio import LazyFileBlockStore


async def _do(store: LazyFileBlockStore, request: BlockRequest) -> BlockCompletion:
    future: asyncio.Future[BlockCompletion] = asyncio.get_running_loop().create_future()
    store.submit(request, future.set_result)
    return await future


def test_unflushed_writes_never_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "disk.img"

    async def main() -> tuple[bytes, bytes, bytes]:
        store = LazyFileBlockStore(path, num_blocks=8, block_size=512)
        await _do(store, BlockRequest.write(1, b"a" * 512))
        await _do(store, BlockRequest.flush())
        await _do(store, BlockRequest.write(2, b"b" * 512))
        assert await store.write_run(3, b"c" * 1024) == 0
        seen = (await _do(store, BlockRequest.read(2))).data
        error, run = await store.read_run(3, 2)
        assert error == 0
        # "power cut": the process goes away without a flush
        await store.aclose()
        return seen, run, path.read_bytes()

    seen, run, on_disk = asyncio.run(main())
    assert seen == b"b" * 512 and run == b"c" * 1024  # visible while it lived
    assert on_disk[512:1024] == b"a" * 512  # flushed: durable
    assert on_disk[1024:2560] == bytes(1536)  # never flushed: gone


def test_past_the_limit_writes_are_made_durable_early(tmp_path: Path) -> None:
    path = tmp_path / "disk.img"

    async def main() -> None:
        store = LazyFileBlockStore(path, num_blocks=8, block_size=512, limit=2)
        await _do(store, BlockRequest.write(0, b"x" * 512))
        await _do(store, BlockRequest.write(1, b"y" * 512))
        await store.aclose()

    asyncio.run(main())
    assert path.read_bytes()[:1024] == b"x" * 512 + b"y" * 512
