"""The ``filesystem_supported`` predicate the CLI gives ``crm.load``: kernel
(``/proc/filesystems``, loadable modules) and tools (``mkfs.TYPE``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paceline.executor.filesystems import (
    PROC_FILESYSTEMS,
    FilesystemSupport,
    modprobe_loadable,
    read_proc_filesystems,
)

PROC = """\
nodev\tsysfs
nodev\ttmpfs
\text4
\tbtrfs
nodev\tnfs4
"""


def fake(
    tmp_path: Path, *, modules: frozenset[str] = frozenset(), mkfs: tuple[str, ...] = ()
) -> FilesystemSupport:
    proc = tmp_path / "filesystems"
    proc.write_text(PROC)
    sbin = tmp_path / "sbin"
    sbin.mkdir(exist_ok=True)
    for name in mkfs:
        tool = sbin / f"mkfs.{name}"
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    return FilesystemSupport(proc=proc, mkfs_dirs=(sbin,), module_loadable=modules.__contains__)


def test_proc_filesystems_is_read_with_its_nodev_flags(tmp_path: Path) -> None:
    (tmp_path / "filesystems").write_text(PROC)
    assert read_proc_filesystems(tmp_path / "filesystems") == {
        "sysfs": False,
        "tmpfs": False,
        "ext4": True,
        "btrfs": True,
        "nfs4": False,
    }
    assert read_proc_filesystems(tmp_path / "missing") == {}


def test_a_block_filesystem_needs_the_kernel_and_its_mkfs(tmp_path: Path) -> None:
    support = fake(tmp_path, mkfs=("ext4", "reiserfs"))
    assert support.supported("ext4")
    assert not support.supported("btrfs")  # the kernel has it, mkfs.btrfs is missing
    # reiserfsprogs installed on a kernel without ReiserFS: not supported
    assert not support.supported("reiserfs")


def test_nodev_filesystems_need_no_mkfs(tmp_path: Path) -> None:
    support = fake(tmp_path)
    assert support.supported("tmpfs") and support.supported("nfs4")


def test_a_loadable_module_counts_as_kernel_support(tmp_path: Path) -> None:
    support = fake(tmp_path, modules=frozenset({"xfs", "jfs"}), mkfs=("xfs",))
    assert support.supported("xfs")
    assert not support.supported("jfs")  # module, but nothing to make it with
    assert not support.supported("reiserfs")


def test_answers_are_remembered(tmp_path: Path) -> None:
    calls: list[str] = []

    def loadable(fstype: str) -> bool:
        calls.append(fstype)
        return False

    proc = tmp_path / "filesystems"
    proc.write_text(PROC)
    support = FilesystemSupport(proc=proc, mkfs_dirs=(), module_loadable=loadable)
    for _ in range(3):
        assert not support.supported("reiserfs")
    assert calls == ["reiserfs"]


def test_modprobe_refuses_option_like_names_and_a_missing_binary(tmp_path: Path) -> None:
    assert not modprobe_loadable("-a")
    assert not modprobe_loadable("")
    assert not modprobe_loadable("ext4", dirs=(tmp_path,))


@pytest.mark.skipif(not os.access(PROC_FILESYSTEMS, os.R_OK), reason="no /proc/filesystems")
def test_this_machine_supports_ext4_and_not_reiserfs() -> None:
    """The host these tests run on (kernel 6.18): ext4 is in /proc/filesystems and
    mkfs.ext4 is installed; ReiserFS is neither listed nor loadable."""
    kernel = read_proc_filesystems()
    if "reiserfs" in kernel or modprobe_loadable("reiserfs"):
        pytest.skip("this kernel still has ReiserFS")
    support = FilesystemSupport()
    assert "ext4" in kernel
    assert support.supported("ext4")
    assert not support.supported("reiserfs")
