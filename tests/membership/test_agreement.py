"""The pure decisions: the greedy clique, the DC and the flush cuts, the state table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paceline.core.errors import StateError
from paceline.membership import wire
from paceline.membership.agreement import (
    TRANSITIONS,
    Input,
    Phase,
    decide_install,
    greedy_clique,
    next_phase,
)
from paceline.membership.events import RingId


def mutual_of(hears: dict[int, set[int]]):  # type: ignore[no-untyped-def]
    return lambda a, b: b in hears.get(a, set()) and a in hears.get(b, set())


def test_a_one_way_cut_splits_into_the_same_cliques_everywhere() -> None:
    hears = {1: {2}, 2: {1, 3}, 3: {2}}  # 1 hears 2, 3 hears 2, 3 does not hear 1
    hears[1].add(3)  # 1 hears 3 (one way)
    mutual = mutual_of(hears)
    assert greedy_clique(1, hears, mutual) == (1, 2)
    assert greedy_clique(2, hears, mutual) == (1, 2)
    assert greedy_clique(3, hears, mutual) == (3,)


@given(
    st.dictionaries(st.integers(1, 8), st.sets(st.integers(1, 8), max_size=8), min_size=1),
    st.integers(1, 8),
)
def test_the_clique_holds_me_and_only_mutually_reachable_nodes(
    hears: dict[int, set[int]], me: int
) -> None:
    mutual = mutual_of(hears)
    clique = greedy_clique(me, hears, mutual)
    assert me in clique and list(clique) == sorted(set(clique))
    for a in clique:
        for b in clique:
            assert a == b or mutual(a, b)
    for other in clique:  # everyone in my clique computes the same clique
        assert greedy_clique(other, hears, mutual) == clique


def accept(ring: RingId, old: RingId | None, dc: int, received: dict[int, int]) -> wire.Accept:
    return wire.Accept(ring, True, 0, ring.seq, old, dc, tuple(sorted(received.items())))


def test_the_dc_of_the_newest_old_view_stays_and_cuts_take_the_minimum() -> None:
    new, older, newer = RingId(9, 1), RingId(5, 2), RingId(7, 3)
    answers = {
        1: accept(new, older, 2, {1: 4, 2: 6}),
        2: accept(new, older, 2, {1: 3, 2: 6}),
        3: accept(new, newer, 3, {3: 2}),
        4: accept(new, None, 0, {}),
    }
    install = decide_install(new, answers)
    assert install.members == (1, 2, 3, 4)
    assert install.dc == 3  # the DC of ring 7.3, the newest old view
    cuts = {c.ring: dict(c.upto) for c in install.cuts}
    assert cuts == {older: {1: 3, 2: 6}, newer: {3: 2}}


def test_without_a_previous_dc_among_the_members_the_lowest_id_is_dc() -> None:
    new, old = RingId(4, 2), RingId(3, 1)
    install = decide_install(new, {2: accept(new, old, 1, {}), 3: accept(new, old, 1, {})})
    assert install.dc == 2


def test_the_state_table_says_no_to_what_it_does_not_list() -> None:
    for phase in Phase:
        for what in Input:
            if (phase, what) in TRANSITIONS:
                assert next_phase(phase, what) is TRANSITIONS[(phase, what)]
            else:
                with pytest.raises(StateError):
                    next_phase(phase, what)
