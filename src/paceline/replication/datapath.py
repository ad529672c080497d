"""Replication of writes: epochs, barriers, the transfer log, acks (pure; see ``peer.py``)."""

from __future__ import annotations

from functools import partial

from paceline.core.errors import ProtocolError
from paceline.core.ports import BlockCompletion, BlockRequest
from paceline.replication import wire
from paceline.replication.completion import Ev
from paceline.replication.peerbase import (
    CoreBase,
    _Conn,
    _Epoch,
)
from paceline.replication.states import ConnState, Role


class DataPathMixin(CoreBase):
    """The Primary's and the Secondary's sides of replicated writes."""

    def _replicate(self, rid: int, request: BlockRequest) -> None:
        """A user write goes to the peer the moment it goes to the local disk."""
        r = self.tracker.inflight.get(rid)
        c = self.conn
        if r is None or not r.connected or r.peer_lost or c is None:
            return
        extent = request.index // self.config.al_extent_blocks
        self._al_ref(extent)
        epoch = self._current_epoch(c, self._now)
        c.seq += 1
        c.tl[c.seq] = (rid, request.index, epoch.number)
        epoch.seqs.append(c.seq)
        epoch.extents.append(extent)
        self._send(wire.Data(c.seq, epoch.number, request.index, request.data))
        self.stats["sent_data"] += 1
        self._feed(rid, Ev.SENT)
        if len(epoch.seqs) >= self.config.max_epoch:
            self._close_epoch(self._now)

    def _current_epoch(self, c: _Conn, now: float) -> _Epoch:
        epoch = c.epochs.get(c.epoch)
        if epoch is None:
            epoch = c.epochs[c.epoch] = _Epoch(c.epoch)
            c.epoch_opened = now
        return epoch

    def _close_epoch(self, now: float) -> None:
        c = self._c()
        epoch = c.epochs.get(c.epoch)
        c.epoch_opened = None
        if epoch is None or epoch.closed:
            return
        epoch.closed = True
        c.epoch += 1
        self._send(wire.Barrier(epoch.number))
        self._local_flush(partial(self._epoch_flushed, c, epoch))

    def _epoch_flushed(self, c: _Conn, epoch: _Epoch, completion: BlockCompletion) -> None:
        epoch.local_done = True
        for rid in epoch.flush_rids:
            self._feed(rid, Ev.LOCAL_DONE if completion.ok else Ev.LOCAL_ERROR)
        self._epoch_settle(c, epoch)

    def _epoch_settle(self, c: _Conn, epoch: _Epoch) -> None:
        if not (epoch.local_done and epoch.peer_done):
            return
        for extent in epoch.extents:
            self._al_unref(extent)
        c.epochs.pop(epoch.number, None)

    def _on_barrier_ack(self, m: wire.BarrierAck, now: float) -> None:
        c = self._c()
        epoch = c.epochs.get(m.epoch)
        if epoch is None or not epoch.closed or epoch.peer_done:
            raise ProtocolError(f"BarrierAck for epoch {m.epoch} not waiting for one")
        if any(e.closed and not e.peer_done and e.number < m.epoch for e in c.epochs.values()):
            raise ProtocolError(f"BarrierAck for epoch {m.epoch} before an older epoch's")
        if not m.ok:
            self._send(wire.Disconnect("the peer failed to flush"))
            self._lose(now, "peer failed to flush", ConnState.WF_CONNECTION)
            return
        epoch.peer_done = True
        for seq in epoch.seqs:
            entry = c.tl.pop(seq, None)
            if entry is not None:
                self._feed(entry[0], Ev.WRITE_ACK)
        for rid in epoch.flush_rids:
            self._feed(rid, Ev.WRITE_ACK)
        self._epoch_settle(c, epoch)

    def _on_ack(self, m: wire.RecvAck | wire.WriteAck, now: float) -> None:
        c = self._c()
        entry = c.tl.get(m.seq)
        if entry is None:
            raise ProtocolError(f"{type(m).__name__} for unknown write {m.seq}")
        wanted = wire.RecvAck if self.config.protocol == "B" else wire.WriteAck
        if self.config.protocol == "A" or not isinstance(m, wanted):
            raise ProtocolError(f"{type(m).__name__} under protocol {self.config.protocol}")
        self._feed(entry[0], Ev.RECV_ACK if isinstance(m, wire.RecvAck) else Ev.WRITE_ACK)

    def _on_neg_ack(self, m: wire.NegAck, now: float) -> None:
        c = self._c()
        if m.seq not in c.tl:
            raise ProtocolError(f"NegAck for unknown write {m.seq}")
        self._lose(now, f"peer failed to write {m.seq}", ConnState.WF_CONNECTION)

    def _on_data(self, m: wire.Data, now: float) -> None:
        c = self._c()
        if self.role == Role.PRIMARY and not self.config.allow_two_primaries:
            raise ProtocolError("replicated write sent to a Primary")
        if m.block >= self.config.size:
            raise ProtocolError(f"write to block {m.block} beyond {self.config.size}")
        if m.epoch <= c.last_barrier:
            raise ProtocolError(f"write in epoch {m.epoch}, already closed")
        if self.config.protocol == "B":
            self._send(wire.RecvAck(m.seq))
        c.pending[m.epoch] = c.pending.get(m.epoch, 0) + 1
        self._queue(
            BlockRequest.write(m.block, m.data), partial(self._peer_written, c, m.seq, m.epoch)
        )

    def _peer_written(self, c: _Conn, seq: int, epoch: int, completion: BlockCompletion) -> None:
        if self.conn is not c:
            return
        c.pending[epoch] -= 1
        if not completion.ok:
            self._send(wire.NegAck(seq))
            return
        if self.config.protocol == "C":
            self._send(wire.WriteAck(seq))
        self._barrier_pump(c)

    def _on_barrier(self, m: wire.Barrier, now: float) -> None:
        c = self._c()
        if m.epoch <= c.last_barrier:
            raise ProtocolError(f"Barrier {m.epoch} after Barrier {c.last_barrier}")
        c.last_barrier = m.epoch
        c.barriers.append(m.epoch)
        self._barrier_pump(c)

    def _barrier_pump(self, c: _Conn) -> None:
        """Flush the oldest closed epoch once all its writes (and older ones) are done."""
        if c.flushing_barrier or not c.barriers:
            return
        epoch = c.barriers[0]
        if any(n for e, n in c.pending.items() if e <= epoch):
            return
        c.flushing_barrier = True
        self._local_flush(partial(self._barrier_flushed, c, epoch))

    def _barrier_flushed(self, c: _Conn, epoch: int, completion: BlockCompletion) -> None:
        if self.conn is not c:
            return
        c.flushing_barrier = False
        c.barriers.popleft()
        for e in [e for e in c.pending if e <= epoch]:
            del c.pending[e]
        self._send(wire.BarrierAck(epoch, completion.ok))
        self._barrier_pump(c)
