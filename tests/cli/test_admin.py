"""``paceline node`` / ``paceline resource`` on a CIB file, and the XML they
write against what Debian's ``crm_resource`` / ``crm_attribute`` write on a
copy of the same file."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paceline.admin import (
    node_delete,
    node_maintenance,
    node_standby,
    resource_ban,
    resource_cleanup,
    resource_clear,
    resource_move,
    resource_target_role,
)
from paceline.admin.resources import action_timeout_s, primitives, target_role_of
from paceline.cib.codec import decode_cib
from paceline.cib.model import Cib, DateExpression, Location, Primitive, Rule, RuleItem
from paceline.cib.model.lookup import find_resource
from paceline.cib.values import parse_iso_duration_s
from paceline.cli.admin_backend import transient_changes
from paceline.cli.main import main
from paceline.controller.status import node_attribute, transient
from paceline.core.errors import ConfigError
from shared_paths import CORPUS

SEED = CORPUS / "1-a-then-bm-move-b.xml"  # A, B on 18node1..3; A runs on 18node1
NOW = 1_764_770_000


def seed() -> Cib:
    return decode_cib(SEED.read_bytes(), file=str(SEED))


def cons(cib: Cib) -> dict[str, Location]:
    return {c.id: c for c in cib.configuration.constraints if isinstance(c, Location)}


def test_move_ban_clear_write_the_cli_constraints() -> None:
    cib = seed()
    moved = resource_move(cib, "A", "18node2", now=NOW)
    assert moved.cib.epoch == cib.epoch + 1 and moved.cib.num_updates == 0
    prefer = cons(moved.cib)["cli-prefer-A"]
    assert (prefer.rsc, prefer.node, str(prefer.score), str(prefer.role)) == (
        "A",
        "18node2",
        "INFINITY",
        "Started",
    )
    banned = resource_ban(moved.cib, "A", None, now=NOW)  # where it runs: 18node1
    assert "cli-ban-A-on-18node1" in cons(banned.cib)
    assert banned.notes[0].startswith(
        "WARNING: Creating rsc_location constraint 'cli-ban-A-on-18node1'"
    )
    # a move to a banned node lifts that ban
    again = resource_move(banned.cib, "A", "18node1", now=NOW)
    assert "cli-ban-A-on-18node1" not in cons(again.cib)
    cleared = resource_clear(again.cib, "A")
    assert not [c for c in cons(cleared.cib) if c.startswith("cli-")]
    assert cleared.notes == ("Removing constraint: cli-prefer-A",)
    assert not resource_clear(cleared.cib, "A").changed  # nothing left: no version bump


def test_lifetime_is_a_date_rule() -> None:
    edit = resource_ban(seed(), "B", "18node3", now=NOW, lifetime="PT1H")
    loc = cons(edit.cib)["cli-ban-B-on-18node3"]
    assert loc.node is None and loc.score is None
    (rule,) = loc.rules
    assert rule.id == "cli-ban-B-on-18node3-rule" and str(rule.score) == "-INFINITY"
    expr, date = rule.expressions
    assert (expr.attribute, expr.value) == ("#uname", "18node3")  # type: ignore[union-attr]
    assert (str(date.operation), date.end) == ("lt", "2025-12-03 14:53:20Z")  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="ISO 8601"):
        resource_ban(seed(), "B", "18node3", now=NOW, lifetime="1h")


def test_bad_names_change_nothing() -> None:
    cib = seed()
    with pytest.raises(ConfigError, match="no such resource"):
        resource_move(cib, "nope", "18node1", now=NOW)
    with pytest.raises(ConfigError, match="no such node"):
        resource_move(cib, "A", "nowhere", now=NOW)
    with pytest.raises(ConfigError, match="no such node"):
        node_standby(cib, "nowhere")
    with pytest.raises(ConfigError, match="active in 0 locations"):
        resource_ban(resource_cleanup(cib, "A").cib, "A", now=NOW)


def test_node_attributes_and_lifetimes() -> None:
    cib = seed()
    on = node_standby(cib, "18node1").cib
    assert node_attribute(on.configuration, "18node1", "standby") == "on"
    assert on.epoch == cib.epoch + 1
    reboot = node_standby(cib, "18node2", lifetime="reboot").cib
    assert transient(reboot, "18node2")["standby"] == "on"
    assert (reboot.epoch, reboot.num_updates) == (cib.epoch, cib.num_updates + 1)
    off = node_standby(node_standby(reboot, "18node2").cib, "18node2", on=False).cib
    assert node_attribute(off.configuration, "18node2", "standby") == "off"
    assert "standby" not in transient(off, "18node2")
    maint = node_maintenance(cib, "18node3").cib
    assert node_attribute(maint.configuration, "18node3", "maintenance") == "true"
    ready = node_maintenance(maint, "18node3", on=False).cib
    assert node_attribute(ready.configuration, "18node3", "maintenance") == "false"


def test_target_role_and_cleanup() -> None:
    cib = seed()
    stopped = resource_target_role(cib, "A", "Stopped").cib
    a = find_resource(stopped.configuration, "A")
    assert isinstance(a, Primitive)
    (meta,) = [s for s in a.meta_attributes if getattr(s, "id", "") == "A-meta_attributes"]
    assert [(p.id, p.value) for p in meta.nvpairs] == [("A-meta_attributes-target-role", "Stopped")]  # type: ignore[union-attr]
    started = resource_target_role(stopped, "A", "Started").cib
    assert started.epoch == stopped.epoch + 1
    cleaned = resource_cleanup(cib, "A").cib
    for ns in cleaned.status.node_states:
        assert ns.lrm is not None and "A" not in {lr.id for lr in ns.lrm.resources}
        assert "B" in {lr.id for lr in ns.lrm.resources}


# --- against Debian's tools --------------------------------------------------

CRM_RESOURCE = shutil.which("crm_resource") or "/usr/sbin/crm_resource"
CRM_ATTRIBUTE = shutil.which("crm_attribute") or "/usr/sbin/crm_attribute"
needs_tools = pytest.mark.skipif(
    not (os.access(CRM_RESOURCE, os.X_OK) and os.access(CRM_ATTRIBUTE, os.X_OK)),
    reason="pacemaker-cli-utils are not installed",
)


def pacemaker(path: Path, *argv: str) -> None:
    env = dict(os.environ, CIB_file=str(path), TZ="UTC")
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=60)


def ours(path: Path, *argv: str) -> None:
    assert main(["--cib", str(path), *argv]) == 0


@needs_tools
@pytest.mark.crmsh
@pytest.mark.parametrize(
    ("theirs", "mine"),
    [
        (
            (CRM_RESOURCE, "-r", "A", "--move", "-N", "18node2"),
            ("resource", "move", "A", "18node2"),
        ),
        ((CRM_RESOURCE, "-r", "A", "--ban", "-N", "18node3"), ("resource", "ban", "A", "18node3")),
        ((CRM_RESOURCE, "-r", "A", "--move"), ("resource", "move", "A")),
        (
            (CRM_RESOURCE, "-r", "B", "--move", "-N", "18node1", "--lifetime", "PT1H"),
            ("resource", "move", "B", "18node1", "--lifetime", "PT1H"),
        ),
        (
            (CRM_RESOURCE, "-r", "B", "--ban", "-N", "18node3", "--lifetime", "P1D"),
            ("resource", "ban", "B", "18node3", "--lifetime", "P1D"),
        ),
        (
            (CRM_RESOURCE, "-r", "A", "--meta", "-p", "target-role", "-v", "Stopped"),
            ("resource", "stop", "A"),
        ),
        (
            (CRM_ATTRIBUTE, "-N", "18node1", "-n", "standby", "-v", "on"),
            ("node", "standby", "18node1"),
        ),
        (
            (CRM_ATTRIBUTE, "-N", "18node2", "-n", "standby", "-v", "on", "-l", "reboot"),
            ("node", "standby", "18node2", "--lifetime", "reboot"),
        ),
        (
            (CRM_ATTRIBUTE, "-N", "18node3", "-n", "maintenance", "-v", "true"),
            ("node", "maintenance", "18node3"),
        ),
    ],
    ids=lambda argv: "-".join(a for a in argv if not a.startswith("/"))[:40],
)
def test_same_xml_as_pacemaker_tools(
    tmp_path: Path, theirs: tuple[str, ...], mine: tuple[str, ...]
) -> None:
    a, b = tmp_path / "theirs.xml", tmp_path / "ours.xml"
    shutil.copy(SEED, a)
    shutil.copy(SEED, b)
    before = int(time.time())
    pacemaker(a, *theirs)
    ours(b, *mine)
    after = int(time.time())
    want, got = decode_cib(a.read_bytes()), decode_cib(b.read_bytes())
    if "--lifetime" in mine:  # the end is now + lifetime, taken a moment apart
        seconds = parse_iso_duration_s(mine[mine.index("--lifetime") + 1]) or 0
        want = _strip_end(want, before + seconds, after + seconds + 1)
        got = _strip_end(got, before + seconds, after + seconds + 1)
    assert got.configuration == want.configuration
    assert got.status == want.status
    assert got.version == want.version


def _strip_end(cib: Cib, lo: float, hi: float) -> Cib:
    """The CIB with each lifetime end checked to lie in [lo, hi] and blanked."""
    out = []
    for c in cib.configuration.constraints:
        if isinstance(c, Location) and c.rules:
            rule = c.rules[0]
            assert isinstance(rule, Rule)
            exprs: list[RuleItem] = []
            for e in rule.expressions:
                if isinstance(e, DateExpression) and e.end is not None:
                    ts = datetime.strptime(e.end, "%Y-%m-%d %H:%M:%SZ").replace(tzinfo=UTC)
                    assert lo <= ts.timestamp() <= hi, e.end
                    e = replace(e, end="END")
                exprs.append(e)
            c = replace(c, rules=(replace(rule, expressions=tuple(exprs)),))
        out.append(c)
    return replace(cib, configuration=replace(cib.configuration, constraints=tuple(out)))


def test_restore_target_role_and_restart_timeouts() -> None:
    cib = seed()
    assert target_role_of(cib, "A") is None
    stopped = resource_target_role(cib, "A", "Stopped").cib
    assert target_role_of(stopped, "A") == "Stopped"
    restored = resource_target_role(stopped, "A", None)  # restart restores "none set"
    assert target_role_of(restored.cib, "A") is None and restored.changed
    assert not resource_target_role(cib, "A", None).changed
    assert primitives(cib, "A") == ["A"]
    assert action_timeout_s(cib, "A", "stop") == 20  # no op timeout: 20 s


def test_live_backend_sends_transient_changes_as_attribute_changes() -> None:
    cib = seed()
    after = node_standby(cib, "18node2", lifetime="reboot").cib
    assert transient_changes(cib, after) == [("18node2", "standby", "on")]
    back = node_standby(after, "18node2", on=False).cib
    assert ("18node2", "standby", None) in transient_changes(after, back)
    assert transient_changes(cib, node_standby(cib, "18node1").cib) == []  # configuration only


def test_node_delete_removes_a_node_that_is_down(tmp_path: Path) -> None:
    cib = seed()
    with pytest.raises(ConfigError, match="is a member"):
        node_delete(cib, "18node3", frozenset({"18node3"}))
    edit = node_delete(cib, "18node3")
    assert [n.uname for n in edit.cib.configuration.nodes] == ["18node1", "18node2"]
    assert "18node3" not in {ns.uname for ns in edit.cib.status.node_states}
    assert edit.cib.epoch == cib.epoch + 1
    with pytest.raises(ConfigError, match="no such node"):
        node_delete(edit.cib, "18node3")
    path = tmp_path / "cib.xml"
    shutil.copy(SEED, path)
    assert main(["--cib", str(path), "node", "delete", "18node3"]) == 1  # online in the status
    assert len(decode_cib(path.read_bytes()).configuration.nodes) == 3  # unchanged
