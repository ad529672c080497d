"""The asyncio driver of the replication core (``replication.peer.VolumeCore``) (I/O edge).

``CoreDriver`` runs one volume's core against the real world:

- the local disk: a ``FileBlockStore`` over the backing device (data
  blocks ``0..size-1``); the core's disk requests go there and their
  completions come back to ``core.disk_done``;
- the metadata: each ``MetaWrite`` is made durable at once, synchronously
  (``pwrite`` + ``fsync`` of the metadata area in ``metadata.py``'s format),
  before any request or byte the same pump produced — the core's rule;
- the peer: one TCP stream on the replication address of the ``.res``.
  Both nodes listen on their own address; the node whose address sorts
  lower also dials the other, with backoff (0.2 s doubling to 5 s, with
  jitter), whenever the core wants a connection. A stream from any other
  host, or a second stream while one is open, is closed;
- the upper layer: ``CoreDriver`` is itself a ``BlockStore`` (what the
  FUSE front end serves): ``submit`` becomes ``core.write/read/flush`` and
  the matching ``IoDone`` completes it (on a later loop turn, never inside
  ``submit``);
- timers: one ``call_at`` armed at ``core.next_deadline()`` after each pump;
- handlers: the core's ``HandlerCall``s, and ``fence-peer`` when a Primary
  of a ``fencing resource-only`` resource loses its peer, run the command
  of the resource's ``handlers`` section with DRBD's environment
  (``DRBD_RESOURCE``, ``DRBD_PEER``, ``DRBD_PEERS``, ``DRBD_PEER_ADDRESS``);
  their exit codes are logged and kept in ``handler_log``.

After every call into the core the driver runs ``pump``: effects, bytes to
send, events, close, timer, connection wish — the order the core's
docstring prescribes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paceline.core.errors import StateError
from paceline.core.ids import NodeId
from paceline.core.ports import BlockCompletion, BlockOp, BlockRequest, CompletionHandler
from paceline.replication import peer as core_mod
from paceline.replication.actlog import EXTENT_BLOCKS
from paceline.replication.gi import Flag, Policies
from paceline.replication.metadata import Metadata, Step, run_sync
from paceline.replication.resconf import Host, Resource
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.volstate import (
    ConnChanged,
    DiskChanged,
    DurableMeta,
    HandlerCall,
    IoDone,
    MetaWrite,
    PeerError,
    Refused,
    RoleChanged,
    SplitBrain,
    SyncFinished,
    SyncStarted,
    VerifyFinished,
)
from paceline.runtime.blockio import FileBlockStore
from paceline.runtime.volume_disk import FileSyncStore

__all__ = ["CoreDriver", "core_config", "durable_meta"]

log = logging.getLogger("paceline.volumed")

BACKOFF_MIN = 0.2
BACKOFF_MAX = 5.0
CONNECT_TIMEOUT = 5.0
HANDLER_TIMEOUT = 60.0
ADMIN_TIMEOUT = 30.0
READ_CHUNK = 256 * 1024
EVENT_LOG = 200
HOLD_LIMIT = 4096
"""Disk requests the driver holds back while the store is full (``FileBlockStore.room``):
past this, the peer stream is not read and the front end's writes wait (backpressure)."""


def node_ids(res: Resource) -> dict[str, NodeId]:
    """``node-id`` from the ``.res``, else 1, 2 by host name order."""
    ids: dict[str, NodeId] = {}
    for i, name in enumerate(sorted(res.hosts)):
        given = res.hosts[name].node_id
        ids[name] = NodeId(given if given is not None else i + 1)
    return ids


def core_config(res: Resource, host: Host, peer: Host, size: int) -> core_mod.VolumeConfig:
    ids = node_ids(res)
    net = res.net
    policies = Policies(
        after_sb_0pri=str(net.get("after-sb-0pri", "disconnect")),
        after_sb_1pri=str(net.get("after-sb-1pri", "disconnect")),
        after_sb_2pri=str(net.get("after-sb-2pri", "disconnect")),
        always_asbp=bool(net.get("always-asbp", False)),
        rr_conflict=str(net.get("rr-conflict", "disconnect")),
    )
    secret = net.get("shared-secret")
    return core_mod.VolumeConfig(
        resource=res.name,
        node=ids[host.name],
        peer=ids[peer.name],
        size=size,
        protocol=res.protocol,
        allow_two_primaries=bool(net.get("allow-two-primaries", False)),
        policies=policies,
        shared_secret=str(secret) if secret else None,
        resync_rate_kib=int(res.disk.get("resync-rate", 250)),  # KiB/s, DRBD 8.3's default
        csums_alg=_opt(net.get("csums-alg")),
        verify_alg=_opt(net.get("verify-alg")),
        on_io_error=str(res.disk.get("on-io-error", "detach")),
    )


