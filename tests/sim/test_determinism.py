"""A run is a pure function of (seed, scenario): same seed, same trace, byte for byte."""

from __future__ import annotations

import subprocess
import sys

import pytest

from paceline.sim.__main__ import main
from paceline.sim.scenario import SCENARIOS, Partition, Scenario, run


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
    assert sorted(line.split()[0] for line in listing.splitlines()) == sorted(SCENARIOS)


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
