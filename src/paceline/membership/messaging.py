"""Reliable, per-sender FIFO group messaging inside one view, and its flush.

One ``ViewStreams`` lives as long as one installed view. Each member numbers
the fragments it sends in the view from 1 (a message is one or more
fragments; the last carries ``last``). Receivers keep each sender's
fragments, report the highest fragment received without a gap (acks, sent
to every member), and the sender retransmits what a member has not acked.

Delivery (the simplest scheme that gives virtual synchrony):

- In normal operation a message is delivered only once it is *stable*: every
  member of the view has acked its last fragment. So whatever one member
  delivered, every member of the view holds.
- When a node promises a new ring it *freezes* the view: it delivers
  nothing more in it, assigns no new fragments and stops advancing its
  acks; the received vector it reports to the proposer (``received()``) is
  therefore at least everything any member saw it ack.
- The proposer's INSTALL carries, per old view, the *cut*: per sender the
  minimum of the vectors its members reported. Each member delivers up to
  the cut (it holds those fragments), then installs the new view.

Hence the members that move together from one view to the next deliver the
same messages of it; a message one of them delivered before the change is in
the cut. Fragments beyond the cut are dropped (counted as ``undelivered``);
messages still queued behind the window move to the next view.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from paceline.membership.events import RingId


@dataclass(frozen=True, slots=True)
class Fragment:
    message: int
    last: bool
    chunk: bytes


@dataclass(slots=True)
class _Incoming:
    """What one member has sent in this view, as this node received it."""

    fragments: dict[int, Fragment]
    contiguous: int = 0
    delivered: int = 0
    """The last fragment already delivered (a message boundary)."""


class ViewStreams:
    """The messaging state of one view at one member; see the module docstring."""

    def __init__(
        self, ring: RingId, members: Iterable[int], me: int, *, window: int, rto: float
    ) -> None:
        self.ring = ring
        self.me = me
        self.members = tuple(sorted(members))
        self.window = window
        self.rto = rto
        self.frozen = False
        self._frozen_received: dict[int, int] | None = None
        self._in = {m: _Incoming({}) for m in self.members}
        self._acks: dict[int, dict[int, int]] = {m: {} for m in self.members}
        self._sent_at: dict[int, float] = {}
        self.next_fragment = 1
        self.next_message = 1
        self.ack_dirty = False
        self._dirty = True
        """Something that can make a message deliverable changed."""
        self._dirty_sent = True

    # -- sending ---------------------------------------------------------------

    def room(self) -> int:
        """Fragments this node may still send before its window is full."""
        if self.frozen:
            return 0
        return max(0, self.window - (self.next_fragment - 1 - self.stable(self.me)))

    def add_fragments(
        self, message: int, chunks: list[bytes], ends: bool, now: float
    ) -> list[tuple[int, bool, bytes]]:
        """Number the next ``chunks`` of message ``message`` (``ends``: its last
        chunk is among them): ``(fragment, last, chunk)`` to send."""
        out = []
        mine = self._in[self.me]
        for i, chunk in enumerate(chunks):
            frag = Fragment(message, ends and i == len(chunks) - 1, chunk)
            seq = self.next_fragment
            self.next_fragment += 1
            mine.fragments[seq] = frag
            self._sent_at[seq] = now
            out.append((seq, frag.last, chunk))
        mine.contiguous = self.next_fragment - 1
        self.ack_dirty = True
        self._dirty = True
        return out

    def new_message(self) -> int:
        """The number of this node's next message in the view."""
        number = self.next_message
        self.next_message += 1
        return number

    def retransmissions(self, now: float, limit: int) -> list[tuple[int, int, int, bool, bytes]]:
        """``(member, fragment, message, last, chunk)`` to send again: fragments a
        member has not acked ``rto`` after they were last sent."""
        out: list[tuple[int, int, int, bool, bytes]] = []
        if not self._sent_at:
            return out
        if self._dirty_sent:
            self._dirty_sent = False
            self._forget_stable()
        mine = self._in[self.me].fragments
        for seq in sorted(self._sent_at):
            if len(out) >= limit:
                break
            if now < self._sent_at[seq] + self.rto:
                continue
            frag = mine.get(seq)
            if frag is None:
                del self._sent_at[seq]
                continue
            missing = [m for m in self.members if m != self.me and self._acked(m, self.me) < seq]
            for member in missing:
                out.append((member, seq, frag.message, frag.last, frag.chunk))
            self._sent_at[seq] = now
        return out

    def next_retransmit(self) -> float | None:
        """When ``retransmissions`` next has work (``None``: nothing unacked)."""
        return min(self._sent_at.values(), default=None) if self._sent_at else None

    # -- receiving -------------------------------------------------------------

    def receive(self, sender: int, seq: int, fragment: Fragment) -> bool:
        """Keep ``sender``'s fragment ``seq``; whether it was new and in the window."""
        incoming = self._in.get(sender)
        if incoming is None or sender == self.me:
            return False
        if seq <= incoming.contiguous or seq in incoming.fragments:
            return False
        if seq > incoming.contiguous + 2 * self.window:
            return False
        incoming.fragments[seq] = fragment
        while incoming.contiguous + 1 in incoming.fragments:
            incoming.contiguous += 1
            self.ack_dirty = True
            self._dirty = True
        return True

    def on_ack(self, member: int, received: Iterable[tuple[int, int]]) -> None:
        """``member`` reports what it received without a gap (acks only grow)."""
        acks = self._acks.get(member)
        if acks is None or member == self.me:
            return
        for sender, upto in received:
            if sender in self._in and upto > acks.get(sender, 0):
                acks[sender] = upto
                self._dirty = True
                self._dirty_sent = True

    def _acked(self, member: int, sender: int) -> int:
        if member == self.me:
            return self._in[sender].contiguous
        return self._acks[member].get(sender, 0)

    def stable(self, sender: int) -> int:
        """The highest fragment of ``sender`` every member holds."""
        return min(self._acked(m, sender) for m in self.members)

    def _forget_stable(self) -> None:
        stable = self.stable(self.me)
        for seq in [s for s in self._sent_at if s <= stable]:
            del self._sent_at[seq]

    def received(self) -> dict[int, int]:
        """Per sender, the highest fragment received without a gap (frozen once frozen)."""
        if self._frozen_received is not None:
            return dict(self._frozen_received)
        return {m: self._in[m].contiguous for m in self.members}

    def freeze(self) -> None:
        """Stop delivering, sending new fragments and advancing acks (a ring was promised)."""
        if not self.frozen:
            self.frozen = True
            self._frozen_received = self.received()

    # -- delivering ------------------------------------------------------------

    def deliverable(self) -> list[tuple[int, int, bytes]]:
        """``(sender, message, payload)`` now stable, in each sender's order."""
        if self.frozen or not self._dirty:
            return []
        self._dirty = False
        return self._deliver_upto({m: self.stable(m) for m in self.members})

    def flush(self, cut: Mapping[int, int]) -> tuple[list[tuple[int, int, bytes]], int]:
        """Deliver up to ``cut`` (the INSTALL's for this view); and how many
        fragments of ours or others' beyond it are dropped."""
        delivered = self._deliver_upto({m: cut.get(m, 0) for m in self.members})
        dropped = sum(
            len([s for s in inc.fragments if s > cut.get(m, 0)]) for m, inc in self._in.items()
        )
        return delivered, dropped

    def _deliver_upto(self, limits: Mapping[int, int]) -> list[tuple[int, int, bytes]]:
        out: list[tuple[int, int, bytes]] = []
        for sender in self.members:
            incoming = self._in[sender]
            limit = min(limits.get(sender, 0), incoming.contiguous)
            while True:
                parts: deque[bytes] = deque()
                seq = incoming.delivered + 1
                message = 0
                complete = False
                while seq <= limit:
                    frag = incoming.fragments[seq]
                    message = frag.message
                    parts.append(frag.chunk)
                    if frag.last:
                        complete = True
                        break
                    seq += 1
                if not complete:
                    break
                for s in range(incoming.delivered + 1, seq + 1):
                    if sender != self.me:
                        del incoming.fragments[s]
                incoming.delivered = seq
                out.append((sender, message, b"".join(parts)))
        if self.me in self._in:
            mine = self._in[self.me]
            for s in [s for s in mine.fragments if s <= min(mine.delivered, self.stable(self.me))]:
                del mine.fragments[s]
        return out

    def ack_vector(self) -> list[tuple[int, int]]:
        """What this node acks (its received vector), for an ACK message."""
        return sorted(self.received().items())
