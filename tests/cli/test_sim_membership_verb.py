"""``paceline sim membership``: seeds pass, a broken core's violation names its replay."""

from __future__ import annotations

import pytest

from paceline.cli.main import main


def test_sim_membership_runs_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "membership", "--seeds", "2", "--seed", "5", "--small"]) == 0
    assert "2/2 seeds passed (seeds 5..6)" in capsys.readouterr().out


def test_sim_membership_one_seed_describes_its_scenario(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sim", "membership", "--seed", "4", "--nodes", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("seed 4: 2 nodes") and "-> ok" in out


def test_sim_membership_refuses_a_bad_cluster_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "membership", "--nodes", "0"]) == 1
    assert "--nodes" in capsys.readouterr().err
