"""Whether this machine can run the real FUSE + loop + ext4 tests, and why not."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def fuse_missing() -> str | None:
    """None when root, /dev/fuse, the loop driver and the tools are all there."""
    if os.geteuid() != 0:
        return "needs root (FUSE mount, losetup, mount)"
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is absent (no FUSE in this kernel/container)"
    if not os.path.exists("/dev/loop-control"):
        return "/dev/loop-control is absent (no loop driver)"
    for tool in ("losetup", "mkfs.ext4", "mount", "umount", "fusermount3"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


needs_fuse = pytest.mark.skipif(fuse_missing() is not None, reason=str(fuse_missing()))


def private_sh(script: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (sh -e) in a mount namespace of its own: its mounts die with it.

    Mount the test's file systems only this way: a lab node booted meanwhile by
    anyone on this host copies the host's mount table, and a copy of our ext4
    mount would hold the loop device busy long after we unmounted ours.
    """
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-ec", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
