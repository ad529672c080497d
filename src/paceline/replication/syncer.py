"""Resync (bitmap, full, csums-alg) and online verify of the volume core (pure; see ``peer.py``)."""

from __future__ import annotations

from collections import deque
from functools import partial

from paceline.core.errors import ProtocolError
from paceline.core.ports import BlockCompletion, BlockRequest
from paceline.replication import wire
from paceline.replication.gi import (
    Flag,
    GenIds,
)
from paceline.replication.peerbase import (
    FULL_SYNC_FLAG,
    RS_META_S,
    CoreBase,
    _Conn,
)
from paceline.replication.resync import Pacer, csums_summary, digest, out_of_sync_lines
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.volstate import (
    Refused,
    SyncFinished,
    SyncStarted,
    VerifyFinished,
)


class SyncMixin(CoreBase):
    """The sync source's and target's sides of a resync, and online verify."""

    def _start_source(self, now: float, *, full: bool) -> None:
        c = self._c()
        if full:
            self.bitmap.set_all()
        self.gi, sync = self.gi.start_resync_source()
        if self.disk == DiskState.CONSISTENT:
            self._set_disk(DiskState.UP_TO_DATE)
        self._persist()
        self._send(wire.SyncUuid(sync, full))
        c.rs_queue = deque(self.bitmap.iter_set())
        c.rs_total = len(c.rs_queue)
        c.rs_done = c.rs_equal = 0  # one connection can carry several syncs (invalidate)
        c.pacer = self._pacer(now)
        c.rs_meta_at = now
        self._set_cstate(ConnState.SYNC_SOURCE)
        self._events.append(SyncStarted(True, c.rs_total, full))
        self._rs_pump(now)

    def _on_sync_uuid(self, m: wire.SyncUuid, now: float) -> None:
        c = self._c()
        if self.cstate == ConnState.CONNECTED and (
            not m.full or self.role == Role.PRIMARY or self.disk >= DiskState.UP_TO_DATE
        ):
            # only primary --force starts a sync so: toward an Inconsistent Secondary
            raise ProtocolError("SyncUuid while Connected, but not toward an Inconsistent disk")
        c.sync_request = 0
        self.gi = self.gi.start_resync_target(m.uuid)
        if m.full:
            self.bitmap.set_all()
        self.flags &= ~Flag.CONSISTENT
        self._set_disk(DiskState.INCONSISTENT)
        self._persist()
        c.rs_total = self.bitmap.count()
        c.rs_done = c.rs_equal = 0
        self._set_cstate(ConnState.SYNC_TARGET)
        self._events.append(SyncStarted(False, c.rs_total, m.full))

    def _pacer(self, now: float) -> Pacer:
        # the burst covers the window: a late wake-up (a busy loop) loses no credit
        return Pacer(self.config.resync_rate_kib, now, burst_blocks=self.config.rs_blocks_ahead)

    def _rs_pump(self, now: float) -> None:
        c = self._c()
        assert c.pacer is not None
        while c.rs_queue and c.rs_inflight < self.config.rs_blocks_ahead:
            block = c.rs_queue[0]
            if not self.bitmap.test(block):
                c.rs_queue.popleft()
                continue
            if not c.pacer.take(now, 1):
                break
            c.rs_queue.popleft()
            c.rs_inflight += 1
            self._queue(BlockRequest.read(block), partial(self._rs_read_done, c, block))
        self._rs_maybe_flush()

    def _rs_read_done(self, c: _Conn, block: int, completion: BlockCompletion) -> None:
        if self.conn is not c or not completion.ok:
            return
        alg = self.config.csums_alg
        if alg is not None and block not in c.rs_wanted:
            self._send(wire.RsDigest(block, digest(alg, completion.data)))
        else:
            c.rs_wanted.discard(block)
            self._send(wire.RsData(block, completion.data))

    def _on_rs_want(self, m: wire.RsWant, now: float) -> None:
        c = self._c()
        if self.config.csums_alg is None or m.block in c.rs_wanted:
            raise ProtocolError(f"RsWant for block {m.block} not offered by digest")
        c.rs_wanted.add(m.block)
        self._queue(BlockRequest.read(m.block), partial(self._rs_read_done, c, m.block))

    def _on_rs_in_sync(self, m: wire.RsInSync, now: float) -> None:
        c = self._c()
        if self.config.csums_alg is None or c.rs_inflight <= 0:
            raise ProtocolError(f"RsInSync for block {m.block} not offered by digest")
        c.rs_inflight -= 1
        c.rs_equal += 1
        c.rs_acked.append(m.block)
        self._rs_pump(now)

    def _on_rs_ack(self, m: wire.RsAck, now: float) -> None:
        c = self._c()
        if c.rs_inflight <= 0:
            raise ProtocolError(f"RsAck for block {m.block} with no resync block in flight")
        c.rs_inflight -= 1
        if not m.ok:
            self._send(wire.Disconnect("the peer failed to write a resync block"))
            self._lose(now, f"peer failed to write resync block {m.block}", ConnState.WF_CONNECTION)
            return
        c.rs_acked.append(m.block)
        self._rs_pump(now)

    def _rs_maybe_flush(self) -> None:
        c = self._c()
        if c.rs_flushing is not None or not c.rs_acked:
            if c.rs_flushing is None and not c.rs_acked and not c.rs_queue and not c.rs_inflight:
                self._rs_finish()
            return
        if len(c.rs_acked) >= self.config.rs_checkpoint or (not c.rs_queue and not c.rs_inflight):
            c.rs_flushing, c.rs_acked = c.rs_acked, []
            c.rs_flush_n += 1
            c.rs_waiting = 2
            self._send(wire.RsFlush(c.rs_flush_n))
            # our copy must be durable too: a power cut of both must not leave the
            # target with data the source's disk forgot, and no bit saying so
            self._local_flush(partial(self._rs_local_flushed, c, c.rs_flush_n))

    def _rs_local_flushed(self, c: _Conn, n: int, completion: BlockCompletion) -> None:
        if self.conn is c and n == c.rs_flush_n and completion.ok:
            self._rs_checkpoint(c)

    def _on_rs_flush_ack(self, m: wire.RsFlushAck, now: float) -> None:
        c = self._c()
        if c.rs_flushing is None or m.n != c.rs_flush_n:
            raise ProtocolError(f"RsFlushAck {m.n} not asked for")
        if not m.ok:
            self._send(wire.Disconnect("the peer failed to flush resync blocks"))
            self._lose(now, "peer failed to flush resync blocks", ConnState.WF_CONNECTION)
            return
        self._rs_checkpoint(c)

    def _rs_checkpoint(self, c: _Conn) -> None:
        """Half of a checkpoint is done (our flush or the target's); both: clear the bits."""
        c.rs_waiting -= 1
        if c.rs_waiting or c.rs_flushing is None:
            return
        cleared = False
        for block in c.rs_flushing:
            cleared = self.bitmap.clear(block) or cleared
        if cleared and self._now >= c.rs_meta_at + RS_META_S:
            self._meta_dirty = True  # the pages wait in bitmap.dirty_pages until then
            c.rs_meta_at = self._now
        c.rs_done += len(c.rs_flushing)
        self.stats["resynced"] += len(c.rs_flushing)
        c.rs_flushing = None
        self._rs_pump(self._now)

    def _rs_finish(self) -> None:
        c = self._c()
        if self.bitmap.count():
            c.rs_queue = deque(self.bitmap.iter_set())  # bits set meanwhile
            c.rs_total += len(c.rs_queue)
            return
        self.gi = self.gi.finish_resync_source()
        self.flags |= Flag.CONSISTENT | Flag.WAS_UP_TO_DATE
        self.flags &= ~FULL_SYNC_FLAG
        self._persist()
        g = self.gi
        self._send(wire.RsDone((g.current, g.bitmap, *g.history)))
        c.pacer = None
        self._set_cstate(ConnState.CONNECTED)
        summary = csums_summary(c.rs_equal, c.rs_done - c.rs_equal) if self.config.csums_alg else ""
        self._events.append(SyncFinished(True, c.rs_done, c.rs_equal, summary))

    def _on_rs_data(self, m: wire.RsData, now: float) -> None:
        c = self._c()
        self._queue(BlockRequest.write(m.block, m.data), partial(self._rs_written, c, m.block))

    def _on_rs_digest(self, m: wire.RsDigest, now: float) -> None:
        c = self._c()
        if self.config.csums_alg is None:
            raise ProtocolError("RsDigest but no csums-alg is configured")
        self._queue(BlockRequest.read(m.block), partial(self._rs_compare, c, m))

    def _rs_compare(self, c: _Conn, m: wire.RsDigest, completion: BlockCompletion) -> None:
        if self.conn is not c or not completion.ok:
            return
        assert self.config.csums_alg is not None
        if digest(self.config.csums_alg, completion.data) == m.digest:
            self._send(wire.RsInSync(m.block))
        else:
            self._send(wire.RsWant(m.block))

    def verify(self, now: float, *, start: int | None = None, stop: int | None = None) -> None:
        """``drbdadm verify``: this node becomes VerifyS; the result is a VerifyFinished.

        Without ``start`` it begins where an earlier verify of this node was cut off by
        a lost connection (DRBD keeps that position in memory too), else at block 0."""
        self._now = now
        c = self.conn
        if self.config.verify_alg is None:
            self._events.append(Refused("verify", "Need a verify algorithm to start online verify"))
            return
        if c is None or self.cstate != ConnState.CONNECTED:
            self._events.append(Refused("verify", f"need a Connected peer, not {self.cstate}"))
            return
        stop = self.config.size if stop is None else min(stop, self.config.size)
        if start is None:
            start = self.ov_resume if self.ov_resume < stop else 0
        if not 0 <= start < stop:
            raise ValueError(f"verify range {start}..{stop} is empty or outside the volume")
        c.ov_queue = deque(range(start, stop))
        c.ov_found = []
        c.ov_done, c.ov_total, c.ov_stop = 0, stop - start, stop
        c.pacer = self._pacer(now)
        self._set_cstate(ConnState.VERIFY_S)
        self._send(wire.OvStart(start, stop))
        self._ov_pump(now)

    def _ov_pump(self, now: float) -> None:
        c = self._c()
        assert c.pacer is not None
        ahead = self.config.rs_blocks_ahead
        while c.ov_queue and c.ov_inflight < ahead and c.pacer.take(now, 1):
            block = c.ov_queue.popleft()
            c.ov_inflight += 1
            self._queue(BlockRequest.read(block), partial(self._ov_read_done, c, block))
        if not c.ov_queue and not c.ov_inflight:
            self._send(wire.OvDone(len(c.ov_found)))
            self._ov_finish(c, source=True)

    def _ov_read_done(self, c: _Conn, block: int, completion: BlockCompletion) -> None:
        if self.conn is c and completion.ok:
            assert self.config.verify_alg is not None
            self._send(wire.OvRequest(block, digest(self.config.verify_alg, completion.data)))

    def _on_ov_reply(self, m: wire.OvReply, now: float) -> None:
        c = self._c()
        if c.ov_inflight <= 0:
            raise ProtocolError(f"OvReply for block {m.block} not asked for")
        c.ov_inflight -= 1
        c.ov_done += 1
        if not m.equal:
            self._ov_mark(c, m.block)
        self._ov_pump(now)

    def _ov_mark(self, c: _Conn, block: int) -> None:
        c.ov_found.append(block)
        if self.bitmap.set(block):
            self._meta_dirty = True

    def _ov_finish(self, c: _Conn, *, source: bool) -> None:
        c.pacer = None
        self.ov_resume = 0
        self._set_cstate(ConnState.CONNECTED)
        found = tuple(sorted(c.ov_found))
        self._events.append(VerifyFinished(source, found, tuple(out_of_sync_lines(found))))

    def _on_ov_start(self, m: wire.OvStart, now: float) -> None:
        c = self._c()
        if self.config.verify_alg is None:
            raise ProtocolError("OvStart but no verify-alg is configured")
        if not 0 <= m.start < m.stop <= self.config.size:
            raise ProtocolError(f"OvStart {m.start}..{m.stop} outside 0..{self.config.size}")
        c.ov_found = []
        c.ov_done, c.ov_total = 0, m.stop - m.start
        self._set_cstate(ConnState.VERIFY_T)

    def _on_ov_request(self, m: wire.OvRequest, now: float) -> None:
        c = self._c()
        if m.block >= self.config.size:
            raise ProtocolError(f"OvRequest for block {m.block} beyond {self.config.size}")
        self._queue(BlockRequest.read(m.block), partial(self._ov_compare, c, m))

    def _ov_compare(self, c: _Conn, m: wire.OvRequest, completion: BlockCompletion) -> None:
        if self.conn is not c or not completion.ok:
            return
        assert self.config.verify_alg is not None
        equal = digest(self.config.verify_alg, completion.data) == m.digest
        c.ov_done += 1
        if not equal:
            self._ov_mark(c, m.block)
        self._send(wire.OvReply(m.block, equal))

    def _on_ov_done(self, m: wire.OvDone, now: float) -> None:
        self._ov_finish(self._c(), source=False)

    def _rs_written(self, c: _Conn, block: int, completion: BlockCompletion) -> None:
        if self.conn is c:
            self._send(wire.RsAck(block, completion.ok))

    def _on_rs_flush(self, m: wire.RsFlush, now: float) -> None:
        c = self._c()
        self._local_flush(partial(self._rs_flushed, c, m.n))

    def _rs_flushed(self, c: _Conn, n: int, completion: BlockCompletion) -> None:
        if self.conn is c:
            self._send(wire.RsFlushAck(n, completion.ok))

    def _on_rs_done(self, m: wire.RsDone, now: float) -> None:
        c = self._c()
        source = GenIds(m.gi[0], m.gi[1], (m.gi[2], m.gi[3]))
        self.gi = self.gi.finish_resync_target(source)
        self.bitmap.clear_all()
        self.flags |= Flag.CONSISTENT | Flag.WAS_UP_TO_DATE
        self.flags &= ~(FULL_SYNC_FLAG | Flag.CRASHED_PRIMARY)
        self._persist()
        self._set_disk(DiskState.UP_TO_DATE)
        self._set_cstate(ConnState.CONNECTED)
        self._events.append(SyncFinished(False, c.rs_total))
