"""The configure shell: batch mode, the TTY path through prompt_toolkit, completion."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput

from paceline.cib.store import read_cib
from paceline.cli.commands import Interpreter
from paceline.cli.output import Output
from paceline.cli.session import Session
from paceline.cli.shell import ConfigureCompleter, prompt_text, run_batch, run_interactive
from paceline.executor.agents import AgentCatalog

AGENTS = AgentCatalog(frozenset({"ocf:pacemaker:Dummy", "ocf:heartbeat:IPaddr2", "lsb:apache2"}))


class Shell:
    def __init__(self, path: Path) -> None:
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.session = Session.open(path, AGENTS)
        self.interp = Interpreter(self.session, Output(self.stdout, self.stderr, color=False))


@pytest.fixture
def cib(tmp_path: Path) -> Path:
    return tmp_path / "cib.xml"


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe_input:
        yield pipe_input


def test_batch_commits_at_the_end_like_crm(cib: Path) -> None:
    shell = Shell(cib)
    lines = [
        "property stonith-enabled=false\n",
        "# a comment\n",
        "primitive d1 ocf:pacemaker:Dummy \\\n",
        "    op monitor interval=10s\n",
        "show d1\n",
    ]
    assert run_batch(shell.interp, lines) == 0
    assert "op monitor interval=10s" in shell.stdout.getvalue()
    stored = read_cib(cib)
    assert stored.epoch == 1
    assert [r.id for r in stored.configuration.resources] == ["d1"]


def test_batch_with_a_failing_command_commits_nothing(cib: Path) -> None:
    first = Shell(cib)
    first.interp.run("property stonith-enabled=false")
    first.interp.commit([])
    before = cib.read_bytes()
    shell = Shell(cib)
    lines = ["primitive d2 ocf:pacemaker:Dummy\n", "bogus words\n", "primitive d3 Dummy\n"]
    assert run_batch(shell.interp, lines, name="cmds") == 1
    errors = shell.stderr.getvalue().splitlines()
    assert errors[0].startswith("paceline: error: cmds:2: unknown command 'bogus'")
    assert "not committing" in errors[1]
    assert cib.read_bytes() == before


def test_batch_error_location_is_the_line_in_the_input(cib: Path) -> None:
    shell = Shell(cib)
    lines = ["property stonith-enabled=false\n", "\n", "colocation c1 inf: d1 nothere\n"]
    assert run_batch(shell.interp, lines, name="cmds") == 1
    assert "paceline: error: cmds:3:" in shell.stderr.getvalue()
    assert not cib.exists()  # nothing was ever written


def test_batch_commit_refuses_new_errors_without_force(cib: Path) -> None:
    shell = Shell(cib)
    lines = [
        "property stonith-enabled=false\n",
        "commit\n",
        "primitive d1 ocf:pacemaker:Dummy op monitor interval=10 op monitor interval=10s\n",
        "commit\n",
    ]
    assert run_batch(shell.interp, lines) == 1
    assert "Operation" in shell.stdout.getvalue()
    assert "commit refused" in shell.stderr.getvalue()
    assert read_cib(cib).configuration.resources == ()
    assert shell.interp.run("commit force").value == "continue"
    assert [r.id for r in read_cib(cib).configuration.resources] == ["d1"]


def run_tty(cib: Path, pipe: PipeInput, keys: str) -> tuple[int, Shell]:
    shell = Shell(cib)
    prompts: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
    pipe.send_text(keys)
    return run_interactive(shell.interp, prompts, cib.name), shell


def test_tty_quit_asks_and_commits_on_yes(cib: Path, pipe: PipeInput) -> None:
    keys = "property stonith-enabled=false\rprimitive d1 ocf:pacemaker:Dummy\rquit\ry\r"
    status, shell = run_tty(cib, pipe, keys)
    assert status == 0
    assert [r.id for r in read_cib(cib).configuration.resources] == ["d1"]
    assert "committed epoch 1" in shell.stderr.getvalue()


def test_tty_ctrl_d_with_no_discards(cib: Path, pipe: PipeInput) -> None:
    status, _shell = run_tty(cib, pipe, "primitive d1 ocf:pacemaker:Dummy\r\x04n\r")
    assert status == 0
    assert not cib.exists()


def test_tty_error_keeps_the_shell_going(cib: Path, pipe: PipeInput) -> None:
    keys = "colocation c1 inf: a b\rshow\rup\r"
    status, shell = run_tty(cib, pipe, keys)
    assert status == 0
    assert "paceline: error: <input>:1:" in shell.stderr.getvalue()
    assert not cib.exists()


def test_prompt_is_crm_style() -> None:
    assert prompt_text("cib.xml") == "paceline(cib.xml)configure# "


def completions(text: str, ids: tuple[str, ...] = ("vip", "web")) -> list[str]:
    completer = ConfigureCompleter(lambda: ids, AGENTS.names)
    current, options = completer.candidates(text)
    return sorted(o for o in set(options) if o.startswith(current))


def test_completion_of_commands_ids_and_agents() -> None:
    assert completions("pri") == ["primitive"]
    assert "commit" in completions("c")
    assert completions("primitive x ocf:pa") == ["ocf:pacemaker:Dummy"]
    assert "IPaddr2" in completions("primitive x IP")
    assert completions("show ") == ["vip", "web", "xml"]
    assert completions("delete w") == ["web"]
    assert completions("colocation c inf: v") == ["vip"]
    assert completions("load ") == ["replace", "update", "xml"]


def test_batch_cannot_load_from_the_stdin_it_reads(cib: Path) -> None:
    shell = Shell(cib)
    assert run_batch(shell.interp, ["load update -\n", "primitive d1 Dummy\n"]) == 1
    assert "stdin holds the commands" in shell.stderr.getvalue()
    assert not cib.exists()
