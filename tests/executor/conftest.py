"""Executor fixtures: Paceline's helper tools installed in a per-test directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from paceline.executor.runner import Executor
from paceline.executor.tools import install_tools


@pytest.fixture
def sbin(tmp_path: Path) -> Path:
    return install_tools(tmp_path / "sbin")


@pytest.fixture
def executor_factory(tmp_path: Path, sbin: Path):  # type: ignore[no-untyped-def]
    def make(**kwargs: Any) -> Executor:
        kwargs.setdefault("node", "exec-n1")
        kwargs.setdefault("sbin_dir", str(sbin))
        env = {"PACELINE_ROOT": str(tmp_path / "root"), "HA_RSCTMP": str(tmp_path / "rsctmp")}
        env.update(kwargs.pop("extra_env", {}))
        (tmp_path / "rsctmp").mkdir(exist_ok=True)
        return Executor(extra_env=env, **kwargs)

    return make
