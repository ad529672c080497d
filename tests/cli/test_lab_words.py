"""Issue 10: the lab says what is true. ``lab down`` of a lab that never
existed removes nothing and says so; ``lab up --scenario lamp`` says its
services are stopped (it prepares them; the cluster starts them)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from paceline.cli.lab import SCENARIO_NOTES


@pytest.mark.skipif(os.geteuid() != 0, reason="the lab verbs need root")
def test_down_of_a_lab_that_never_existed_is_not_removed() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "paceline.cli.main",
            "lab",
            "down",
            "--name",
            "refine-never-existed",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "removed:" not in done.stdout
    assert "no lab named refine-never-existed: nothing removed" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_lamp_scenario_does_not_claim_running_services() -> None:
    note = SCENARIO_NOTES["lamp"]
    assert "stopped" in note and "ready" not in note
    assert "Apache" in note and "MariaDB" in note
