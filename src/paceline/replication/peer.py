"""The volume core: one replicated volume and its one peer, as a pure state machine.

``VolumeCore`` is DRBD's per-device logic without I/O. It is a
``StreamCore`` (``core/ports.py``) for the replication connection, and it
drives the local disk by request and completion (``BlockStore``) through
returned effects. It never reads a clock, never sleeps, never does I/O:
``now`` is an argument, randomness comes from the ``rng`` it is given.

The driver's loop (``sim/replication.py`` is one; rdev's asyncio stream
driver is the other), after *every* call into the core::

    for effect in core.take_effects():
        if isinstance(effect, MetaWrite):  persist it durably, now, before the rest
        else:                              store.submit(effect, lambda c: core.disk_done(c, now))
    stream.write(core.data_to_send())
    while (event := core.next_event()) is not None: handle / report it
    if core.wants_close(): stream.close(); core.connection_lost("closed", now)
    arm one timer at core.next_deadline() -> core.handle_timer(now)

Connection: when ``core.wants_connection`` the driver connects to the peer
(or accepts its connection) and calls ``connection_made``; bytes go to
``receive_data``; a broken or closed stream to ``connection_lost``. One
stream at a time: a second ``connection_made`` while one is open is a
``StateError`` (the driver refuses the second stream).

Upper layer: ``write(block, data, now)``, ``read(block, now)`` and
``flush(now)`` return a request id; each request finishes exactly once as an
``IoDone`` event. Admin: ``promote(now, force=)``, ``demote(now)``,
``disconnect(now)``, ``connect(now, discard_my_data=)``. A refused admin
request is a ``Refused`` event (with DRBD's reason); a call that makes no
sense in the current state (connect while connected) is a ``StateError``.

Behaviour (``specs/drbd.md``):

- Handshake: ``Hello``/``Params``/bitmap exchange (``wire.py``), then
  ``gi.sync_handshake`` decides: nothing, bitmap resync, full sync, split
  brain (after-sb policies; detected and reported always) or StandAlone.
- Resync: the sync source reads each block of the union of both bitmaps
  and sends it at ``resync_rate``; the target writes it; every
  ``rs_checkpoint`` blocks the target flushes and only then does the source
  clear the bits, so an interrupted resync never forgets a block.
- Replication on the Primary: the write goes to the local disk and, at the
  moment it is issued, to the peer (``Data`` in the current epoch, kept in
  the transfer log). It completes by ``completion.py``'s rules for A/B/C.
  Epochs end with a ``Barrier``: the peer flushes the epoch, answers
  ``BarrierAck``, and the epoch leaves the transfer log. A flush completes
  when the local flush and (connected) the peer's barrier are done. When the
  connection is lost every write still in the transfer log or in flight is
  marked in the bitmap, and a Primary starts a new data generation.
- While disconnected, writes mark the bitmap (persisted before the write).
- Activity log: before the first connected write to a cold extent, the
  extent is persisted; it stays until the writes in it are flushed on both
  sides. A Primary that crashed marks its whole activity log out of sync
  when it comes back (``Flag.CRASHED_PRIMARY``).
- Writes to one block are serialized (issued one after the other, in
  arrival order), locally and on the peer, so that concurrent writes and
  resync reads of one block never reorder.
- A local I/O error detaches the disk (``on-io-error detach``): pending
  requests fail with EIO, the connection is dropped, and the metadata says
  the disk needs a full sync when it is attached again. ``call-local-io-error``
  runs the ``local-io-error`` handler first; ``pass_on`` keeps the disk,
  Inconsistent (``_io_error``).
"""

from __future__ import annotations

import errno
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from random import Random

from paceline.core.errors import ProtocolError, StateError
from paceline.core.ports import BlockCompletion, BlockOp, BlockRequest
from paceline.replication import wire
from paceline.replication.bitmap import Bitmap
from paceline.replication.completion import Ev, Tracker
from paceline.replication.datapath import DataPathMixin
from paceline.replication.gi import (
    Flag,
    GenIds,
    Outcome,
    Side,
    resolve_command,
    sync_handshake,
)
from paceline.replication.peerbase import (
    _LIVE,
    _REPLICATING,
    _STREAM,
    FULL_SYNC_FLAG,
    Effect,
    VolumeConfig,
    _Callback,
    _Conn,
)
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.syncer import SyncMixin
from paceline.replication.verbs import VerbsMixin
from paceline.replication.volstate import (
    DurableMeta,
    Event,
    HandlerCall,
    HandshakeDone,
    IoDone,
    PeerError,
    Refused,
    SplitBrain,
)

