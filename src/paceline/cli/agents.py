"""Which resource agents are installed here (file system scan, so it lives in ``cli``).

The pure code (``crm`` load, ``crm.verify``) receives the result as data: an
``AgentCatalog`` whose ``exists`` is the ``agent_exists`` predicate and whose
``names`` feed the shell's completion. Agents are spelled as in crm text:
``ocf:heartbeat:IPaddr2``, ``lsb:apache2``, ``systemd:nginx``,
``stonith:fence_xvm``; ``service:X`` is an lsb or a systemd agent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

OCF_ROOT = Path("/usr/lib/ocf/resource.d")
INIT_D = Path("/etc/init.d")
FENCE_DIRS = (Path("/usr/sbin"),)
SYSTEMD_DIRS = (Path("/lib/systemd/system"), Path("/etc/systemd/system"))

# init.d entries that are helpers, not services
_NOT_LSB = frozenset({"README", "skeleton", "rc", "rcS", "functions"})


@dataclass(frozen=True, slots=True)
class AgentCatalog:
    """The agents found by one scan."""

    names: frozenset[str]

    def exists(self, spec: str) -> bool:
        """``spec`` is installed (``class:provider:type`` or ``class:type``)."""
        parts = spec.split(":")
        if parts[0] == "service" and len(parts) == 2:
            return f"lsb:{parts[1]}" in self.names or f"systemd:{parts[1]}" in self.names
        if parts[0] == "systemd" and len(parts) == 2:
            return f"systemd:{parts[1].removesuffix('.service')}" in self.names
        return spec in self.names

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
    return AgentCatalog(frozenset(names))
