"""Which resource agents are installed here (a file system scan: an I/O edge of the executor).

The pure code (``crm`` load, ``crm.verify``) receives the result as data: an
``AgentCatalog`` whose ``exists`` is the ``agent_exists`` predicate and whose
``names`` feed the shell's completion. Agents are spelled as in crm text:
``ocf:heartbeat:IPaddr2``, ``lsb:apache2``, ``systemd:nginx``,
``stonith:fence_xvm``; ``service:X`` is an lsb or a systemd agent.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from paceline.core.errors import ConfigError
from paceline.executor.ocf import AgentDescription, parse_metadata

OCF_ROOT = Path("/usr/lib/ocf/resource.d")
INIT_D = Path("/etc/init.d")
FENCE_DIRS = (Path("/usr/sbin"),)
SYSTEMD_DIRS = (Path("/lib/systemd/system"), Path("/etc/systemd/system"))

OWN_AGENTS = {"ocf:paceline:drbd": "paceline.runtime.ocf_drbd"}
"""Paceline's own agents and the module that implements each. One that ships
with this Paceline is known (``scan_agents``) before ``make install-agents``
writes its wrapper under ``/usr/lib/ocf/resource.d/paceline/``: the migration
that substitutes it (``ocf:linbit:drbd`` -> ``ocf:paceline:drbd``) and the
verdict of ``verify`` then agree."""

# init.d entries that are helpers, not services
_NOT_LSB = frozenset({"README", "skeleton", "rc", "rcS", "functions"})


@dataclass(frozen=True, slots=True)
class AgentCatalog:
    """The agents found by one scan."""

    names: frozenset[str]
    describe: Callable[[str], AgentDescription | None] | None = field(default=None, compare=False)
    """The meta-data of an installed agent (None: not asked, e.g. in tests)."""
    shipped: frozenset[str] = frozenset()
    """Paceline's own agents that ship with this installation (``OWN_AGENTS``):
    they exist for the migrations and verify even before ``make install-agents``
    puts them under the OCF root; ``names`` (what ``ra`` lists) is what is installed."""

    def exists(self, spec: str) -> bool:
        """``spec`` is installed (``class:provider:type`` or ``class:type``)."""
        parts = spec.split(":")
        if parts[0] == "service" and len(parts) == 2:
            return f"lsb:{parts[1]}" in self.names or f"systemd:{parts[1]}" in self.names
        if parts[0] == "systemd" and len(parts) == 2:
            return f"systemd:{parts[1].removesuffix('.service')}" in self.names
        return spec in self.names or spec in self.shipped

    def classes(self) -> tuple[str, ...]:
        return tuple(sorted({name.split(":", 1)[0] for name in self.names}))


def _executables(directory: Path, prefix: str = "") -> Iterable[str]:
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return ()
    return (
        e.name
        for e in entries
        if e.name.startswith(prefix)
        and not e.name.startswith(".")
        and e.is_file()
        and os.access(e.path, os.X_OK)
    )


def _subdirectories(directory: Path) -> Iterable[Path]:
    try:
        return [Path(e.path) for e in os.scandir(directory) if e.is_dir()]
    except OSError:
        return []


def scan_agents(
    *,
    ocf_root: Path = OCF_ROOT,
    init_d: Path = INIT_D,
    fence_dirs: tuple[Path, ...] = FENCE_DIRS,
    systemd_dirs: tuple[Path, ...] = SYSTEMD_DIRS,
    own_agents: Mapping[str, str] = OWN_AGENTS,
) -> AgentCatalog:
    """Scan the OCF providers, init scripts, fence agents and systemd units."""
    names: set[str] = set()
    for provider in _subdirectories(ocf_root):
        names.update(f"ocf:{provider.name}:{agent}" for agent in _executables(provider))
    names.update(f"lsb:{script}" for script in _executables(init_d) if script not in _NOT_LSB)
    for directory in fence_dirs:
        names.update(f"stonith:{agent}" for agent in _executables(directory, "fence_"))
    for directory in systemd_dirs:
        try:
            units = [e.name for e in os.scandir(directory)]
        except OSError:
            continue
        names.update(
            f"systemd:{unit.removesuffix('.service')}"
            for unit in units
            if unit.endswith(".service") and "@" not in unit
        )
    return AgentCatalog(
        frozenset(names),
        functools.partial(_cached_metadata, str(ocf_root)),
        shipped=frozenset(shipped_agents(own_agents)),
    )


def shipped_agents(own_agents: Mapping[str, str] = OWN_AGENTS) -> set[str]:
    """The own agents whose module ships with this installation of Paceline."""
    shipped = set()
    for spec, module in own_agents.items():
        try:
            found = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            found = None
        if found is not None:
            shipped.add(spec)
    return shipped


META_DATA_TIMEOUT = 10.0


def agent_metadata(spec: str, *, ocf_root: Path = OCF_ROOT) -> AgentDescription | None:
    """Run an ocf or stonith agent's ``meta-data`` and read it (None when the
    agent is missing, fails, or prints no valid meta-data; lsb has none)."""
    parts = spec.split(":")
    env = dict(os.environ)
    if parts[0] == "ocf" and len(parts) == 3:
        argv = [str(ocf_root / parts[1] / parts[2]), "meta-data"]
        env["OCF_ROOT"] = str(ocf_root.parent)
    elif parts[0] == "stonith" and len(parts) == 2:
        argv = [str(FENCE_DIRS[0] / parts[1]), "-o", "metadata"]
    else:
        return None
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=META_DATA_TIMEOUT, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        return parse_metadata(done.stdout, source=spec)
    except ConfigError:
        return None


@functools.cache
def _cached_metadata(ocf_root: str, spec: str) -> AgentDescription | None:
    return agent_metadata(spec, ocf_root=Path(ocf_root))
