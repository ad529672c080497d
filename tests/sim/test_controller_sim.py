"""Controller cores over real membership cores in the simulator (S4, run-once, convergence)."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("paceline.membership.core")

from paceline.sim.checkers import Observation, check_history
from paceline.sim.controller import (
    RESOURCES,
    AtMostOnce,
    Converged,
    Running,
    RunOnce,
    StartedTwice,
    StateChanged,
    draw,
    run,
)
from paceline.sim.node import Crashed
from paceline.sim.system import Crash


@pytest.mark.parametrize("seed", range(1, 16))
def test_random_faults_keep_s4_and_converge(seed: int) -> None:
    result = run(seed)
    assert result.ok, "\n".join(str(v) for v in result.violations[:10]) + f"\nreplay: run({seed})"


def test_same_seed_same_trace() -> None:
    assert run(3).trace == run(3).trace


def test_crash_of_the_active_node_moves_the_group() -> None:
    sc = draw(1)
    sc = replace(sc, nodes=3, nemesis=(Crash(5.0, down=20.0, node="n1"),))
    sc = replace(sc, membership=replace(sc.membership, nodes=3))
    result = run(1, sc)
    assert result.ok, result.violations
    starts = [line for line in result.trace if "running ['d1', 'vip']" in line]
    assert {line.split()[1] for line in starts} >= {"n1", "n2"}  # first n1, then moved


def test_dc_dying_mid_transition_loses_no_action_and_runs_none_twice() -> None:
    # The group prefers n2; n1 is the DC. Starts take 2 s; the DC dies while n2 starts.
    sc = draw(2)
    sc = replace(
        sc,
        nodes=3,
        nemesis=(Crash(1.0, down=3.0, node="n1"),),
        agent_delay=2.0,
        extra_config="location prefer-n2 g 50: n2\n",
    )
    sc = replace(sc, membership=replace(sc.membership, nodes=3))
    result = run(2, sc)
    assert result.ok, result.violations
    waited = [line for line in result.trace if "still running from an earlier DC" in line]
    assert waited, "the new DC did not wait for the action the old one sent"
    assert any("running ['d1', 'vip']" in line and " n2 " in line for line in result.trace)


def _ob(t: float, node: str, event: object) -> Observation:
    return Observation(t, node, event)


def test_checkers_fire() -> None:
    both = [_ob(1, "n1", Running(frozenset({"vip"}))), _ob(2, "n2", Running(frozenset({"vip"})))]
    assert check_history([AtMostOnce(RESOURCES)], both, 3)
    assert not check_history([AtMostOnce(RESOURCES, [(1.5, 2.5)])], both, 3)
    crashed = [both[0], _ob(1.5, "n1", Crashed(0)), both[1]]
    assert not check_history([AtMostOnce(RESOURCES)], crashed, 3)
    assert check_history([RunOnce()], [_ob(1, "n1", StartedTwice("vip"))], 2)
    # nothing runs at the end, or a DC is busy: not converged
    assert check_history([Converged(RESOURCES)], [], 5)
    done = [_ob(1, "n1", Running(frozenset(RESOURCES))), _ob(1, "n1", StateChanged("running"))]
    found = check_history([Converged(RESOURCES)], done, 5)
    assert [v.message for v in found] == ["controllers still busy at the end: ['n1']"]
