"""Generation identifiers: DRBD's rule table, the handshake's post-processing, after-sb."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paceline.replication.gi import (
    UUID_JUST_CREATED,
    Decision,
    Flag,
    GenIds,
    Outcome,
    Policies,
    Side,
    sync_handshake,
    uuid_compare,
)
from paceline.replication.states import DiskState, Role

A, B, C, D = 0xA0, 0xB0, 0xC0, 0xD0
P, S = Role.PRIMARY, Role.SECONDARY


def side(cur: int, bm: int = 0, h: tuple[int, int] = (0, 0), **kw: object) -> Side:
    return Side(GenIds(cur, bm, h), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("me", "peer", "expected"),
    [
        (side(UUID_JUST_CREATED), side(UUID_JUST_CREATED), (0, 10)),
        (side(UUID_JUST_CREATED), side(A), (-2, 20)),
        (side(A), side(UUID_JUST_CREATED), (2, 30)),
        (side(A, B), side(A), (1, 34)),
        (side(A), side(A, B), (-1, 35)),
        (side(A), side(A), (0, 40)),
        (side(A, flags=Flag.CRASHED_PRIMARY), side(A), (1, 40)),
        (side(A), side(A, flags=Flag.CRASHED_PRIMARY), (-1, 40)),
        (side(A), side(B, A), (-1, 50)),
        (side(A), side(B, C, (A, 0)), (-2, 60)),
        (side(B, A), side(A), (1, 70)),
        (side(B, C, (A, 0)), side(A), (2, 80)),
        (side(B, A), side(C, A), (100, 90)),
        (side(B, C, (A, 0)), side(D, 0xE0, (A, 0)), (-100, 100)),
        (side(A), side(B), (-1000, 0)),
        (side(A | 1), side(A), (0, 40)),  # the 'was primary' bit is masked off
    ],
)
def test_rule_table(me: Side, peer: Side, expected: tuple[int, int]) -> None:
    assert uuid_compare(me, peer, resolve_conflicts=False) == expected


def test_both_crashed_primaries_token_holder_is_target() -> None:
    f = Flag.CRASHED_PRIMARY
    assert uuid_compare(side(A, flags=f), side(A, flags=f), True) == (-1, 40)
    assert uuid_compare(side(A, flags=f), side(A, flags=f), False) == (1, 40)


def generation_history(seed: int) -> tuple[GenIds, GenIds]:
    """Two replicas through a real life: initial sync, disconnect, writes on the Primary."""
    rng = Random(seed)
    a = GenIds().new_current(rng, primary=True)  # primary --force
    a, sync = a.start_resync_source()
    b = GenIds().start_resync_target(sync)
    a = a.finish_resync_source()
    b = b.finish_resync_target(a)
    return a, b


def test_lifecycle_resync_and_resume() -> None:
    rng = Random(2)
    a, b = generation_history(1)
    assert uuid_compare(Side(a), Side(b), False)[0] == 0
    # the Primary loses its peer: a new generation; the Secondary keeps its own
    a2 = a.new_current(rng, primary=True)
    assert uuid_compare(Side(a2, role=P), Side(b), False) == (1, 70)
    assert uuid_compare(Side(b), Side(a2, role=P), True) == (-1, 50)
    # resync starts, the sync UUID reaches the target, then the link breaks
    a3, sync = a2.start_resync_source()
    b3 = b.start_resync_target(sync)
    assert uuid_compare(Side(a3), Side(b3, disk=DiskState.INCONSISTENT), False)[0] == 1
    # the sync UUID never arrived: rule 71/51 undo the rotation
    assert uuid_compare(Side(a3), Side(b), False) == (1, 71)
    assert uuid_compare(Side(b), Side(a3), True) == (-1, 51)
    # both promoted while apart: split brain with a common parent (rule 90)
    b4 = b.new_current(rng, primary=True)
    assert uuid_compare(Side(a2), Side(b4), False) == (100, 90)


@given(st.integers(0, 2**32), st.integers(0, 4), st.integers(0, 4), st.booleans())
def test_antisymmetric(seed: int, wa: int, wb: int, rc: bool) -> None:
    """Whatever the history, the two sides agree: hg(me, peer) == -hg(peer, me)."""
    rng = Random(f"later-{seed}")
    a, b = generation_history(seed)
    for _ in range(wa):
        a = a.promote_disconnected(rng)
    for _ in range(wb):
        b = b.promote_disconnected(rng)
    mine, _ = uuid_compare(Side(a), Side(b), rc)
    theirs, _ = uuid_compare(Side(b), Side(a), not rc)
    assert mine == (theirs if abs(mine) >= 100 else -theirs)
    if wa and wb:
        assert mine == 100, "both promoted apart: split brain with a common parent"
    elif wa or wb:
        assert mine == (1 if wa else -1), "only one side moved on: bitmap resync from it"
    else:
        assert mine == 0


def split(
    bits_a: int, bits_b: int, role_a: Role, role_b: Role, *, a_older: bool = True
) -> tuple[Side, Side]:
    """Two sides after a split brain with a common parent A (rule 90)."""
    bm_a = A | int(a_older)
    bm_b = A | int(not a_older)
    return (
        Side(GenIds(B | int(role_a == P), bm_a), role=role_a, bits=bits_a),
        Side(GenIds(C | int(role_b == P), bm_b), role=role_b, bits=bits_b),
    )


def both(me: Side, peer: Side, pol: Policies) -> tuple[Decision, Decision]:
    return sync_handshake(me, peer, pol, True), sync_handshake(peer, me, pol, False)


R0 = Policies("discard-younger-primary", "discard-secondary", "call-pri-lost-after-sb")


def test_r0_0pri_discard_younger_primary() -> None:
    a, b = split(5, 9, S, S, a_older=True)  # a was Primary first; b is the younger one
    da, db = both(a, b, R0)
    assert (da.outcome, db.outcome) == (Outcome.SOURCE, Outcome.TARGET)
    assert da.split_brain and db.split_brain
    assert "initial-split-brain" in da.handlers
    assert any("automatically solved" in line for line in da.log)


def test_r0_1pri_discard_secondary() -> None:
    a, b = split(5, 9, S, P, a_older=True)
    da, db = both(a, b, R0)
    assert (da.outcome, db.outcome) == (Outcome.TARGET, Outcome.SOURCE)


def test_r0_2pri_call_pri_lost_after_sb() -> None:
    a, b = split(5, 9, P, P, a_older=False)  # b is the older primary: a loses
    da, db = both(a, b, R0)
    assert da.outcome == Outcome.TARGET and da.demote and "pri-lost-after-sb" in da.handlers
    assert db.outcome == Outcome.SOURCE and not db.demote


def test_disconnect_policy_leaves_split_brain_with_handler() -> None:
    a, b = split(5, 9, S, S)
    da, db = both(a, b, Policies())
    assert da.outcome == db.outcome == Outcome.SPLIT_BRAIN
    assert da.handlers == ("initial-split-brain", "split-brain")
    assert "dropping connection" in da.log[-1]


def test_discard_my_data_resolves_manually() -> None:
    a, b = split(5, 9, S, S)
    a = Side(a.gi, role=S, bits=5, discard_my_data=True)
    da, db = both(a, b, Policies())
    assert (da.outcome, db.outcome) == (Outcome.TARGET, Outcome.SOURCE)
    assert any("manually solved" in line for line in da.log)


@pytest.mark.parametrize(
    ("policy", "bits", "expected"),
    [
        ("discard-zero-changes", (0, 4), Outcome.TARGET),
        ("discard-zero-changes", (4, 0), Outcome.SOURCE),
        ("discard-zero-changes", (3, 4), Outcome.SPLIT_BRAIN),
        ("discard-zero-changes", (0, 0), Outcome.TARGET),  # tie: token holder is target
        ("discard-least-changes", (3, 4), Outcome.TARGET),
        ("discard-least-changes", (5, 4), Outcome.SOURCE),
        ("discard-local", (5, 4), Outcome.TARGET),
        ("discard-remote", (5, 4), Outcome.SOURCE),
    ],
)
def test_0pri_policies(policy: str, bits: tuple[int, int], expected: Outcome) -> None:
    a, b = split(*bits, S, S)
    a = Side(GenIds(a.gi.current, A, a.gi.history), role=S, bits=bits[0])
    b = Side(GenIds(b.gi.current, A, b.gi.history), role=S, bits=bits[1])
    assert sync_handshake(a, b, Policies(after_sb_0pri=policy), True).outcome == expected


def test_consensus_needs_the_secondary_to_lose() -> None:
    pol = Policies("discard-least-changes", "consensus")
    a, b = split(3, 9, S, P)
    assert sync_handshake(a, b, pol, True).outcome == Outcome.TARGET
    a, b = split(9, 3, S, P)
    assert sync_handshake(a, b, pol, True).outcome == Outcome.SPLIT_BRAIN


def test_invalid_2pri_policy_is_configuration_error_and_disconnect() -> None:
    a, b = split(3, 9, P, P)
    d = sync_handshake(a, b, Policies(after_sb_2pri="discard-secondary"), True)
    assert d.outcome == Outcome.SPLIT_BRAIN and "Configuration error." in d.log


def test_disk_state_override_and_refusals() -> None:
    # the Inconsistent side is always the target
    d = sync_handshake(
        side(A, disk=DiskState.UP_TO_DATE),
        side(A, B, disk=DiskState.INCONSISTENT),
        Policies(),
        True,
    )
    assert d.outcome == Outcome.SOURCE
    # hg > 0 while we are inconsistent and the peer is too: refused
    d = sync_handshake(
        side(B, A, disk=DiskState.INCONSISTENT),
        side(A, disk=DiskState.INCONSISTENT),
        Policies(),
        True,
    )
    assert d.outcome == Outcome.REFUSED
    # a Primary told to become target: rr-conflict disconnect
    d = sync_handshake(side(A, role=P), side(B, A), Policies(), True)
    assert d.outcome == Outcome.REFUSED and "primary" in d.log[-1]
    d = sync_handshake(side(A, role=P), side(B, A), Policies(rr_conflict="violently"), True)
    assert d.outcome == Outcome.TARGET
    assert sync_handshake(side(A), side(B), Policies(), True).outcome == Outcome.UNRELATED


def test_get_gi_format() -> None:
    gi = GenIds(0xABC, 0, (1, 2))
    line = gi.get_gi(Flag.CONSISTENT | Flag.WAS_UP_TO_DATE)
    assert (
        line == "0000000000000ABC:0000000000000000:0000000000000001:0000000000000002:1:1:0:0:0:0:0"
    )
