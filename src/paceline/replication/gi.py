"""Generation identifiers and DRBD's connect-time decision table (pure).

``specs/drbd.md`` §3.3-§3.4 and §5.2: a data generation is a random 64-bit
UUID; the tuple (current, bitmap, history[0], history[1]) says where a
replica's data comes from. At connect, ``uuid_compare`` runs the rules in
DRBD's order (rule numbers as DRBD logs them) and ``sync_handshake`` applies
the post-processing: disk-state override, after-sb policies, manual
``--discard-my-data``, and the refusals. Everything is a return value: the
caller runs handlers and changes states.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from random import Random

from paceline.replication.states import DiskState, Role

UUID_JUST_CREATED = 4
UUID_NEW_BM_OFFSET = 1 << 48
_MASK64 = (1 << 64) - 1


class Flag(enum.IntFlag):
    CONSISTENT = 1
    PRIMARY_IND = 2
    CONNECTED_IND = 4
    FULL_SYNC = 8
    WAS_UP_TO_DATE = 16
    PEER_OUT_DATED = 32
    CRASHED_PRIMARY = 64
    AL_CLEAN = 128
    AL_DISABLED = 256


def _m(u: int) -> int:
    return u & ~1 & _MASK64


@dataclass(frozen=True, slots=True)
class GenIds:
    """(current, bitmap, history[0], history[1]); bit 0 of a UUID = 'was Primary'."""

    current: int = UUID_JUST_CREATED
    bitmap: int = 0
    history: tuple[int, int] = (0, 0)

    def new_current(self, rng: Random, primary: bool) -> GenIds:
        """A new data generation: bitmap := current, current := new random UUID."""
        new = rng.getrandbits(64) & ~1
        while _m(new) in (0, UUID_JUST_CREATED):
            new = rng.getrandbits(64) & ~1
        old = self.current if _m(self.current) != UUID_JUST_CREATED else 0
        return GenIds(new | int(primary), old, self.history)

    def promote_disconnected(self, rng: Random) -> GenIds:
        """Promotion (or a Primary losing its peer) while not connected.

        A new generation starts only the first time since the peer was last
        in sync (the bitmap UUID is still 0), as DRBD's ``drbd_set_role``.
        """
        if self.bitmap == 0 or _m(self.current) == UUID_JUST_CREATED:
            return self.new_current(rng, primary=True)
        return self.mark_role(True)

    def mark_role(self, primary: bool) -> GenIds:
        """Set or clear the 'was Primary' bit of the current UUID (promote/demote)."""
        return replace(self, current=_m(self.current) | int(primary))

    def start_resync_source(self) -> tuple[GenIds, int]:
        """The sync source's tuple at resync start and the sync UUID to send.

        bitmap -> history[0], bitmap := old bitmap + NEW_BM_OFFSET (or current
        based when there was none); the target adopts the sync UUID as current.
        """
        old = self.bitmap
        base = old if _m(old) not in (0, UUID_JUST_CREATED) else self.current
        sync = (base + UUID_NEW_BM_OFFSET) & _MASK64 & ~1
        history = (old, self.history[0]) if old else self.history
        return GenIds(self.current, sync, history), sync

    def start_resync_target(self, sync_uuid: int) -> GenIds:
        return GenIds(sync_uuid, 0, self.history)

    def finish_resync_source(self) -> GenIds:
        """End of resync on the source: bitmap rotates into history, bitmap := 0."""
        if not self.bitmap:
            return self
        return GenIds(self.current, 0, (self.bitmap, self.history[0]))

    def finish_resync_target(self, source: GenIds) -> GenIds:
        return GenIds(source.current, 0, source.history)

    def get_gi(self, flags: int) -> str:
        """``drbdadm get-gi``'s line: CURRENT:BITMAP:H1:H2:c:u:p:n:f:o:x."""
        bits = [
            Flag.CONSISTENT,
            Flag.WAS_UP_TO_DATE,
            Flag.PRIMARY_IND,
            Flag.CONNECTED_IND,
            Flag.FULL_SYNC,
            Flag.PEER_OUT_DATED,
            Flag.CRASHED_PRIMARY,
        ]
        uuids = [self.current, self.bitmap, *self.history]
        return ":".join([f"{u:016X}" for u in uuids] + ["1" if flags & b else "0" for b in bits])


@dataclass(frozen=True, slots=True)
class Side:
    """What one node reports about itself at connect."""

    gi: GenIds
    flags: int = 0
    role: Role = Role.SECONDARY
    disk: DiskState = DiskState.UP_TO_DATE
    bits: int = 0  # set bits in its bitmap
    discard_my_data: bool = False

    @property
    def crashed_primary(self) -> bool:
        return bool(self.flags & Flag.CRASHED_PRIMARY)


