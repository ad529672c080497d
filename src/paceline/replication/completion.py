"""When an application write or flush completes: DRBD's protocols A, B and C (pure).

``specs/drbd.md`` §1.4. A write on the Primary goes to the local disk and to
the peer at the same time; it completes (is acknowledged to the filesystem)
when the local write is done and

- A: the data is in the local send buffer,
- B: the peer has received it (RecvAck),
- C: the peer has written it to its disk (WriteAck).

A flush completes when the local flush is done and, while connected, the
peer's flush (a barrier) is acknowledged, whatever the protocol: an fsync
means both replicas hold the data durably. If the peer is lost before the
condition holds, the request completes on the local outcome alone and its
block is marked out of sync (DRBD's bitmap). A local I/O error fails the
request (on-io-error ``pass_on``) unless the peer holds the data
(``detach``: served by the peer). The tracker is a table: an event a
request cannot take in its state is a ``StateError``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from paceline.core.errors import StateError


class Ev(enum.Enum):
    LOCAL_DONE = "local-done"
    LOCAL_ERROR = "local-error"
    SENT = "sent"  # in the send buffer
    RECV_ACK = "recv-ack"  # protocol B's P_RECV_ACK
    WRITE_ACK = "write-ack"  # protocol C's P_WRITE_ACK (also the barrier ack of a flush)
    PEER_LOST = "peer-lost"  # connection gone before the peer's answer


class Result(enum.Enum):
    OK = "ok"
    OK_OUT_OF_SYNC = "ok-out-of-sync"  # done locally only: set the block's bit
    EIO = "eio"


_PEER_RANK = {Ev.SENT: 1, Ev.RECV_ACK: 2, Ev.WRITE_ACK: 3}
_NEEDED = {"A": 1, "B": 2, "C": 3}


@dataclass
class Request:
    """One write (``block`` >= 0) or flush (``block`` == -1) in flight."""

    rid: int
    block: int
    protocol: str
    connected: bool
    local: str = "pending"  # pending | done | error
    peer: int = 0  # 0 nothing, 1 sent, 2 received, 3 written
    peer_lost: bool = False
    result: Result | None = None
    history: list[Ev] = field(default_factory=list)

    @property
    def is_flush(self) -> bool:
        return self.block < 0

    def needed(self) -> int:
        return 3 if self.is_flush else _NEEDED[self.protocol]


def _peer_settled(r: Request) -> bool:
    return not r.connected or r.peer_lost or r.peer >= r.needed()


class Tracker:
    """Requests in flight on a Primary; ``feed`` returns a result once, when due."""

    def __init__(self, protocol: str, limit: int = 10_000) -> None:
        if protocol not in _NEEDED:
            raise ValueError(f"protocol {protocol!r}: expected A, B or C")
        self.protocol = protocol
        self.limit = limit
        self.inflight: dict[int, Request] = {}
        self._next = 0

    def submit(self, block: int, connected: bool) -> Request:
        """A new write (or flush, ``block=-1``); raises StateError past the limit."""
        if len(self.inflight) >= self.limit:
            raise StateError("completion", f"{len(self.inflight)} in flight", "submit")
        self._next += 1
        r = Request(self._next, block, self.protocol, connected)
        self.inflight[r.rid] = r
        return r

    def reserve_id(self) -> int:
        """A request id for a request the tracker does not follow (a read)."""
        self._next += 1
        return self._next

    def feed(self, rid: int, ev: Ev) -> Result | None:
        """Apply ``ev`` to request ``rid``; the result when the request completes."""
        r = self.inflight.get(rid)
        if r is None:
            raise StateError("completion", f"request {rid} unknown or done", ev)
        if ev in (Ev.LOCAL_DONE, Ev.LOCAL_ERROR):
            if r.local != "pending":
                raise StateError("completion", f"local {r.local}", ev)
            r.local = "done" if ev is Ev.LOCAL_DONE else "error"
        elif ev is Ev.PEER_LOST:
            if r.peer_lost:
                raise StateError("completion", "peer already lost", ev)
            r.peer_lost = True
        else:
            if not r.connected or r.peer_lost:
                raise StateError("completion", "no peer for this request", ev)
            rank = _PEER_RANK[ev]
            if r.is_flush and ev is not Ev.WRITE_ACK and ev is not Ev.SENT:
                raise StateError("completion", "flush", ev)
            r.peer = max(r.peer, rank)
        r.history.append(ev)
        return self._settle(r)

    def _settle(self, r: Request) -> Result | None:
        if r.local == "pending" or not _peer_settled(r):
            return None
        peer_has_it = r.connected and not r.peer_lost and r.peer >= r.needed()
        if r.is_flush:
            result = Result.OK if r.local == "done" else Result.EIO
        elif peer_has_it:
            result = Result.OK  # even after a local error: the peer serves the block
        elif r.local == "error":
            result = Result.EIO
        else:
            result = Result.OK_OUT_OF_SYNC
        r.result = result
        del self.inflight[r.rid]
        return result
