"""What the volume core's parts share: its settings, per-connection state and helpers (pure).

``peer.VolumeCore`` is assembled from ``CoreBase`` (this module: the local
disk queue, metadata, states, sending), ``datapath.DataPathMixin`` (writes
replicated by epochs and barriers) and ``syncer.SyncMixin`` (resync and
online verify). The split is for size only: read ``peer.py``'s docstring
for the behaviour and the driver contract.
"""

from __future__ import annotations

import errno
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from random import Random

from paceline.core.errors import StateError
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import BlockCompletion, BlockOp, BlockRequest
from paceline.replication import wire
from paceline.replication.bitmap import Bitmap
from paceline.replication.completion import Ev, Result, Tracker
from paceline.replication.gi import (
    Flag,
    GenIds,
    Policies,
    Side,
)
from paceline.replication.resync import Pacer, digest
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.volstate import (
    ConnChanged,
    DiskChanged,
    Event,
    IoDone,
    MetaWrite,
)

RS_CHECKPOINT = 64
"""Resync blocks acknowledged before the target is asked to flush them (at least)."""
RS_AHEAD = 0.1
"""Seconds of ``resync-rate`` kept in flight: the window covers the round trip
(network, the target's write, event loops) so the rate, not the latency, sets the pace."""
RS_WINDOW_MAX = 512
RS_CHECKPOINT_S = 0.25
"""A checkpoint (a flush on both sides, then bits cleared) at most about this often."""
RS_CHECKPOINT_MAX = 4096
RS_QUANTUM_S = 0.01
"""The pacer wakes for this much of the rate at a time, not for every block."""
RS_META_S = 1.0
"""Bits cleared by a resync reach the metadata at most this often (lazily: a lost
clear only resyncs a block again), not at every checkpoint: each is an fsync."""
FULL_SYNC_FLAG = Flag.FULL_SYNC

_VERIFY = frozenset({ConnState.VERIFY_S, ConnState.VERIFY_T})
_LIVE = (
    frozenset(
        {ConnState.CONNECTED, ConnState.SYNC_SOURCE, ConnState.SYNC_TARGET, ConnState.WF_SYNC_UUID}
    )
    | _VERIFY
)
_STREAM = _LIVE | {ConnState.WF_REPORT_PARAMS}
_REPLICATING = frozenset({ConnState.CONNECTED, ConnState.SYNC_SOURCE}) | _VERIFY

Effect = MetaWrite | BlockRequest
_Callback = Callable[[BlockCompletion], None]


@dataclass(frozen=True, slots=True)
class VolumeConfig:
    """One volume's settings (from its ``.res`` resource, ``resconf.Resource``)."""

    resource: str
    node: NodeId
    peer: NodeId
    size: int  # blocks of 4 KiB
    volume: int = 0
    protocol: str = "C"
    allow_two_primaries: bool = False
    policies: Policies = field(default_factory=Policies)
    shared_secret: str | None = None
    resync_rate_kib: int = 250
    max_epoch: int = 64  # writes per epoch before a barrier closes it
    epoch_interval: float = 0.05  # an open epoch is closed after this long
    ping_interval: float = 1.0
    timeout: float = 3.0  # nothing heard for this long: the connection is dead
    al_extent_blocks: int = 1024  # 4 MiB extents, as DRBD's activity log
    al_warm: int = 64  # extents a Primary keeps in the activity log after their writes settle
    max_requests: int = 10_000  # upper-layer requests in flight
    rs_window: int = 16  # resync (and verify) blocks in flight, at least (see rs_blocks_ahead)
    csums_alg: str | None = None  # checksum-based resync (net { csums-alg })
    verify_alg: str | None = None  # online verify (net { verify-alg })
    on_io_error: str = "detach"  # disk { on-io-error }: detach | call-local-io-error | pass_on

    def __post_init__(self) -> None:
        if self.protocol not in ("A", "B", "C"):
            raise ValueError(f"protocol {self.protocol!r}: expected A, B or C")
        if self.node == self.peer:
            raise ValueError(f"node and peer are both {self.node}")
        if self.size < 1 or self.al_extent_blocks < 1 or self.max_epoch < 1:
            raise ValueError("size, al_extent_blocks and max_epoch must be >= 1")
        if not 0 < self.ping_interval < self.timeout:
            raise ValueError(f"ping_interval {self.ping_interval} must be below timeout")
        for alg in (self.csums_alg, self.verify_alg):
            if alg is not None:
                digest(alg, b"")  # ValueError for an unknown algorithm
        if self.on_io_error not in ("detach", "call-local-io-error", "pass_on"):
            raise ValueError(f"on-io-error {self.on_io_error!r}")
        if self.resync_rate_kib <= 0 or self.rs_window < 1:
            raise ValueError("resync_rate_kib and rs_window must be >= 1")

    @property
    def rs_rate_blocks(self) -> float:
        """``resync-rate`` in 4 KiB blocks per second."""
        return self.resync_rate_kib / 4

    @property
    def rs_blocks_ahead(self) -> int:
        """Resync (and verify) blocks in flight: ``RS_AHEAD`` seconds of the rate."""
        return max(self.rs_window, min(RS_WINDOW_MAX, round(self.rs_rate_blocks * RS_AHEAD)))

    @property
    def rs_checkpoint(self) -> int:
        """Acknowledged resync blocks per checkpoint."""
        per = round(self.rs_rate_blocks * RS_CHECKPOINT_S)
        return max(RS_CHECKPOINT, min(RS_CHECKPOINT_MAX, per))

    @property
    def rs_quantum(self) -> int:
        """Blocks the pacer waits for before it wakes the resync again."""
        return max(1, min(self.rs_blocks_ahead, round(self.rs_rate_blocks * RS_QUANTUM_S)))


