"""A ``BlockStore`` over a real file: ``os.pread``/``os.pwrite``/``os.fsync`` in a thread.

The asyncio twin of ``paceline.sim.disk.SimDisk``. Requests run one at a
time, in submission order, on one worker thread, so the flush barrier holds
trivially (a flush returns after ``fsync`` of every earlier write, and later
writes start after it); writes to consecutive blocks submitted together are
one ``pwritev``, and a few writes alone while the worker is idle are done on
the loop itself (``FileBlockStore.inline``), in the same order. Each
completion is handed back to the event loop on a later turn, never from
inside ``submit``. An ``OSError``
from the file becomes the completion's ``error`` (its errno: ``EIO``,
``ENOSPC``…). A bounded number of requests may wait (``max_pending``);
beyond that ``submit`` raises ``StateError``.

Example::

    store = FileBlockStore(path, num_blocks=256, block_size=4096)
    store.submit(BlockRequest.write(0, data), on_done)
    store.submit(BlockRequest.flush(), on_done)
    ...
    await store.aclose()
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from paceline.core.errors import StateError
from paceline.core.ports import BlockCompletion, BlockOp, BlockRequest, CompletionHandler

T = TypeVar("T")
MAX_PENDING = 1024
INLINE_WRITES = 8
"""At most this many writes (and nothing else) are done on the loop, not the worker."""
MAX_IOV = 256
"""Blocks per ``pwritev`` (IOV_MAX is 1024)."""


class FileBlockStore:
    """``num_blocks`` blocks of ``block_size`` bytes in the file at ``path``
    (created, and sized, if need be). Use it from inside a running event loop."""

    inline = True  # a few writes with the worker idle: done on the loop
    coalesce = True  # consecutive blocks' writes: one pwritev

    def __init__(
        self,
        path: str | Path,
        *,
        num_blocks: int,
        block_size: int = 4096,
        max_pending: int = MAX_PENDING,
    ) -> None:
        if num_blocks < 1 or block_size < 1:
            raise ValueError("a disk needs at least one block of at least one byte")
        self._num_blocks = num_blocks
        self._block_size = block_size
        self.max_pending = max_pending
        self._loop = asyncio.get_running_loop()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        info = os.fstat(self._fd)
        if stat.S_ISREG(info.st_mode) and info.st_size < num_blocks * block_size:
            os.ftruncate(self._fd, num_blocks * block_size)  # a device has its own size
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blockio")
        self._pending = 0
        self._batch: list[tuple[BlockRequest, CompletionHandler]] = []
        self._running = 0  # batches handed to the worker, not yet completed
        self._closed = False

    @property
    def block_size(self) -> int:
        return self._block_size

    @property
    def num_blocks(self) -> int:
        return self._num_blocks

    @property
    def room(self) -> int:
        """Requests ``submit`` still takes before it refuses (``max_pending``)."""
        return self.max_pending - self._pending

    def submit(self, request: BlockRequest, done: CompletionHandler) -> None:
        """Queue ``request``; ``done`` runs on the loop with its completion."""
        if self._closed:
            raise StateError("FileBlockStore", "closed", "submit")
        if request.op is not BlockOp.FLUSH and not 0 <= request.index < self._num_blocks:
            raise ValueError(f"block {request.index} outside 0..{self._num_blocks - 1}")
        if request.op is BlockOp.WRITE and len(request.data) != self._block_size:
            raise ValueError(
                f"write of {len(request.data)} bytes to a {self._block_size}-byte block"
            )
        if self._pending >= self.max_pending:
            raise StateError("FileBlockStore", f"{self._pending} pending", "submit")
        self._pending += 1
        self._batch.append((request, done))
        if len(self._batch) == 1:
            self._loop.call_soon(self._dispatch)

    def _dispatch(self) -> None:
        """Hand every request submitted since the last turn to the worker as one job
        (one thread wake-up per batch, not per block: that cost dominated).

        A few writes and nothing else, while the worker is idle, are done here on
        the loop instead: a buffered ``pwrite`` of a few blocks costs less than
        waking a thread (and being scheduled) on a loaded machine; that is most
        of a 4 KiB fsynced write's round trip. Flushes and reads (which may wait
        for the disk) always go to the worker."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        if (
            self.inline
            and not self._running
            and len(batch) <= INLINE_WRITES
            and all(request.op is BlockOp.WRITE for request, _ in batch)
        ):
            self._complete(self._results(batch, inline=True))
            return
        self._running += 1
        self._worker.submit(self._run, batch)

    def _run(self, batch: list[tuple[BlockRequest, CompletionHandler]]) -> None:
        """On the worker thread: do the I/O in order, hand the completions to the loop."""
        self._loop.call_soon_threadsafe(self._complete, self._results(batch), True)

    def _results(
        self, batch: list[tuple[BlockRequest, CompletionHandler]], inline: bool = False
    ) -> list[tuple[BlockCompletion, CompletionHandler]]:
        """Do ``batch`` (on the worker, or ``inline`` on the loop): completions in order."""
        completions = self._do_batch(self._fd, [request for request, _ in batch])
        return [(c, done) for c, (_, done) in zip(completions, batch, strict=True)]

    def _do_batch(self, fd: int, requests: list[BlockRequest]) -> list[BlockCompletion]:
        """The requests in order; a run of writes to consecutive blocks is one ``pwritev``."""
        out: list[BlockCompletion] = []
        i, n, bs = 0, len(requests), self._block_size
        while i < n:
            first = requests[i]
            j = i + 1
            if first.op is BlockOp.WRITE and self.coalesce:
                while (
                    j < n
                    and j - i < MAX_IOV
                    and requests[j].op is BlockOp.WRITE
                    and requests[j].index == requests[j - 1].index + 1
                    and len(requests[j].data) == bs
                ):
                    j += 1
            if j - i > 1:
                group = requests[i:j]
                try:
                    ok = os.pwritev(fd, [r.data for r in group], first.index * bs) == bs * len(
                        group
                    )
                except OSError:
                    ok = False
                if ok:
                    out += [BlockCompletion(r) for r in group]
                    i = j
                    continue
            for request in requests[i:j]:  # one by one (again, to say which failed)
                try:
                    out.append(self._io_on(fd, request) if fd != self._fd else self._io(request))
                except OSError as err:
                    out.append(BlockCompletion(request, err.errno or errno.EIO))
            i = j
        return out

    def _io(self, request: BlockRequest) -> BlockCompletion:
        return self._io_on(self._fd, request)

    def _io_on(self, fd: int, request: BlockRequest) -> BlockCompletion:
        offset = request.index * self._block_size
        if request.op is BlockOp.READ:
            data = os.pread(fd, self._block_size, offset)
            return BlockCompletion(request, 0, data.ljust(self._block_size, b"\0"))
        if request.op is BlockOp.WRITE:
            written = os.pwrite(fd, request.data, offset)
            if written != self._block_size:
                return BlockCompletion(request, errno.EIO)
            return BlockCompletion(request)
        os.fsync(fd)
        return BlockCompletion(request)

    def _complete(
        self, results: list[tuple[BlockCompletion, CompletionHandler]], worker: bool = False
    ) -> None:
        if worker:
            self._running -= 1
        for completion, done in results:
            self._pending -= 1
            done(completion)

    # -- runs of blocks (the FUSE front end's fast path; same worker, same order) --

    def _check_run(self, first: int, count: int) -> None:
        if self._closed:
            raise StateError("FileBlockStore", "closed", "run")
        if count < 1 or first < 0 or first + count > self._num_blocks:
            raise ValueError(
                f"blocks {first}..{first + count - 1} outside 0..{self._num_blocks - 1}"
            )

    async def read_run(self, first: int, count: int) -> tuple[int, bytes]:
        """Read ``count`` blocks from ``first`` in one ``pread``: ``(errno or 0, data)``.

        It runs on the store's worker, in order with submitted requests."""
        self._check_run(first, count)
        self._dispatch()  # after what was submitted before it
        size = count * self._block_size

        def io() -> tuple[int, bytes]:
            try:
                return 0, os.pread(self._fd, size, first * self._block_size).ljust(size, b"\0")
            except OSError as err:
                return err.errno or errno.EIO, b""

        return await self._on_worker(io)

    async def _on_worker(self, io: Callable[[], T]) -> T:
        """``io`` on the worker, in order; nothing is done inline meanwhile."""
        self._running += 1
        try:
            return await self._loop.run_in_executor(self._worker, io)
        finally:
            self._running -= 1

    async def write_run(self, first: int, data: bytes) -> int:
        """Write whole blocks from ``first`` in one ``pwrite``: errno or 0 (in order, as above)."""
        if len(data) % self._block_size:
            raise ValueError(
                f"a run of {len(data)} bytes is not whole {self._block_size}-byte blocks"
            )
        self._check_run(first, len(data) // self._block_size)
        self._dispatch()  # after what was submitted before it

        def io() -> int:
            try:
                written = os.pwrite(self._fd, data, first * self._block_size)
            except OSError as err:
                return err.errno or errno.EIO
            return 0 if written == len(data) else errno.EIO

        return await self._on_worker(io)

    async def aclose(self) -> None:
        """Finish what was submitted (its completions still run), then close the file."""
        if self._closed:
            return
        self._closed = True
        self._dispatch()
        await self._loop.run_in_executor(None, self._worker.shutdown)
        await asyncio.sleep(0)  # let the last call_soon_threadsafe completions run
        os.close(self._fd)


LAZY_LIMIT = 65536
"""Unflushed blocks a ``LazyFileBlockStore`` holds (256 MiB of 4 KiB blocks) before
it makes them durable early (a disk may persist unflushed writes whenever it likes)."""


class LazyFileBlockStore(FileBlockStore):
    """A ``FileBlockStore`` that keeps every write in memory until a flush (the lab's disk).

    As Jepsen's lazyfs: a write is visible to reads at once but reaches the
    file only at the next flush (``pwrite`` of every held block, then
    ``fsync``). A process that dies — a lab node's power cut — loses every
    write not covered by a completed flush, as a disk with a volatile cache
    does, and the host's page cache cannot keep it alive. Past ``limit``
    held blocks they are written and fsynced early.
    """

    inline = False  # a write past the limit writes back everything: not on the loop
    coalesce = False  # every write goes through ``_io`` (into memory)

    def __init__(self, path: str | Path, *, num_blocks: int, block_size: int = 4096,
                 max_pending: int = MAX_PENDING, limit: int = LAZY_LIMIT) -> None:  # fmt: skip
        super().__init__(
            path, num_blocks=num_blocks, block_size=block_size, max_pending=max_pending
        )
        self.limit = limit
        self._held: dict[int, bytes] = {}  # only touched on the worker thread

    def _io(self, request: BlockRequest) -> BlockCompletion:
        if request.op is BlockOp.READ:
            held = self._held.get(request.index)
            if held is not None:
                return BlockCompletion(request, 0, held)
            return super()._io(request)
        if request.op is BlockOp.WRITE:
            self._held[request.index] = request.data
            if len(self._held) >= self.limit:
                self._write_back()
            return BlockCompletion(request)
        self._write_back()
        return BlockCompletion(request)

    def _write_back(self) -> None:
        for index in sorted(self._held):
            data = self._held[index]
            if os.pwrite(self._fd, data, index * self._block_size) != len(data):
                raise OSError(errno.EIO, f"short write of block {index}")
        os.fsync(self._fd)
        self._held.clear()

    async def read_run(self, first: int, count: int) -> tuple[int, bytes]:
        self._check_run(first, count)
        blocks = [await self._one(BlockRequest.read(first + i)) for i in range(count)]
        error = next((c.error for c in blocks if not c.ok), 0)
        return error, b"" if error else b"".join(c.data for c in blocks)

    async def write_run(self, first: int, data: bytes) -> int:
        bs = self._block_size
        if len(data) % bs:
            raise ValueError(f"a run of {len(data)} bytes is not whole {bs}-byte blocks")
        self._check_run(first, len(data) // bs)
        for i in range(len(data) // bs):
            done = await self._one(BlockRequest.write(first + i, data[i * bs : (i + 1) * bs]))
            if not done.ok:
                return done.error
        return 0

    async def _one(self, request: BlockRequest) -> BlockCompletion:
        future: asyncio.Future[BlockCompletion] = self._loop.create_future()
        self.submit(request, future.set_result)
        return await future


class MirrorFileBlockStore(FileBlockStore):
    """A ``FileBlockStore`` that also writes every write, and fsyncs every flush, to a
    second image (``mirror``), in parallel on a second thread: ``make bench``'s
    local-mirror reference (b), what a peer on the same disk costs at best.

    A request completes once both images did it; an error on the mirror is the
    request's error. Reads come from the first image only.
    """

    def __init__(self, path: str | Path, mirror: str | Path, *, num_blocks: int,
                 block_size: int = 4096, max_pending: int = MAX_PENDING) -> None:  # fmt: skip
        super().__init__(
            path, num_blocks=num_blocks, block_size=block_size, max_pending=max_pending
        )
        self._mfd = os.open(mirror, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._mfd).st_size < num_blocks * block_size:
            os.ftruncate(self._mfd, num_blocks * block_size)
        self._mworker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blockio-mirror")

    def _results(
        self, batch: list[tuple[BlockRequest, CompletionHandler]], inline: bool = False
    ) -> list[tuple[BlockCompletion, CompletionHandler]]:
        """Both images; on the worker, the mirror's in parallel on its own thread."""
        mirrored = [request for request, _ in batch if request.op is not BlockOp.READ]
        if inline:
            results = super()._results(batch)
            failed = self._mirror(mirrored)
        else:
            other = self._mworker.submit(self._mirror, mirrored) if mirrored else None
            results = super()._results(batch)
            failed = other.result() if other is not None else {}
        return [
            (BlockCompletion(c.request, failed[id(c.request)]) if id(c.request) in failed and c.ok
             else c, done)
            for c, done in results
        ]  # fmt: skip

    def _mirror(self, requests: list[BlockRequest]) -> dict[int, int]:
        """The same writes and flushes on the mirror: errno by request id()."""
        done = self._do_batch(self._mfd, requests)
        return {id(c.request): c.error for c in done if not c.ok}

    async def write_run(self, first: int, data: bytes) -> int:
        error = await super().write_run(first, data)

        def io() -> int:
            try:
                written = os.pwrite(self._mfd, data, first * self._block_size)
            except OSError as err:
                return err.errno or errno.EIO
            return 0 if written == len(data) else errno.EIO

        return error or await self._loop.run_in_executor(self._mworker, io)

    async def aclose(self) -> None:
        if self._closed:
            return
        await super().aclose()
        await self._loop.run_in_executor(None, self._mworker.shutdown)
        os.close(self._mfd)
