"""The bench's local-mirror disk: every write and flush lands on both images."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

from paceline.core.ports import BlockCompletion, BlockRequest
from paceline.runtime.blockio import MirrorFileBlockStore

BS = 512


async def _do(store: MirrorFileBlockStore, request: BlockRequest) -> BlockCompletion:
    future: asyncio.Future[BlockCompletion] = asyncio.get_running_loop().create_future()
    store.submit(request, future.set_result)
    return await future


def test_writes_runs_and_flushes_reach_both_images(tmp_path: Path) -> None:
    first, second = tmp_path / "a.img", tmp_path / "b.img"

    async def main() -> bytes:
        store = MirrorFileBlockStore(first, second, num_blocks=8, block_size=BS)
        assert (await _do(store, BlockRequest.write(1, b"x" * BS))).ok
        assert await store.write_run(4, b"y" * (2 * BS)) == 0
        assert (await _do(store, BlockRequest.flush())).ok
        read = (await _do(store, BlockRequest.read(1))).data
        await store.aclose()
        return read

    assert asyncio.run(main()) == b"x" * BS
    want = bytes(BS) + b"x" * BS + bytes(2 * BS) + b"y" * (2 * BS) + bytes(2 * BS)
    assert first.read_bytes() == want
    assert second.read_bytes() == want


def test_a_failing_mirror_fails_the_request(tmp_path: Path) -> None:
    first, second = tmp_path / "a.img", tmp_path / "b.img"

    async def main() -> BlockCompletion:
        store = MirrorFileBlockStore(first, second, num_blocks=8, block_size=BS)
        # the mirror's descriptor turns read-only: its writes fail with EBADF
        ro = os.open(second, os.O_RDONLY)
        os.dup2(ro, store._mfd)
        os.close(ro)
        done = await _do(store, BlockRequest.write(2, b"z" * BS))
        await store.aclose()
        return done

    done = asyncio.run(main())
    assert done.error == errno.EBADF
    assert first.read_bytes()[2 * BS : 3 * BS] == b"z" * BS  # the first image took it