def uuid_compare(me: Side, peer: Side, resolve_conflicts: bool) -> tuple[int, int]:
    """DRBD 8.4's uuid comparison: (hg, rule).

    hg: 2 full sync as source, 1 bitmap source, 0 none, -1 bitmap target, -2
    full target, 100 split brain (common parent, auto-recovery possible),
    -100 split brain (older ancestor), -1000 unrelated data.
    ``resolve_conflicts``: this side holds the RESOLVE_CONFLICTS token.
    """
    s_cur, p_cur = _m(me.gi.current), _m(peer.gi.current)
    jc = UUID_JUST_CREATED
    if s_cur == jc and p_cur == jc:
        return 0, 10
    if s_cur in (jc, 0) and p_cur != jc:
        return -2, 20
    if s_cur != jc and p_cur in (jc, 0):
        return 2, 30
    s_bm, p_bm = _m(me.gi.bitmap), _m(peer.gi.bitmap)
    s_h = [_m(h) for h in me.gi.history]
    p_h = [_m(h) for h in peer.gi.history]
    if s_cur == p_cur:
        if p_bm == 0 and s_bm != 0:
            return 1, 34
        if s_bm == 0 and p_bm != 0:
            return -1, 35
        crashed = int(me.crashed_primary) + 2 * int(peer.crashed_primary)
        if crashed == 0:
            return 0, 40
        if crashed == 1:
            return 1, 40
        if crashed == 2:
            return -1, 40
        return (-1 if resolve_conflicts else 1), 40
    if s_cur == p_bm:
        return -1, 50
    if p_h[0] and s_cur == p_h[0] and p_bm == _m(p_h[0] + UUID_NEW_BM_OFFSET):
        return -1, 51  # the peer's resync start never reached us: undo its rotation
    if s_cur in p_h:
        return -2, 60
    if s_bm == p_cur:
        return 1, 70
    if s_h[0] and s_h[0] == p_cur and s_bm == _m(s_h[0] + UUID_NEW_BM_OFFSET):
        return 1, 71
    if p_cur in s_h:
        return 2, 80
    if s_bm and s_bm == p_bm:
        return 100, 90
    if any(h and h in p_h for h in s_h):
        return -100, 100
    return -1000, 0


class Outcome(enum.Enum):
    NO_SYNC = "no-sync"
    SOURCE = "sync-source"  # resync of the bitmap's blocks, this node is source
    TARGET = "sync-target"
    FULL_SOURCE = "full-sync-source"
    FULL_TARGET = "full-sync-target"
    SPLIT_BRAIN = "split-brain"  # unresolved: StandAlone
    UNRELATED = "unrelated-data"
    REFUSED = "refused"  # e.g. inconsistent would-be source, rr-conflict


@dataclass(frozen=True, slots=True)
class Policies:
    after_sb_0pri: str = "disconnect"
    after_sb_1pri: str = "disconnect"
    after_sb_2pri: str = "disconnect"
    always_asbp: bool = False
    rr_conflict: str = "disconnect"


@dataclass(frozen=True, slots=True)
class Decision:
    hg: int
    rule: int
    outcome: Outcome
    split_brain: bool = False  # detected (resolved or not)
    handlers: tuple[str, ...] = ()  # handler names to run on this node, in order
    demote: bool = False  # call-pri-lost-after-sb: give up Primary before syncing
    log: tuple[str, ...] = field(default_factory=tuple)

    @property
    def full(self) -> bool:
        return self.outcome in (Outcome.FULL_SOURCE, Outcome.FULL_TARGET)


def asb_0pri(policy: str, me: Side, peer: Side, resolve_conflicts: bool) -> int:
    """after-sb-0pri: 1 = we are source, -1 = target, -100 = no decision."""
    self_pri, peer_pri = me.gi.bitmap & 1, peer.gi.bitmap & 1
    ch_self, ch_peer = me.bits, peer.bits
    tie = -1 if resolve_conflicts else 1
    if policy == "discard-local":
        return -1
    if policy == "discard-remote":
        return 1
    if policy not in (
        "discard-younger-primary",
        "discard-older-primary",
        "discard-zero-changes",
        "discard-least-changes",
    ):
        return -100
    if policy == "discard-younger-primary" and self_pri != peer_pri:
        return 1 if self_pri else -1
    if policy in ("discard-younger-primary", "discard-older-primary") and self_pri != peer_pri:
        return -1 if self_pri else 1
    if policy != "discard-least-changes":
        if ch_peer == 0 and ch_self == 0:
            return tie
        if ch_peer == 0:
            return 1
        if ch_self == 0:
            return -1
        if policy == "discard-zero-changes":
            return -100
    if ch_self < ch_peer:
        return -1
    if ch_self > ch_peer:
        return 1
    return tie