def _opt(value: object) -> str | None:
    return str(value) if value else None


def durable_meta(md: Metadata) -> DurableMeta:
    """The core's view of the on-disk metadata."""
    bm = md.bitmap
    pages = {p: bm.page(p) for p in range(bm.num_pages)}
    return DurableMeta(
        size=md.sb.data_blocks,
        gi=md.sb.gi,
        flags=md.sb.flags & ~Flag.AL_CLEAN,
        al=frozenset(md.al.active()),
        pages=pages,
    )


@dataclass
class _Waiter:
    what: str  # primary | secondary
    future: asyncio.Future[str]


class CoreDriver:
    """One volume's core, its disk, metadata and peer stream (see the module docstring)."""

    def __init__(
        self,
        res: Resource,
        host: Host,
        md: Metadata,
        disk: FileBlockStore,
        meta_path: str,
        *,
        spawn: Callable[[Any], object],
    ) -> None:
        self.res = res
        self.host = host
        self.peer = res.peer_of(host.name)
        self.md = md
        self.disk = disk
        self.meta_store = FileSyncStore(meta_path)
        self.spawn = spawn
        self.loop = asyncio.get_running_loop()
        self.rng = random.Random()
        self.config = core_config(res, host, self.peer, md.sb.data_blocks)
        self.core = core_mod.VolumeCore(self.config, durable_meta(md), self.rng, self.now())
        self.counters = {"dw": 0, "dr": 0, "al": 0, "sent_bytes": 0, "received_bytes": 0}
        self.events: deque[str] = deque(maxlen=EVENT_LOG)
        self.handler_log: deque[tuple[str, int]] = deque(maxlen=EVENT_LOG)
        self._requests: dict[int, tuple[BlockRequest, CompletionHandler, bool]] = {}
        self._held: deque[BlockRequest] = deque()  # waiting for room in the store
        self._room = asyncio.Event()  # set while fewer than HOLD_LIMIT are held
        self._room.set()
        self._pump_soon = False
        self._waiters: list[_Waiter] = []
        self._writer: asyncio.StreamWriter | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._want = asyncio.Event()
        self._pumping = False
        self._was_replicating = False
        self._sync_samples: deque[tuple[float, int]] = deque(maxlen=20)
        self._sync_t0: float | None = None  # when the running resync started
        self.last_sync: dict[str, Any] | None = None  # the last finished one, timed here
        self.pump()

    @staticmethod
    def now() -> float:
        return time.monotonic()

    # -- BlockStore (the FUSE front end's store) ----------------------------------

    @property
    def block_size(self) -> int:
        return self.disk.block_size

    @property
    def num_blocks(self) -> int:
        return self.config.size

    def submit(self, request: BlockRequest, done: CompletionHandler) -> None:
        now = self.now()
        if request.op is BlockOp.READ:
            rid = self.core.read(request.index, now)
        elif request.op is BlockOp.WRITE:
            rid = self.core.write(request.index, request.data, now)
        else:
            rid = self.core.flush(now)
        self._requests[rid] = (request, done, False)
        self.pump()

    # -- runs of blocks (fuse.RunStore): many core requests, one pump -------------

    async def _run(self, requests: list[BlockRequest]) -> list[BlockCompletion]:
        """The run's requests in the core at once; one future for all their completions."""
        if not self._room.is_set():
            await self._room.wait()  # the disk is behind: do not pile up more
        future: asyncio.Future[list[BlockCompletion]] = self.loop.create_future()
        got: list[BlockCompletion] = []
        count = len(requests)

        def collect(completion: BlockCompletion) -> None:
            got.append(completion)
            if len(got) == count and not future.done():
                future.set_result(got)

        now = self.now()
        core = self.core
        for request in requests:
            if request.op is BlockOp.READ:
                rid = core.read(request.index, now)
            else:
                rid = core.write(request.index, request.data, now)
            self._requests[rid] = (request, collect, True)
        self.pump()  # one MetaWrite (one fsync) covers the bits of the whole run
        done = await future
        if requests[0].op is BlockOp.READ:
            order = {id(r): i for i, r in enumerate(requests)}
            done.sort(key=lambda c: order[id(c.request)])
        return done

    async def read_run(self, first: int, count: int) -> tuple[int, bytes]:
        done = await self._run([BlockRequest.read(first + i) for i in range(count)])
        error = next((c.error for c in done if not c.ok), 0)
        return error, b"" if error else b"".join(c.data for c in done)

    async def write_run(self, first: int, data: bytes) -> int:
        bs = self.block_size
        blocks = [
            BlockRequest.write(first + i, data[i * bs : (i + 1) * bs])
            for i in range(len(data) // bs)
        ]
        done = await self._run(blocks)
        return next((c.error for c in done if not c.ok), 0)

    # -- the pump -------------------------------------------------------------------

    def pump(self) -> None:
        """Carry out everything the core asked for; again while it asks for more."""
        if self._pumping:
            return  # a pump is running further up the stack: it will see the rest
        self._pumping = True
        try:
            while self._pump_once():
                pass
        finally:
            self._pumping = False
        self._arm_timer()
        if self.core.wants_connection:
            self._want.set()

    def _pump_once(self) -> bool:
        core = self.core
        busy = False
        for effect in core.take_effects():
            busy = True
            if isinstance(effect, MetaWrite):
                self._persist(effect)
            else:
                self._submit_disk(effect)
        data = core.data_to_send()
        if data:
            busy = True
            if self._writer is not None and not self._writer.is_closing():
                self.counters["sent_bytes"] += len(data)
                self._writer.write(data)
        while (event := core.next_event()) is not None:
            busy = True
            self._on_event(event)
        if core.wants_close():
            busy = True
            writer, self._writer = self._writer, None
            if writer is not None:
                writer.close()
            core.connection_lost("closed", self.now())
        return busy

    def _submit_disk(self, request: BlockRequest) -> None:
        if request.op is BlockOp.WRITE:
            self.counters["dw"] += 4
        elif request.op is BlockOp.READ:
            self.counters["dr"] += 4
        if self._held or self.disk.room <= 0:
            self._held.append(request)  # in order, after those before it
            if len(self._held) >= HOLD_LIMIT:
                self._room.clear()
            return
        self.disk.submit(request, self._disk_done)

    def _disk_done(self, completion: BlockCompletion) -> None:
        """A disk completion: into the core now; one pump for all of a batch's completions."""
        self.core.disk_done(completion, self.now())
        held = self._held
        while held and self.disk.room > 0:
            self.disk.submit(held.popleft(), self._disk_done)
        if len(held) < HOLD_LIMIT // 2:
            self._room.set()
        if not self._pump_soon:
            self._pump_soon = True
            self.loop.call_soon(self._deferred_pump)

    def _deferred_pump(self) -> None:
        self._pump_soon = False
        self.pump()

    def _persist(self, write: MetaWrite) -> None:
        """A ``MetaWrite`` in ``metadata.py``'s format, durable before this returns."""
        md = self.md
        steps: list[Step] = []
        for page, data in write.pages:
            steps.append(Step(((md.bm_start + page, data),), flush=False))
            md.bitmap.load_page(page, data)
        active = set(md.al.active())
        # Extents the core let go of may stay in the log on disk (a crash resyncs a
        # little more, never less) until they are as many as the core keeps warm:
        # then one reset, not a rewrite of the whole log at every eviction.
        stale = len(active - write.al)
        if stale and (not write.al or stale > self.config.al_warm):
            reset = md.al.clear()
            steps.append(Step(((md.al_start + reset.ring_index, reset.data),), flush=False))
            active = set()
        for extent in sorted(write.al - active):
            tx = md.al.touch(extent * EXTENT_BLOCKS)
            if tx is not None:
                steps.append(Step(((md.al_start + tx.ring_index, tx.data),), flush=False))
                self.counters["al"] += 1
        steps += md.write_superblock(gi=write.gi, flags=write.flags & ~Flag.AL_CLEAN)
        run_sync(self.meta_store, steps)

    def clean_down(self) -> None:
        """Orderly stop: AL empty and AL_CLEAN, after the caller flushed the disk."""
        md = self.md
        tx = md.al.clear()
        steps = [Step(((md.al_start + tx.ring_index, tx.data),), flush=False)]
        steps += md.set_flags(on=Flag.AL_CLEAN) or [Step(())]
        run_sync(self.meta_store, steps)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.core.next_deadline()
        if deadline is not None:
            self._timer = self.loop.call_at(self._loop_time(deadline), self._on_timer)

    def _loop_time(self, deadline: float) -> float:
        return self.loop.time() + max(0.0, deadline - self.now())

    def _on_timer(self) -> None:
        self._timer = None
        self.core.handle_timer(self.now())
        self.pump()

    # -- events -----------------------------------------------------------------------

    def _on_event(self, event: object) -> None:
        if isinstance(event, IoDone):
            entry = self._requests.pop(event.rid, None)
            if entry is not None:
                request, done, direct = entry
                completion = BlockCompletion(request, event.error, event.data)
                if direct:
                    done(completion)  # a run's collector: it only counts
                else:
                    self.loop.call_soon(done, completion)  # never inside submit
            return
        text = f"{self.res.name}: {event}"
        self.events.append(text)
        log.info("%s", text)
        if isinstance(event, RoleChanged):
            self._settle(str(event.role).lower(), "")
        elif isinstance(event, Refused):
            self._settle(event.what, event.reason or "refused")
        elif isinstance(event, ConnChanged):
            self._on_conn(event)
        elif isinstance(event, HandlerCall):
            self._run_handler(event.name)
        elif isinstance(event, SyncStarted):
            self._sync_t0 = self.now()
        elif isinstance(event, SyncFinished):
            self._timed(event)
            # DRBD 8.4's crm-unfence-peer runs on the target; DRBD 9's unfence-peer on the source
            self._run_handler("unfence-peer" if event.source else "after-resync-target")
        elif isinstance(event, DiskChanged) and event.disk is DiskState.DISKLESS:
            self._settle("detach", "")
        elif isinstance(event, VerifyFinished):
            for line in event.lines:
                log.info("%s: %s", self.res.name, line)
                self.events.append(f"{self.res.name}: {line}")
            if event.found:
                self._run_handler("out-of-sync")
        elif isinstance(event, SplitBrain | PeerError):
            pass

    def _on_conn(self, event: ConnChanged) -> None:
        live = event.state >= ConnState.CONNECTED
        if (
            self._was_replicating
            and not live
            and self.core.role is Role.PRIMARY
            and self.res.fencing() in ("resource-only", "resource-and-stonith")
        ):
            self._run_handler("fence-peer")
        self._was_replicating = live

    def _settle(self, what: str, reason: str) -> None:
        for waiter in list(self._waiters):
            if waiter.what == what and not waiter.future.done():
                waiter.future.set_result(reason)
                self._waiters.remove(waiter)

    async def admin(self, what: str, force: bool = False) -> str:
        """Promote (``primary``) or demote (``secondary``); '' or the refusal reason."""
        want = Role.PRIMARY if what == "primary" else Role.SECONDARY
        if self.core.role is want:
            return ""
        if what == "primary" and self._must_fence(force):
            refusal = await self._fence_peer(force)
            if refusal:
                return refusal
        future: asyncio.Future[str] = self.loop.create_future()
        self._waiters.append(_Waiter(what, future))
        now = self.now()
        if what == "primary":
            self.core.promote(now, force=force)  # --force while Connected: the core's bring-up
        else:
            self.core.demote(now)
        self.pump()
        try:
            return await asyncio.wait_for(future, ADMIN_TIMEOUT)
        except TimeoutError:
            return f"no answer in {ADMIN_TIMEOUT:g} s"
        finally:
            self._waiters = [w for w in self._waiters if w.future is not future]

    async def verb(self, what: str, **args: Any) -> str:
        """``invalidate``, ``invalidate-remote``, ``verify`` or ``detach``: '' once the
        core accepted it (detach: once the disk is Diskless), else the refusal."""
        future: asyncio.Future[str] = self.loop.create_future()
        self._waiters.append(_Waiter(what, future))
        try:
            getattr(self.core, what.replace("-", "_"))(self.now(), **args)
            self.pump()
            if what == "detach" and not future.done():
                return await asyncio.wait_for(future, ADMIN_TIMEOUT)
            return future.result() if future.done() else ""
        except TimeoutError:
            return f"no answer in {ADMIN_TIMEOUT:g} s"
        finally:
            self._waiters = [w for w in self._waiters if w.future is not future]

    def attach(self) -> str:
        """``drbdadm attach`` of a Diskless volume: a new core from the metadata on disk."""
        if self.core.disk is not DiskState.DISKLESS:
            return f"Failure: (124) the disk is attached already ({self.core.disk})"
        md = Metadata.open(self.meta_store.read_block, self.md.base)
        self.md = md
        self.config = core_config(self.res, self.host, self.peer, md.sb.data_blocks)
        self.core = core_mod.VolumeCore(self.config, durable_meta(md), self.rng, self.now())
        self._was_replicating = False
        self.events.append(f"{self.res.name}: attached, disk {self.core.disk}")
        self.pump()
        return ""

    def connect(self, discard_my_data: bool = False) -> None:
        self.core.connect(self.now(), discard_my_data=discard_my_data)
        self.pump()

    def disconnect(self) -> None:
        self.core.disconnect(self.now())
        self.pump()

    # -- handlers -----------------------------------------------------------------------

    def _run_handler(self, name: str) -> None:
        command = self.res.handlers.get(name)
        if not command:
            return
        self.spawn(self._handler(name, command))

    def _must_fence(self, force: bool) -> bool:
        """DRBD's "Refusing to be Primary while peer is not outdated": under ``fencing
        resource-only`` (or ``-and-stonith``) a Secondary that does not see its peer
        must have the peer fenced (``fence-peer``) before it is promoted."""
        core = self.core
        return (
            self.res.fencing() in ("resource-only", "resource-and-stonith")
            and core.role is Role.SECONDARY
            and not core.connected
            and (force or core.disk >= DiskState.CONSISTENT)  # else the core refuses anyway
        )

    async def _fence_peer(self, force: bool) -> str:
        """Run ``fence-peer`` before a disconnected promotion: '' or the refusal."""
        command = self.res.handlers.get("fence-peer")
        rc = await self._handler("fence-peer", command) if command else None
        # 3 peer Inconsistent, 4 peer outdated, 7 peer fenced (STONITH); 5 peer
        # unreachable is enough only for UpToDate data (DRBD's drbd_try_outdate_peer)
        if rc in (3, 4, 7) or (rc == 5 and self.core.disk is DiskState.UP_TO_DATE):
            return ""
        why = f"exit {rc}" if rc is not None else "no fence-peer handler"
        if force:
            self.events.append(f"{self.res.name}: fence-peer failed ({why}), forced anyway")
            return ""
        return f"Refusing to be Primary while peer is not outdated (fence-peer: {why})"

    async def _handler(self, name: str, command: str) -> int:
        addr = self.peer.address
        env = dict(os.environ)
        env.update(
            DRBD_RESOURCE=self.res.name,
            DRBD_PEER=self.peer.name,
            DRBD_PEERS=self.peer.name,
            DRBD_PEER_ADDRESS=addr.host if addr else "",
            DRBD_PEER_AF=addr.family if addr else "",
            DRBD_MINOR=str(self.host.minor),
        )
        try:
            proc = await asyncio.create_subprocess_shell(
                command,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await asyncio.wait_for(proc.communicate(), HANDLER_TIMEOUT)
            rc = proc.returncode if proc.returncode is not None else -1
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            out, rc = b"timed out", -1
        except OSError as exc:
            out, rc = str(exc).encode(), -1
        self.handler_log.append((name, rc))
        text = out.decode(errors="replace").strip()[-300:]
        log.info("%s: handler %s (%s) exit %d %s", self.res.name, name, command, rc, text)
        return rc

    # -- the peer stream ------------------------------------------------------------------

    @property
    def dials(self) -> bool:
        """Whether this node dials (its replication address sorts below the peer's)."""
        me, other = self.host.address, self.peer.address
        assert me is not None and other is not None
        return (me.host, me.port) < (other.host, other.port)

    async def run_link(self) -> None:
        """Listen, and (the dialling side) connect whenever the core wants a connection."""
        me, other = self.host.address, self.peer.address
        if me is None or other is None:
            log.warning("%s: no replication address; StandAlone", self.res.name)
            return
        server = await self._listen(me.host, me.port)
        backoff = BACKOFF_MIN
        try:
            while True:
                await self._want.wait()
                self._want.clear()
                if not self.core.wants_connection or not self.dials:
                    continue
                try:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(other.host, other.port, local_addr=(me.host, 0)),
                        CONNECT_TIMEOUT,
                    )
                except (OSError, TimeoutError) as exc:
                    log.debug("%s: connect %s: %s", self.res.name, other, exc)
                    await asyncio.sleep(backoff * (0.5 + self.rng.random()))
                    backoff = min(backoff * 2, BACKOFF_MAX)
                    self._want.set()
                    continue
                backoff = BACKOFF_MIN
                self._attach(reader, writer)
        finally:
            server.close()
            await server.wait_closed()

    async def _listen(self, host: str, port: int) -> asyncio.Server:
        """Listen on the replication address; retried while the address is not there yet."""
        backoff = BACKOFF_MIN
        while True:
            try:
                return await asyncio.start_server(self._accepted, host=host, port=port)
            except OSError as exc:
                self.events.append(
                    f"{self.res.name}: cannot listen on {host}:{port}: {exc.strerror}"
                )
                log.warning("%s: listen %s:%d: %s (retrying)", self.res.name, host, port, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        other = self.peer.address
        if other is None or not peername or peername[0] != other.host:
            log.warning("%s: refused a replication stream from %s", self.res.name, peername)
            writer.close()
            return
        self._attach(reader, writer)

    def _attach(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None or not self.core.wants_connection:
            writer.close()  # one stream at a time
            return
        try:
            self.core.connection_made(self.now())
        except StateError:
            writer.close()
            return
        self._writer = writer
        self.spawn(self._read(reader, writer))
        self.pump()

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        reason = "closed by peer"
        try:
            while True:
                if not self._room.is_set():
                    await self._room.wait()  # the disk is behind: let TCP hold the peer back
                data = await reader.read(READ_CHUNK)
                if not data:
                    break
                if self._writer is not writer:
                    return
                self.counters["received_bytes"] += len(data)
                self.core.receive_data(data, self.now())
                self.pump()
        except OSError as exc:
            reason = f"stream error: {exc}"
        finally:
            writer.close()
        if self._writer is writer:
            self._writer = None
            self.core.connection_lost(reason, self.now())
            self.pump()

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        self.meta_store.close()

    # -- status -----------------------------------------------------------------------------

    def _timed(self, event: SyncFinished) -> None:
        """The sync's rate as this daemon saw it (the bench's initial_sync figure)."""
        if self._sync_t0 is None:
            return
        seconds = max(self.now() - self._sync_t0, 1e-9)
        self.last_sync = {
            "source": event.source,
            "kib": event.blocks * 4,
            "seconds": round(seconds, 3),
            "kib_per_s": round(event.blocks * 4 / seconds, 1),
            "want_kib": self.config.resync_rate_kib,
        }
        self._sync_t0 = None

    def progress(self) -> dict[str, Any] | None:
        done, total = self.core.resync_progress()
        if not total:
            self._sync_samples.clear()
            return None
        now = self.now()
        self._sync_samples.append((now, done))
        t0, d0 = self._sync_samples[0]
        speed = int((done - d0) * 4 / (now - t0)) if now > t0 else 0
        start = self._sync_t0
        avg = int(done * 4 / (now - start)) if start is not None and now > start else speed
        return {
            "total_kib": total * 4,
            "left_kib": (total - done) * 4,
            "speed_kib": speed,
            "avg_kib": avg,
            "want_kib": self.config.resync_rate_kib,
        }
