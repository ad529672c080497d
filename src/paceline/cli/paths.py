"""Where Paceline keeps its files (DESIGN.md "Paths").

``--root DIR`` (or ``PACELINE_ROOT``) prefixes all four directories so that
tests and several lab nodes on one host never touch the host's own files;
``--cib FILE`` (or ``PACELINE_CIB``) points the offline CLI at one CIB file.
``Paths`` itself lives in ``paceline.core.paths`` (the daemons need it too).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from paceline.core.paths import Paths

__all__ = ["Paths", "add_path_arguments", "cib_path", "paths_from"]


def add_path_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        metavar="DIR",
        default=os.environ.get("PACELINE_ROOT", "/"),
        help="prefix for /etc/paceline, /var/lib/paceline, /run/paceline, /var/log/paceline "
        "(env PACELINE_ROOT; default /)",
    )
    parser.add_argument(
        "--cib",
        metavar="FILE",
        default=os.environ.get("PACELINE_CIB"),
        help="work offline on this CIB file (env PACELINE_CIB; default ROOT/var/lib/paceline/cib.xml)",
    )


def paths_from(args: argparse.Namespace) -> Paths:
    return Paths(Path(args.root))


def cib_path(args: argparse.Namespace) -> Path:
    """The CIB file the offline CLI works on."""
    if args.cib:
        return Path(args.cib)
    return paths_from(args).cib
