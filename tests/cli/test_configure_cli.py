"""``paceline configure`` and ``paceline verify`` as a user runs them: real
processes of ``.venv/bin/paceline`` on real files.

Bad input must give one error line naming its location, exit 1, and leave
the CIB file byte-identical.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from paceline.cli.main import main

REPO = Path(__file__).resolve().parents[2]
PACELINE = REPO / ".venv" / "bin" / "paceline"
SEED = REPO / "examples" / "seed-cluster.crm"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def paceline(cib: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PACELINE_")}
    environ.update(env or {})
    result = subprocess.run(
        [str(PACELINE), "--cib", str(cib), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=120,
    )
    return Run(result.returncode, result.stdout, result.stderr)


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "load", "replace", str(SEED))
    assert run.code == 0, run.err
    return cib


def assert_one_line_error(run: Run, *fragments: str) -> None:
    assert run.code == 1
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("paceline: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_load_prints_each_notice_with_its_location(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "load", "replace", str(SEED))
    assert run.code == 0, run.err
    notices = run.out.splitlines()
    assert all(line.startswith(f"warning: {SEED}:") for line in notices)
    assert any(":9: primitive mysql: agent lsb:mysql replaced by lsb:mariadb" in n for n in notices)
    assert any("default-resource-stickiness=100 moved to rsc_defaults" in n for n in notices)
    assert "committed epoch 1" in run.err
    assert cib.exists() and (tmp_path / "cib.xml.sig").exists()


def test_show_show_xml_and_ids(seeded: Path) -> None:
    text = paceline(seeded, "configure", "show").out
    assert text.startswith("node node1\n")
    assert "group webapp vip apache mysql" in text
    assert "rsc_defaults rsc-options: \\\n\tresource-stickiness=100" in text
    xml = paceline(seeded, "configure", "show", "xml").out
    assert xml.startswith("<cib ") and 'validate-with="pacemaker-3.9"' in xml
    one = paceline(seeded, "configure", "show", "xml", "vip").out
    assert one.startswith('<primitive id="vip"') and "192.168.1.64" in one
    assert paceline(seeded, "configure", "show", "vip").out.startswith("primitive vip IPaddr2")


def test_one_shot_statement_bumps_the_epoch(seeded: Path) -> None:
    run = paceline(
        seeded,
        "configure",
        "primitive",
        "vip2",
        "ocf:heartbeat:IPaddr2",
        "params",
        "ip=198.18.0.64",
    )
    assert run.code == 0, run.err
    assert "committed epoch 2" in run.err
    assert "ip=198.18.0.64" in paceline(seeded, "configure", "show", "vip2").out
    run = paceline(seeded, "configure", "location", "l-vip2", "vip2", "100:", "node1")
    assert run.code == 0 and "committed epoch 3" in run.err


def test_every_statement_keyword_works_one_shot(seeded: Path) -> None:
    statements = [
        ["node", "node3"],
        ["rsc_template", "tpl", "ocf:pacemaker:Dummy"],
        ["primitive", "d1", "ocf:pacemaker:Dummy"],
        ["primitive", "d2", "ocf:pacemaker:Dummy"],
        ["primitive", "s1", "ocf:pacemaker:Stateful"],
        ["primitive", "f1", "stonith:fence_xvm"],
        ["group", "g1", "d1"],
        ["clone", "c2", "d2"],
        ["ms", "m1", "s1"],
        ["location", "l1", "g1", "100:", "node1"],
        ["colocation", "co1", "inf:", "g1", "c2"],
        ["order", "o1", "Mandatory:", "c2", "g1"],
        ["property", "cluster-recheck-interval=5min"],
        ["rsc_defaults", "migration-threshold=3"],
        ["op_defaults", "timeout=30s"],
        ["fencing_topology", "node1:", "f1"],
        ["tag", "t1:", "g1", "c2"],
        ["rsc_ticket", "tk1", "ticketA:", "g1", "loss-policy=stop"],
    ]
    # in-process (the same entry point the script runs), to keep the test quick
    for words in statements:
        assert main(["--cib", str(seeded), "configure", *words]) == 0, words
    shown = paceline(seeded, "configure", "show").out
    for words in statements:
        assert words[0] + " " in shown.replace("\\\n\t", " "), words


def test_delete_and_unknown_id(seeded: Path) -> None:
    before = seeded.read_bytes()
    assert_one_line_error(paceline(seeded, "configure", "delete", "nothere"), "nothere")
    assert seeded.read_bytes() == before
    run = paceline(seeded, "configure", "delete", "webapp-aft-fs")
    assert run.code == 0, run.err
    assert "webapp-aft-fs" not in paceline(seeded, "configure", "show").out


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        (
            "truncated.xml",
            '<cib validate-with="pacemaker-3.9" epoch="1"><configuration><crm_config',
            ["truncated.xml:1:"],
        ),
        (
            "unknown.xml",
            '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
            "<configuration><crm_config/><nodes/><resources/><constraints>"
            '<rsc_frobnicate id="x"/></constraints></configuration><status/></cib>',
            ["unknown.xml:1:", "rsc_frobnicate"],
        ),
        ("syntax.crm", "primitive ok Dummy\nprimitive\n", ["syntax.crm:2:"]),
        ("dangling.crm", "primitive d Dummy\ncolocation c inf: d nothere\n", ["dangling.crm:2:"]),
    ],
)
def test_bad_load_leaves_the_cib_byte_identical(
    seeded: Path, tmp_path: Path, name: str, content: str, fragments: list[str]
) -> None:
    bad = tmp_path / name
    bad.write_text(content)
    before = seeded.read_bytes()
    for mode in ("replace", "update"):
        assert_one_line_error(paceline(seeded, "configure", "load", mode, str(bad)), *fragments)
        assert seeded.read_bytes() == before


def test_bad_one_shot_leaves_the_cib_byte_identical(seeded: Path) -> None:
    before = seeded.read_bytes()
    run = paceline(seeded, "configure", "colocation", "c9", "inf:", "vip", "nothere")
    assert_one_line_error(run, "<command line>:1:", "nothere")
    assert_one_line_error(paceline(seeded, "configure", "frobnicate", "x"), "frobnicate")
    assert seeded.read_bytes() == before


def test_save_and_load_back_both_formats(seeded: Path, tmp_path: Path) -> None:
    shown = paceline(seeded, "configure", "show").out
    for fmt in ([], ["xml"]):
        saved = tmp_path / ("saved.xml" if fmt else "saved.crm")
        assert paceline(seeded, "configure", "save", *fmt, str(saved)).code == 0
        fresh = tmp_path / f"fresh-{saved.suffix[1:]}.xml"
        run = paceline(fresh, "configure", "load", "replace", str(saved))
        assert run.code == 0, run.err
        assert paceline(fresh, "configure", "show").out == shown


def test_load_from_stdin(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    text = "property stonith-enabled=false\nprimitive d1 ocf:pacemaker:Dummy\n"
    run = paceline(cib, "configure", "load", "update", "-", stdin=text)
    assert run.code == 0, run.err
    assert "primitive d1 ocf:pacemaker:Dummy" in paceline(cib, "configure", "show").out


def test_reading_does_not_create_the_cib(tmp_path: Path) -> None:
    # issue 10: a missing file in an existing directory is a new, empty CIB (exit 0);
    # a missing directory is a typo and an error (test_new_user_defects)
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "show")
    assert run.code == 0 and run.out == ""
    assert not cib.exists()


def _editor(tmp_path: Path, body: str) -> dict[str, str]:
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return {"EDITOR": str(script)}


def test_edit_applies_what_the_editor_saved(seeded: Path, tmp_path: Path) -> None:
    env = _editor(tmp_path, "sed -i 's/192.168.1.64/198.18.0.64/' \"$1\"")
    run = paceline(seeded, "configure", "edit", env=env)
    assert run.code == 0, run.err
    assert "ip=198.18.0.64" in paceline(seeded, "configure", "show", "vip").out


def test_edit_with_a_syntax_error_aborts_without_asking_when_not_a_tty(
    seeded: Path, tmp_path: Path
) -> None:
    before = seeded.read_bytes()
    env = _editor(tmp_path, "printf 'primitive broken\\n' >> \"$1\"")
    run = paceline(seeded, "configure", "edit", env=env)
    assert run.code == 1
    lines = run.err.strip().splitlines()
    assert "<edit>:" in lines[0]
    assert lines[-1] == "paceline: error: edit aborted: the configuration is unchanged"
    assert seeded.read_bytes() == before


def test_edit_with_a_failing_editor_changes_nothing(seeded: Path, tmp_path: Path) -> None:
    before = seeded.read_bytes()
    run = paceline(seeded, "configure", "edit", env=_editor(tmp_path, "exit 3"))
    assert_one_line_error(run, "exited with status 3")
    assert seeded.read_bytes() == before


def test_batch_shell_from_stdin(seeded: Path) -> None:
    run = paceline(seeded, "configure", stdin="primitive d1 ocf:pacemaker:Dummy\nshow d1\ncommit\n")
    assert run.code == 0, run.err
    assert run.out == "primitive d1 ocf:pacemaker:Dummy\n"
    before = seeded.read_bytes()
    run = paceline(seeded, "configure", stdin="primitive d2 Dummy\nnonsense\n")
    assert run.code == 1
    assert seeded.read_bytes() == before


def test_verify_exit_codes(seeded: Path, tmp_path: Path) -> None:
    run = paceline(seeded, "verify")
    assert run.code == 0, run.out
    assert "advice: STONITH is disabled" in run.out
    assert paceline(seeded, "configure", "verify").code == 0
    bare = tmp_path / "bare.xml"
    assert paceline(bare, "configure", "primitive", "d1", "ocf:pacemaker:Dummy").code == 0
    run = paceline(bare, "verify", "-V")
    assert run.code == 78
    assert run.out.splitlines()[0] == (
        "error: Resource start-up disabled since no STONITH resources have been defined"
    )
    assert run.out.splitlines()[-1] == (
        "paceline verify: Errors found during check: config not valid"
    )
    broken = tmp_path / "broken.xml"
    broken.write_text("<cib><configuration>")
    result = subprocess.run(
        [str(PACELINE), "verify", "-x", str(broken)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 78
    assert result.stdout.startswith(f"error: {broken}:1:")


def test_configure_help_lists_commands_and_statements() -> None:
    run = subprocess.run(
        [str(PACELINE), "configure", "--help"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0
    assert "load [xml] replace|update FILE|-" in run.stdout
    assert "rsc_template" in run.stdout


def test_one_shot_refuses_new_errors_unless_forced(seeded: Path) -> None:
    # a constraint on a clone's child is a configuration error for Pacemaker
    assert paceline(seeded, "configure", "primitive", "s1", "ocf:pacemaker:Stateful").code == 0
    assert paceline(seeded, "configure", "clone", "c1", "s1").code == 0
    before = seeded.read_bytes()
    words = ("location", "l-s1", "s1", "100:", "node1")
    run = paceline(seeded, "configure", *words)
    assert run.code == 1
    assert "Ignoring constraint 'l-s1' because 's1' is not a valid resource or tag" in run.out
    assert "commit refused" in run.err
    assert seeded.read_bytes() == before
    assert paceline(seeded, "configure", "--force", *words).code == 0
    assert "l-s1" in paceline(seeded, "configure", "show").out


def test_verify_reads_a_pipe(seeded: Path) -> None:
    xml = paceline(seeded, "configure", "show", "xml").out
    result = subprocess.run(
        [str(PACELINE), "verify", "-p"], input=xml, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    result = subprocess.run(
        [str(PACELINE), "verify", "-p"],
        input=xml[:200],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 78
    assert result.stdout.startswith("error: <stdin>:")
