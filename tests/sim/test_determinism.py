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
