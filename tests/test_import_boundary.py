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
    "importlib",
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


FORBIDDEN_CALLS = {"open", "__import__", "exec", "eval"}
"""Builtins that do I/O or import by name (a pure core gets data, not files)."""


def module_name(path: Path) -> str:
    """``paceline.cib.codec.decode`` for ``src/paceline/cib/codec/decode.py``."""
    parts = ["paceline", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """The module an import names, relative imports resolved against ``module``."""
    if node.level == 0:
        return node.module
    if not module:
        return None  # a snippet: nothing to resolve against
    base = module.split(".")
    drop = node.level - 1 if is_package else node.level
    if drop >= len(base):
        return None
    base = base[: len(base) - drop]
    return ".".join([*base, node.module] if node.module else base)


def forbidden_uses(source: str, module: str = "", *, is_package: bool = False) -> list[str]:
    """What in ``source`` breaks rule 1; ``module`` (its dotted name) resolves
    relative imports (``is_package``: it is a package's ``__init__``)."""
    problems = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, is_package)
            if target is None:
                if node.level:
                    problems.append(f"line {node.lineno}: relative import outside the package")
                continue
            # ``from paceline import cli`` imports paceline.cli
            names = [target, *(f"{target}.{a.name}" for a in node.names)]
            if target == "random":
                names += [f"random.{a.name}" for a in node.names if a.name in GLOBAL_RANDOM_CALLS]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS
        ):
            problems.append(f"line {node.lineno}: calls {node.func.id}()")
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
    problems = forbidden_uses(
        path.read_text(), module_name(path), is_package=path.name == "__init__.py"
    )
    assert problems == []


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


def test_checker_closes_the_gaps() -> None:
    """Issue 10: relative imports, ``from paceline import cli``, ``open()`` and
    ``importlib`` got through the first version of the checker."""
    crm = "paceline.crm.api"
    assert forbidden_uses("from ..runtime import control\n", crm)
    assert forbidden_uses("from .. import cli\n", crm)
    assert forbidden_uses("from . import runner\n", "paceline.runtime", is_package=True)
    assert not forbidden_uses("from . import lexer\n", crm)
    assert not forbidden_uses("from .build import flatten\n", crm)
    assert forbidden_uses("from paceline import cli\n")
    assert forbidden_uses("from paceline import lab, crm\n")
    assert not forbidden_uses("from paceline import crm\n")
    assert forbidden_uses("data = open('/etc/passwd').read()\n")
    assert forbidden_uses("import importlib\nm = importlib.import_module('socket')\n")
    assert forbidden_uses("from importlib import import_module\n")
    assert forbidden_uses("m = __import__('socket')\n")
    assert module_name(SRC / "cib" / "codec" / "__init__.py") == "paceline.cib.codec"
    assert module_name(SRC / "crm" / "api.py") == "paceline.crm.api"
