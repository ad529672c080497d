"""--root / PACELINE_ROOT and --cib / PACELINE_CIB (DESIGN.md, Paths): tests and
lab nodes run Paceline against a private tree, never the host's own files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from paceline.cli.main import build_parser
from paceline.cli.paths import Paths, cib_path

STATEMENT = ("configure", "primitive", "d", "ocf:heartbeat:Dummy")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PACELINE_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "paceline.cli.main", *args],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=120,
    )


def test_root_prefixes_the_four_directories(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    assert p.etc == tmp_path / "etc/paceline"
    assert p.lib == tmp_path / "var/lib/paceline"
    assert p.run == tmp_path / "run/paceline"
    assert p.log == tmp_path / "var/log/paceline"
    assert p.cib == tmp_path / "var/lib/paceline/cib.xml"


def test_corosync_conf_ours_first_then_the_classic_place(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    assert p.corosync_conf == tmp_path / "etc/paceline/corosync.conf"  # neither exists
    classic = tmp_path / "etc/corosync/corosync.conf"
    classic.parent.mkdir(parents=True)
    classic.write_text("totem {}\n")
    assert p.corosync_conf == classic
    ours = tmp_path / "etc/paceline/corosync.conf"
    ours.parent.mkdir(parents=True)
    ours.write_text("totem {}\n")
    assert p.corosync_conf == ours


@pytest.mark.parametrize("how", ["option", "environment"])
def test_root_puts_the_cib_under_it(tmp_path: Path, how: str) -> None:
    if how == "option":
        out = run("--root", str(tmp_path), *STATEMENT)
    else:
        out = run(*STATEMENT, env={"PACELINE_ROOT": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "var/lib/paceline/cib.xml").exists()
    assert (tmp_path / "var/lib/paceline/cib.xml.sig").exists()


def test_cib_option_wins_over_the_environment_and_the_root(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.xml"
    other = tmp_path / "other.xml"
    out = run(
        "--root",
        str(tmp_path / "root"),
        "--cib",
        str(chosen),
        *STATEMENT,
        env={"PACELINE_CIB": str(other)},
    )
    assert out.returncode == 0, out.stderr
    assert chosen.exists() and not other.exists()
    assert not (tmp_path / "root").exists()
    out = run(*STATEMENT, env={"PACELINE_CIB": str(other)})
    assert out.returncode == 0, out.stderr
    assert other.exists()


def test_cib_path_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PACELINE_ROOT", raising=False)
    monkeypatch.delenv("PACELINE_CIB", raising=False)
    parser = build_parser()
    assert cib_path(parser.parse_args(["--root", "/srv/n1", "verify"])) == Path(
        "/srv/n1/var/lib/paceline/cib.xml"
    )
    assert cib_path(parser.parse_args(["--cib", "/x/cib.xml", "verify"])) == Path("/x/cib.xml")
