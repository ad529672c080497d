"""``paceline-volumed NAME``: the daemon of one replicated volume (DESIGN.md "Process model").

One process per resource, independent of the node daemon (as DRBD lives in
the kernel). It attaches the backing disk and its metadata, serves the
volume through FUSE (``replication.fuse``), exposes the block device only
while Primary (``replication.device``: a loop device and the
``/dev/drbdN`` + ``/dev/drbd/by-res/NAME`` links), and answers the control
socket ``/run/paceline/volume-NAME.sock`` (``runtime.control``)::

    status                      -> the volume's state (``VolumeDaemon.as_dict``)
    primary {"force": bool}     -> promote (refused without UpToDate data unless force)
    secondary                   -> demote (refused while the device is open)
    connect {"discard_my_data"} -> from StandAlone: connect to the peer again
    disconnect                  -> drop the connection, StandAlone
    down                        -> demote if need be, write clean metadata, exit
    invalidate | invalidate-remote | verify {"start", "stop"} | detach | attach
                                -> drbdadm's verbs (``replication.verbs``), refused with DRBD's reason

The replication itself is the pure core ``replication.peer.VolumeCore``,
run by ``runtime.volume_driver.CoreDriver`` (disk, metadata, the TCP stream
to the peer, timers, handlers); the FUSE file's store is that driver, so
every read, write and flush of the device is a request of the core (for
protocol C a write returns once it is on both disks). ``up`` attaches and
starts connecting (WFConnection), as ``drbdadm up``. A clean ``down``
empties the activity log and sets AL_CLEAN; a daemon that dies
(``kill -9``) leaves its activity log and CRASHED_PRIMARY in force, and the
next ``up`` marks those extents out of sync.

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
import functools
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from paceline.core.errors import ConfigError, PacelineError, StateError
from paceline.core.paths import Paths
from paceline.core.ports import BlockCompletion, BlockRequest, BlockStore
from paceline.replication import device, fuse
from paceline.replication.gi import Flag
from paceline.replication.metadata import Metadata, MetadataError
from paceline.replication.peer import VolumeCore
from paceline.replication.resconf import Host, Resource
from paceline.replication.states import ConnState, Role
from paceline.runtime import volume_conf
from paceline.runtime.blockio import FileBlockStore, LazyFileBlockStore, MirrorFileBlockStore
from paceline.runtime.control import ControlError, ControlServer
from paceline.runtime.volume_api import HELD_OPEN, NEED_UPTODATE, mountpoint, node_name, socket_path
from paceline.runtime.volume_disk import Layout, read_md
from paceline.runtime.volume_driver import CoreDriver

__all__ = ["VolumeDaemon", "main"]

log = logging.getLogger("paceline.volumed")

DEMOTE_TRIES = 30
LAZY_ENV = "PACELINE_LAZY_DISK"
"""Set to 1 (lab and tests): the backing disk keeps unflushed writes in memory
(``LazyFileBlockStore``), so that a power cut loses exactly what was not flushed."""
MIRROR_ENV = "PACELINE_MIRROR_DISK"
"""A path (``make bench`` only): every write and flush also goes to this second image
(``MirrorFileBlockStore``), the local-mirror reference a peer is measured against."""


async def _complete(store: BlockStore, request: BlockRequest) -> BlockCompletion:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[BlockCompletion] = loop.create_future()
    store.submit(request, future.set_result)
    return await future


class VolumeDaemon:
    """One volume on this node: the core's driver, FUSE, the device, the control ops."""

    def __init__(
        self, paths: Paths, res: Resource, host: Host, layout: Layout, md: Metadata
    ) -> None:
        self.paths = paths
        self.res = res
        self.host = host
        self.layout = layout
        self.md = md
        self.loop: device.Loop | None = None
        self.mnt = mountpoint(paths, res.name)
        self.stopping = asyncio.Event()
        self._lock = asyncio.Lock()  # one role change at a time
        self.crashed = bool(md.sb.flags & Flag.CRASHED_PRIMARY)
        self.driver: CoreDriver | None = None
        self.ops: fuse.VolumeOps | None = None
        self.clean = False  # clean metadata written (AL empty, AL_CLEAN)

    @property
    def core(self) -> VolumeCore:
        assert self.driver is not None
        return self.driver.core

    # -- status ---------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        assert self.driver is not None
        core = self.core
        counters = dict(self.driver.counters)
        counters["ns"] = counters["sent_bytes"] // 1024
        counters["nr"] = counters["received_bytes"] // 1024
        counters["oos"] = core.bitmap.count() * 4
        return {
            "name": self.res.name,
            "minor": self.host.minor,
            "device": self._device(),
            "loop": self.loop.path if self.loop else None,
            "direct_io": self.loop.direct_io if self.loop else None,
            "cstate": str(core.cstate),
            "role": str(core.role),
            "peer_role": str(core.peer_role),
            "disk": str(core.disk),
            "peer_disk": str(core.peer_disk),
            "protocol": self.res.protocol,
            "peer_name": self.driver.peer.name,
            "peer_node_id": int(self.driver.config.peer),
            "counters": counters,
            "progress": self.driver.progress(),
            "last_sync": self.driver.last_sync,
            "gi": core.gi.get_gi(core.flags),
            "crashed_primary": self.crashed,
            "lazy_disk": isinstance(self.driver.disk, LazyFileBlockStore),
            "core_stats": dict(core.stats),
            "fuse": self.ops.stats.as_dict() if self.ops else {},
            "handlers": [list(h) for h in self.driver.handler_log],
            "events": list(self.driver.events)[-20:],
            "pid": os.getpid(),
        }

    async def op_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.as_dict()

    # -- role changes ---------------------------------------------------------

    async def op_primary(self, args: dict[str, Any]) -> dict[str, Any]:
        assert self.driver is not None
        force = bool(args.get("force", False))
        async with self._lock:
            if self.core.role is not Role.PRIMARY:
                reason = await self.driver.admin("primary", force=force)
                if reason:
                    text = NEED_UPTODATE if "UpToDate" in reason else "State change failed"
                    raise ControlError("invalid", f"{text}: {reason}")
            if self.loop is None:
                await self._expose()
            return self.as_dict()

    async def _expose(self) -> None:
        try:
            self.loop = await asyncio.to_thread(device.attach, self.mnt / fuse.VOLUME_FILE)
            self._loop_note.write_text(self.loop.path + "\n")
            await asyncio.to_thread(
                device.make_links, self.paths.root, self._device(), self.res.name, self.loop.path
            )
        except PacelineError as exc:
            await self._drop_device()
            raise ControlError(
                "internal", f"Primary, but cannot expose the device: {exc}"
            ) from None
        log.info("%s: Primary, device %s on %s", self.res.name, self._device(), self.loop.path)

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
        assert self.driver is not None
        if self.core.role is not Role.PRIMARY:
            return
        if self.loop is not None:
            for _ in range(DEMOTE_TRIES):  # a just-unmounted device can stay busy a moment
                if not await asyncio.to_thread(device.in_use, self.loop.path):
                    break
                await asyncio.sleep(0.1)
            else:
                who = await asyncio.to_thread(device.holders, self.loop.path)
                log.warning("%s: %s held open by %s", self.res.name, self.loop.path, who)
                raise ControlError("invalid", f"{HELD_OPEN} ({', '.join(who) or 'unknown'})")
        await self._drop_device()
        reason = await self.driver.admin("secondary")
        if reason:
            await self._expose()
            raise ControlError("invalid", f"State change failed: {reason}")

    async def op_connect(self, args: dict[str, Any]) -> dict[str, Any]:
        assert self.driver is not None
        try:
            self.driver.connect(discard_my_data=bool(args.get("discard_my_data", False)))
        except StateError:
            raise ControlError(
                "invalid", f"Failure: (102) already connecting or connected ({self.core.cstate})"
            ) from None
        return self.as_dict()

    async def op_disconnect(self, args: dict[str, Any]) -> dict[str, Any]:
        assert self.driver is not None
        if self.core.cstate is ConnState.STAND_ALONE:
            raise ControlError(
                "invalid", "State change failed: Can not disconnect a StandAlone device"
            )
        self.driver.disconnect()
        return self.as_dict()

    async def op_verb(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """invalidate, invalidate-remote, verify, detach: the core's, refused or done."""
        assert self.driver is not None
        async with self._lock:
            try:
                reason = await self.driver.verb(what, **args)
            except ValueError as exc:  # verify --start/--stop outside the volume
                raise ControlError("invalid", str(exc)) from None
            if reason:
                text = NEED_UPTODATE if "UpToDate data" in reason else "State change failed"
                raise ControlError("invalid", f"{text}: {reason}")
            if what == "detach":
                await _complete(self.driver.disk, BlockRequest.flush())
                self.driver.clean_down()
            return self.as_dict()

    async def op_verify(self, args: dict[str, Any]) -> dict[str, Any]:
        blocks = {k: int(args[k]) // 8 for k in ("start", "stop") if args.get(k) is not None}
        return await self.op_verb("verify", blocks)  # sectors, rounded down to 4 KiB

    async def op_attach(self, args: dict[str, Any]) -> dict[str, Any]:
        assert self.driver is not None
        async with self._lock:
            reason = self.driver.attach()
            if reason:
                raise ControlError("invalid", reason)
            return self.as_dict()

    async def op_down(self, args: dict[str, Any]) -> dict[str, Any]:
        async with self._lock:
            await self._demote()
            await self._clean_down()
            # Stop once the reply is on its way.
            asyncio.get_running_loop().call_later(0.05, self.stopping.set)
            return {"down": self.res.name}

    async def _clean_down(self) -> None:
        assert self.driver is not None
        if self.clean:
            return
        if self.core.cstate is not ConnState.STAND_ALONE:
            self.driver.disconnect()
        await _complete(self.driver.disk, BlockRequest.flush())
        self.driver.clean_down()
        self.clean = True

    # -- running --------------------------------------------------------------

    async def run(self) -> None:
        blocks = self.layout.data_blocks if not self.layout.internal else self.layout.meta_end
        lazy = os.environ.get(LAZY_ENV) == "1"  # the lab's disk with a volatile cache
        mirror = os.environ.get(MIRROR_ENV)
        disk: FileBlockStore
        if mirror:
            disk = MirrorFileBlockStore(self.layout.disk, mirror, num_blocks=blocks)
            log.info("%s: %s: every write also goes to %s", self.res.name, MIRROR_ENV, mirror)
        else:
            store = LazyFileBlockStore if lazy else FileBlockStore
            disk = store(self.layout.disk, num_blocks=blocks)
        if lazy:
            log.info("%s: %s=1: unflushed writes live in memory only", self.res.name, LAZY_ENV)
        _clear_stale_mount(self.mnt)
        self.mnt.mkdir(parents=True, exist_ok=True)
        self._detach_stale_loop()
        server = ControlServer(socket_path(self.paths, self.res.name), daemon="paceline-volumed")
        for op in ("status", "primary", "secondary", "connect", "disconnect", "down"):
            server.register(op, getattr(self, f"op_{op}"))
        for op in ("verify", "attach"):
            server.register(op, getattr(self, f"op_{op}"))
        for verb in ("invalidate", "invalidate-remote", "detach"):
            server.register(verb, functools.partial(self.op_verb, verb))
        try:
            async with asyncio.TaskGroup() as tasks:
                driver = CoreDriver(
                    self.res, self.host, self.md, disk, self.layout.meta, spawn=tasks.create_task
                )
                self.driver = driver
                ops = fuse.VolumeOps(driver, writable=lambda: driver.core.role is Role.PRIMARY)
                self.ops = ops
                serving = tasks.create_task(
                    fuse.serve(ops, self.mnt, fsname=f"paceline-{self.res.name}")
                )
                await _wait_for_file(self.mnt / fuse.VOLUME_FILE, serving)
                link = tasks.create_task(driver.run_link())
                async with server:
                    log.info(
                        "%s: up (%s), disk %s", self.res.name, self.layout.disk, self.core.disk
                    )
                    await self.stopping.wait()
                async with self._lock:
                    if not self.clean:  # SIGTERM: down as far as it can go
                        with contextlib.suppress(ControlError):
                            await self._demote()
                        if self.core.role is Role.SECONDARY:
                            await self._clean_down()
                    await self._drop_device()  # still Primary: the device goes away
                link.cancel()
                fuse.stop()
        finally:
            if self.driver is not None:
                await self.driver.close()
            await disk.aclose()


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
