"""Shadow CIBs (issue 10), as crmsh's ``cib new|use|commit|delete|list|diff``:
a user stages a change in a copy kept beside the CIB (``shadow.NAME``, as
Pacemaker's cib directory has them), simulates it, and commits it to the live
CIB; a live CIB changed meanwhile refuses the commit with a clear message.
Real CLI processes on real files."""

from __future__ import annotations

from pathlib import Path

from test_configure_cli import Run, assert_one_line_error, paceline

from paceline.cib.codec import decode_cib
from paceline.cib.store import write_cib

NO_ENV = {"CIB_shadow": ""}  # the host's own CIB_shadow must not leak in


def pcl(cib: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
    return paceline(cib, *args, stdin=stdin, env={**NO_ENV, **(env or {})})


def ok(run: Run) -> Run:
    assert run.code == 0, run.err
    return run


def test_new_use_commit_delete_one_shot(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    ok(pcl(cib, "configure", "primitive", "a", "Dummy"))
    made = ok(pcl(cib, "configure", "cib", "new", "stage"))
    assert "shadow CIB stage created" in made.err
    assert (tmp_path / "shadow.stage").exists()  # beside the CIB, as crm_shadow keeps it
    # later one-shot commands act on the shadow; the live CIB is untouched
    ok(pcl(cib, "configure", "primitive", "b", "Dummy"))
    assert "primitive b" in pcl(cib, "configure", "show").out
    assert [r.id for r in decode_cib(cib.read_bytes()).configuration.resources] == ["a"]
    listed = ok(pcl(cib, "configure", "cib", "list")).out
    assert listed.splitlines() == ["stage (in use)"]
    diff = ok(pcl(cib, "configure", "cib", "diff")).out
    assert "+primitive b Dummy" in diff
    live_epoch = decode_cib(cib.read_bytes()).epoch
    ok(pcl(cib, "configure", "cib", "commit"))
    live = decode_cib(cib.read_bytes())
    assert [r.id for r in live.configuration.resources] == ["a", "b"]
    assert live.epoch == live_epoch + 1
    # back to the live CIB; the shadow can then be deleted
    assert_one_line_error(pcl(cib, "configure", "cib", "delete", "stage"), "in use")
    ok(pcl(cib, "configure", "cib", "use", "live"))
    ok(pcl(cib, "configure", "cib", "delete", "stage"))
    assert not (tmp_path / "shadow.stage").exists()
    assert ok(pcl(cib, "configure", "cib", "list")).out == ""


def test_a_commit_over_a_changed_live_cib_is_refused_then_forced(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    ok(pcl(cib, "configure", "primitive", "a", "Dummy"))
    ok(pcl(cib, "configure", "cib", "new", "stage"))
    ok(pcl(cib, "configure", "primitive", "b", "Dummy"))
    # someone changes the live CIB meanwhile (CIB_shadow empty: not the shadow)
    ok(pcl(cib, "configure", "cib", "use", "live"))
    ok(pcl(cib, "configure", "primitive", "c", "Dummy"))
    before = cib.read_bytes()
    refused = pcl(cib, "configure", "cib", "commit", "stage")
    assert_one_line_error(refused, "refused", "live CIB changed since the shadow was made")
    assert cib.read_bytes() == before  # nothing changed
    ok(pcl(cib, "configure", "cib", "commit", "stage", "--force"))
    assert [r.id for r in decode_cib(cib.read_bytes()).configuration.resources] == ["a", "b"]


def test_clear_errors_and_an_empty_shadow(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    ok(pcl(cib, "configure", "primitive", "a", "Dummy"))
    ok(pcl(cib, "configure", "cib", "new", "s", "--empty"))
    assert pcl(cib, "configure", "show").out.strip() == ""
    assert_one_line_error(pcl(cib, "configure", "cib", "new", "s"), "exists", "--force")
    ok(pcl(cib, "configure", "cib", "new", "s", "--force"))  # a fresh copy of the live CIB
    assert "primitive a" in pcl(cib, "configure", "show").out
    assert_one_line_error(
        pcl(cib, "configure", "cib", "use", "nope"), "no shadow CIB 'nope'", "cib new nope"
    )
    assert_one_line_error(pcl(cib, "configure", "cib", "new", "../x"), "bad shadow CIB name")
    # CIB_shadow naming a missing shadow: said, nothing done
    missing = pcl(cib, "configure", "show", env={"CIB_shadow": "gone"})
    assert_one_line_error(missing, "no shadow CIB 'gone'")


def test_cib_shadow_environment_chooses_the_shadow(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    ok(pcl(cib, "configure", "primitive", "a", "Dummy"))
    ok(pcl(cib, "configure", "cib", "new", "one"))
    ok(pcl(cib, "configure", "cib", "use", "live"))
    ok(pcl(cib, "configure", "primitive", "x", "Dummy", env={"CIB_shadow": "one"}))
    assert "primitive x" in pcl(cib, "configure", "show", env={"CIB_shadow": "one"}).out
    assert "primitive x" not in pcl(cib, "configure", "show").out


LIVE = b"""<cib validate-with="pacemaker-3.9" epoch="3" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o-s" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources/><constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>
"""


def test_simulate_a_staged_change_before_committing_it(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    write_cib(cib, decode_cib(LIVE))
    ok(pcl(cib, "configure", "cib", "new", "try"))
    ok(pcl(cib, "configure", "primitive", "d", "Dummy"))
    staged = ok(pcl(cib, "simulate", "--shadow", "try")).out  # named
    assert "* Start      d\t( node1 )" in staged, staged
    in_use = ok(pcl(cib, "simulate")).out  # the shadow in use
    assert in_use == staged
    live = ok(pcl(cib, "simulate", "-x", str(cib))).out
    assert "Start" not in live
    assert_one_line_error(pcl(cib, "simulate", "--shadow", "nope"), "no shadow CIB 'nope'")


def test_the_shell_switches_to_the_shadow_and_back(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    script = (
        "primitive a Dummy\ncommit\ncib new s\nprimitive b Dummy\ncommit\n"
        "cib use live\nshow\ncib use s\nshow\n"
    )
    run = ok(pcl(cib, "configure", stdin=script))
    live, shadow = run.out.split("primitive a Dummy\n")[1:]
    assert "primitive b" not in live and "primitive b Dummy" in shadow
    assert "committed epoch 1 to " in run.err and "shadow.s" in run.err
