"""A statement naming an agent this host lacks is flagged at once, with the
close names it may have meant (a typo should not wait for verify)."""

from __future__ import annotations

import io
from pathlib import Path

from paceline.cli.commands import Interpreter
from paceline.cli.output import Output
from paceline.cli.session import Session
from paceline.executor.agents import AgentCatalog

AGENTS = AgentCatalog(
    frozenset(
        {"ocf:heartbeat:IPaddr", "ocf:heartbeat:IPaddr2", "ocf:pacemaker:Dummy", "lsb:apache2"}
    )
)


def shell(tmp_path: Path) -> tuple[Interpreter, io.StringIO]:
    out = io.StringIO()
    session = Session.open(tmp_path / "cib.xml", AGENTS)
    return Interpreter(session, Output(out, io.StringIO(), color=False)), out


def test_a_typo_in_an_agent_name_is_flagged_with_suggestions(tmp_path: Path) -> None:
    interp, out = shell(tmp_path)
    interp.run("primitive vip IPadr2 params ip=198.18.0.64")
    assert out.getvalue() == (
        "warning: vip: agent ocf:heartbeat:IPadr2 is not installed on this host; "
        "did you mean ocf:heartbeat:IPaddr2 or ocf:heartbeat:IPaddr?\n"
    )
    assert interp.session.dirty  # kept: the agent may be installed before it runs


def test_templates_and_unknown_names_without_suggestions(tmp_path: Path) -> None:
    interp, out = shell(tmp_path)
    interp.run("rsc_template t lsb:nginx")
    assert out.getvalue() == "warning: t: agent lsb:nginx is not installed on this host\n"


def test_installed_agents_and_template_users_are_quiet(tmp_path: Path) -> None:
    interp, out = shell(tmp_path)
    interp.run("primitive web lsb:apache2")
    interp.run("rsc_template t ocf:pacemaker:Dummy")
    interp.run("primitive d @t")
    interp.run("group g web")
    assert out.getvalue() == ""
