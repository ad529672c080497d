"""``paceline sim replication``: runs seeds, says how many passed, exits 0 only if all did."""

from __future__ import annotations

import pytest

from paceline.cli.main import main


def test_sim_replication_runs_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "replication", "--seeds", "2", "--seed", "3"]) == 0
    assert "2/2 seeds passed (seeds 3..4)" in capsys.readouterr().out


def test_sim_replication_one_seed_prints_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "replication", "--seed", "9"]) == 0
    out = capsys.readouterr().out
    assert "seed=9 scenario=replication" in out and "-> ok" in out


def test_sim_needs_a_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sim"])
    assert exc.value.code == 2


def test_sim_refuses_zero_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "replication", "--seeds", "0"]) == 2