__all__ = ["Effect", "VolumeConfig", "VolumeCore"]


class VolumeCore(SyncMixin, DataPathMixin, VerbsMixin):
    """See the module docstring."""

    def __init__(self, config: VolumeConfig, meta: DurableMeta, rng: Random, now: float) -> None:
        if meta.size != config.size:
            raise ValueError(f"metadata is for {meta.size} blocks, the volume has {config.size}")
        self.config = config
        self.rng = rng
        self.gi = meta.gi
        self.flags = meta.flags
        self.bitmap = meta.bitmap()
        self.keyring = (
            wire.shared_secret_keyring(config.shared_secret) if config.shared_secret else None
        )
        self.role = Role.SECONDARY
        self.cstate = ConnState.WF_CONNECTION
        self.disk = DiskState.CONSISTENT if self.flags & Flag.CONSISTENT else DiskState.INCONSISTENT
        self.tracker = Tracker(config.protocol, limit=config.max_requests)
        self.discard_my_data = False
        self.stats: dict[str, int] = dict.fromkeys(
            ("protocol_errors", "resynced", "sent_data", "meta_writes", "connects"), 0
        )
        self.conn: _Conn | None = None
        self._now = now
        self._effects: list[Effect] = []
        self._out: list[bytes] = []
        self._events: deque[Event] = deque()
        self._close = False
        self._meta_dirty = False
        self._al_refs: dict[int, int] = {}
        self._al_warm: dict[int, None] = {}
        self._al_stored: frozenset[int] = meta.al
        self._tag = 0
        self._callbacks: dict[int, Callable[[BlockCompletion], None]] = {}
        self._busy: dict[int, deque[tuple[BlockRequest, _Callback, int]]] = {}
        self._requests: dict[int, tuple[str, int]] = {}  # tracker rid -> (op, block)
        self._reads = 0
        self.ov_resume = 0
        if self.flags & FULL_SYNC_FLAG:
            self.bitmap.set_all()
        if self.flags & Flag.CRASHED_PRIMARY:
            # we died as Primary: whatever the activity log names may differ from the peer
            ext = config.al_extent_blocks
            for extent in sorted(meta.al):
                self.bitmap.set_range(extent * ext, min(config.size, (extent + 1) * ext))
        self._al_stored = frozenset()
        self._persist()

    # -- public state ---------------------------------------------------------------

    @property
    def wants_connection(self) -> bool:
        """Whether the driver should connect to (or accept) the peer now."""
        return self.conn is None and self.cstate == ConnState.WF_CONNECTION

    @property
    def peer_role(self) -> Role:
        return self.conn.peer_role if self.conn is not None and self.connected else Role.UNKNOWN

    def resync_progress(self) -> tuple[int, int]:
        """(blocks done, blocks to do) of the running resync or verify, (0, 0) if none."""
        c = self.conn
        if c is not None and self.cstate in (ConnState.SYNC_SOURCE, ConnState.SYNC_TARGET):
            return (c.rs_done, c.rs_total)
        if c is not None and self.cstate in (ConnState.VERIFY_S, ConnState.VERIFY_T):
            return (c.ov_done, c.ov_total)
        return (0, 0)

    # -- driver interface -------------------------------------------------------------

    def take_effects(self) -> list[Effect]:
        """Metadata writes and disk requests, in the order they must happen."""
        self._flush_meta()
        out, self._effects = self._effects, []
        return out

    def data_to_send(self) -> bytes:
        self._flush_meta()
        data = b"".join(self._out)
        self._out.clear()
        return data

    def next_event(self) -> Event | None:
        return self._events.popleft() if self._events else None

    def wants_close(self) -> bool:
        return self._close

    def next_deadline(self) -> float | None:
        c = self.conn
        if c is None:
            return None
        times = [c.next_ping, c.last_heard + self.config.timeout]
        if c.epoch_opened is not None:
            times.append(c.epoch_opened + self.config.epoch_interval)
        queue, inflight = (
            (c.ov_queue, c.ov_inflight)
            if self.cstate == ConnState.VERIFY_S
            else (c.rs_queue, c.rs_inflight)
        )
        ahead = self.config.rs_blocks_ahead
        if c.pacer is not None and queue and inflight < ahead:
            # at least a microsecond on: float credit can leave "due" a hair short of now
            want = min(self.config.rs_quantum, ahead - inflight)
            times.append(max(c.pacer.next_deadline(want), self._now + 1e-6))
        return min(times)

    def handle_timer(self, now: float) -> None:
        self._now = now
        c = self.conn
        if c is None:
            return
        if now >= c.last_heard + self.config.timeout:
            self._lose(now, "ping timeout", ConnState.WF_CONNECTION, error=True)
            return
        if now >= c.next_ping:
            self._send(wire.Ping(c.role_n))
            c.next_ping = now + self.config.ping_interval
        if c.epoch_opened is not None and now >= c.epoch_opened + self.config.epoch_interval:
            self._close_epoch(now)
        if self.cstate == ConnState.SYNC_SOURCE:
            self._rs_pump(now)
        elif self.cstate == ConnState.VERIFY_S:
            self._ov_pump(now)

    def disk_done(self, completion: BlockCompletion, now: float) -> None:
        """A disk request this core submitted completed."""
        self._now = now
        callback = self._callbacks.pop(completion.request.tag, None)
        if callback is None:
            raise StateError("volume disk", "no such request", completion.request.tag)
        request = completion.request
        callback(completion)  # first: a resync read's data leaves before a later write's
        if not completion.ok and self.disk != DiskState.DISKLESS:
            self._io_error(now, request, f"local {request.op.value} error {completion.error}")
        if request.op is not BlockOp.FLUSH and request.index in self._busy:
            queue = self._busy[request.index]
            if queue:
                self._issue(*queue.popleft())
            else:
                del self._busy[request.index]

    # -- connection ---------------------------------------------------------------------

    def connection_made(self, now: float) -> None:
        self._now = now
        if not self.wants_connection:
            raise StateError("volume connection", self.cstate, "connection_made")
        codec = wire.WireCodec(
            self.config.node, self.config.resource, self.config.volume, self.keyring
        )
        nonce = self.rng.getrandbits(8 * wire.NONCE_SIZE).to_bytes(wire.NONCE_SIZE, "big")
        self.conn = _Conn(codec, nonce, now, now, now + self.config.ping_interval)
        self._close = False
        self._out.clear()
        self.stats["connects"] += 1
        self._set_cstate(ConnState.WF_REPORT_PARAMS)
        self._send(codec.hello(nonce))

    def receive_data(self, data: bytes, now: float) -> None:
        self._now = now
        c = self.conn
        if c is None or self._close:
            return  # bytes after we gave up on the stream
        try:
            messages = c.codec.receive(data)
            c.last_heard = now
            for message in messages:
                if self.conn is not c:
                    return
                self._dispatch(message, now)
        except ProtocolError as err:
            if self.conn is c:
                self._lose(now, f"protocol error: {err}", ConnState.WF_CONNECTION, error=True)

    def connection_lost(self, reason: str | None, now: float) -> None:
        self._now = now
        if self.conn is not None:
            self._lose(now, reason or "closed by peer", ConnState.WF_CONNECTION)
        self._close = False

    # -- admin --------------------------------------------------------------------------

    def connect(self, now: float, *, discard_my_data: bool = False) -> None:
        """``drbdadm connect [--discard-my-data]`` from StandAlone."""
        self._now = now
        if self.cstate != ConnState.STAND_ALONE:
            raise StateError("volume", self.cstate, "connect")
        if self.disk == DiskState.DISKLESS:
            self._events.append(Refused("connect", "no local disk (attach first)"))
            return
        self.discard_my_data = discard_my_data
        self._set_cstate(ConnState.WF_CONNECTION)

    def disconnect(self, now: float) -> None:
        """``drbdadm disconnect``: drop the connection and stay StandAlone."""
        self._now = now
        if self.conn is not None:
            self._send(wire.Disconnect("disconnect requested"))
            self._lose(now, "disconnect requested", ConnState.STAND_ALONE)
        elif self.cstate != ConnState.STAND_ALONE:
            self._set_cstate(ConnState.STAND_ALONE, "disconnect requested")

    # -- upper layer --------------------------------------------------------------------

    def write(self, block: int, data: bytes, now: float) -> int:
        """Write one 4 KiB block (Primary only); finishes as an ``IoDone``."""
        self._now = now
        self._check_block(block)
        if len(data) != wire.BLOCK_SIZE:
            raise ValueError(f"write of {len(data)} bytes, expected {wire.BLOCK_SIZE}")
        refusal = self._io_refusal()
        if refusal:
            return self._refuse_io("write", block, refusal)
        connected = self.cstate in _REPLICATING
        req = self.tracker.submit(block, connected)
        self._requests[req.rid] = ("write", block)
        if not connected and self.bitmap.set(block):
            self._meta_dirty = True
        self._queue(BlockRequest.write(block, data), partial(self._write_done, req.rid), req.rid)
        return req.rid

    def read(self, block: int, now: float) -> int:
        """Read one block (Primary only); the data comes in the ``IoDone``."""
        self._now = now
        self._check_block(block)
        refusal = self._io_refusal()
        rid = self.tracker.reserve_id()  # one id space for every upper-layer request
        if refusal:
            self._events.append(IoDone(rid, "read", block, refusal, False))
            return rid
        self._reads += 1
        self._queue(BlockRequest.read(block), partial(self._read_done, rid, block))
        return rid

    def flush(self, now: float) -> int:
        """Make every write completed before it durable, here and (connected) on the peer."""
        self._now = now
        refusal = self._io_refusal()
        if refusal:
            return self._refuse_io("flush", -1, refusal)
        c = self.conn
        connected = self.cstate in _REPLICATING and c is not None
        req = self.tracker.submit(-1, connected)
        self._requests[req.rid] = ("flush", -1)
        if connected:
            assert c is not None
            epoch = self._current_epoch(c, now)
            epoch.flush_rids.append(req.rid)
            self._close_epoch(now)
            self.tracker.feed(req.rid, Ev.SENT)
        else:
            self._local_flush(partial(self._user_flush_done, req.rid))
        return req.rid

    def _io_refusal(self) -> int:
        if self.role != Role.PRIMARY:
            return errno.EROFS
        if self.disk == DiskState.DISKLESS:
            return errno.EIO
        return 0

    def _refuse_io(self, op: str, block: int, error: int) -> int:
        rid = self.tracker.reserve_id()
        self._events.append(IoDone(rid, op, block, error, False))
        return rid

    def _check_block(self, block: int) -> None:
        if not 0 <= block < self.config.size:
            raise ValueError(f"block {block} outside 0..{self.config.size - 1}")

    def _write_done(self, rid: int, completion: BlockCompletion) -> None:
        self._feed(rid, Ev.LOCAL_DONE if completion.ok else Ev.LOCAL_ERROR)

    def _read_done(self, rid: int, block: int, completion: BlockCompletion) -> None:
        self._reads -= 1
        self._events.append(IoDone(rid, "read", block, completion.error, False, completion.data))

    def _user_flush_done(self, rid: int, completion: BlockCompletion) -> None:
        self._feed(rid, Ev.LOCAL_DONE if completion.ok else Ev.LOCAL_ERROR)

    def _io_error(self, now: float, request: BlockRequest, why: str) -> None:
        """``disk { on-io-error }``: ``detach`` (the default), ``call-local-io-error``
        (the ``local-io-error`` handler, then detach) or ``pass_on`` (the disk stays,
        Inconsistent, a failed write's block out of sync; the request fails unless the
        peer has it, as with the others)."""
        policy = self.config.on_io_error
        if policy == "pass_on":
            if request.op is BlockOp.WRITE and self.bitmap.set(request.index):
                self._meta_dirty = True
            if self.disk > DiskState.INCONSISTENT:
                self.flags &= ~Flag.CONSISTENT
                self._meta_dirty = True
                self._set_disk(DiskState.INCONSISTENT)
            return
        if policy == "call-local-io-error":
            self._events.append(HandlerCall("local-io-error"))
        self._detach(now, why)

    def _detach(self, now: float, why: str) -> None:
        """``on-io-error detach``: the disk is gone until it is attached again."""
        self._set_disk(DiskState.DISKLESS)
        self.flags = (self.flags & ~Flag.CONSISTENT) | FULL_SYNC_FLAG
        self._meta_dirty = True
        for queue in self._busy.values():
            while queue:
                request, callback, _rid = queue.popleft()
                callback(BlockCompletion(request, errno.EIO))
        self._busy.clear()
        if self.conn is not None:
            self._send(wire.Disconnect(f"peer detached its disk: {why}"))
            self._lose(now, f"local disk failed ({why})", ConnState.STAND_ALONE)
        else:
            self._set_cstate(ConnState.STAND_ALONE, f"local disk failed ({why})")

    def _lose(self, now: float, reason: str, then: ConnState, *, error: bool = False) -> None:
        """The connection is gone (or we drop it): settle everything that needed the peer."""
        c = self.conn
        if c is None:
            return
        if error:
            self.stats["protocol_errors"] += 1
            self._events.append(PeerError(reason))
        self.conn = None
        self._close = True
        was_replicating = self.cstate in _REPLICATING
        # every write the peer may not have is out of sync: the transfer log...
        for _rid, block, _epoch in c.tl.values():
            if self.bitmap.set(block):
                self._meta_dirty = True
        # ...and every request that was meant for the peer
        for rid, r in list(self.tracker.inflight.items()):
            if r.connected and not r.peer_lost:
                if r.block >= 0 and self.bitmap.set(r.block):
                    self._meta_dirty = True
                self._feed(rid, Ev.PEER_LOST)
        for epoch in c.epochs.values():
            if epoch.closed and not epoch.local_done:
                epoch.peer_done = True  # nobody will answer; its local flush releases it
            else:
                for extent in epoch.extents:  # the bits now cover these writes
                    self._al_unref(extent)
        if self.role == Role.PRIMARY and was_replicating:
            self.gi = self.gi.promote_disconnected(self.rng)  # a new data generation
        self._meta_dirty = True
        if self.cstate == ConnState.VERIFY_S:  # the first block not yet compared
            self.ov_resume = (c.ov_queue[0] if c.ov_queue else c.ov_stop) - c.ov_inflight
        # A Secondary stays UpToDate (it holds what the Primary acknowledged); a
        # sync target stays Inconsistent, its bitmap saying what is left.
        self._set_cstate(then, reason)

    # -- messages -------------------------------------------------------------------------

    def _dispatch(self, message: wire.Message, now: float) -> None:
        allowed = _ACCEPTS.get(type(message))
        if allowed is None or self.cstate not in allowed:
            raise ProtocolError(f"unexpected {type(message).__name__} in state {self.cstate}")
        version = self._c().version
        if version and version < message.SINCE:
            raise ProtocolError(f"{type(message).__name__} on a protocol {version} connection")
        getattr(self, _HANDLERS[type(message)])(message, now)

    def _on_hello(self, m: wire.Hello, now: float) -> None:
        c = self._c()
        c.version = wire.agree_version(
            (wire.PROTOCOL_VERSION_MIN, wire.PROTOCOL_VERSION_MAX), (m.version_min, m.version_max)
        )
        if m.node != self.config.peer:
            raise ProtocolError(f"peer is node {m.node}, expected {self.config.peer}")
        g = self.gi
        # what we report is what we decide on: both sides judge the same two Sides
        c.me = Side(g, self.flags, self.role, self.disk, self.bitmap.count(), self.discard_my_data)
        self._send(
            wire.Params(
                c.version,
                m.nonce,
                self.config.protocol,
                self.config.size,
                int(self.role),
                int(self.disk),
                (g.current, g.bitmap, *g.history),
                self.flags,
                c.me.bits,
                self.discard_my_data,
                self.config.allow_two_primaries,
            )
        )

    def _on_params(self, m: wire.Params, now: float) -> None:
        c = self._c()
        if c.version == 0:
            raise ProtocolError("Params before Hello")
        if c.params is not None:
            raise ProtocolError("second Params")
        if m.nonce != c.nonce:
            raise ProtocolError("Params does not echo our nonce (a replayed connection?)")
        if m.version != c.version:
            raise ProtocolError(f"peer agreed on version {m.version}, we on {c.version}")
        if m.protocol != self.config.protocol:
            raise ProtocolError(
                f"incompatible protocols: ours {self.config.protocol}, peer's {m.protocol}"
            )
        if m.size != self.config.size:
            raise ProtocolError(f"peer's volume has {m.size} blocks, ours {self.config.size}")
        if m.allow_two_primaries != self.config.allow_two_primaries:
            raise ProtocolError("incompatible allow-two-primaries settings")
        try:
            c.peer_role, c.peer_disk = Role(m.role), DiskState(m.disk)
        except ValueError:
            raise ProtocolError(f"bad role {m.role} or disk state {m.disk}") from None
        c.params = m
        data = self.bitmap.to_bytes()
        for offset in range(0, max(len(data), 1), wire.BITMAP_CHUNK):
            chunk = data[offset : offset + wire.BITMAP_CHUNK]
            last = offset + wire.BITMAP_CHUNK >= len(data)
            self._send(wire.BitmapChunk(offset, chunk, last))

    def _on_bitmap(self, m: wire.BitmapChunk, now: float) -> None:
        c = self._c()
        if c.params is None:
            raise ProtocolError("bitmap before Params")
        if m.offset != len(c.peer_bits):
            raise ProtocolError(f"bitmap chunk at {m.offset}, expected {len(c.peer_bits)}")
        c.peer_bits += m.data
        expected = (self.config.size + 7) // 8
        if len(c.peer_bits) > expected or (m.last and len(c.peer_bits) != expected):
            raise ProtocolError(f"bitmap of {len(c.peer_bits)} bytes, expected {expected}")
        if m.last:
            self._decide(now)

    def _decide(self, now: float) -> None:
        c = self._c()
        p = c.params
        assert p is not None
        peer_gi = GenIds(p.gi[0], p.gi[1], (p.gi[2], p.gi[3]))
        me = c.me
        assert me is not None
        peer = Side(peer_gi, p.flags, c.peer_role, c.peer_disk, p.bits, p.discard_my_data)
        rc = self.config.node > self.config.peer
        d = sync_handshake(me, peer, self.config.policies, rc)
        if d.outcome is Outcome.NO_SYNC and (me.bits or p.bits):
            # equal generations, yet blocks marked out of sync: whoever marked them has them
            tie = (me.role, peer.role) == (Role.PRIMARY, Role.SECONDARY) or (
                me.role == peer.role and rc
            )
            mine = me.bits > p.bits or (me.bits == p.bits and tie)
            d = replace(
                d,
                hg=1 if mine else -1,
                outcome=Outcome.SOURCE if mine else Outcome.TARGET,
                log=(*d.log, f"No resync by the generation ids, but {me.bits}+{p.bits} bits set"),
            )
        self._events.append(HandshakeDone(d.outcome.value, d.rule, d.split_brain, d.log))
        if d.split_brain:
            resolved = d.outcome is not Outcome.SPLIT_BRAIN
            self._events.append(SplitBrain(resolved, resolve_command(self.config.resource)))
        for name in d.handlers:
            self._events.append(HandlerCall(name))
        if d.outcome in (Outcome.SPLIT_BRAIN, Outcome.UNRELATED, Outcome.REFUSED):
            why = d.log[-1] if d.log else d.outcome.value
            self._send(wire.Disconnect(why))
            self._lose(now, why, ConnState.STAND_ALONE)
            return
        if d.demote:
            if self.busy:
                self._send(wire.Disconnect("pri-lost-after-sb: the device is in use"))
                self._lose(now, "pri-lost-after-sb but the device is in use", ConnState.STAND_ALONE)
                return
            self._become_secondary()
        two = self.role == Role.PRIMARY and c.peer_role == Role.PRIMARY
        if two and not self.config.allow_two_primaries:
            self._send(wire.Disconnect("both nodes are Primary"))
            self._lose(now, "both nodes are Primary", ConnState.STAND_ALONE)
            return
        self.discard_my_data = False
        self._maybe_clear_crashed()  # the bitmap now covers what a crash left behind
        peer_bm = Bitmap.from_bytes(self.config.size, bytes(c.peer_bits))
        if self.bitmap.merge(peer_bm):
            self._meta_dirty = True
        outcome = d.outcome
        if outcome is Outcome.NO_SYNC:
            if self.disk == DiskState.CONSISTENT:
                self._set_disk(DiskState.UP_TO_DATE)
            self._set_cstate(ConnState.CONNECTED)
        elif outcome in (Outcome.SOURCE, Outcome.FULL_SOURCE):
            self._start_source(now, full=d.full)
        else:
            self._set_cstate(ConnState.WF_SYNC_UUID)
        self._meta_dirty = True
        self._send(wire.State(int(self.role), int(self.disk)))

    # roles and pings

    def _on_state(self, m: wire.State, now: float) -> None:
        c = self._c()
        try:
            role, disk = Role(m.role), DiskState(m.disk)
        except ValueError:
            raise ProtocolError(f"bad role {m.role} or disk state {m.disk}") from None
        if role == Role.PRIMARY == self.role and not self.config.allow_two_primaries:
            raise ProtocolError("peer became Primary while we are Primary")
        c.peer_role, c.peer_disk = role, disk

    def _on_ping(self, m: wire.Ping, now: float) -> None:
        self._send(wire.PingAck(m.n))

    def _on_ping_ack(self, m: wire.PingAck, now: float) -> None:
        pass  # receiving anything refreshes last_heard

    def _on_disconnect(self, m: wire.Disconnect, now: float) -> None:
        self._lose(now, f"peer disconnected: {m.reason}", ConnState.WF_CONNECTION)


