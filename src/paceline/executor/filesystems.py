"""Which filesystem types can be used here (kernel and tools: an I/O edge of the executor).

The pure code (``crm`` load) receives the answer as a predicate,
``filesystem_supported(type)``, as it receives ``agent_exists``: it decides
substitutions such as ``fstype=reiserfs`` → ``ext4`` (``crm.migrate``).

A type is supported when the running kernel can mount it and, for a
filesystem that lives on a block device, it can be made here:

- the kernel can mount it: ``/proc/filesystems`` lists it (built in or
  loaded), or a module for it can be loaded (``modprobe -n -q TYPE``);
- it can be made: ``/proc/filesystems`` flags it ``nodev`` (tmpfs, nfs: no
  device to format), or ``mkfs.TYPE`` is installed.

``mkfs.TYPE`` alone is not enough: Debian still ships ``mkfs.reiserfs``
(reiserfsprogs) for kernels that can no longer mount ReiserFS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROC_FILESYSTEMS = Path("/proc/filesystems")
SBIN_DIRS = (Path("/usr/sbin"), Path("/sbin"), Path("/usr/bin"), Path("/bin"))

ModuleLoadable = Callable[[str], bool]
"""Answers "can a kernel module for this filesystem type be loaded?"."""


def read_proc_filesystems(path: Path = PROC_FILESYSTEMS) -> dict[str, bool]:
    """Each type the kernel knows now, and whether it needs a device (not ``nodev``).
    Empty if the file cannot be read."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    known: dict[str, bool] = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) == 1:
            known[words[0]] = True
        elif len(words) == 2 and words[0] == "nodev":
            known[words[1]] = False
    return known


def _find(name: str, dirs: tuple[Path, ...]) -> str | None:
    """The executable ``name`` in the first of ``dirs`` that has it."""
    return shutil.which(name, path=os.pathsep.join(map(str, dirs)))


def modprobe_loadable(fstype: str, *, dirs: tuple[Path, ...] = SBIN_DIRS) -> bool:
    """``modprobe -n -q TYPE`` succeeds: a module for it exists (dry run, loads nothing).
    False where there is no modprobe or it does not answer within 5 s."""
    modprobe = _find("modprobe", dirs)
    if modprobe is None or not fstype or fstype.startswith("-"):
        return False
    try:
        done = subprocess.run(
            [modprobe, "-n", "-q", fstype],
            capture_output=True,
            check=False,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@dataclass
class FilesystemSupport:
    """What this host can mount and make; ``supported`` is the predicate ``crm.load``
    takes. Probes lazily (only types a load asks about) and remembers answers."""

    proc: Path = PROC_FILESYSTEMS
    mkfs_dirs: tuple[Path, ...] = SBIN_DIRS
    module_loadable: ModuleLoadable = modprobe_loadable
    _kernel: dict[str, bool] | None = field(default=None, init=False, repr=False)
    _answers: dict[str, bool] = field(default_factory=dict, init=False, repr=False)

    def kernel(self) -> dict[str, bool]:
        """``/proc/filesystems``: each type, and whether it needs a device."""
        if self._kernel is None:
            self._kernel = read_proc_filesystems(self.proc)
        return self._kernel

    def supported(self, fstype: str) -> bool:
        """``fstype`` (as in ``Filesystem``'s ``fstype=``) can be mounted and made here."""
        if fstype not in self._answers:
            self._answers[fstype] = self._probe(fstype)
        return self._answers[fstype]

    def _probe(self, fstype: str) -> bool:
        kernel = self.kernel()
        if fstype in kernel:
            on_device = kernel[fstype]
        elif self.module_loadable(fstype):
            on_device = True  # not loaded yet, so not known to be nodev
        else:
            return False
        return not on_device or _find(f"mkfs.{fstype}", self.mkfs_dirs) is not None
