"""The FUSE front end of a volume: one file whose bytes are a ``BlockStore`` (I/O edge).

``paceline-volumed`` mounts a tiny file system (pyfuse3, asyncio mode) that
holds exactly one regular file, ``VOLUME_FILE``; the loop driver attaches
that file as a block device (``replication.device``), and ext4 goes on the
loop device. Every read, write and fsync of the file becomes requests on
the ``BlockStore`` port (``core.ports``): a plain ``FileBlockStore`` for a
local volume, the replicating store of the volume core when a peer is
configured; this module does not know which.

Rules the block layer above relies on:

- ``write`` returns only after every block it touches completed on the
  store (write-through: no writeback cache, so the kernel holds no dirty
  pages of the file; the loop device opens it with O_DIRECT anyway).
- ``fsync`` (FUSE_FSYNC, what ext4's journal commits and the loop driver's
  REQ_PREFLUSH become) and ``flush`` (close) submit a store flush and return
  after it completed: the flush barrier of the port makes every earlier
  write durable first (protocol C: on the peer too).
- A failed request returns its errno (``EIO``…) to the kernel, which the
  loop device hands to the file system as an I/O error.
- ``writable`` is asked on every open for writing and every write: a
  Secondary's file refuses both with ``EROFS``.

Unaligned requests are split into blocks; a partial block is read, merged
and written under a lock (the loop driver sends aligned requests, so this
is the rare path). A request never reaches past the volume's end.

Example::

    ops = VolumeOps(store, writable=lambda: volume.is_primary)
    await serve(ops, mountpoint)           # until stop() or the mount goes away
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyfuse3
import pyfuse3.asyncio

from paceline.core.ports import BlockCompletion, BlockRequest, BlockStore

__all__ = ["VOLUME_FILE", "FuseStats", "RunStore", "VolumeOps", "serve", "stop"]

VOLUME_FILE = "volume"
"""The one file in the mount: ``MOUNTPOINT/volume``."""
FILE_INO = pyfuse3.ROOT_INODE + 1
MAX_TASKS = 64
"""FUSE requests served at once (a limit on everything)."""

log = logging.getLogger(__name__)


@runtime_checkable
class RunStore(Protocol):
    """A store that also reads and writes runs of whole blocks in one call.

    Optional: a front end over a store that has it moves a 128 KiB FUSE
    request in one call instead of 32 block requests (the per-request cost
    of Python dominates otherwise). Same ordering and error rules as the
    port: a run completes like its blocks would; an error is an errno.
    """

    async def read_run(self, first: int, count: int) -> tuple[int, bytes]: ...

    async def write_run(self, first: int, data: bytes) -> int: ...


class FuseStats:
    """Counters of what the kernel asked (for status and tests)."""

    def __init__(self) -> None:
        self.reads = 0
        self.writes = 0
        self.read_bytes = 0
        self.write_bytes = 0
        self.fsyncs = 0
        self.flushes = 0
        self.errors = 0
        self.refused = 0  # writes/opens refused read-only

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


async def _do(store: BlockStore, request: BlockRequest) -> BlockCompletion:
    """Submit one request and wait for its completion."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[BlockCompletion] = loop.create_future()

    def done(completion: BlockCompletion) -> None:
        if not future.done():
            future.set_result(completion)

    store.submit(request, done)
    return await future


