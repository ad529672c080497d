"""A run is a pure function of (seed, scenario): same seed, same trace, byte for byte."""

from __future__ import annotations

import subprocess
import sys

import pytest

from paceline.sim.__main__ import main
from paceline.sim.scenario import SCENARIOS, Partition, Scenario, run, swarm


def test_the_same_seed_gives_a_byte_identical_trace() -> None:
    first = run(42, SCENARIOS["chaos"])
    second = run(42, SCENARIOS["chaos"])
    assert "\n".join(first.trace) == "\n".join(second.trace)
    assert first.stats == second.stats
    assert len(first.trace) > 1000


def test_different_seeds_give_different_traces() -> None:
    traces = {"\n".join(run(seed, SCENARIOS["chaos"]).trace) for seed in range(1, 5)}
    assert len(traces) == 4


def test_the_chaos_trace_shows_every_kind_of_fault() -> None:
    trace = run(1, SCENARIOS["chaos"]).trace
    kinds = {tuple(line.split()[2:4]) for line in trace}
    for kind in [
        ("x", "loss"),
        ("=", "dup"),
        ("x", "partition"),
        ("*", "part"),
        ("*", "clog"),
        ("~", "held"),
        ("*", "unclog"),
        ("!", "crash"),
        ("^", "boot"),
        ("z", "pause"),
        ("w", "resume"),
        ("e", "peerdown"),
        ("e", "peerup"),
        ("t", "timer"),
    ]:
        assert kind in kinds, kind


def test_the_command_line_prints_the_same_trace() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "paceline.sim", "--seed", "7", "--scenario", "crash"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    expected = run(7, SCENARIOS["crash"])
    assert out == [*expected.trace, expected.summary()]
    assert out[-1].endswith("-> ok")


def test_the_command_line_lists_scenarios() -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "paceline.sim", "--list"], capture_output=True, text=True, check=True
    ).stdout
    assert sorted(line.split()[0] for line in listing.splitlines()) == sorted([*SCENARIOS, "swarm"])


def test_the_command_line_exits_1_and_lists_violations(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    never_heals = Scenario("late", duration=3.0, settle=0.0, nemesis=(Partition(1.0, 3.0),))
    monkeypatch.setitem(SCENARIOS, "late", never_heals)
    assert main(["--seed", "1", "--scenario", "late", "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("VIOLATION 3.000000 ")
    assert "converged: sees" in out[0]
    assert out[-1].startswith("seed=1 scenario=late ") and "violation(s)" in out[-1]


def test_swarm_scenarios_are_drawn_from_the_seed_and_pass() -> None:
    assert swarm(11) == swarm(11)
    drawn = [swarm(seed) for seed in range(1, 26)]
    assert len({(s.nodes, s.faults, s.nemesis) for s in drawn}) == 25
    assert {s.nodes for s in drawn} >= {1, 2, 3, 4, 5}
    failures = [r.summary() for seed, s in enumerate(drawn, 1) if not (r := run(seed, s)).ok]
    assert failures == []


def test_the_command_line_runs_a_swarm_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "5", "--scenario", "swarm", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("seed=5 scenario=swarm-5 ")


def test_the_command_line_runs_many_seeds_and_names_the_failing_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--seed", "10", "--count", "5", "--scenario", "swarm"]) == 0
    assert capsys.readouterr().out == "5/5 seeds passed (swarm, seeds 10..14)\n"
    never_heals = Scenario("late", duration=3.0, settle=0.0, nemesis=(Partition(1.0, 3.0),))
    monkeypatch.setitem(SCENARIOS, "late", never_heals)
    assert main(["--seed", "1", "--count", "2", "--scenario", "late"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out[:2]] == ["seed=1", "seed=2"]
    assert out[2] == "0/2 seeds passed (late, seeds 1..2)"


def test_regression_swarm_869_a_late_swizzle_step_leaked_into_the_liveness_phase() -> None:
    # Found by `--scenario swarm --count 1000`: a swizzle-clog begun shortly
    # before the heal kept clogging links during the liveness phase, so a node
    # ended the run not hearing a peer. Faults now die at the heal.
    scenario = swarm(869)
    heal_at = scenario.duration - scenario.settle
    result = run(869, scenario)
    assert result.ok, result.violations
    late = [
        line
        for line in result.trace
        if float(line.split()[0]) > heal_at and line.split()[2:4] in (["*", "clog"], ["*", "part"])
    ]
    assert late == []