@dataclass
class _Epoch:
    """One epoch of replicated writes on the Primary (the transfer log's unit)."""

    number: int
    seqs: list[int] = field(default_factory=list)
    extents: list[int] = field(default_factory=list)
    flush_rids: list[int] = field(default_factory=list)
    local_done: bool = False
    peer_done: bool = False
    closed: bool = False


@dataclass
class _Conn:
    """Everything that lives and dies with one connection."""

    codec: wire.WireCodec
    nonce: bytes
    opened: float
    last_heard: float
    next_ping: float
    version: int = 0
    params: wire.Params | None = None
    me: Side | None = None
    peer_bits: bytearray = field(default_factory=bytearray)
    peer_role: Role = Role.SECONDARY
    peer_disk: DiskState = DiskState.DUNKNOWN
    # Primary side: transfer log and epochs
    seq: int = 0
    tl: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # seq -> (rid, block, epoch)
    epochs: dict[int, _Epoch] = field(default_factory=dict)
    epoch: int = 1
    epoch_opened: float | None = None
    # Secondary side: writes per epoch not yet on disk, barriers waiting
    pending: dict[int, int] = field(default_factory=dict)
    barriers: deque[int] = field(default_factory=deque)
    last_barrier: int = 0
    flushing_barrier: bool = False
    # resync
    rs_queue: deque[int] = field(default_factory=deque)
    rs_inflight: int = 0
    rs_acked: list[int] = field(default_factory=list)
    rs_wanted: set[int] = field(default_factory=set)  # csums: blocks the target asked for
    rs_flushing: list[int] | None = None
    rs_flush_n: int = 0
    rs_waiting: int = 0  # flushes of the current checkpoint still running (ours, the peer's)
    rs_done: int = 0
    rs_total: int = 0
    rs_equal: int = 0  # csums-alg: blocks found equal, not sent
    pacer: Pacer | None = None
    rs_meta_at: float = 0.0  # when cleared bits last went to the metadata
    # online verify
    ov_queue: deque[int] = field(default_factory=deque)
    ov_inflight: int = 0
    ov_found: list[int] = field(default_factory=list)
    ov_done: int = 0  # blocks compared (progress)
    ov_total: int = 0
    ov_stop: int = 0
    # promotion while connected
    role_request: int = 0
    role_n: int = 0
    role_force: bool = False  # primary --force: a full sync as source once granted
    # a full sync asked for while connected (invalidate, invalidate-remote)
    sync_n: int = 0  # our requests' numbers
    sync_request: int = 0  # our SyncRequest waiting for the peer's SyncUuid
    invalidate_request: int = 0  # our InvalidateRequest waiting for the peer's SyncRequest


