"""Where Paceline keeps its files (DESIGN.md "Paths"), for the CLI and the daemons.

``Paths(root)`` names the four directories under ``root`` (``/`` on a real
node; a private tree in tests and lab nodes) and the files in them. The
only look at the file system is ``corosync_conf``'s choice between ours and
the classic place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Paths"]


@dataclass(frozen=True, slots=True)
class Paths:
    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc/paceline"

    @property
    def lib(self) -> Path:
        return self.root / "var/lib/paceline"

    @property
    def run(self) -> Path:
        return self.root / "run/paceline"

    @property
    def log(self) -> Path:
        return self.root / "var/log/paceline"

    @property
    def cib(self) -> Path:
        return self.lib / "cib.xml"

    @property
    def corosync_conf(self) -> Path:
        """``/etc/paceline/corosync.conf``, else the classic ``/etc/corosync/corosync.conf``."""
        ours = self.etc / "corosync.conf"
        if ours.exists():
            return ours
        classic = self.root / "etc/corosync/corosync.conf"
        return classic if classic.exists() else ours
