"""What the volume core persists and what it reports (pure).

``DurableMeta`` is what a volume's metadata area holds between lives: the
generation ids, the flags, the activity-log extents and the dirty bitmap's
pages. The core never writes it itself: it returns ``MetaWrite`` effects;
the driver makes each one durable (``DurableMeta.apply`` in the simulator;
``metadata.py``'s steps plus a flush on a real backing device) before it
acts on anything the same pump produced — disk requests and bytes to send —
so that a bit, an activity-log extent or a new generation is on stable
storage before the write it announces.

The events are what the core tells its driver, the upper layer (``IoDone``)
and the simulator's checkers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paceline.replication.bitmap import BM_BLOCK_SIZE, Bitmap
from paceline.replication.gi import GenIds
from paceline.replication.states import ConnState, DiskState, Role


@dataclass(frozen=True, slots=True)
class MetaWrite:
    """Persist this before acting on what follows it (see the module docstring).

    ``pages`` are the bitmap pages that changed since the previous write
    (page index -> 4 KiB); ``al`` the whole set of activity-log extents.
    """

    gi: GenIds
    flags: int
    al: frozenset[int]
    pages: tuple[tuple[int, bytes], ...]


@dataclass
class DurableMeta:
    """A volume's metadata as stored: ``create`` makes fresh metadata (create-md)."""

    size: int
    gi: GenIds = field(default_factory=GenIds)
    flags: int = 0
    al: frozenset[int] = frozenset()
    pages: dict[int, bytes] = field(default_factory=dict)
    writes: int = 0

    @classmethod
    def create(cls, size: int) -> DurableMeta:
        """``create-md``: a just-created generation, Inconsistent, no dirty bit."""
        if size < 1:
            raise ValueError("a volume needs at least one block")
        return cls(size)

    def apply(self, write: MetaWrite) -> None:
        """Store ``write`` (the simulator's synchronous, durable metadata area)."""
        self.gi = write.gi
        self.flags = write.flags
        self.al = write.al
        for index, data in write.pages:
            if len(data) != BM_BLOCK_SIZE:
                raise ValueError(f"bitmap page {index} of {len(data)} bytes")
            self.pages[index] = data
        self.writes += 1

    def bitmap(self) -> Bitmap:
        """The stored bitmap."""
        bm = Bitmap(self.size)
        for index, data in sorted(self.pages.items()):
            bm.load_page(index, data)
        return bm


# -- events -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IoDone:
    """An upper-layer request finished. ``error`` is an errno (0 = success);
    ``replicated``: the peer holds it too (written for protocol C, received
    for B, sent for A; flushed for a flush)."""

    rid: int
    op: str  # read | write | flush
    block: int
    error: int
    replicated: bool
    data: bytes = b""

    def __str__(self) -> str:
        where = "" if self.block < 0 else f" block {self.block}"
        how = "error " + str(self.error) if self.error else "ok"
        peer = " replicated" if self.replicated else ""
        return f"{self.op} #{self.rid}{where} {how}{peer}"


@dataclass(frozen=True, slots=True)
class RoleChanged:
    role: Role

    def __str__(self) -> str:
        return f"role {self.role}"


@dataclass(frozen=True, slots=True)
class ConnChanged:
    state: ConnState
    reason: str = ""

    def __str__(self) -> str:
        return f"cs {self.state}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True, slots=True)
class DiskChanged:
    disk: DiskState

    def __str__(self) -> str:
        return f"ds {self.disk}"


@dataclass(frozen=True, slots=True)
class HandshakeDone:
    """The connect-time decision (``gi.sync_handshake``) seen from this node."""

    outcome: str
    rule: int
    split_brain: bool
    log: tuple[str, ...]

    def __str__(self) -> str:
        sb = " split-brain" if self.split_brain else ""
        return f"handshake {self.outcome} rule {self.rule}{sb}"


@dataclass(frozen=True, slots=True)
class SplitBrain:
    """Split brain detected at connect; ``resolved`` by an after-sb policy or
    ``--discard-my-data``, else the connection is StandAlone and ``command``
    says how to resolve it."""

    resolved: bool
    command: str

    def __str__(self) -> str:
        return "split brain " + ("resolved" if self.resolved else "unresolved: " + self.command)


@dataclass(frozen=True, slots=True)
class SyncStarted:
    source: bool
    blocks: int
    full: bool

    def __str__(self) -> str:
        kind = "full sync" if self.full else "resync"
        return f"{kind} as {'source' if self.source else 'target'} of {self.blocks} block(s)"


@dataclass(frozen=True, slots=True)
class SyncFinished:
    source: bool
    blocks: int
    equal: int = 0  # csums-alg: blocks found equal (not transferred)
    summary: str = ""  # csums-alg: DRBD's "N % had equal checksums" line

    def __str__(self) -> str:
        done = f"resync done as {'source' if self.source else 'target'}, {self.blocks} block(s)"
        return f"{done}; {self.summary}" if self.summary else done


@dataclass(frozen=True, slots=True)
class VerifyFinished:
    """Online verify done: the blocks whose digests differed (now marked out of
    sync; a disconnect/connect resyncs them), and DRBD's log lines for them."""

    source: bool
    found: tuple[int, ...]
    lines: tuple[str, ...]

    def __str__(self) -> str:
        if not self.found:
            return "Online verify done, no block out of sync"
        return f"Online verify found {len(self.found)} 4k block out of sync!"


@dataclass(frozen=True, slots=True)
class PeerError:
    """The peer broke the protocol (or timed out): it was disconnected."""

    reason: str

    def __str__(self) -> str:
        return f"peer error: {self.reason}"


@dataclass(frozen=True, slots=True)
class Refused:
    """An admin request (promote, demote, connect) was refused, and why."""

    what: str
    reason: str

    def __str__(self) -> str:
        return f"{self.what} refused: {self.reason}"


@dataclass(frozen=True, slots=True)
class HandlerCall:
    """Run the resource's handler ``name`` (``handlers { split-brain ...; }``)."""

    name: str

    def __str__(self) -> str:
        return f"handler {self.name}"


Event = (
    IoDone
    | RoleChanged
    | ConnChanged
    | DiskChanged
    | HandshakeDone
    | SplitBrain
    | SyncStarted
    | SyncFinished
    | VerifyFinished
    | PeerError
    | Refused
    | HandlerCall
)
