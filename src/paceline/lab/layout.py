"""Where a node's private files live on the host, and the mounts that give it its own view.

Pure: paths and a mount table as data. ``paceline.lab.init`` (the node's
PID 1) carries the table out inside the node's fresh mount namespace; the
host side (``paceline.lab.node``) creates the directories.

Inside a node (everything else is the host's, read-write):

===================  ===========================================================
``/etc``, ``/var``   overlayfs: lower = the host's, upper = the node's (copy on write)
``/dev``             overlayfs over the host's devtmpfs: host devices (loop, fuse)
                     work, links a node creates (``/dev/drbd1``) stay private;
                     own ``/dev/shm``, ``/dev/pts``, ``/dev/mqueue``
``/run``, ``/tmp``   the node's own directories, emptied at every boot
``/var/log``, ``/var/lib/{paceline,mysql,apache2}``  the node's own directories
``/var/lab``         the lab's shared directory (disk images, tools)
``/sys``, ``/proc``  fresh instances: the node's NICs, the node's processes
===================  ===========================================================

Directories that a mount hides but the node needs (the checkout running
Paceline, its virtual environment) are bound back at the same path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

READY_FILE = "/run/paceline-lab-node.ready"  # written by the node's init once it is up
SHARED_MOUNT = "/var/lab"
# Directories of the node that survive a reboot (disks) and those that do not.
PERSISTENT = (
    "log",
    "mysql",
    "apache2",
    "paceline",
    "etc.upper",
    "etc.work",
    "var.upper",
    "var.work",
)
VOLATILE = ("run", "tmp", "dev.upper", "dev.work")


@dataclass(frozen=True, slots=True)
class Mount:
    """One mount(2) call. ``fstype`` None = a recursive bind of ``source``."""

    target: str
    source: str
    fstype: str | None = None
    options: str = ""
    mode: int | None = None  # chmod of the target after mounting


@dataclass(frozen=True, slots=True)
class NodeDirs:
    root: Path

    def sub(self, name: str) -> Path:
        assert name in PERSISTENT + VOLATILE, name
        return self.root / name

    @property
    def console(self) -> Path:
        return self.root / "console.log"

    @property
    def boot_config(self) -> Path:
        return self.root / "boot.json"

    @property
    def ready(self) -> Path:
        """The node's READY_FILE as the host sees it."""
        return self.sub("run") / Path(READY_FILE).name


@dataclass(frozen=True, slots=True)
class BootConfig:
    """Everything the node's PID 1 needs, written as JSON next to the node's directories."""

    node: str
    hostname: str
    cgroup_procs: str | None  # cgroup v2 ``cgroup.procs`` the init moves itself into
    mounts: tuple[Mount, ...]
    rebinds: tuple[str, ...]  # host paths to make visible again at the same path
    ready_file: str = READY_FILE
    shutdown_grace: float = 20.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["mounts"] = [asdict(m) for m in self.mounts]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BootConfig:
        return cls(
            node=data["node"],
            hostname=data["hostname"],
            cgroup_procs=data["cgroup_procs"],
            mounts=tuple(Mount(**m) for m in data["mounts"]),
            rebinds=tuple(data["rebinds"]),
            ready_file=data["ready_file"],
            shutdown_grace=float(data["shutdown_grace"]),
        )


def mount_table(dirs: NodeDirs, shared: Path) -> tuple[Mount, ...]:
    """The node's mounts, in order: overlays first, then binds over them, ``/tmp`` last
    (the lab's directories live under the host's ``/tmp`` and must be read before it is hidden)."""
    d = dirs.sub

    def overlay(target: str, upper: str, work: str) -> Mount:
        return Mount(
            target, "overlay", "overlay", f"lowerdir={target},upperdir={d(upper)},workdir={d(work)}"
        )

    return (
        Mount("/sys", "sysfs", "sysfs"),
        overlay("/etc", "etc.upper", "etc.work"),
        overlay("/var", "var.upper", "var.work"),
        Mount("/var/log", str(d("log"))),
        Mount("/var/lib/mysql", str(d("mysql"))),
        Mount("/var/lib/apache2", str(d("apache2"))),
        Mount("/var/lib/paceline", str(d("paceline"))),
        Mount(SHARED_MOUNT, str(shared)),
        overlay("/dev", "dev.upper", "dev.work"),
        Mount("/dev/shm", "tmpfs", "tmpfs", "size=256m", mode=0o1777),
        Mount("/dev/pts", "devpts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5"),
        Mount("/dev/ptmx", "/dev/pts/ptmx"),
        Mount("/dev/mqueue", "mqueue", "mqueue"),
        Mount("/run", str(d("run"))),
        Mount("/tmp", str(d("tmp")), mode=0o1777),
    )


def boot_config(
    node: str, dirs: NodeDirs, shared: Path, *, cgroup_procs: str | None, rebinds: tuple[str, ...]
) -> BootConfig:
    return BootConfig(
        node=node,
        hostname=node,
        cgroup_procs=cgroup_procs,
        mounts=mount_table(dirs, shared),
        rebinds=rebinds,
    )


def upper_dirs_to_create() -> tuple[str, ...]:
    """Mount points under ``/var`` that may be missing on the host: made in the node's upper layer."""
    return ("lib/paceline", "lib/mysql", "lib/apache2", "lab")
