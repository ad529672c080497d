"""What the ``paceline volume`` CLI and ``paceline-volumed`` agree on (light: no FUSE import).

Where a volume's socket, mount and notes live under ``--root``, how this
node is named in ``on HOST`` sections, and the refusal messages the CLI
turns into drbdadm's exit codes.
"""

from __future__ import annotations

import os
from pathlib import Path

from paceline.core.paths import Paths

__all__ = ["HELD_OPEN", "NEED_UPTODATE", "mountpoint", "node_name", "socket_path"]

NEED_UPTODATE = "State change failed: (-2) Need access to UpToDate data"
HELD_OPEN = "State change failed: (-12) Device is held open by someone"


def socket_path(paths: Paths, name: str) -> Path:
    """``/run/paceline/volume-NAME.sock`` (DESIGN.md)."""
    return paths.run / f"volume-{name}.sock"


def mountpoint(paths: Paths, name: str) -> Path:
    """Where the daemon mounts the FUSE file system holding the volume file."""
    return paths.run / "volumes" / name


def node_name(explicit: str | None = None) -> str:
    """This node's name in ``on HOST`` sections: ``--node``, ``PACELINE_NODE``, else uname."""
    return explicit or os.environ.get("PACELINE_NODE") or os.uname().nodename
