"""Protocols A, B and C: a write completes exactly once, never before its rule holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paceline.core.errors import StateError
from paceline.replication.completion import Ev, Result, Tracker


@pytest.mark.parametrize(
    ("protocol", "peer_events", "due_after"),
    [
        ("A", [Ev.SENT, Ev.RECV_ACK, Ev.WRITE_ACK], Ev.SENT),
        ("B", [Ev.SENT, Ev.RECV_ACK, Ev.WRITE_ACK], Ev.RECV_ACK),
        ("C", [Ev.SENT, Ev.RECV_ACK, Ev.WRITE_ACK], Ev.WRITE_ACK),
    ],
)
def test_write_completes_by_protocol(protocol: str, peer_events: list[Ev], due_after: Ev) -> None:
    t = Tracker(protocol)
    r = t.submit(7, connected=True)
    assert t.feed(r.rid, Ev.LOCAL_DONE) is None
    for ev in peer_events:
        result = t.feed(r.rid, ev)
        if ev is due_after:
            assert result is Result.OK
            break
        assert result is None
    assert not t.inflight


def test_local_done_is_always_needed() -> None:
    t = Tracker("C")
    r = t.submit(1, connected=True)
    assert t.feed(r.rid, Ev.SENT) is None
    assert t.feed(r.rid, Ev.WRITE_ACK) is None  # peer wrote it, our disk has not
    assert t.feed(r.rid, Ev.LOCAL_DONE) is Result.OK


def test_flush_waits_for_the_peer_barrier_in_every_protocol() -> None:
    for protocol in "ABC":
        t = Tracker(protocol)
        f = t.submit(-1, connected=True)
        assert t.feed(f.rid, Ev.LOCAL_DONE) is None
        assert t.feed(f.rid, Ev.SENT) is None
        assert t.feed(f.rid, Ev.WRITE_ACK) is Result.OK


def test_peer_lost_completes_locally_and_marks_out_of_sync() -> None:
    t = Tracker("C")
    r = t.submit(3, connected=True)
    t.feed(r.rid, Ev.LOCAL_DONE)
    assert t.feed(r.rid, Ev.PEER_LOST) is Result.OK_OUT_OF_SYNC
    d = t.submit(4, connected=False)
    assert t.feed(d.rid, Ev.LOCAL_DONE) is Result.OK_OUT_OF_SYNC


def test_local_error_is_eio_unless_the_peer_has_the_data() -> None:
    t = Tracker("C")
    r = t.submit(3, connected=True)
    t.feed(r.rid, Ev.LOCAL_ERROR)
    assert t.feed(r.rid, Ev.WRITE_ACK) is Result.OK
    r = t.submit(3, connected=True)
    t.feed(r.rid, Ev.LOCAL_ERROR)
    assert t.feed(r.rid, Ev.PEER_LOST) is Result.EIO
    f = t.submit(-1, connected=False)
    assert t.feed(f.rid, Ev.LOCAL_ERROR) is Result.EIO


def test_unexpected_events_are_state_errors() -> None:
    t = Tracker("C")
    r = t.submit(3, connected=False)
    with pytest.raises(StateError):
        t.feed(r.rid, Ev.WRITE_ACK)
    t.feed(r.rid, Ev.LOCAL_DONE)
    with pytest.raises(StateError):
        t.feed(r.rid, Ev.LOCAL_DONE)  # done and gone
    with pytest.raises(StateError):
        Tracker("C", limit=1).submit(0, True) and Tracker("C", limit=0).submit(0, True)
    with pytest.raises(ValueError):
        Tracker("D")


@given(
    st.sampled_from("ABC"),
    st.permutations([Ev.LOCAL_DONE, Ev.SENT, Ev.RECV_ACK, Ev.WRITE_ACK]),
    st.integers(0, 4),
)
def test_any_order_completes_once_and_only_when_due(
    protocol: str, order: list[Ev], lose_at: int
) -> None:
    """Whatever order events arrive in (and wherever the link breaks), the write
    completes exactly once; OK only if local is done and the peer reached the rank."""
    rank = {"A": Ev.SENT, "B": Ev.RECV_ACK, "C": Ev.WRITE_ACK}[protocol]
    t = Tracker(protocol)
    r = t.submit(9, connected=True)
    events = list(order)
    events.insert(lose_at, Ev.PEER_LOST)
    seen: list[Ev] = []
    results = []
    for ev in events:
        if not t.inflight:
            break
        if ev is not Ev.LOCAL_DONE and Ev.PEER_LOST in seen:
            continue  # nothing comes from a lost peer
        seen.append(ev)
        result = t.feed(r.rid, ev)
        if result is not None:
            results.append(result)
    assert len(results) == 1
    ranks = [Ev.SENT, Ev.RECV_ACK, Ev.WRITE_ACK]
    before_loss = seen[: seen.index(Ev.PEER_LOST)] if Ev.PEER_LOST in seen else seen
    due = Ev.LOCAL_DONE in before_loss and any(e in before_loss for e in ranks[ranks.index(rank) :])
    assert Ev.LOCAL_DONE in seen
    # a peer lost before the rule held: done locally only, the block is out of sync
    assert results[0] is (Result.OK if due else Result.OK_OUT_OF_SYNC)
