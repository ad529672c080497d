"""Where volume configuration lives, and reading it with its includes (I/O edge).

DESIGN.md: ``/etc/paceline/volumes.d/*.res``, else ``/etc/drbd.conf`` and its
``include``s, under ``--root``. Parsing is ``paceline.replication.resconf``.
"""

from __future__ import annotations

import glob
from pathlib import Path

from paceline.core.errors import ConfigError
from paceline.replication.resconf import Config, Param, parse_many, parse_tree

MAX_FILES = 256  # a limit on everything: include loops and runaway globs


def config_files(root: Path = Path("/")) -> list[Path]:
    """The top-level files to read: volumes.d/*.res, else drbd.conf."""
    own = sorted((root / "etc/paceline/volumes.d").glob("*.res"))
    if own:
        return own
    drbd = root / "etc/drbd.conf"
    return [drbd] if drbd.is_file() else []


def _expand(path: Path, root: Path, seen: list[Path]) -> None:
    if path in seen:
        return
    if len(seen) >= MAX_FILES:
        raise ConfigError(f"more than {MAX_FILES} configuration files", file=str(path))
    text = path.read_text()
    seen.append(path)
    for item in parse_tree(text, str(path)):
        if isinstance(item, Param) and item.keyword == "include" and len(item.values) == 1:
            pattern = item.values[0]
            absolute = pattern.startswith("/")
            full = str(root / pattern.lstrip("/")) if absolute else str(path.parent / pattern)
            for match in sorted(glob.glob(full)):
                _expand(Path(match), root, seen)


def load(paths: list[Path] | None = None, root: Path = Path("/")) -> Config:
    """Read ``paths`` (default: ``config_files(root)``) and every include, in order."""
    tops = config_files(root) if paths is None else paths
    if not tops:
        raise ConfigError(
            "no volume configuration found",
            file=str(root / "etc/paceline/volumes.d"),
            expected="*.res files there, or /etc/drbd.conf",
        )
    files: list[Path] = []
    for top in tops:
        _expand(top, root, files)
    return parse_many([(f.read_text(), str(f)) for f in files])
