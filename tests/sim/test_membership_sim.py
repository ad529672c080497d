"""Membership under random faults: 200 seeds pass every checker, and broken cores are caught.

The broken cores break one rule each on purpose (a quorum check skipped, a
ring id reused, a message delivered after the view changed); the simulator
must report each within 200 seeds, or its checkers check nothing.
"""

from __future__ import annotations

from collections import deque

from paceline.core.frame import AuthMode
from paceline.membership.core import MembershipCore
from paceline.membership.events import Delivered, RingId
from paceline.membership.messaging import ViewStreams
from paceline.membership.wire import Install
from paceline.sim.membership import CoreFactory, MembershipScenario, draw, run, run_seeds
from paceline.sim.net import LinkFaults
from paceline.sim.system import Crash, Partition, Pause, SwizzleClog, Unplug

CI_SEEDS = 200


def test_two_hundred_seeds_pass_every_membership_checker() -> None:
    lines: list[str] = []
    failed = []
    for seed in range(1, CI_SEEDS + 1):
        result = run(seed, draw(seed, small=True))
        if not result.ok:
            failed.append(seed)
            lines += [f"seed {seed}: {v}" for v in result.violations[:3]]
    assert not failed, "\n".join(lines)


def test_a_seed_replays_byte_for_byte() -> None:
    first, again = run(7, draw(7, small=True)), run(7, draw(7, small=True))
    assert first.trace == again.trace
    assert first.stats == again.stats


def test_every_drawn_scenario_has_fifty_token_periods_and_three_faults() -> None:
    for seed in range(1, 200):
        sc = draw(seed)
        assert sc.duration >= 50 * sc.token
        assert len(sc.nemesis) >= 3
        assert 2 <= sc.nodes <= 5 and 1 <= sc.links <= 3


class SkipsQuorum(MembershipCore):
    """Calls every view quorate."""

    def _quorate(self, computed: bool) -> bool:
        return True


class ReusesRingIds(MembershipCore):
    """Proposes the ring seq it already has, and accepts such proposals."""

    def _next_ring(self, seq: int) -> RingId:
        return RingId(max(seq, 1), self.me)

    def _promise_floor(self) -> int:
        return 0


class DeliversAfterTheViewChange(MembershipCore):
    """Flushes the old view's messages after announcing the new view."""

    def _install(self, m: Install, now: float) -> None:
        before = len(self._events)
        super()._install(m, now)
        new = list(self._events)[before:]
        late = [e for e in new if isinstance(e, Delivered)]
        rest = [e for e in new if not isinstance(e, Delivered)]
        kept = list(self._events)[:before]
        self._events = deque([*kept, *rest, *late])


def first_caught(core: CoreFactory) -> tuple[int, set[str]] | None:
    for seed in range(1, CI_SEEDS + 1):
        result = run(seed, draw(seed, small=True), core=core)
        if not result.ok:
            return seed, {v.checker for v in result.violations}
    return None


def test_a_core_that_skips_the_quorum_check_is_caught() -> None:
    caught = first_caught(SkipsQuorum)
    assert caught is not None and "quorum-arithmetic" in caught[1]


def test_a_core_that_reuses_ring_ids_is_caught() -> None:
    caught = first_caught(ReusesRingIds)
    assert caught is not None
    assert caught[1] & {"monotonic-rings", "S9-view-agreement"}


def test_a_core_that_delivers_after_the_view_change_is_caught() -> None:
    caught = first_caught(DeliversAfterTheViewChange)
    assert caught is not None and "delivery-in-view" in caught[1]


def test_run_seeds_reports_the_replaying_seed() -> None:
    out: list[str] = []
    failed = run_seeds(1, 5, core=SkipsQuorum, out=out.append, small=True)
    assert failed
    assert any(line.startswith("replay: paceline sim membership --seed") for line in out)


def test_view_streams_flush_delivers_only_up_to_the_cut() -> None:
    ring = RingId(1, 1)
    a = ViewStreams(ring, (1, 2), 1, window=8, rto=0.1)
    from paceline.membership.messaging import Fragment

    for seq in (1, 2, 3):
        a.receive(2, seq, Fragment(seq, True, f"m{seq}".encode()))
    a.freeze()
    assert a.received()[2] == 3
    assert a.deliverable() == []  # frozen: nothing more in normal operation
    delivered, dropped = a.flush({2: 2})
    assert [p for _, _, p in delivered] == [b"m1", b"m2"]
    assert dropped == 1


def test_regression_seed_31_a_restarted_node_never_reuses_its_ring_id() -> None:
    """Seed 31 (small) once reinstalled ring 4.1 after a crash: the ring seq was
    persisted only now and then, so the restarted node proposed it again."""
    scenario = MembershipScenario(
        nodes=2, links=2, multicast=True, auth=AuthMode.HMAC_SHA256,
        faults=LinkFaults(delay=0.01, jitter=0.001, loss=0.0, duplicate=0.01, reorder=0.02),
        nemesis=(
            Crash(at=11.240607895391936, down=1.0935131714453958, node="n1"),
            Unplug(at=4.006956931160526, until=7.1144992556062, node="n2", network="ring0"),
            Partition(at=6.583053941335189, until=8.909521861655989, side=("n2",)),
            Crash(at=10.613564759478786, down=1.9517899274379247, node="n2"),
        ),
        duration=25.0, settle=5.0, message_every=0.25,
    )  # fmt: skip
    result = run(31, scenario)
    assert result.ok, result.violations


def test_regression_seed_7088_a_proposer_that_promised_another_ring_drops_its_own() -> None:
    """Seed 7088 (5 nodes) once raised StateError: a proposer promised a rival's
    ring, installed it, then late answers completed its own proposal."""
    scenario = MembershipScenario(
        nodes=5, links=2, multicast=True, auth=AuthMode.NONE,
        faults=LinkFaults(delay=0.002, jitter=0.001, loss=0.05, reorder=0.02),
        nemesis=(
            Pause(at=4.518558704874988, length=0.6360277629686787, node="n2"),
            Crash(at=14.374266190745633, down=2.8841583060710767, node="n5"),
            Unplug(at=17.71592674283741, until=18.686821691382043, node="n3", network="ring0"),
            Partition(
                at=10.035988053258666, until=11.657283636045335, side=("n5", "n3"), one_way=True
            ),
            SwizzleClog(at=15.867194923208933, step=0.025, hold=0.6791135133325903),
            SwizzleClog(at=15.24582408180182, step=0.025, hold=0.5868962959110037),
        ),
        duration=25.0, settle=5.0, message_every=0.25, clock_skew=5.0, clock_drift=0.001,
    )  # fmt: skip
    result = run(7088, scenario)
    assert result.ok, result.violations