_ACCEPTS: dict[type[wire.Message], frozenset[ConnState]] = {
    wire.Hello: frozenset({ConnState.WF_REPORT_PARAMS}),
    wire.Params: frozenset({ConnState.WF_REPORT_PARAMS}),
    wire.BitmapChunk: frozenset({ConnState.WF_REPORT_PARAMS}),
    wire.SyncUuid: frozenset({ConnState.WF_SYNC_UUID, ConnState.CONNECTED}),
    wire.SyncRequest: _LIVE,
    wire.SyncRefused: _LIVE,
    wire.InvalidateRequest: _LIVE,
    wire.Data: _LIVE,
    wire.RecvAck: _LIVE,
    wire.WriteAck: _LIVE,
    wire.NegAck: _LIVE,
    wire.Barrier: _LIVE,
    wire.BarrierAck: _LIVE,
    wire.RsData: frozenset({ConnState.SYNC_TARGET}),
    wire.RsAck: frozenset({ConnState.SYNC_SOURCE}),
    wire.RsFlush: frozenset({ConnState.SYNC_TARGET}),
    wire.RsFlushAck: frozenset({ConnState.SYNC_SOURCE}),
    wire.RsDone: frozenset({ConnState.SYNC_TARGET}),
    wire.State: _LIVE,
    wire.RoleRequest: _LIVE,
    wire.RoleReply: _LIVE,
    wire.Ping: _STREAM,
    wire.PingAck: _STREAM,
    wire.Disconnect: _STREAM,
    wire.RsDigest: frozenset({ConnState.SYNC_TARGET}),
    wire.RsWant: frozenset({ConnState.SYNC_SOURCE}),
    wire.RsInSync: frozenset({ConnState.SYNC_SOURCE}),
    wire.OvStart: frozenset({ConnState.CONNECTED}),
    wire.OvRequest: frozenset({ConnState.VERIFY_T}),
    wire.OvReply: frozenset({ConnState.VERIFY_S}),
    wire.OvDone: frozenset({ConnState.VERIFY_T}),
}
"""The state table: in which connection states each message may arrive."""
# Each message's handler, by method name (so that a subclass can override one).

