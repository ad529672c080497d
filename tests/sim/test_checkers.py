"""Every checker fires on a bad history, stays quiet on a good one, and fires in a real
run when the thing it guards is broken (testing.md H1)."""

from __future__ import annotations

import dataclasses
from functools import partial

from paceline.core.ids import NodeId
from paceline.sim.checkers import Observation, check_history
from paceline.sim.demo import AtMostOnce, Converged, Heard, PeerDown, PeerUp, install
from paceline.sim.net import LinkFaults
from paceline.sim.node import Booted, Crashed
from paceline.sim.scenario import SCENARIOS, Partition, Scenario, run

NAMES = {NodeId(1): "n1", NodeId(2): "n2", NodeId(3): "n3"}


def obs(time: float, node: str, event: object) -> Observation:
    return Observation(time, node, event)


def test_at_most_once_fires_on_a_frame_accepted_twice() -> None:
    history = [
        obs(0.0, "n2", Booted(0)),
        obs(1.0, "n2", Heard(NodeId(1), 7)),
        obs(1.5, "n2", Heard(NodeId(1), 8)),
        obs(2.0, "n2", Heard(NodeId(1), 7)),
    ]
    [violation] = check_history([AtMostOnce()], history, end=3.0)
    assert str(violation) == "2.000000 n2 at-most-once: accepted from 1 seq 0:7 twice"


def test_at_most_once_allows_the_same_frame_in_a_new_life() -> None:
    history = [
        obs(0.0, "n2", Booted(0)),
        obs(1.0, "n2", Heard(NodeId(1), 7)),
        obs(1.1, "n2", Crashed(0)),
        obs(1.2, "n2", Booted(1)),
        obs(1.3, "n2", Heard(NodeId(1), 7)),
    ]
    assert check_history([AtMostOnce()], history, end=3.0) == []


def test_converged_fires_when_a_live_node_misses_a_peer_or_sees_a_dead_one() -> None:
    boots = [obs(0.0, n, Booted(0)) for n in ("n1", "n2", "n3")]
    everyone_up = [
        obs(0.1, a, PeerUp(i)) for a in ("n1", "n2", "n3") for i, b in NAMES.items() if a != b
    ]
    assert check_history([Converged(NAMES)], boots + everyone_up, end=9.0) == []
    bad = [*boots, *everyone_up, obs(5.0, "n1", PeerDown(NodeId(3)))]
    [violation] = check_history([Converged(NAMES)], bad, end=9.0)
    assert violation.node == "n1"
    assert violation.message == "sees ['n2'] up, expected ['n2', 'n3']"
    crashed = [*boots, *everyone_up, obs(5.0, "n3", Crashed(0))]
    found = check_history([Converged(NAMES)], crashed, end=9.0)
    assert [v.node for v in found] == ["n1", "n2"]  # they still see the dead n3 up


def test_at_most_once_fires_in_a_real_run_without_replay_protection() -> None:
    dup = Scenario("dup", faults=LinkFaults(duplicate=0.5), duration=2.0, settle=1.0)
    assert run(1, dup).ok
    broken = run(1, dataclasses.replace(dup, install=partial(install, replay_protection=False)))
    assert not broken.ok
    assert {v.checker for v in broken.violations} == {"at-most-once"}
    assert any(" V at-most-once " in line for line in broken.trace)


def test_converged_fires_in_a_real_run_that_never_heals_in_time() -> None:
    late = Scenario("late", duration=4.0, settle=0.0, nemesis=(Partition(1.0, 4.0, ("n1",)),))
    result = run(1, late)
    assert {v.checker for v in result.violations} == {"converged"}
    assert sorted({v.node or "-" for v in result.violations}) == ["n1", "n2", "n3"]
    assert run(1, dataclasses.replace(late, duration=6.0, settle=2.0)).ok


def test_the_shipped_scenarios_pass_on_several_seeds() -> None:
    failures = [
        result.summary()
        for name in sorted(SCENARIOS)
        for seed in range(1, 4)
        if not (result := run(seed, SCENARIOS[name])).ok
    ]
    assert failures == []