class CoreBase:
    """State and helpers every part of the core uses (see the module docstring)."""

    config: VolumeConfig
    rng: Random
    gi: GenIds
    flags: int
    bitmap: Bitmap
    keyring: Keyring | None
    role: Role
    cstate: ConnState
    disk: DiskState
    tracker: Tracker
    discard_my_data: bool
    stats: dict[str, int]
    conn: _Conn | None
    _now: float
    _effects: list[Effect]
    _out: list[bytes]
    _events: deque[Event]
    _close: bool
    _meta_dirty: bool
    _al_refs: dict[int, int]
    _al_warm: dict[int, None]  # recently written extents, least recent first
    _al_stored: frozenset[int]
    _tag: int
    _callbacks: dict[int, _Callback]
    _busy: dict[int, deque[tuple[BlockRequest, _Callback, int]]]
    _requests: dict[int, tuple[str, int]]
    _reads: int
    ov_resume: int  # where a verify cut off by a lost connection goes on

    @property
    def connected(self) -> bool:
        """Connected and past the handshake."""
        return self.cstate in _LIVE

    @property
    def peer_disk(self) -> DiskState:
        return (
            self.conn.peer_disk if self.conn is not None and self.connected else DiskState.DUNKNOWN
        )

    @property
    def busy(self) -> bool:
        """Upper-layer requests are in flight (the device is in use)."""
        return bool(self.tracker.inflight) or self._reads > 0

    @property
    def unacknowledged(self) -> int:
        """Writes the peer has not yet confirmed durable (the transfer log's length)."""
        return len(self.conn.tl) if self.conn is not None else 0

    def _lose(self, now: float, reason: str, then: ConnState, *, error: bool = False) -> None:
        raise NotImplementedError  # VolumeCore's

    def _replicate(self, rid: int, request: BlockRequest) -> None:
        raise NotImplementedError  # DataPathMixin's

    def _start_source(self, now: float, *, full: bool) -> None:
        raise NotImplementedError  # SyncMixin's

    def _close_epoch(self, now: float) -> None:
        raise NotImplementedError  # DataPathMixin's

    def _maybe_clear_crashed(self) -> None:
        """A former Primary stays 'crashed' until every write it made is flushed on
        both sides (its activity log is empty): a power cut before that must
        still resync the hot extents. A Secondary keeps no warm extents."""
        if self.role != Role.SECONDARY or self._al_refs:
            return
        if self._al_warm:
            self._al_warm.clear()
            self._meta_dirty = True
        if self.flags & Flag.CRASHED_PRIMARY:
            self.flags &= ~Flag.CRASHED_PRIMARY
            self._meta_dirty = True

    def _feed(self, rid: int, ev: Ev) -> None:
        if rid not in self.tracker.inflight:
            return  # already finished (protocol A/B acks arrive after completion)
        r = self.tracker.inflight[rid]
        result = self.tracker.feed(rid, ev)
        if result is None:
            return
        op, block = self._requests.pop(rid)
        replicated = r.connected and not r.peer_lost and r.peer >= r.needed()
        if result is Result.EIO:
            self._events.append(IoDone(rid, op, block, errno.EIO, replicated))
        else:
            if result is Result.OK_OUT_OF_SYNC and block >= 0 and self.bitmap.set(block):
                self._meta_dirty = True
            self._events.append(IoDone(rid, op, block, 0, replicated))

    def _queue(self, request: BlockRequest, callback: _Callback, rid: int = 0) -> None:
        """Issue a block request now, or after the requests on its block before it.

        ``rid``: the upper-layer write this is (it goes to the peer when issued)."""
        if self.disk == DiskState.DISKLESS:
            callback(BlockCompletion(request, errno.EIO))
            return
        if request.op is not BlockOp.FLUSH:
            queue = self._busy.get(request.index)
            if queue is not None:
                queue.append((request, callback, rid))
                return
            self._busy[request.index] = deque()
        self._issue(request, callback, rid)

    def _issue(self, request: BlockRequest, callback: _Callback, rid: int = 0) -> None:
        self._tag += 1
        self._callbacks[self._tag] = callback
        self._effects.append(replace(request, tag=self._tag))
        if rid:
            self._replicate(rid, request)

    def _local_flush(self, callback: Callable[[BlockCompletion], None]) -> None:
        self._queue(BlockRequest.flush(), callback)

    def _al_ref(self, extent: int) -> None:
        self._al_refs[extent] = self._al_refs.get(extent, 0) + 1
        self._al_warm.pop(extent, None)
        self._al_warm[extent] = None  # the most recent last
        if extent not in self._al_stored:
            self._meta_dirty = True  # the extent is durable before the write is issued

    def _al_unref(self, extent: int) -> None:
        left = self._al_refs[extent] - 1
        if left:
            self._al_refs[extent] = left
        else:
            del self._al_refs[extent]  # leaves the stored log lazily, at the next write
            if not self._al_refs:
                self._maybe_clear_crashed()

    def _persist(self) -> None:
        self._meta_dirty = True
        self._flush_meta()

    def _flush_meta(self) -> None:
        """Emit one MetaWrite if anything durable changed (before what follows it)."""
        if not self._meta_dirty:
            return
        self._meta_dirty = False
        bm = self.bitmap
        pages = tuple((i, bm.page(i)) for i in sorted(bm.dirty_pages))
        bm.dirty_pages.clear()
        self._al_stored = self._al_keep()
        self._effects.append(MetaWrite(self.gi, self.flags, self._al_stored, pages))
        self.stats["meta_writes"] += 1

    def _al_keep(self) -> frozenset[int]:
        """The extents the stored activity log names: those with writes not yet
        settled on both sides, and the most recently written others up to
        ``al_warm`` (DRBD's al-extents LRU), so that a run of small fsynced writes
        into the same few extents does not cost a metadata write each time. A
        crashed Primary resyncs them all: more than needed, never less."""
        refs = self._al_refs
        room = self.config.al_warm - len(refs)
        recent = [e for e in reversed(self._al_warm) if e not in refs][: max(0, room)]
        keep = frozenset(refs).union(recent)
        for extent in [e for e in self._al_warm if e not in keep]:
            del self._al_warm[extent]  # evicted: the least recently written
        return keep

    def _set_cstate(self, state: ConnState, reason: str = "") -> None:
        if state != self.cstate:
            self.cstate = state
            self._events.append(ConnChanged(state, reason))

    def _set_disk(self, disk: DiskState) -> None:
        if disk != self.disk:
            self.disk = disk
            self._events.append(DiskChanged(disk))
            if self.connected:
                self._send(wire.State(int(self.role), int(disk)))

    def _send(self, message: wire.Message) -> None:
        c = self.conn
        if c is not None and not self._close:
            self._out.append(c.codec.encode(message))

    def _c(self) -> _Conn:
        c = self.conn
        if c is None:
            raise StateError("volume connection", self.cstate, "message without a connection")
        return c