_HANDLERS: dict[type[wire.Message], str] = {
    wire.Hello: "_on_hello",
    wire.Params: "_on_params",
    wire.BitmapChunk: "_on_bitmap",
    wire.SyncUuid: "_on_sync_uuid",
    wire.SyncRequest: "_on_sync_request",
    wire.SyncRefused: "_on_sync_refused",
    wire.InvalidateRequest: "_on_invalidate_request",
    wire.Data: "_on_data",
    wire.RecvAck: "_on_ack",
    wire.WriteAck: "_on_ack",
    wire.NegAck: "_on_neg_ack",
    wire.Barrier: "_on_barrier",
    wire.BarrierAck: "_on_barrier_ack",
    wire.RsData: "_on_rs_data",
    wire.RsAck: "_on_rs_ack",
    wire.RsFlush: "_on_rs_flush",
    wire.RsFlushAck: "_on_rs_flush_ack",
    wire.RsDone: "_on_rs_done",
    wire.State: "_on_state",
    wire.RoleRequest: "_on_role_request",
    wire.RoleReply: "_on_role_reply",
    wire.Ping: "_on_ping",
    wire.PingAck: "_on_ping_ack",
    wire.Disconnect: "_on_disconnect",
    wire.RsDigest: "_on_rs_digest",
    wire.RsWant: "_on_rs_want",
    wire.RsInSync: "_on_rs_in_sync",
    wire.OvStart: "_on_ov_start",
    wire.OvRequest: "_on_ov_request",
    wire.OvReply: "_on_ov_reply",
    wire.OvDone: "_on_ov_done",
}
