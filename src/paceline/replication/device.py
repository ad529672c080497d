"""The block device of a volume: a loop device on the FUSE file, and DRBD's links (I/O edge).

Only the Primary exposes a device: promotion attaches the FUSE file to a
free loop device (``losetup``, direct I/O where the kernel allows it, 4 KiB
sectors so every request is whole blocks) and points the links a DRBD user
already has at it::

    ROOT/dev/drbdN            -> /dev/loopM
    ROOT/dev/drbd/by-res/NAME -> ../drbdN

so ``Filesystem device=/dev/drbd1`` (or ``/dev/drbd/by-res/r0``) works
unchanged. Demotion refuses while the device is open (mounted): DRBD
refuses to become Secondary then too (``in_use``, an exclusive open as the
kernel does it). ``root`` is ``/`` on a real node, a private tree in tests
and the node's own ``/dev`` in a lab node.

Example::

    loop = attach(mountpoint / "volume")
    make_links(root, "/dev/drbd1", "r0", loop.path)
    ...
    remove_links(root, "/dev/drbd1", "r0")
    detach(loop.path)
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from paceline.core.errors import PacelineError

__all__ = [
    "DeviceError",
    "Loop",
    "attach",
    "backing_of",
    "by_res_link",
    "detach",
    "find_loops",
    "holders",
    "in_use",
    "make_links",
    "remove_links",
]

LOSETUP = "losetup"
TIMEOUT = 30.0  # seconds for one losetup call (a limit on everything)


class DeviceError(PacelineError):
    """A loop or link operation failed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Loop:
    path: str  # /dev/loopM
    backing: str
    direct_io: bool


def _losetup(*args: str) -> str:
    try:
        out = subprocess.run(
            [LOSETUP, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise DeviceError("losetup not found (Debian package util-linux/mount)") from None
    except subprocess.TimeoutExpired:
        raise DeviceError(f"losetup {' '.join(args)} took more than {TIMEOUT:g} s") from None
    if out.returncode != 0:
        raise DeviceError(f"losetup {' '.join(args)}: {out.stderr.strip() or out.returncode}")
    return out.stdout.strip()


def attach(
    backing: Path | str, *, direct_io: bool = True, sector_size: int = 4096, read_only: bool = False
) -> Loop:
    """Attach ``backing`` to a free loop device; falls back to buffered I/O
    when the kernel refuses direct I/O on it (what it got is in ``Loop``).
    A file that cannot be opened for writing is refused (losetup would
    quietly make a read-only device of it) unless ``read_only``."""
    args = ["--find", "--show", f"--sector-size={sector_size}"]
    if direct_io:
        args.append("--direct-io=on")
    if read_only:
        args.append("--read-only")
    path = _losetup(*args, str(backing))
    flags = _losetup("--noheadings", "--list", "--output", "RO,DIO", path).split()
    if flags[0] == "1" and not read_only:
        detach(path)
        raise DeviceError(f"{backing} is read-only (a Secondary's volume?); not attached")
    return Loop(path, str(backing), flags[1] == "1")


def detach(loop: str) -> None:
    """Detach ``loop``; a device already gone is not an error."""
    try:
        _losetup("--detach", loop)
    except DeviceError as exc:
        if "No such device" in str(exc) or not Path(loop).exists():
            return
        raise


def find_loops(backing: Path | str) -> list[str]:
    """Loop devices attached to ``backing`` (matched by the path losetup records)."""
    out = _losetup("--noheadings", "--list", "--output", "NAME,BACK-FILE")
    target = os.path.abspath(backing)
    found = []
    for line in out.splitlines():
        name, _, back = line.strip().partition(" ")
        if back.strip().removesuffix(" (deleted)") == target:
            found.append(name)
    return found


def backing_of(loop: str) -> str:
    """The backing file losetup reports for ``loop`` (relative to a mount it cannot reach
    when that mount is gone)."""
    return _losetup("--noheadings", "--list", "--output", "BACK-FILE", loop).strip()


def in_use(device: str) -> bool:
    """Whether ``device`` is open by someone (a mount, a process): the kernel
    refuses an exclusive open of a block device then."""
    try:
        fd = os.open(device, os.O_RDONLY | os.O_EXCL)
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            return True
        raise DeviceError(f"cannot open {device}: {exc.strerror}") from None
    os.close(fd)
    return False


def holders(device: str) -> list[str]:
    """Who holds ``device`` open, as far as this process can see: ``PID (comm)`` of
    processes with it open, ``mount at PATH`` for mounts, ``holder NAME`` for
    stacked devices (device mapper, md)."""
    found: list[str] = []
    try:
        rdev = os.stat(device).st_rdev
    except OSError:
        return found
    name = os.path.basename(os.path.realpath(device))
    with contextlib.suppress(OSError):
        found += [f"holder {h}" for h in os.listdir(f"/sys/block/{name}/holders")]
    majmin = f"{os.major(rdev)}:{os.minor(rdev)}"
    with contextlib.suppress(OSError), open("/proc/self/mountinfo") as f:
        found += [f"mount at {line.split()[4]}" for line in f if line.split()[2] == majmin]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    st = os.stat(f"/proc/{pid}/fd/{fd}")
                    if stat.S_ISBLK(st.st_mode) and st.st_rdev == rdev:
                        comm = Path(f"/proc/{pid}/comm").read_text().strip()
                        found.append(f"{pid} ({comm})")
                        break
    return found


def _under(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def by_res_link(root: Path, name: str) -> Path:
    return _under(root, f"/dev/drbd/by-res/{name}")


def _replace_link(link: Path, target: str) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    tmp = link.with_name(f".{link.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)  # atomic: a reader sees the old link or the new one


def make_links(root: Path, device: str, name: str, loop: str) -> None:
    """``ROOT/dev/drbdN -> loop`` and ``ROOT/dev/drbd/by-res/NAME -> ../drbdN``."""
    dev = _under(root, device)
    if dev.exists() and not dev.is_symlink():
        raise DeviceError(f"{dev} exists and is not a link; refusing to replace it")
    _replace_link(dev, loop)
    res = by_res_link(root, name)
    _replace_link(res, os.path.relpath(dev, res.parent))


def remove_links(root: Path, device: str, name: str) -> None:
    """Remove both links (those that are links; anything else is left alone)."""
    for link in (by_res_link(root, name), _under(root, device)):
        if link.is_symlink():
            link.unlink()
