"""Each membership checker fires on a bad history (and stays quiet on a good one)."""

from __future__ import annotations

from paceline.membership.events import Delivered, QuorumChanged, RingId, View, ViewInstalled
from paceline.membership.quorum import QuorumState
from paceline.sim.checkers import Checker, Observation, check_history
from paceline.sim.membership_checkers import (
    AtMostOneDC,
    Convergence,
    DeliveryInView,
    FifoPerSender,
    MonotonicRings,
    QuorumArithmetic,
    ViewAgreement,
    VirtualSynchrony,
)
from paceline.sim.node import Booted, Crashed

IDS = {"n1": 1, "n2": 2, "n3": 3}


def installed(seq: int, rep: int, members: tuple[int, ...], dc: int | None = None) -> ViewInstalled:
    quorate = 2 * len(members) > 3
    return ViewInstalled(View(RingId(seq, rep), members, dc or members[0], quorate))


def obs(t: float, node: str, event: object) -> Observation:
    return Observation(t, node, event)


def fired(checker: Checker, history: list[Observation], end: float = 100.0) -> list[str]:
    return [v.message for v in check_history([checker], history, end)]


def test_view_agreement_fires_on_two_member_lists_for_one_ring() -> None:
    good = [obs(1, "n1", installed(1, 1, (1, 2))), obs(1, "n2", installed(1, 1, (1, 2)))]
    assert not fired(ViewAgreement(), good)
    bad = [*good, obs(2, "n3", installed(1, 1, (1, 2, 3)))]
    assert fired(ViewAgreement(), bad)


def test_monotonic_rings_fires_on_a_repeated_ring_across_a_restart() -> None:
    history = [
        obs(0, "n1", Booted(0)),
        obs(1, "n1", installed(3, 1, (1,))),
        obs(2, "n1", Crashed(0)),
        obs(3, "n1", Booted(1)),
        obs(4, "n1", installed(3, 1, (1, 2))),
    ]
    assert fired(MonotonicRings(), history)
    assert not fired(MonotonicRings(), [*history[:4], obs(4, "n1", installed(4, 1, (1, 2)))])


def test_quorum_arithmetic_fires_on_a_quorate_minority() -> None:
    checker = QuorumArithmetic({1: 1, 2: 1, 3: 1}, 3)
    lie = ViewInstalled(View(RingId(2, 3), (3,), 3, True))
    assert fired(checker, [obs(1, "n3", lie)])
    assert not fired(
        QuorumArithmetic({1: 1, 2: 1, 3: 1}, 3), [obs(1, "n1", installed(1, 1, (1, 2)))]
    )
    state = QuorumState(
        quorate=True, quorum=1, expected_votes=3, highest_expected=3, total_votes=1,
        members=(3,), two_node=False, wait_for_all=False, waiting_for_all=False,
        last_man_standing=False, auto_tie_breaker=False, allow_downscale=False,
    )  # fmt: skip
    assert fired(QuorumArithmetic({1: 1, 2: 1, 3: 1}, 3), [obs(1, "n3", QuorumChanged(state))])


def test_delivery_in_view_fires_on_a_message_of_the_old_view() -> None:
    old, new = installed(1, 1, (1, 2)), installed(2, 1, (1,))
    history = [
        obs(0, "n1", Booted(0)),
        obs(1, "n1", old),
        obs(2, "n1", Delivered(RingId(1, 1), 2, 1, b"x")),
        obs(3, "n1", new),
    ]
    assert not fired(DeliveryInView(), history)
    late = [*history, obs(4, "n1", Delivered(RingId(1, 1), 2, 2, b"y"))]
    assert fired(DeliveryInView(), late)


def test_fifo_fires_on_a_gap_and_on_a_reorder() -> None:
    ring = RingId(1, 1)
    base = [obs(0, "n1", Booted(0)), obs(1, "n1", installed(1, 1, (1, 2)))]
    ok = [*base, obs(2, "n1", Delivered(ring, 2, 1, b"")), obs(3, "n1", Delivered(ring, 2, 2, b""))]
    assert not fired(FifoPerSender(), ok)
    gap = [*base, obs(2, "n1", Delivered(ring, 2, 2, b""))]
    assert fired(FifoPerSender(), gap)
    swapped = [
        *base,
        obs(2, "n1", Delivered(ring, 2, 1, b"")),
        obs(3, "n1", Delivered(ring, 2, 1, b"")),
    ]
    assert fired(FifoPerSender(), swapped)


def test_virtual_synchrony_fires_when_two_movers_delivered_differently() -> None:
    ring = RingId(1, 1)
    history = []
    for node in ("n1", "n2"):
        history += [obs(0, node, Booted(0)), obs(1, node, installed(1, 1, (1, 2, 3)))]
    history.append(obs(2, "n1", Delivered(ring, 3, 1, b"")))
    good = [*history, obs(2, "n2", Delivered(ring, 3, 1, b""))]
    good += [obs(3, "n1", installed(2, 1, (1, 2))), obs(3, "n2", installed(2, 1, (1, 2)))]
    assert not fired(VirtualSynchrony(), good)
    bad = [*history, obs(3, "n1", installed(2, 1, (1, 2))), obs(3, "n2", installed(2, 1, (1, 2)))]
    assert fired(VirtualSynchrony(), bad)


def test_one_dc_fires_on_two_lasting_dcs_that_see_each_other() -> None:
    history = [
        obs(0, "n1", Booted(0)),
        obs(0, "n2", Booted(0)),
        obs(1, "n1", installed(1, 1, (1, 2), dc=1)),
        obs(1, "n2", installed(2, 2, (1, 2), dc=2)),
    ]
    assert not fired(AtMostOneDC(IDS, 5.0), history, end=3.0)  # within the grace
    assert fired(AtMostOneDC(IDS, 5.0), history, end=10.0)
    apart = [
        *history[:2],
        obs(1, "n1", installed(1, 1, (1,), dc=1)),
        obs(1, "n2", installed(2, 2, (2,), dc=2)),
    ]
    assert not fired(AtMostOneDC(IDS, 5.0), apart, end=10.0)


def test_convergence_fires_on_a_split_end_and_on_a_late_view() -> None:
    base = [obs(0, n, Booted(0)) for n in IDS]
    joined = [obs(21, n, installed(5, 1, (1, 2, 3))) for n in IDS]
    assert not fired(Convergence(IDS, 20.0, 4.0), base + joined)
    assert fired(Convergence(IDS, 20.0, 4.0), base + joined[:2])
    late = [obs(30, n, installed(5, 1, (1, 2, 3))) for n in IDS]
    assert fired(Convergence(IDS, 20.0, 4.0), base + late)
