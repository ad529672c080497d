"""``paceline cluster init`` / ``join`` write a cluster's files; bad input changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from paceline.cib.store import read_cib
from paceline.membership.config import load


def pcl(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paceline.cli.main", "--root", str(root), "cluster", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_init_then_join(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    r = pcl(first, "init", "--node", "n1=198.18.7.11", "--node", "n2=198.18.7.12")
    assert r.returncode == 0, r.stderr
    conf = first / "etc/paceline/corosync.conf"
    cfg, _ = load(conf.read_text(), str(conf))
    assert [n.name for n in cfg.nodes] == ["n1", "n2"]
    key = first / "etc/paceline/authkey"
    assert key.stat().st_mode & 0o777 == 0o400 and len(key.read_bytes()) == 256
    assert read_cib(first / "var/lib/paceline/cib.xml").configuration.resources == ()
    r = pcl(second, "join", "--conf", str(conf), "--authkey", str(key))
    assert r.returncode == 0, r.stderr
    assert (second / "etc/paceline/authkey").read_bytes() == key.read_bytes()
    # a second init refuses to overwrite
    r = pcl(first, "init", "--node", "n1=198.18.7.11")
    assert r.returncode == 1 and "exists" in r.stderr


def test_init_bad_node_changes_nothing(tmp_path: Path) -> None:
    r = pcl(tmp_path, "init", "--node", "n1")
    assert r.returncode == 1 and "NAME=ADDRESS" in r.stderr
    assert not (tmp_path / "etc").exists()
