"""Replay protection: accept each (sender, sequence number) at most once.

As IPsec's and DTLS's anti-replay windows (RFC 4303 §3.4.3, RFC 6347
§4.1.2.6): per sender, remember the highest sequence number accepted and a
bitmap of the ``size`` numbers below it. A number above the top slides the
window; one inside it is accepted once; one below it is too old and dropped.
Run the filter only on frames that passed authentication, or a forger could
slide the window and make every real frame look old.

Senders number their frames with a ``SequenceCounter`` whose high 32 bits are
an incarnation that grows across restarts, so a restarted sender is never
mistaken for a replay and never reuses an AES-GCM nonce. The incarnation must
be a boot count persisted (and flushed) before the first frame is sent:
wall-clock seconds are not safe, since clocks step back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from paceline.core.errors import StateError
from paceline.core.ids import U64_MAX, NodeId

DEFAULT_WINDOW = 1024


class Verdict(enum.Enum):
    """What the filter decided about one sequence number."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    TOO_OLD = "too-old"
    TOO_MANY_SENDERS = "too-many-senders"


class ReplayWindow:
    """The sliding window of one sender."""

    __slots__ = ("_bits", "_mask", "size", "top")

    def __init__(self, size: int = DEFAULT_WINDOW) -> None:
        if size < 1:
            raise ValueError(f"replay window size must be >= 1, not {size}")
        self.size = size
        self.top = -1  # highest accepted number; -1: none yet
        self._bits = 0  # bit i set: number top - i was accepted
        self._mask = (1 << size) - 1

    def check(self, seq: int) -> Verdict:
        """What ``accept(seq)`` would answer, without recording anything."""
        if seq > self.top:
            return Verdict.ACCEPTED
        offset = self.top - seq
        if offset >= self.size:
            return Verdict.TOO_OLD
        return Verdict.DUPLICATE if self._bits >> offset & 1 else Verdict.ACCEPTED

    def accept(self, seq: int) -> Verdict:
        """Record ``seq`` if it is new and in the window; say what happened."""
        if not 0 <= seq <= U64_MAX:
            raise ValueError(f"sequence number {seq} out of range 0..{U64_MAX}")
        verdict = self.check(seq)
        if verdict is not Verdict.ACCEPTED:
            return verdict
        if seq > self.top:
            shift = seq - self.top
            self._bits = (self._bits << shift | 1) & self._mask if shift < self.size else 1
            self.top = seq
        else:
            self._bits |= 1 << (self.top - seq)
        return verdict


class ReplayFilter:
    """One ``ReplayWindow`` per sender, for at most ``max_senders`` senders.

    The sender limit bounds memory; senders are authenticated cluster nodes,
    so the limit is only reached through a misconfiguration, and frames of
    senders past it are refused (never let in without a window).
    """

    def __init__(self, window: int = DEFAULT_WINDOW, max_senders: int = 1024) -> None:
        self.window = window
        self.max_senders = max_senders
        self._windows: dict[NodeId, ReplayWindow] = {}

    def accept(self, sender: NodeId, seq: int) -> Verdict:
        """Record ``(sender, seq)``; ``Verdict.ACCEPTED`` at most once per pair."""
        window = self._windows.get(sender)
        if window is None:
            if len(self._windows) >= self.max_senders:
                return Verdict.TOO_MANY_SENDERS
            window = self._windows[sender] = ReplayWindow(self.window)
        return window.accept(seq)

    def forget(self, sender: NodeId) -> None:
        """Drop ``sender``'s window (only when its key is retired: old frames turn valid)."""
        self._windows.pop(sender, None)

    def __len__(self) -> int:
        return len(self._windows)


@dataclass(slots=True)
class SequenceCounter:
    """A sender's frame numbers: ``incarnation << 32 | n`` for n = 0, 1, 2, ...

    Raises ``StateError`` rather than wrap around: after 2**32 frames the
    sender must restart with a greater incarnation.
    """

    incarnation: int
    _next: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.incarnation < 2**32:
            raise ValueError(f"incarnation {self.incarnation} out of range 0..2**32-1")

    def next(self) -> int:
        """The next sequence number."""
        if self._next >= 2**32:
            raise StateError("SequenceCounter", f"incarnation {self.incarnation}", "exhausted")
        seq = self.incarnation << 32 | self._next
        self._next += 1
        return seq
