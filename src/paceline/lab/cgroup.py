"""The lab's cgroup v2 tree, used as a freezer (``cgroup.freeze``) when this machine allows it.

Layout: ``<cgroup2 mount>/paceline-lab/<prefix>/<node>``. A node's init moves
itself into its node group at boot and every process started in the node
(``lab exec`` included) lands there too, so freezing the group stops the
whole node at once, and SIGKILL still gets through to a frozen task.
"""

from __future__ import annotations

import time
from pathlib import Path

TOP = "paceline-lab"


def cgroup2_mount() -> Path | None:
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        if right.split(" ", 1)[0] == "cgroup2":
            return Path(left.split()[4])
    return None


def lab_group(prefix: str) -> Path | None:
    """Create the lab's group; None if cgroup v2 is absent, read-only, or has no freezer."""
    root = cgroup2_mount()
    if root is None:
        return None
    group = root / TOP / prefix
    try:
        group.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not (group / "cgroup.freeze").exists():
        group.rmdir()
        return None
    return group


def make_node(group: Path, node: str) -> Path:
    path = group / node
    path.mkdir(exist_ok=True)
    set_frozen(path, False)
    return path


def is_frozen(path: Path) -> bool:
    for line in (path / "cgroup.events").read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "frozen":
            return value.strip() == "1"
    return False


def set_frozen(path: Path, frozen: bool, timeout: float = 10.0) -> None:
    (path / "cgroup.freeze").write_text("1\n" if frozen else "0\n")
    deadline = time.monotonic() + timeout
    while frozen and not is_frozen(path) and time.monotonic() < deadline:
        time.sleep(0.01)


def wrap(group: Path | None, argv: list[str]) -> list[str]:
    """``argv`` started inside ``group`` (a shell moves itself in, then execs): so that the lab
    can find and kill it later by its group, never by its name."""
    if group is None:
        return argv
    return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(group / "cgroup.procs"), *argv]


def kill_all(group: Path, timeout: float = 10.0) -> None:
    """SIGKILL every process in ``group`` and below (``cgroup.kill``), and wait until it is empty."""
    if not group.exists():
        return
    (group / "cgroup.kill").write_text("1\n")
    deadline = time.monotonic() + timeout
    while _populated(group) and time.monotonic() < deadline:
        time.sleep(0.01)


def _populated(group: Path) -> bool:
    try:
        events = (group / "cgroup.events").read_text()
    except OSError:
        return False
    return "populated 1" in events


def remove(group: Path) -> None:
    """Remove the lab's group and its node groups (they must hold no process any more)."""
    if not group.exists():
        return
    for child in group.iterdir():
        if child.is_dir():
            _rmdir(child)
    _rmdir(group)


def _rmdir(path: Path) -> None:
    for _ in range(100):  # a group empties a moment after its last process is reaped
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