def _asb(
    pol: Policies, me: Side, peer: Side, rc: bool, log: list[str]
) -> tuple[int, list[str], bool]:
    """The after-sb policy for the number of Primaries now: (hg, handlers, demote)."""
    primaries = int(me.role == Role.PRIMARY) + int(peer.role == Role.PRIMARY)
    if primaries == 0:
        if pol.after_sb_0pri in AFTER_SB_NOT_0PRI:
            log.append("Configuration error.")
            return -100, [], False
        return asb_0pri(pol.after_sb_0pri, me, peer, rc), [], False
    policy = pol.after_sb_1pri if primaries == 1 else pol.after_sb_2pri
    valid = AFTER_SB_1PRI if primaries == 1 else AFTER_SB_2PRI
    if policy not in valid:
        log.append("Configuration error.")
        return -100, [], False
    if policy == "disconnect":
        return -100, [], False
    if policy == "discard-secondary":
        return (1 if me.role == Role.PRIMARY else -1), [], False
    hg = asb_0pri(pol.after_sb_0pri, me, peer, rc)
    if policy == "consensus":
        ok = (hg == -1 and me.role == Role.SECONDARY) or (hg == 1 and me.role == Role.PRIMARY)
        return (hg if ok else -100), [], False
    if policy == "violently-as0p":
        return hg, [], False
    # call-pri-lost-after-sb: the losing Primary must give up its role
    if hg == -1 and me.role == Role.PRIMARY:
        return hg, ["pri-lost-after-sb"], True
    return hg, [], False


AFTER_SB_NOT_0PRI = {"consensus", "discard-secondary", "call-pri-lost-after-sb", "violently-as0p"}
AFTER_SB_1PRI = {
    "disconnect",
    "consensus",
    "discard-secondary",
    "call-pri-lost-after-sb",
    "violently-as0p",
}
AFTER_SB_2PRI = {"disconnect", "violently-as0p", "call-pri-lost-after-sb"}


def sync_handshake(me: Side, peer: Side, pol: Policies, resolve_conflicts: bool) -> Decision:
    """DRBD's ``drbd_sync_handshake``: what to do at connect, seen from ``me``."""
    hg, rule = uuid_compare(me, peer, resolve_conflicts)
    log = [f"uuid_compare()={hg} by rule {rule}"]
    if hg == -1000:
        log.append("Unrelated data, aborting!")
        return Decision(hg, rule, Outcome.UNRELATED, log=tuple(log))
    if (me.disk == DiskState.INCONSISTENT and peer.disk > DiskState.INCONSISTENT) or (
        peer.disk == DiskState.INCONSISTENT and me.disk > DiskState.INCONSISTENT
    ):
        forced = hg == -100 or abs(hg) == 2
        hg = 1 if me.disk > DiskState.INCONSISTENT else -1
        if forced:
            hg *= 2
        log.append(f"Becoming sync {'source' if hg > 0 else 'target'} due to disk states.")
    split_brain = abs(hg) == 100
    handlers: list[str] = ["initial-split-brain"] if split_brain else []
    demote = False
    if hg == 100 or (hg == -100 and pol.always_asbp):
        forced = hg == -100
        primaries = int(me.role == Role.PRIMARY) + int(peer.role == Role.PRIMARY)
        hg, more, demote = _asb(pol, me, peer, resolve_conflicts, log)
        handlers += more
        if abs(hg) < 100:
            log.append(
                f"Split-Brain detected, {primaries} primaries, automatically solved. "
                f"Sync from {'this' if hg > 0 else 'peer'} node"
            )
            if forced:
                log.append("Doing a full sync, since UUIDs where ambiguous.")
                hg *= 2
    if hg == -100:
        if me.discard_my_data and not peer.discard_my_data:
            hg = -1
        elif peer.discard_my_data and not me.discard_my_data:
            hg = 1
        if abs(hg) < 100:
            log.append(
                f"Split-Brain detected, manually solved. Sync from {'this' if hg > 0 else 'peer'} node"
            )
    if hg == -100:
        log.append("Split-Brain detected but unresolved, dropping connection!")
        handlers.append("split-brain")
        return Decision(hg, rule, Outcome.SPLIT_BRAIN, True, tuple(handlers), False, tuple(log))
    if hg > 0 and me.disk <= DiskState.INCONSISTENT:
        log.append("I shall become SyncSource, but I am inconsistent!")
        return Decision(hg, rule, Outcome.REFUSED, split_brain, tuple(handlers), False, tuple(log))
    if hg < 0 and me.role == Role.PRIMARY and me.disk >= DiskState.CONSISTENT and not demote:
        if pol.rr_conflict == "call-pri-lost":
            handlers.append("pri-lost")
        if pol.rr_conflict != "violently":
            log.append("I shall become SyncTarget, but I am primary!")
            return Decision(
                hg, rule, Outcome.REFUSED, split_brain, tuple(handlers), False, tuple(log)
            )
    outcome = {
        2: Outcome.FULL_SOURCE,
        1: Outcome.SOURCE,
        0: Outcome.NO_SYNC,
        -1: Outcome.TARGET,
        -2: Outcome.FULL_TARGET,
    }[hg]
    return Decision(hg, rule, outcome, split_brain, tuple(handlers), demote, tuple(log))


def resolve_command(resource: str) -> str:
    """The commands that resolve an unresolved split brain (UG 8.4 troubleshooting)."""
    return (
        f"on the node whose data is to be discarded: paceline volume disconnect {resource}; "
        f"paceline volume secondary {resource}; "
        f"paceline volume connect --discard-my-data {resource}; "
        f"on the other node (if StandAlone): paceline volume connect {resource}"
    )
