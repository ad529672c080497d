"""``paceline ra`` and the parameter check against meta-data, through the real
command in subprocesses (one-shot statements, load, edit, the shell)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KNOWN = "(its parameters: state, fake); kept"


def paceline(
    *argv: str, cwd: Path, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "paceline.cli.main", *argv],
        capture_output=True,
        text=True,
        input=stdin,
        env=full,
        cwd=cwd,
        check=False,
    )


def test_ra_classes_list_info(tmp_path: Path) -> None:
    classes = paceline("ra", "classes", cwd=tmp_path)
    assert classes.returncode == 0
    assert "ocf / heartbeat pacemaker" in classes.stdout.splitlines()
    assert "lsb" in classes.stdout.splitlines()
    listed = paceline("ra", "list", "ocf", "pacemaker", cwd=tmp_path)
    assert {"Dummy", "Stateful"} <= set(listed.stdout.split())
    assert "IPaddr2" not in listed.stdout.split()
    info = paceline("ra", "info", "IPaddr2", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    lines = info.stdout.splitlines()
    assert lines[0].endswith("(ocf:heartbeat:IPaddr2)")
    assert "Parameters (*: required, []: default):" in lines
    assert any(line.startswith("ip* (string") for line in lines)  # required
    assert any(line.strip().startswith("monitor") and "interval=" in line for line in lines)
    missing = paceline("ra", "info", "ocf:heartbeat:NoSuch", cwd=tmp_path)
    assert missing.returncode == 1 and "no such resource agent" in missing.stderr


def test_unknown_parameter_warns_on_a_one_shot_statement_and_is_stored(tmp_path: Path) -> None:
    done = paceline(
        "--cib",
        "cib.xml",
        "configure",
        "primitive",
        "p",
        "ocf:heartbeat:Dummy",
        "params",
        "foo=bar",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: p: parameter foo not known to agent ocf:heartbeat:Dummy {KNOWN}" in done.stdout
    )
    shown = paceline("--cib", "cib.xml", "configure", "show", "p", cwd=tmp_path)
    assert "foo=bar" in shown.stdout
    quiet = paceline(
        "--cib",
        "cib.xml",
        "configure",
        "primitive",
        "q",
        "ocf:heartbeat:Dummy",
        "params",
        "fake=1",
        cwd=tmp_path,
    )
    assert "warning" not in quiet.stdout + quiet.stderr


def test_unknown_parameters_warn_on_load_edit_and_in_the_shell(tmp_path: Path) -> None:
    (tmp_path / "in.crm").write_text(
        "primitive a ocf:heartbeat:Dummy params zap=1 zip=2\nprimitive b ocf:heartbeat:Dummy\n"
    )
    load = paceline("--cib", "cib.xml", "configure", "load", "update", "in.crm", cwd=tmp_path)
    assert load.returncode == 0, load.stderr
    assert (
        f"warning: a: parameters zap, zip not known to agent ocf:heartbeat:Dummy {KNOWN}"
        in load.stdout
    )
    assert "warning: b:" not in load.stdout
    edit = paceline(
        "--cib",
        "cib.xml",
        "configure",
        "edit",
        "b",
        cwd=tmp_path,
        EDITOR="sed -i 's/Dummy/Dummy params bogus=1/'",
    )
    assert edit.returncode == 0, edit.stderr
    assert (
        f"warning: b: parameter bogus not known to agent ocf:heartbeat:Dummy {KNOWN}" in edit.stdout
    )
    assert "warning: a:" not in edit.stdout  # unchanged objects are not warned about again
    shell = paceline(
        "--cib",
        "cib.xml",
        "configure",
        cwd=tmp_path,
        stdin="primitive c ocf:heartbeat:Dummy params nope=1\ncommit\n",
    )
    assert shell.returncode == 0, shell.stderr
    assert (
        f"warning: c: parameter nope not known to agent ocf:heartbeat:Dummy {KNOWN}" in shell.stdout
    )
    shown = paceline("--cib", "cib.xml", "configure", "show", cwd=tmp_path).stdout
    assert "zap=1" in shown and "bogus=1" in shown and "nope=1" in shown
