"""Version negotiation and identifiers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paceline.core.errors import ProtocolError
from paceline.core.ids import RingId, generation, node_id
from paceline.core.versions import decode_offer, encode_offer, negotiate

version_sets = st.frozensets(st.integers(0, 255), min_size=1, max_size=8)

# No timing in tests: the machine is shared and loaded (hypothesis's deadline is one).
NO_DEADLINE = settings(deadline=None)


@NO_DEADLINE
@given(ours=version_sets, theirs=version_sets)
def test_both_sides_agree_on_the_highest_common_version(
    ours: frozenset[int], theirs: frozenset[int]
) -> None:
    if ours & theirs:
        assert negotiate(ours, theirs) == negotiate(theirs, ours) == max(ours & theirs)
    else:
        with pytest.raises(ProtocolError, match="no common protocol version"):
            negotiate(ours, theirs)


def test_offer_round_trip_and_upgrade_path() -> None:
    old, new = {1}, {1, 2}
    assert negotiate(new, decode_offer(encode_offer("membership", old), "membership")) == 1
    assert negotiate(new, decode_offer(encode_offer("membership", new), "membership")) == 2


@pytest.mark.parametrize(
    ("offer", "message"),
    [
        ([1, 2], "not a map"),
        ({"protocol": "replication", "versions": [1]}, "for protocol 'replication'"),
        ({"protocol": "membership", "versions": []}, "bad versions"),
        ({"protocol": "membership", "versions": [1, "2"]}, "bad versions"),
        ({"protocol": "membership", "versions": [True]}, "bad versions"),
        ({"protocol": "membership", "versions": [256]}, "bad versions"),
        ({"protocol": "membership", "versions": list(range(33))}, "bad versions"),
    ],
)
def test_malformed_offers_are_protocol_errors(offer: object, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        decode_offer(offer, "membership", peer="node2")


@NO_DEADLINE
@given(
    a=st.tuples(st.integers(0, 99), st.integers(1, 9)),
    b=st.tuples(st.integers(0, 99), st.integers(1, 9)),
)
def test_ring_ids_order_by_seq_then_representative(a: tuple[int, int], b: tuple[int, int]) -> None:
    ra, rb = RingId(a[0], node_id(a[1])), RingId(b[0], node_id(b[1]))
    assert (ra < rb) == (a < b)
    assert (ra == rb) == (a == b)


@NO_DEADLINE
@given(
    seen=st.lists(st.builds(RingId, st.integers(0, 1000), st.integers(1, 50)), max_size=5),
    rep=st.integers(1, 50),
)
def test_successor_is_strictly_greater_than_everything_seen(seen: list[RingId], rep: int) -> None:
    new = RingId.successor(None, *seen, representative=node_id(rep))
    assert all(new > r for r in seen)
    assert new.representative == rep


def test_id_ranges() -> None:
    with pytest.raises(ValueError, match="node id 0 out of range"):
        node_id(0)
    with pytest.raises(ValueError, match="must be an integer"):
        node_id(True)
    with pytest.raises(ValueError, match="out of range"):
        RingId(-1, node_id(1))
    with pytest.raises(ValueError, match="generation"):
        generation(2**64)
    assert str(RingId(4, node_id(2))) == "4.2"
