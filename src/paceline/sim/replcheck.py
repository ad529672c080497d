"""The replicated volume's checkers (S1, S2, S3, S7; ``sim/replication.py``).

They judge from observations (role, connection and handshake events, the
workload's acknowledged writes and flushes) and, for the data itself, from
the disks as a read would see them (``SimDisk.peek``): the ground truth,
never the core's own opinion of itself.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.volstate import ConnChanged, DiskChanged, HandshakeDone, RoleChanged
from paceline.sim.checkers import Observation, Violation
from paceline.sim.disk import SimDisk
from paceline.sim.node import Booted, Crashed

BLOCK = 4096
LIVE = frozenset(
    {
        ConnState.CONNECTED,
        ConnState.SYNC_SOURCE,
        ConnState.SYNC_TARGET,
        ConnState.WF_SYNC_UUID,
        ConnState.VERIFY_S,
        ConnState.VERIFY_T,
    }
)


def make_block(seq: int, block: int) -> bytes:
    """The content of write ``seq`` to ``block``: both numbers, then a filler."""
    head = struct.pack("<QQ", seq, block)
    return head + bytes([seq & 0xFF]) * (BLOCK - len(head))


def block_seq(data: bytes, block: int) -> int | None:
    """Which write ``data`` is (0: never written), or ``None`` if it is no write's."""
    if data == bytes(BLOCK):
        return 0
    seq, where = struct.unpack_from("<QQ", data)
    return seq if where == block and data == make_block(seq, block) else None


# -- workload events --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WriteAcked:
    seq: int
    block: int
    replicated: bool


@dataclass(frozen=True, slots=True)
class FlushStarted:
    fid: int


@dataclass(frozen=True, slots=True)
class FlushDone:
    fid: int
    ok: bool
    replicated: bool


@dataclass(frozen=True, slots=True)
class ReadStarted:
    rid: int
    block: int


@dataclass(frozen=True, slots=True)
class ReadDone:
    rid: int
    block: int
    seq: int | None  # None: the block held no write's data


# -- what the checkers know of each node --------------------------------------------------


@dataclass
class NodeView:
    up: bool = False
    role: Role = Role.SECONDARY
    cstate: ConnState = ConnState.STAND_ALONE
    disk: DiskState = DiskState.DUNKNOWN

    @property
    def connected(self) -> bool:
        return self.up and self.cstate in LIVE


