"""``paceline volume`` + ``paceline-volumed``, for real: one node, no peer.

The CLI runs as a process (as an admin would run it), starts the daemon,
and the device goes through FUSE + loop + ext4. Needs root, /dev/fuse and
the loop driver (skipped otherwise, saying which is missing).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuse_env import needs_fuse, private_sh
from paceline.runtime.control import call

RES = """\
resource {name} {{
    protocol C;
    meta-disk internal;
    device /dev/drbd{minor} minor {minor};
    disk {disk};
    on node1 {{ address 198.19.7.1:7789; }}
    on node2 {{ address 198.19.7.2:7789; }}
}}
"""


class Node:
    def __init__(self, tmp: Path, name: str = "r0", minor: int = 1) -> None:
        self.tmp = tmp
        self.root = tmp / "root"
        self.name = name
        self.disk = tmp / f"{name}.img"
        with open(self.disk, "wb") as f:
            f.truncate(64 * 1024 * 1024)
        conf = self.root / "etc/paceline/volumes.d"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / f"{name}.res").write_text(RES.format(name=name, minor=minor, disk=self.disk))
        self.dev = self.root / f"dev/drbd{minor}"
        self.mnt = tmp / "mnt"
        self.mnt.mkdir(exist_ok=True)

    @property
    def cli(self) -> list[str]:
        cmd = [sys.executable, "-m", "paceline.cli.main", "--root", str(self.root)]
        return [*cmd, "volume", "--node", "node1"]

    def vol(self, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        cmd = [*self.cli, *args]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check is not None:
            assert out.returncode == check, (args, out.returncode, out.stdout, out.stderr)
        return out

    @property
    def sock(self) -> Path:
        return self.root / f"run/paceline/volume-{self.name}.sock"

    def state(self) -> dict:
        return call(self.sock, "status")

    def cleanup(self) -> None:
        if os.path.ismount(self.mnt):
            subprocess.run(["umount", "-l", str(self.mnt)], check=False)
        if self.sock.exists():
            try:
                pid = self.state()["pid"]
            except Exception:
                pid = None
            self.vol("down", check=None)
            if pid is not None and _alive(pid):
                os.kill(pid, signal.SIGKILL)
        note = self.root / f"run/paceline/volumes/{self.name}.loop"
        if note.exists():
            subprocess.run(["losetup", "-d", note.read_text().strip()], check=False)
        fuse_mnt = self.root / f"run/paceline/volumes/{self.name}"
        if os.path.ismount(fuse_mnt):
            subprocess.run(["umount", "-l", str(fuse_mnt)], check=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    n = Node(tmp_path)
    yield n
    n.cleanup()


def sh(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)


@needs_fuse
def test_create_md_up_promote_ext4_demote_down_and_up_again(node: Node) -> None:
    assert node.vol("create-md", "r0").stdout.strip() == (
        "New drbd meta data block successfully created."
    )
    assert "already holds metadata" in node.vol("create-md", "r0", check=11).stderr
    node.vol("up", "r0")
    assert "exists already" in node.vol("up", "r0", check=10).stderr
    assert node.vol("status", "r0").stdout == (
        "r0 role:Secondary\n  disk:Inconsistent\n  node2 connection:Connecting\n"
    )
    assert not node.dev.exists()  # a Secondary exposes no device
    # Inconsistent data: refused with drbdadm's code 17, then forced.
    assert "Need access to UpToDate data" in node.vol("primary", "r0", check=17).stderr
    node.vol("primary", "--force", "r0")
    assert node.vol("role", "r0").stdout == "Primary/Unknown\n"
    assert node.vol("dstate", "r0").stdout == "UpToDate/DUnknown\n"
    assert node.vol("cstate", "r0").stdout == "WFConnection\n"  # up = attach + connect
    node.vol("disconnect", "r0")
    assert node.vol("cstate", "r0").stdout == "StandAlone\n"
    assert "StandAlone" in node.vol("disconnect", "r0", check=11).stderr
    node.vol("connect", "r0")
    assert "already connecting" in node.vol("connect", "r0", check=11).stderr
    assert os.readlink(node.dev).startswith("/dev/loop")
    by_res = node.root / "dev/drbd/by-res/r0"
    assert by_res.resolve() == node.dev.resolve()

    sh("mkfs.ext4", "-q", str(by_res))
    src = node.tmp / "data.bin"
    src.write_bytes(os.urandom(2 * 1024 * 1024))
    cli = " ".join(node.cli)
    out = private_sh(
        f"mount {node.dev} {node.mnt}\n"
        f"dd if={src} of={node.mnt}/file bs=1M conv=fsync status=none\n"
        # Mounted: demotion is refused, as DRBD refuses while the device is open.
        f"if {cli} secondary r0 2>{node.tmp}/refused; then exit 9; fi\n"
        f"{cli} status --proc >{node.tmp}/proc\n"
        f"umount {node.mnt}\n"
    )
    assert out.returncode == 0, out
    assert "held open" in (node.tmp / "refused").read_text()
    proc = (node.tmp / "proc").read_text().splitlines()
    assert proc[2].startswith(" 1: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r")
    counters = dict(f.split(":") for f in proc[3].split())
    assert int(counters["dw"]) >= 2048 and int(counters["oos"]) >= 2048  # no peer has it
    node.vol("secondary", "r0")
    assert not node.dev.exists() and not by_res.is_symlink()
    node.vol("down", "r0")
    assert not node.sock.exists()
    assert "No such resource" in node.vol("status", "r0", check=10).stderr

    # Up again: Consistent data, no peer in sight: promotion makes it UpToDate.
    node.vol("up", "r0")
    state = node.state()
    assert state["disk"] == "Consistent" and not state["crashed_primary"]
    node.vol("primary", "r0")
    out = private_sh(
        f"mount -o ro {node.dev} {node.mnt}\ncmp {src} {node.mnt}/file\numount {node.mnt}\n"
    )
    assert out.returncode == 0, out
    node.vol("down", "r0")  # down demotes first
    assert not node.dev.exists()


@needs_fuse
def test_kill_9_is_a_dead_disk_and_up_resumes_from_the_metadata(node: Node) -> None:
    node.vol("create-md", "r0")
    node.vol("up", "r0")
    node.vol("primary", "--force", "r0")
    sh("mkfs.ext4", "-q", str(node.dev))
    src = node.tmp / "synced.bin"
    src.write_bytes(os.urandom(1024 * 1024))
    before = node.state()
    out = private_sh(
        f"mount {node.dev} {node.mnt}\n"
        f"dd if={src} of={node.mnt}/synced bs=1M conv=fsync status=none\n"
        f"kill -9 {before['pid']}\n"
        f"while kill -0 {before['pid']} 2>/dev/null; do sleep 0.05; done\n"
        # The file system above sees a failed disk, not silent success.
        f"if dd if=/dev/zero of={node.mnt}/late bs=1M count=1 conv=fsync status=none; "
        "then echo LATE-WRITE-SUCCEEDED; fi\n"
        f"umount -l {node.mnt}\n"
    )
    assert out.returncode == 0, out
    assert "LATE-WRITE-SUCCEEDED" not in out.stdout
    assert "Input/output error" in out.stderr or "Transport endpoint" in out.stderr, out.stderr
    assert "No such resource" in node.vol("status", "r0", check=10).stderr

    node.vol("up", "r0")
    after = node.state()
    assert after["crashed_primary"] is True
    assert after["disk"] == "Consistent"
    # The hot extents of the activity log are out of sync (for a peer) on top of the bitmap.
    assert after["counters"]["oos"] >= before["counters"]["oos"]
    node.vol("primary", "r0")
    out = private_sh(  # ext4 replays its journal; the fsynced file is whole
        f"mount {node.dev} {node.mnt}\ncmp {src} {node.mnt}/synced\numount {node.mnt}\n"
    )
    assert out.returncode == 0, out
    node.vol("down", "r0")


def test_dump_and_config_errors_need_no_daemon(tmp_path: Path) -> None:
    node = Node(tmp_path)
    out = node.vol("dump", "r0").stdout
    assert "resource r0 {" in out and "on node1 {" in out
    assert "device           /dev/drbd1 minor 1;" in out
    assert "address          ipv4 198.19.7.1:7789;" in out
    assert "protocol C;" in out
    bad = node.vol("dump", "nope", check=1).stderr
    assert "no resource 'nope'" in bad and "expected r0" in bad
    (node.root / "etc/paceline/volumes.d/r0.res").write_text("resource r0 {\n  protokol C;\n}\n")
    bad = node.vol("status", check=1).stderr
    assert "r0.res:2:" in bad  # file:line of the bad keyword
    node.vol("status", "r1", check=1)


def test_status_of_nothing_up(tmp_path: Path) -> None:
    node = Node(tmp_path)
    assert node.vol("status").stdout == "# No currently configured DRBD found.\n"
    assert node.vol("cstate", "r0").stdout == "Unconfigured\n"
    proc = node.vol("status", "--proc").stdout
    assert proc.startswith("version: 8.4.11") and len(proc.splitlines()) == 2