class VolumeOps(pyfuse3.Operations):
    """The operations of the one-file file system over ``store``."""

    enable_writeback_cache = False

    def __init__(self, store: BlockStore, *, writable: Callable[[], bool] = lambda: True) -> None:
        super().__init__()
        self.store = store
        self.writable = writable
        self.block_size = store.block_size
        self.size = store.num_blocks * store.block_size
        self.stats = FuseStats()
        self._rmw = asyncio.Lock()
        self._mtime = time.time_ns()

    # -- the name space: a root directory and one file -----------------------

    def _attr(self, inode: int) -> pyfuse3.EntryAttributes:
        e = pyfuse3.EntryAttributes()
        e.st_ino = inode
        e.st_uid = e.st_gid = 0
        e.st_atime_ns = e.st_mtime_ns = e.st_ctime_ns = self._mtime
        e.entry_timeout = e.attr_timeout = 300
        e.st_blksize = self.block_size
        if inode == pyfuse3.ROOT_INODE:
            e.st_mode = stat.S_IFDIR | 0o700
            e.st_nlink = 2
            e.st_size = 0
        else:
            e.st_mode = stat.S_IFREG | (0o600 if self.writable() else 0o400)
            e.st_nlink = 1
            e.st_size = self.size
            e.st_blocks = self.size // 512
        return e

    async def getattr(self, inode: int, ctx: object = None) -> pyfuse3.EntryAttributes:
        if inode not in (pyfuse3.ROOT_INODE, FILE_INO):
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self._attr(inode)

    async def lookup(
        self, parent_inode: int, name: bytes, ctx: object = None
    ) -> pyfuse3.EntryAttributes:
        if parent_inode != pyfuse3.ROOT_INODE or name != VOLUME_FILE.encode():
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self._attr(FILE_INO)

    async def opendir(self, inode: int, ctx: object) -> int:
        if inode != pyfuse3.ROOT_INODE:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return inode

    async def readdir(self, fh: int, start_id: int, token: pyfuse3.ReaddirToken) -> None:
        if start_id == 0:
            pyfuse3.readdir_reply(token, VOLUME_FILE.encode(), self._attr(FILE_INO), 1)

    async def setattr(
        self, inode: int, attr: object, fields: object, fh: object, ctx: object
    ) -> pyfuse3.EntryAttributes:
        if getattr(fields, "update_size", False):
            raise pyfuse3.FUSEError(errno.EPERM)  # a device has its own size
        return self._attr(inode)

    async def statfs(self, ctx: object) -> pyfuse3.StatvfsData:
        s = pyfuse3.StatvfsData()
        s.f_bsize = s.f_frsize = self.block_size
        s.f_blocks = self.store.num_blocks
        s.f_namemax = 255
        return s

    # -- the file -------------------------------------------------------------

    async def open(self, inode: int, flags: int, ctx: object) -> pyfuse3.FileInfo:
        if inode != FILE_INO:
            raise pyfuse3.FUSEError(errno.EISDIR)
        if flags & os.O_ACCMODE != os.O_RDONLY and not self.writable():
            self.stats.refused += 1
            raise pyfuse3.FUSEError(errno.EROFS)
        # No writeback cache: every write reaches us before it returns (write-through).
        # No FOPEN_DIRECT_IO: the loop driver's own O_DIRECT requests then pass
        # straight through at full size (2-3x faster than with it, measured);
        # keep_cache=False drops cached pages at each open (resync wrote behind us).
        return pyfuse3.FileInfo(fh=inode, direct_io=False, keep_cache=False)

    def _check(self, completion: BlockCompletion) -> None:
        if not completion.ok:
            self.stats.errors += 1
            raise pyfuse3.FUSEError(completion.error or errno.EIO)

    async def _read_block(self, index: int) -> bytes:
        completion = await _do(self.store, BlockRequest.read(index))
        self._check(completion)
        return completion.data

    async def read(self, fh: int, off: int, size: int) -> bytes:
        self.stats.reads += 1
        if off >= self.size or size <= 0:
            return b""
        end = min(off + size, self.size)
        bs = self.block_size
        first, last = off // bs, (end - 1) // bs
        if isinstance(self.store, RunStore):
            error, whole = await self.store.read_run(first, last - first + 1)
            if error:
                self.stats.errors += 1
                raise pyfuse3.FUSEError(error)
        else:
            blocks = await asyncio.gather(*(self._read_block(i) for i in range(first, last + 1)))
            whole = b"".join(blocks)
        data = whole[off - first * bs : end - first * bs]
        self.stats.read_bytes += len(data)
        return data

    async def write(self, fh: int, off: int, buf: bytes) -> int:
        self.stats.writes += 1
        if not self.writable():
            self.stats.refused += 1
            raise pyfuse3.FUSEError(errno.EROFS)
        if off + len(buf) > self.size:
            raise pyfuse3.FUSEError(errno.ENOSPC)
        if not buf:
            return 0
        bs = self.block_size
        end = off + len(buf)
        first, last = off // bs, (end - 1) // bs
        aligned = off % bs == 0 and end % bs == 0
        if aligned:
            await self._write_blocks(first, buf)
        else:
            async with self._rmw:  # read-merge-write of the partial edge blocks
                head = await self._read_block(first) if off % bs else b""
                tail = b""
                if end % bs:
                    tail = head if last == first and head else await self._read_block(last)
                lead = head[: off % bs] if head else b""
                trail = tail[end - last * bs :] if tail else b""
                await self._write_blocks(first, lead + bytes(buf) + trail)
        self.stats.write_bytes += len(buf)
        return len(buf)

    async def _write_blocks(self, first: int, data: bytes) -> None:
        bs = self.block_size
        if isinstance(self.store, RunStore):
            error = await self.store.write_run(first, data)
            if error:
                self.stats.errors += 1
                raise pyfuse3.FUSEError(error)
            return
        requests = [
            BlockRequest.write(first + i, data[i * bs : (i + 1) * bs])
            for i in range(len(data) // bs)
        ]
        for completion in await asyncio.gather(*(_do(self.store, r) for r in requests)):
            self._check(completion)

    async def _flush(self) -> None:
        self._check(await _do(self.store, BlockRequest.flush()))

    async def fsync(self, fh: int, datasync: bool) -> None:
        self.stats.fsyncs += 1
        await self._flush()

    async def flush(self, fh: int) -> None:
        self.stats.flushes += 1
        if self.writable():
            await self._flush()

    async def release(self, fh: int) -> None:
        return None


_enabled = False


async def serve(ops: VolumeOps, mountpoint: Path | str, *, fsname: str = "paceline") -> None:
    """Mount ``ops`` on ``mountpoint`` and serve until ``stop()`` or unmount.

    One mount per process (pyfuse3 keeps it in module state). The mount is
    removed on the way out, also when the task is cancelled.
    """
    global _enabled
    if not _enabled:
        pyfuse3.asyncio.enable()
        _enabled = True
    options = set(pyfuse3.default_options)
    options |= {f"fsname={fsname}", "subtype=paceline"}
    pyfuse3.init(ops, str(mountpoint), options)
    try:
        await pyfuse3.main(min_tasks=1, max_tasks=MAX_TASKS)
    finally:
        pyfuse3.close(unmount=True)


def stop() -> None:
    """Make a running ``serve`` return (from the same event loop)."""
    pyfuse3.terminate()