class Views:
    """Follows every node's role, connection and disk state from its events."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeView] = {}

    def update(self, o: Observation) -> NodeView:
        v = self.nodes.setdefault(o.node, NodeView())
        e = o.event
        if isinstance(e, Booted):
            self.nodes[o.node] = v = NodeView(up=True, cstate=ConnState.WF_CONNECTION)
        elif isinstance(e, Crashed):
            v.up = False
            v.role = Role.SECONDARY
        elif isinstance(e, RoleChanged):
            v.role = e.role
        elif isinstance(e, ConnChanged):
            v.cstate = e.state
        elif isinstance(e, DiskChanged):
            v.disk = e.disk
        return v

    def other(self, node: str) -> tuple[str, NodeView] | None:
        for name, v in self.nodes.items():
            if name != node:
                return name, v
        return None


class AtMostOnePrimary:
    """S1: never two Primaries connected to each other, unless allowed."""

    name = "S1-one-primary"

    def __init__(self, allow_two_primaries: bool = False) -> None:
        self.allow = allow_two_primaries
        self.views = Views()
        self.reported = False

    def observe(self, o: Observation) -> list[Violation]:
        v = self.views.update(o)
        other = self.views.other(o.node)
        if self.allow or other is None:
            return []
        name, w = other
        both = v.role == w.role == Role.PRIMARY and v.connected and w.connected
        if both and not self.reported:
            self.reported = True
            return [
                Violation(
                    self.name, o.time, o.node, f"{o.node} and {name} both Primary and connected"
                )
            ]
        if not both:
            self.reported = False
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


class NoLostWrite:
    """S2: a write acked as replicated, then covered by a replicated flush, is never lost.

    ``disks`` maps node names to their disks (read as a read would see them).
    Checked when a node becomes Primary, on every read, and at the end on
    every UpToDate node.
    """

    name = "S2-no-lost-write"

    def __init__(self, disks: Callable[[], Mapping[str, SimDisk]]) -> None:
        self.disks = disks
        self.views = Views()
        self.safe: dict[int, int] = {}  # block -> highest safe write seq
        self.acked: dict[str, list[tuple[int, int]]] = {}  # node -> replicated acks not yet flushed
        self.flushes: dict[tuple[str, int], list[tuple[int, int]]] = {}
        self.reads: dict[tuple[str, int], int] = {}

    def observe(self, o: Observation) -> list[Violation]:
        e = o.event
        v = self.views.update(o)
        if isinstance(e, Crashed):
            self.acked.pop(o.node, None)
            self.flushes = {k: w for k, w in self.flushes.items() if k[0] != o.node}
            self.reads = {k: s for k, s in self.reads.items() if k[0] != o.node}
        elif isinstance(e, WriteAcked):
            if e.replicated:
                self.acked.setdefault(o.node, []).append((e.block, e.seq))
        elif isinstance(e, FlushStarted):
            self.flushes[(o.node, e.fid)] = self.acked.pop(o.node, [])
        elif isinstance(e, FlushDone):
            covered = self.flushes.pop((o.node, e.fid), [])
            if e.replicated:
                for block, seq in covered:
                    self.safe[block] = max(self.safe.get(block, 0), seq)
            else:  # not safe: they wait for the next flush
                self.acked.setdefault(o.node, [])[:0] = covered
        elif isinstance(e, ReadStarted):
            self.reads[(o.node, e.rid)] = self.safe.get(e.block, 0)
        elif isinstance(e, ReadDone):
            floor = self.reads.pop((o.node, e.rid), 0)
            if e.seq is None or e.seq < floor:
                return [
                    Violation(
                        self.name, o.time, o.node,
                        f"read of block {e.block} returned write {e.seq}, "
                        f"write {floor} was acknowledged and flushed on both nodes",
                    )
                ]  # fmt: skip
        elif isinstance(e, RoleChanged) and e.role == Role.PRIMARY and v.up:
            return self._check(o.time, o.node, "on promotion")
        return []

    def _check(self, time: float, node: str, when: str) -> list[Violation]:
        disk = self.disks()[node]
        lost = []
        for block, seq in sorted(self.safe.items()):
            held = block_seq(disk.peek(block), block)
            if held is None or held < seq:
                lost.append(f"block {block} holds write {held}, not {seq}")
        if not lost:
            return []
        more = f" (and {len(lost) - 3} more)" if len(lost) > 3 else ""
        return [Violation(self.name, time, node, f"{when}: {'; '.join(lost[:3])}{more}")]

    def finish(self, now: float) -> list[Violation]:
        out: list[Violation] = []
        for node, v in sorted(self.views.nodes.items()):
            if v.up and v.disk == DiskState.UP_TO_DATE:
                out += self._check(now, node, "at the end")
        return out


class ReplicasIdentical:
    """S3: at the end both nodes are up, connected, in sync and byte-identical."""

    name = "S3-replicas-identical"

    def __init__(self, disks: Callable[[], Mapping[str, SimDisk]], size: int) -> None:
        self.disks = disks
        self.size = size
        self.views = Views()

    def observe(self, o: Observation) -> list[Violation]:
        self.views.update(o)
        return []

    def finish(self, now: float) -> list[Violation]:
        nodes = self.views.nodes
        states = ", ".join(
            f"{n} {'up' if v.up else 'down'} {v.cstate} {v.disk}" for n, v in sorted(nodes.items())
        )
        if len(nodes) != 2 or not all(
            v.up and v.cstate == ConnState.CONNECTED and v.disk == DiskState.UP_TO_DATE
            for v in nodes.values()
        ):
            return [Violation(self.name, now, None, f"replicas did not converge: {states}")]
        a, b = (self.disks()[n] for n in sorted(nodes))
        differ = [i for i in range(self.size) if a.peek(i) != b.peek(i)]
        if differ:
            return [
                Violation(
                    self.name, now, None,
                    f"{len(differ)} block(s) differ after resync, first {differ[:5]}",
                )
            ]  # fmt: skip
        return []


@dataclass
class _Lineage:
    solo_primary: bool = False  # was Primary while disconnected since last in sync


@dataclass
class SplitBrainDetected:
    """S7: both nodes Primary while disconnected since last in sync <=> split brain reported."""

    name: str = "S7-split-brain-detected"
    views: Views = field(default_factory=Views)
    lineage: dict[str, _Lineage] = field(default_factory=dict)

    def observe(self, o: Observation) -> list[Violation]:
        v = self.views.update(o)
        mine = self.lineage.setdefault(o.node, _Lineage())
        has_data = v.disk >= DiskState.CONSISTENT  # a detached or Inconsistent disk writes nothing
        solo = v.role == Role.PRIMARY and not v.connected and v.cstate != ConnState.WF_REPORT_PARAMS
        if v.up and solo and has_data:
            mine.solo_primary = True
        if v.disk < DiskState.CONSISTENT and v.disk != DiskState.DUNKNOWN:
            mine.solo_primary = False  # its data lost its standing: it can only be a target
        other = self.views.other(o.node)
        theirs = self.lineage.setdefault(other[0], _Lineage()) if other else _Lineage()
        if other and v.cstate == other[1].cstate == ConnState.CONNECTED and v.up and other[1].up:
            mine.solo_primary = theirs.solo_primary = False  # in sync again
        e = o.event
        if not isinstance(e, HandshakeDone):
            return []
        expected = mine.solo_primary and theirs.solo_primary
        if expected and not e.split_brain:
            what = f"undetected split brain ({e.outcome}, rule {e.rule})"
            return [Violation(self.name, o.time, o.node, what)]
        if e.split_brain and not expected:
            what = "split brain reported though at most one node was Primary alone"
            return [Violation(self.name, o.time, o.node, what)]
        return []

    def finish(self, now: float) -> list[Violation]:
        return []
