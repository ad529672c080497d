"""Parameter substitutions through the CLI: ``configure load`` of the seed on this
host prints the ``fstype`` warning and stores ext4; the session threads the
predicate through one-shot statements and loads of both formats (crm text and
CIB XML load alike)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_configure_cli import SEED, paceline

from paceline.cib.codec import encode_cib
from paceline.cib.model import Cib
from paceline.cli.session import Session
from paceline.crm import NoticeKind, load, show
from paceline.executor.agents import AgentCatalog
from paceline.executor.filesystems import FilesystemSupport

WHY = "ReiserFS is not supported by this kernel (removed from Linux 6.13); ext4 stands in for it"
FS = 'primitive fs Filesystem params device=/dev/drbd1 directory=/mnt fstype="reiserfs"\n'
AGENTS = AgentCatalog(frozenset({"ocf:heartbeat:Filesystem"}))


def test_seed_load_warns_and_shows_ext4_on_this_host(tmp_path: Path) -> None:
    here = FilesystemSupport()
    if here.supported("reiserfs") or not here.supported("ext4"):
        pytest.skip("this host supports ReiserFS, or not ext4: nothing to substitute")
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "load", "replace", str(SEED))
    assert run.code == 0, run.err
    assert (
        f"warning: {SEED}:8: primitive fs: fstype reiserfs replaced by ext4 ({WHY})"
        in run.out.splitlines()
    )
    shown = paceline(cib, "configure", "show", "fs").out
    assert "fstype=ext4" in shown and "reiserfs" not in shown


def session(tmp_path: Path) -> Session:
    return Session.open(tmp_path / "cib.xml", AGENTS, {"ext4"}.__contains__)


def test_one_shot_statement_is_substituted_at_its_line(tmp_path: Path) -> None:
    s = session(tmp_path)
    notices = s.apply(FS.strip(), file="batch", line=7)
    assert [(n.kind, n.file, n.line, n.what) for n in notices] == [
        (NoticeKind.SUBSTITUTED, "batch", 7, "primitive fs: fstype reiserfs replaced by ext4")
    ]
    assert "fstype=ext4" in s.show(["fs"])


def _xml_with_reiserfs() -> str:
    cib, _ = load(Cib(), FS)  # no predicate: stored as written
    return encode_cib(cib).decode("utf-8")


@pytest.mark.parametrize("mode", ["replace", "update"])
def test_xml_loads_are_substituted_like_crm_text(tmp_path: Path, mode: str) -> None:
    """A CIB brought as XML gets the same substitutions as its crm text: the
    agents and parameters it names are just as absent here."""
    s = session(tmp_path)
    notices = s.load(mode, _xml_with_reiserfs(), file="cib-in.xml")
    assert [(n.what, n.file) for n in notices] == [
        ("primitive fs: fstype reiserfs replaced by ext4", "cib-in.xml")
    ]
    assert "fstype=ext4" in s.show(["fs"])


def test_xml_load_of_a_drbd_cib_warns_on_the_command_line(tmp_path: Path) -> None:
    cib, _ = load(Cib(), "primitive d ocf:linbit:drbd params drbd_resource=r0\nms ms_d d\n")
    src = tmp_path / "from-pacemaker.xml"
    src.write_bytes(encode_cib(cib))
    run = paceline(tmp_path / "cib.xml", "configure", "load", "replace", str(src))
    assert run.code == 0, run.err
    assert any(
        line.startswith(
            f"warning: {src}: primitive d: agent ocf:linbit:drbd replaced by ocf:paceline:drbd"
        )
        for line in run.out.splitlines()
    ), run.out
    assert "ocf:paceline:drbd" in paceline(tmp_path / "cib.xml", "configure", "show", "d").out


def test_a_session_opened_without_a_predicate_asks_this_host(tmp_path: Path) -> None:
    s = Session.open(tmp_path / "cib.xml", AGENTS)
    assert s.filesystem_supported is not None
    here = FilesystemSupport()
    assert s.filesystem_supported("ext4") == here.supported("ext4")
    assert s.filesystem_supported("reiserfs") == here.supported("reiserfs")


def test_show_of_the_crm_text_round_trips_without_notices(tmp_path: Path) -> None:
    s = session(tmp_path)
    s.load("replace", FS, file="in.crm")
    again, notices = load(Cib(), show(s.staged), filesystem_supported={"ext4"}.__contains__)
    assert notices == [] and show(again) == show(s.staged)
