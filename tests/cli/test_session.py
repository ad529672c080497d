"""The staged session: edits stay in memory until commit, which writes once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from paceline.cib.store import read_cib
from paceline.cli.commands import Interpreter
from paceline.cli.editor import edit_text
from paceline.cli.output import Output
from paceline.cli.session import Session, looks_like_xml
from paceline.core.errors import ConfigError, PacelineError
from paceline.executor.agents import AgentCatalog

AGENTS = AgentCatalog(frozenset({"ocf:pacemaker:Dummy"}))


@pytest.fixture
def session(tmp_path: Path) -> Session:
    session = Session.open(tmp_path / "cib.xml", AGENTS)
    session.apply("property stonith-enabled=false")
    session.apply("primitive d1 ocf:pacemaker:Dummy")
    session.commit()
    return session


def test_commit_bumps_the_epoch_once_per_commit(session: Session) -> None:
    assert read_cib(session.path).epoch == 1
    session.apply("primitive d2 ocf:pacemaker:Dummy")
    session.apply("primitive d3 ocf:pacemaker:Dummy")
    assert session.dirty
    assert read_cib(session.path).epoch == 1  # nothing written before commit
    assert session.commit().epoch == 2
    assert not session.dirty


def test_refresh_drops_staged_changes(session: Session) -> None:
    session.apply("primitive d2 ocf:pacemaker:Dummy")
    session.refresh()
    assert not session.dirty
    assert "d2" not in session.show()


def test_xml_update_merges_by_id(session: Session, tmp_path: Path) -> None:
    other = Session.open(tmp_path / "other.xml", AGENTS)
    other.apply("primitive d9 ocf:pacemaker:Dummy params state=/tmp/x")
    xml = other.show_xml()
    assert looks_like_xml(xml) and not looks_like_xml("primitive x Dummy")
    session.load("update", xml, file="other.xml")
    text = session.show()
    assert "primitive d1 " in text and "primitive d9 " in text


def test_show_xml_of_unknown_id_is_an_error(session: Session) -> None:
    with pytest.raises(ConfigError, match="no such object: nope"):
        session.show_xml(["nope"])


def test_edit_objects_is_all_or_nothing(session: Session) -> None:
    before = session.staged
    with pytest.raises(ConfigError):
        session.edit_objects(["d1"], "primitive d1 ocf:pacemaker:Dummy\nprimitive\n", file="e")
    assert session.staged == before


def test_edit_offers_to_edit_again(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "edited-once"
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ ! -e {marker} ]; then touch {marker}; echo "primitive broken" >> "$1";\n'
        'else sed -i "s/^primitive broken$/primitive d2 ocf:pacemaker:Dummy/" "$1"; fi\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    questions: list[str] = []

    def ask(question: str) -> bool:
        questions.append(question)
        return True

    out = Output(io.StringIO(), io.StringIO())
    Interpreter(session, out, ask=ask, edit_text=edit_text).run("edit")
    assert questions == ["Edit again (y/n)? "]
    assert "primitive d2 ocf:pacemaker:Dummy" in session.show()


def test_edit_declined_leaves_the_staged_cib(session: Session, tmp_path: Path) -> None:
    before = session.staged
    out = Output(io.StringIO(), io.StringIO())
    interp = Interpreter(
        session, out, ask=lambda q: False, edit_text=lambda text: text + "primitive\n"
    )
    with pytest.raises(PacelineError, match="edit aborted"):
        interp.run("edit")
    assert session.staged == before


def test_a_concurrent_commit_is_not_overwritten(session: Session) -> None:
    other = Session.open(session.path, AGENTS)
    session.apply("primitive d2 ocf:pacemaker:Dummy")
    other.apply("primitive d3 ocf:pacemaker:Dummy")
    session.commit()
    written = session.path.read_bytes()
    with pytest.raises(ConfigError, match=r"refusing to write CIB version 0\.2\.0"):
        other.commit()
    assert session.path.read_bytes() == written


def test_changed_lists_added_and_modified_objects(session: Session) -> None:
    assert session.changed() == []
    session.apply("primitive d2 ocf:pacemaker:Dummy")
    session.apply("primitive d1 ocf:pacemaker:Dummy params state=/run/d1")
    assert sorted(session.changed()) == ["d1", "d2"]
