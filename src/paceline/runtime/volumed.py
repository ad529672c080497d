"""``paceline-volumed NAME``: the daemon of one replicated volume (DESIGN.md "Process model").

One process per resource, independent of the node daemon (as DRBD lives in
the kernel). It attaches the backing disk and its metadata, serves the
volume through FUSE (``replication.fuse``), exposes the block device only
while Primary (``replication.device``: a loop device and the
``/dev/drbdN`` + ``/dev/drbd/by-res/NAME`` links), and answers the control
socket ``/run/paceline/volume-NAME.sock`` (``runtime.control``)::

    status                      -> the volume's state (``VolumeState.as_dict``)
    primary {"force": bool}     -> promote (refused without UpToDate data unless force)
    secondary                   -> demote (refused while the device is open)
    down                        -> demote if need be, write clean metadata, exit

Local data path (no peer): every write first makes its 4 MiB extent hot in
the activity log (the AL transaction is flushed before the data write is
issued, DRBD's rule), marks its block out of sync for the absent peer, and
then goes to the backing disk; a flush is a flush of the backing disk. A
clean ``down`` writes the bitmap, empties the AL and sets AL_CLEAN; a
daemon that dies (``kill -9``) leaves the AL in force, and the next ``up``
marks its extents out of sync (``Metadata.open``) and flags the crash.

A killed daemon is a dead disk for whatever is above the device: the FUSE
connection goes away, the loop device returns EIO, ext4 sees I/O errors.
Nothing acknowledged is lost (acknowledged means fsynced, which means on
the backing disk). DRBD's kernel module cannot die this way; its nearest
equivalent is a failed backing disk with ``on-io-error detach``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from paceline.core.errors import ConfigError, PacelineError
from paceline.core.paths import Paths
from paceline.core.ports import BlockCompletion, BlockOp, BlockRequest, CompletionHandler
from paceline.replication import device, fuse
from paceline.replication.actlog import EXTENT_BLOCKS
from paceline.replication.gi import Flag
from paceline.replication.metadata import Metadata, MetadataError, Step
from paceline.replication.resconf import Host, Resource
from paceline.replication.states import ConnState, DiskState, Role
from paceline.runtime import volume_conf
from paceline.runtime.blockio import FileBlockStore
from paceline.runtime.control import ControlError, ControlServer
from paceline.runtime.volume_api import HELD_OPEN, NEED_UPTODATE, mountpoint, node_name, socket_path
from paceline.runtime.volume_disk import Layout, read_md

__all__ = ["LocalStore", "VolumeDaemon", "main"]

log = logging.getLogger("paceline.volumed")


async def _complete(store: Any, request: BlockRequest) -> BlockCompletion:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[BlockCompletion] = loop.create_future()
    store.submit(request, future.set_result)
    return await future


async def run_steps(store: FileBlockStore, steps: list[Step]) -> None:
    """Carry out metadata ``Step``s in order; an I/O error is raised as ``OSError``."""
    for step in steps:
        results = [_complete(store, BlockRequest.write(i, data)) for i, data in step.writes]
        if step.flush:
            results.append(_complete(store, BlockRequest.flush()))
        for completion in await asyncio.gather(*results):
            if not completion.ok:
                raise OSError(
                    completion.error, f"metadata I/O failed: {os.strerror(completion.error)}"
                )


class LocalStore:
    """The volume's data as a ``BlockStore`` (what FUSE serves) when no peer is connected.

    Reads go to the backing disk; a write waits for its AL transaction (if
    its extent is cold), marks its block out of sync, then is written; a
    flush flushes the backing disk. ``spawn`` runs the waiting part.
    """

    def __init__(
        self,
        disk: FileBlockStore,
        meta: FileBlockStore,
        md: Metadata,
        spawn: Callable[[Coroutine[Any, Any, None]], object],
    ) -> None:
        self.disk = disk
        self.meta = meta
        self.md = md
        self.spawn = spawn
        self.counters = {"dw": 0, "dr": 0, "al": 0}
        self._al_lock = asyncio.Lock()

    @property
    def block_size(self) -> int:
        return self.disk.block_size

    @property
    def num_blocks(self) -> int:
        return self.md.sb.data_blocks

    def submit(self, request: BlockRequest, done: CompletionHandler) -> None:
        if request.op is not BlockOp.FLUSH and not 0 <= request.index < self.num_blocks:
            raise ValueError(f"block {request.index} outside 0..{self.num_blocks - 1}")
        if request.op is BlockOp.READ:
            self.counters["dr"] += self.block_size // 1024
            self.disk.submit(request, done)
        elif request.op is BlockOp.FLUSH:
            self.disk.submit(request, done)
        elif self.md.al.is_hot(self.md.al.extent_of(request.index)) and not self._al_lock.locked():
            self._write(request, done)
        else:
            self.spawn(self._cold_write(request, done))

    def _write(self, request: BlockRequest, done: CompletionHandler) -> None:
        self.md.bitmap.set(request.index)  # the peer does not have it
        self.counters["dw"] += self.block_size // 1024
        self.disk.submit(request, done)

    # -- runs of blocks (fuse.RunStore): one pread/pwrite per FUSE request ----------

    async def read_run(self, first: int, count: int) -> tuple[int, bytes]:
        self.counters["dr"] += count * self.block_size // 1024
        return await self.disk.read_run(first, count)

    async def write_run(self, first: int, data: bytes) -> int:
        count = len(data) // self.block_size
        if first < 0 or first + count > self.num_blocks:
            raise ValueError(
                f"blocks {first}..{first + count - 1} outside 0..{self.num_blocks - 1}"
            )
        al = self.md.al
        extents = range(al.extent_of(first), al.extent_of(first + count - 1) + 1)
        if self._al_lock.locked() or not all(al.is_hot(e) for e in extents):
            async with self._al_lock:
                for extent in extents:
                    steps = self.md.before_write(max(first, extent * EXTENT_BLOCKS))
                    if steps:
                        self.counters["al"] += 1
                        try:
                            await run_steps(self.meta, steps)
                        except OSError as exc:
                            return exc.errno or errno.EIO
        self.md.bitmap.set_range(first, first + count)
        self.counters["dw"] += count * self.block_size // 1024
        return await self.disk.write_run(first, data)

    async def _cold_write(self, request: BlockRequest, done: CompletionHandler) -> None:
        async with self._al_lock:  # later writes to this extent wait for the transaction
            steps = self.md.before_write(request.index)
            if steps:
                self.counters["al"] += 1
                try:
                    await run_steps(self.meta, steps)
                except OSError as exc:
                    done(BlockCompletion(request, exc.errno or errno.EIO))
                    return
        self._write(request, done)


class VolumeDaemon:
    """The state of one volume on this node, and what the control ops do to it."""

    def __init__(
        self, paths: Paths, res: Resource, host: Host, layout: Layout, md: Metadata
    ) -> None:
        self.paths = paths
        self.res = res
        self.host = host
        self.layout = layout
        self.md = md
        self.rng = random.Random()
        self.role = Role.SECONDARY
        self.cstate = ConnState.STAND_ALONE
        self.disk = self._attach_state(md.sb.flags)
        self.loop: device.Loop | None = None
        self.mnt = mountpoint(paths, res.name)
        self.stopping = asyncio.Event()
        self._lock = asyncio.Lock()  # one role change at a time
        self.crashed = bool(md.sb.flags & Flag.PRIMARY_IND)
        self.tasks: asyncio.TaskGroup | None = None
        self.ops: fuse.VolumeOps | None = None
        self.clean = False  # clean metadata written (AL empty, AL_CLEAN)

    def _attach_state(self, flags: int) -> DiskState:
        """The disk state at attach (DRBD's rule): Consistent data becomes
        UpToDate when the peer is known Outdated or nobody fences."""
        if not flags & Flag.CONSISTENT:
            return DiskState.INCONSISTENT
        if not flags & Flag.WAS_UP_TO_DATE:
            return DiskState.OUTDATED
        if flags & Flag.PEER_OUT_DATED or self.res.fencing() == "dont-care":
            return DiskState.UP_TO_DATE
        return DiskState.CONSISTENT

    # -- status ---------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        peer = [h.name for h in self.res.hosts.values() if h.name != self.host.name]
        counters = dict(self.store.counters) if self.store else {}
        counters["bm"] = self.md.bm_writes
        counters["oos"] = self.md.bitmap.count() * 4
        return {
            "name": self.res.name,
            "minor": self.host.minor,
            "device": self.host.device,
            "loop": self.loop.path if self.loop else None,
            "direct_io": self.loop.direct_io if self.loop else None,
            "cstate": str(self.cstate),
            "role": str(self.role),
            "peer_role": str(Role.UNKNOWN),
            "disk": str(self.disk),
            "peer_disk": str(DiskState.DUNKNOWN),
            "protocol": self.res.protocol,
            "peer_name": peer[0] if peer else "peer",
            "counters": counters,
            "gi": self.md.sb.gi.get_gi(self.md.sb.flags),
            "crashed_primary": self.crashed,
            "pid": os.getpid(),
        }

    # -- role changes ---------------------------------------------------------

    async def op_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.as_dict()

    async def op_primary(self, args: dict[str, Any]) -> dict[str, Any]:
        force = bool(args.get("force", False))
        async with self._lock:
            if self.role is Role.PRIMARY:
                return self.as_dict()
            if self.disk is DiskState.DISKLESS:
                raise ControlError("invalid", NEED_UPTODATE)
            if not force and self.disk is not DiskState.UP_TO_DATE:
                raise ControlError("invalid", NEED_UPTODATE)
            gi = self.md.sb.gi.promote_disconnected(self.rng)
            flags = self.md.sb.flags | Flag.CONSISTENT | Flag.WAS_UP_TO_DATE | Flag.PRIMARY_IND
            await run_steps(self.meta, self.md.write_superblock(gi=gi, flags=flags))
            self.disk = DiskState.UP_TO_DATE
            self.role = Role.PRIMARY
            try:
                self.loop = await asyncio.to_thread(device.attach, self.mnt / fuse.VOLUME_FILE)
                self._loop_note.write_text(self.loop.path + "\n")
                await asyncio.to_thread(
                    device.make_links,
                    self.paths.root,
                    self._device(),
                    self.res.name,
                    self.loop.path,
                )
            except PacelineError as exc:
                await self._drop_device()
                self.role = Role.SECONDARY
                raise ControlError("internal", f"cannot expose the device: {exc}") from None
            log.info("%s: Primary, device %s on %s", self.res.name, self._device(), self.loop.path)
            return self.as_dict()

    def _device(self) -> str:
        return self.host.device or f"/dev/drbd{self.host.minor}"

    async def _drop_device(self) -> None:
        await asyncio.to_thread(device.remove_links, self.paths.root, self._device(), self.res.name)
        if self.loop is not None:
            await asyncio.to_thread(device.detach, self.loop.path)
            self.loop = None
        self._loop_note.unlink(missing_ok=True)

    @property
    def _loop_note(self) -> Path:
        """Which loop device the last Primary of this volume attached (for a crashed daemon)."""
        return self.mnt.with_name(f"{self.res.name}.loop")

    def _detach_stale_loop(self) -> None:
        """A killed daemon leaves its loop device on the dead FUSE file: let it go
        (losetup -d only marks it autoclear while ext4 still holds it)."""
        try:
            loop = self._loop_note.read_text().strip()
        except FileNotFoundError:
            return
        with contextlib.suppress(device.DeviceError):
            if device.backing_of(loop).endswith("/" + fuse.VOLUME_FILE):
                device.detach(loop)
                log.info("%s: detached %s, left by a daemon that died", self.res.name, loop)
        self._loop_note.unlink(missing_ok=True)

    async def op_secondary(self, args: dict[str, Any]) -> dict[str, Any]:
        async with self._lock:
            await self._demote()
            return self.as_dict()

    async def _demote(self) -> None:
        if self.role is not Role.PRIMARY:
            return
        if self.loop is not None and await asyncio.to_thread(device.in_use, self.loop.path):
            raise ControlError("invalid", HELD_OPEN)
        self.role = Role.SECONDARY  # FUSE refuses writes from here on
        await self._drop_device()
        await _complete(self.disk_store, BlockRequest.flush())
        gi = self.md.sb.gi.mark_role(False)
        steps = self.md.write_bitmap()
        steps += self.md.write_superblock(gi=gi, flags=self.md.sb.flags & ~Flag.PRIMARY_IND)
        await run_steps(self.meta, steps)
        log.info("%s: Secondary", self.res.name)

    async def op_down(self, args: dict[str, Any]) -> dict[str, Any]:
        async with self._lock:
            await self._demote()
            await _complete(self.disk_store, BlockRequest.flush())
            await self._clean_down()
            # Stop once the reply is on its way.
            asyncio.get_running_loop().call_later(0.05, self.stopping.set)
            return {"down": self.res.name}

    async def _clean_down(self) -> None:
        if not self.clean:
            await _complete(self.disk_store, BlockRequest.flush())
            await run_steps(self.meta, self.md.clean_shutdown())
            self.clean = True

    # -- running --------------------------------------------------------------

    store: LocalStore | None = None

    async def run(self) -> None:
        blocks = self.layout.data_blocks if not self.layout.internal else self.layout.meta_end
        self.disk_store = FileBlockStore(self.layout.disk, num_blocks=blocks)
        if self.layout.internal:
            self.meta = self.disk_store
        else:
            self.meta = FileBlockStore(self.layout.meta, num_blocks=self.layout.meta_end)
        _clear_stale_mount(self.mnt)
        self.mnt.mkdir(parents=True, exist_ok=True)
        self._detach_stale_loop()
        server = ControlServer(socket_path(self.paths, self.res.name), daemon="paceline-volumed")
        for op in ("status", "primary", "secondary", "down"):
            server.register(op, getattr(self, f"op_{op}"))
        try:
            async with asyncio.TaskGroup() as tasks:
                self.store = LocalStore(self.disk_store, self.meta, self.md, tasks.create_task)
                self.ops = fuse.VolumeOps(self.store, writable=lambda: self.role is Role.PRIMARY)
                serving = tasks.create_task(
                    fuse.serve(self.ops, self.mnt, fsname=f"paceline-{self.res.name}")
                )
                await _wait_for_file(self.mnt / fuse.VOLUME_FILE, serving)
                async with server:
                    log.info("%s: up (%s), disk %s", self.res.name, self.layout.disk, self.disk)
                    await self.stopping.wait()
                async with self._lock:
                    if not self.clean:  # SIGTERM: down as far as it can go
                        with contextlib.suppress(ControlError):
                            await self._demote()
                        if self.role is Role.SECONDARY:
                            await self._clean_down()
                    await self._drop_device()  # still Primary: the device goes away
                fuse.stop()
        finally:
            await self.disk_store.aclose()
            if self.meta is not self.disk_store:
                await self.meta.aclose()


def _clear_stale_mount(mnt: Path) -> None:
    """A daemon killed with ``-9`` leaves a dead FUSE mount; take it away lazily."""
    try:
        mounted = os.path.ismount(mnt)
    except OSError:
        mounted = True
    if not mounted:
        try:
            os.stat(mnt)
        except OSError as exc:
            mounted = exc.errno == errno.ENOTCONN
    if mounted:
        subprocess.run(["umount", "-l", str(mnt)], check=False, capture_output=True, timeout=30)


async def _wait_for_file(path: Path, serving: asyncio.Task[None]) -> None:
    for _ in range(400):
        if serving.done():
            serving.result()
            raise PacelineError(f"FUSE stopped before {path} appeared")
        if await asyncio.to_thread(path.exists):
            return
        await asyncio.sleep(0.025)
    raise PacelineError(f"{path} did not appear in 10 s")


def load_volume(root: Path, name: str, node: str | None) -> tuple[Resource, Host, Layout]:
    config = volume_conf.load(root=root)
    if name not in config.resources:
        raise ConfigError(
            f"no resource {name!r} in the volume configuration",
            expected=" or ".join(sorted(config.resources)) or "a resource section",
        )
    res = config.resources[name]
    host = res.host(node_name(node))
    return res, host, Layout.of(res, host)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="paceline-volumed", description=__doc__.split("\n")[0])
    p.add_argument("name", metavar="NAME", help="the resource (.res) to serve")
    p.add_argument("--root", default=os.environ.get("PACELINE_ROOT", "/"))
    p.add_argument("--node", default=None, help="this node's name (default PACELINE_NODE, uname)")
    args = p.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s volumed[{os.getpid()}] %(levelname)s %(message)s"
    )
    paths = Paths(Path(args.root))
    try:
        res, host, layout = load_volume(paths.root, args.name, args.node)
        md = read_md(layout)
    except (ConfigError, MetadataError) as exc:
        hint = f" (paceline volume create-md {args.name})" if isinstance(exc, MetadataError) else ""
        print(f"paceline-volumed: {exc}{hint}", file=sys.stderr)
        return 1

    async def serve() -> None:
        daemon = VolumeDaemon(paths, res, host, layout, md)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, daemon.stopping.set)
        await daemon.run()

    try:
        asyncio.run(serve())
    except (PacelineError, OSError) as exc:
        print(f"paceline-volumed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
