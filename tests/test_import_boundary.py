"""DESIGN.md rule 1: the pure cores import no I/O modules.

The check reads every module of the pure packages with ``ast`` and fails on
an import of a forbidden module, and on a use of the global ``random`` state.
Named I/O edges inside pure packages (``cib/store.py``) are exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "paceline"

PURE_PACKAGES = (
    "core",
    "membership",
    "cib",
    "crm",
    "scheduler",
    "controller",
    "executor",
    "attrs",
    "fencing",
    "replication",
    "sim",
    "monitor",
    "admin",
)
# Modules inside pure packages that are named I/O edges (DESIGN.md rule 1).
EDGES = {
    "cib/store.py",
    "executor/runner.py",
    "executor/agents.py",
    "executor/filesystems.py",
    "executor/tools.py",
    "replication/device.py",
    "replication/fuse.py",
    "replication/daemon.py",
    "fencing/agents.py",
}
FORBIDDEN = {
    "asyncio",
    "socket",
    "subprocess",
    "time",
    "threading",
    "multiprocessing",
    "selectors",
    "signal",
    "shutil",
    "tempfile",
    "urllib.request",
    "http.client",
    "paceline.runtime",
    "paceline.cli",
    "paceline.lab",
}
GLOBAL_RANDOM_CALLS = {
    "random",
    "randint",
    "choice",
    "shuffle",
    "uniform",
    "seed",
    "randrange",
    "sample",
    "getrandbits",
    "gauss",
}


def pure_modules() -> list[Path]:
    out = []
    for pkg in PURE_PACKAGES:
        root = SRC / pkg
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            if path.relative_to(SRC).as_posix() not in EDGES:
                out.append(path)
    return out


def forbidden_uses(source: str) -> list[str]:
    problems = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "random":
                names += [f"random.{a.name}" for a in node.names if a.name in GLOBAL_RANDOM_CALLS]
        for name in names:
            for bad in FORBIDDEN:
                if name == bad or name.startswith(bad + "."):
                    problems.append(f"line {node.lineno}: imports {name}")
            if name.startswith("random.") and name.split(".")[1] in GLOBAL_RANDOM_CALLS:
                problems.append(f"line {node.lineno}: uses global random state ({name})")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "random"
            and node.func.attr in GLOBAL_RANDOM_CALLS
        ):
            problems.append(
                f"line {node.lineno}: uses global random state (random.{node.func.attr})"
            )
    return problems


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_pure_module_does_no_io(path: Path) -> None:
    assert forbidden_uses(path.read_text()) == []


def test_checker_fires() -> None:
    """The checker itself must be able to fail (a test that cannot fail proves nothing)."""
    assert forbidden_uses("import asyncio\n")
    assert forbidden_uses("from subprocess import run\n")
    assert forbidden_uses("import time\n")
    assert forbidden_uses("import random\nx = random.random()\n")
    assert forbidden_uses("from random import shuffle\n")
    assert forbidden_uses("from paceline.runtime import daemon\n")
    assert not forbidden_uses("import random\nr = random.Random(4)\n")
    assert not forbidden_uses("from random import Random\n")
