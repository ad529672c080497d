"""Anti-replay windows checked against a model: a set of everything accepted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paceline.core.errors import StateError
from paceline.core.ids import NodeId
from paceline.core.replay import ReplayFilter, ReplayWindow, SequenceCounter, Verdict

# No timing in tests: the machine is shared and loaded (hypothesis's deadline is one).
NO_DEADLINE = settings(deadline=None)


def model_verdict(seen: set[int], seq: int, size: int) -> Verdict:
    top = max(seen, default=-1)
    if seq <= top - size:
        return Verdict.TOO_OLD
    if seq in seen:
        return Verdict.DUPLICATE
    return Verdict.ACCEPTED


@NO_DEADLINE
@given(
    size=st.integers(1, 70),
    seqs=st.lists(st.integers(0, 200) | st.integers(0, 2**64 - 1), max_size=120),
)
def test_window_agrees_with_the_model(size: int, seqs: list[int]) -> None:
    window, seen = ReplayWindow(size), set[int]()
    for seq in seqs:
        expected = model_verdict(seen, seq, size)
        assert window.check(seq) == expected
        assert window.accept(seq) == expected
        if expected is Verdict.ACCEPTED:
            seen.add(seq)


@NO_DEADLINE
@given(seqs=st.lists(st.integers(0, 3000), max_size=200))
def test_each_sequence_number_is_accepted_at_most_once(seqs: list[int]) -> None:
    window = ReplayWindow(64)
    accepted = [s for s in seqs + seqs if window.accept(s) is Verdict.ACCEPTED]
    assert len(accepted) == len(set(accepted))


def test_window_edges() -> None:
    window = ReplayWindow(4)
    assert window.accept(10) is Verdict.ACCEPTED
    assert window.accept(7) is Verdict.ACCEPTED  # 10-3: last slot in the window
    assert window.accept(6) is Verdict.TOO_OLD  # 10-4: just outside
    assert window.accept(7) is Verdict.DUPLICATE
    assert window.accept(2**64 - 1) is Verdict.ACCEPTED  # a huge jump slides cleanly
    assert window.accept(10) is Verdict.TOO_OLD
    with pytest.raises(ValueError, match="out of range"):
        window.accept(2**64)


def test_filter_keeps_senders_apart_and_is_bounded() -> None:
    replay = ReplayFilter(window=8, max_senders=2)
    assert replay.accept(NodeId(1), 5) is Verdict.ACCEPTED
    assert replay.accept(NodeId(2), 5) is Verdict.ACCEPTED
    assert replay.accept(NodeId(1), 5) is Verdict.DUPLICATE
    assert replay.accept(NodeId(3), 1) is Verdict.TOO_MANY_SENDERS
    replay.forget(NodeId(2))
    assert replay.accept(NodeId(3), 1) is Verdict.ACCEPTED
    assert len(replay) == 2


def test_sequence_counter_across_a_restart_never_looks_like_a_replay() -> None:
    window = ReplayWindow(16)
    first = SequenceCounter(incarnation=7)
    for _ in range(100):
        assert window.accept(first.next()) is Verdict.ACCEPTED
    rebooted = SequenceCounter(incarnation=8)
    assert window.accept(rebooted.next()) is Verdict.ACCEPTED
    assert window.accept(first.next()) is Verdict.TOO_OLD  # the old life is over


def test_sequence_counter_refuses_to_wrap() -> None:
    counter = SequenceCounter(incarnation=1, _next=2**32 - 1)
    assert counter.next() == 2**33 - 1
    with pytest.raises(StateError, match="exhausted"):
        counter.next()
