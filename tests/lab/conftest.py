"""Lab fixtures: one lab per test module, torn down even on failure, and a session sweep.

Tests that need namespaces are marked ``lab`` and skip (with the reason)
when this machine cannot run labs (not root, tools missing). The sweep at
session start and end removes labs of this session and of killed sessions,
found through the registry; labs of other live processes are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from paceline.lab.fixtures import running_lab, sweep, unavailable
from paceline.lab.lab import Lab


@pytest.fixture(scope="session", autouse=True)
def _sweep_labs() -> Iterator[None]:
    if unavailable() is None:
        sweep()
    yield
    if unavailable() is None:
        sweep()


@pytest.fixture(scope="session")
def lab_ok() -> None:
    reason = unavailable()
    if reason:
        pytest.skip(reason)


def lab_name(tag: str) -> str:
    return f"t{os.getpid()}-{tag}"


@pytest.fixture(scope="module")
def host_tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory under the host's /tmp, which a node's private /tmp would hide."""
    return tmp_path_factory.mktemp("visible")


@pytest.fixture(scope="module")
def bare_lab(lab_ok: None, host_tmp_dir: Path) -> Iterator[Lab]:
    """Three bare nodes on two public rings, and the arbitrator (three nodes, so that a cut
    between two leaves a third path to check); ``host_tmp_dir`` is kept visible in the nodes
    the way a checkout under /tmp is."""
    with running_lab(
        lab_name("bare"), 3, rings=2, arbitrator=True, keep_visible=(str(host_tmp_dir),)
    ) as lab:
        yield lab


@pytest.fixture(scope="module")
def lamp_lab(lab_ok: None) -> Iterator[Lab]:
    """Two nodes prepared for Apache and MariaDB."""
    with running_lab(lab_name("lamp"), 2, scenario_name="lamp") as lab:
        yield lab
