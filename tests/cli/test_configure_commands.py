"""Issue 10's smaller CLI defects: the configure keywords are the crm parser's,
help gives every statement's syntax, and the commands a crm user reaches for
first (rename, erase, filter, show type:/related:). Real CLI runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_configure_cli import SEED, paceline

from paceline.cli.commands import STATEMENTS
from paceline.cli.help import SYNTAX
from paceline.crm.parser import KEYWORDS


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "load", "replace", str(SEED))
    assert run.code == 0, run.err
    return cib


@pytest.mark.parametrize(
    "words",
    [
        ("alert", "a1", "/usr/bin/true"),
        ("role", "r1", "read", "xpath:/cib"),
        ("acl_target", "alice", "r1"),
        ("acl_group", "ops", "r1"),
        ("monitor", "apache", "60s:20s"),
    ],
)
def test_every_parser_keyword_is_a_configure_command(seeded: Path, words: tuple[str]) -> None:
    if words[0] in ("acl_target", "acl_group"):
        assert paceline(seeded, "configure", "role", "r1", "read", "xpath:/cib").code == 0
    run = paceline(seeded, "configure", *words)
    assert "unknown command" not in run.err
    assert run.code == 0, run.err


def test_keyword_set_is_the_parsers_and_each_has_syntax() -> None:
    assert set(STATEMENTS) == set(KEYWORDS)
    for keyword in ("bundle", "monitor", "role", "acl_target", "acl_group", "alert"):
        assert keyword in STATEMENTS
    assert set(KEYWORDS) <= set(SYNTAX)


def test_show_help_and_help_primitive(seeded: Path) -> None:
    run = paceline(seeded, "configure", "show", "--help")
    assert run.code == 0, run.err
    assert run.out.startswith("show [xml]")
    run = paceline(seeded, "configure", "help", "primitive")
    assert run.code == 0 and "primitive ID" in run.out and "op OP_NAME" in run.out
    run = paceline(seeded, "configure", "help", "colocation")
    assert "SCORE: RSC[:ROLE]" in run.out


def test_rename_follows_into_the_group(seeded: Path) -> None:
    run = paceline(seeded, "configure", "rename", "vip", "vip2")
    assert run.code == 0, run.err
    shown = paceline(seeded, "configure", "show").out
    assert "group webapp vip2 apache mysql" in shown
    assert "primitive vip " not in shown


def test_show_type_and_related(seeded: Path) -> None:
    run = paceline(seeded, "configure", "show", "type:group")
    assert run.code == 0, run.err
    assert run.out == "group webapp vip apache mysql\n"
    related = paceline(seeded, "configure", "show", "related:fs").out
    assert "primitive fs " in related and "colocation fs-w-drbd" in related
    assert "primitive apache" not in related


def test_erase_keeps_nodes_unless_asked(seeded: Path) -> None:
    run = paceline(seeded, "configure", "--force", "erase")
    assert run.code == 0, run.err
    assert paceline(seeded, "configure", "show").out == "node node1\nnode node2\n"
    assert paceline(seeded, "configure", "--force", "erase", "nodes").code == 0
    assert paceline(seeded, "configure", "show").out == ""


def test_filter_pipes_the_text_through_a_command(seeded: Path) -> None:
    run = paceline(
        seeded, "configure", "filter", "sed s/no-quorum-policy=ignore/no-quorum-policy=stop/"
    )
    assert run.code == 0, run.err
    assert "no-quorum-policy=stop" in paceline(seeded, "configure", "show").out
    before = seeded.read_bytes()
    failed = paceline(seeded, "configure", "filter", "exit 3")
    assert failed.code == 1 and "status 3" in failed.err
    assert seeded.read_bytes() == before


def test_unknown_agents_warn_on_load(seeded: Path, tmp_path: Path) -> None:
    text = tmp_path / "typo.crm"
    text.write_text("primitive web ocf:heartbeat:apachee\n")
    run = paceline(seeded, "configure", "load", "update", str(text))
    assert run.code == 0, run.err
    assert f"warning: {text}: web: agent ocf:heartbeat:apachee is not installed" in run.out
    assert "apache" in run.out.split("did you mean", 1)[-1] or "did you mean" not in run.out


def test_unknown_agents_warn_on_edit(seeded: Path) -> None:
    editor = "sh -c 'echo primitive web2 ocf:heartbeat:apachee >> \"$1\"' sh"
    run = paceline(seeded, "configure", "edit", env={"EDITOR": editor})
    assert run.code == 0, run.err
    assert "warning: <edit>: web2: agent ocf:heartbeat:apachee is not installed" in run.out
