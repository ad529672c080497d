"""``paceline configure modgroup`` as a one-shot command (issue 10)."""

from __future__ import annotations

from pathlib import Path

from test_configure_cli import paceline

BASE = "primitive a Dummy\nprimitive b Dummy\ngroup g a b\n"


def test_modgroup_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    assert paceline(path, "configure", "load", "update", "-", stdin=BASE).code == 0
    run = paceline(path, "configure", "modgroup", "g", "remove", "a")
    assert run.code == 0, run.err
    assert "group g b" in paceline(path, "configure", "show").out
    run = paceline(path, "configure", "modgroup", "g", "add", "a", "before", "b")
    assert run.code == 0, run.err
    assert "group g a b" in paceline(path, "configure", "show").out
