"""``paceline attribute`` on a CIB file against Debian's own ``crm_attribute`` on a
copy of the same file: the same output, exit codes and resulting CIB for a
run of crm_attribute's verbs in every scope."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from paceline.cib.codec import decode_cib
from paceline.cli.main import main
from shared_paths import CORPUS

SEED = CORPUS / "1-a-then-bm-move-b.xml"  # nodes 18node1..3, all joined
CRM_ATTRIBUTE = shutil.which("crm_attribute") or "/usr/sbin/crm_attribute"

STEPS = [
    ("-N", "18node1", "-n", "standby", "-v", "on"),
    ("-N", "18node1", "-n", "standby", "-G"),
    ("-N", "18node1", "-n", "standby", "-G", "-q"),
    ("-N", "18node1", "-n", "standby", "-D"),
    ("-N", "18node1", "-n", "standby", "-G"),  # gone: 105
    ("-N", "18node1", "-n", "standby", "-D"),  # nothing to delete: silent, 0
    ("-N", "18node2", "-n", "pingd", "-v", "100", "-l", "reboot"),
    ("-N", "18node2", "-n", "pingd", "-t", "status", "-G"),
    ("-N", "18node2", "-n", "pingd", "-l", "forever", "-G"),  # another scope: 105
    ("-N", "18node2", "-n", "pingd", "-l", "reboot", "-D"),
    ("-N", "18node3", "-n", "site", "-t", "nodes", "-v", "east"),
    ("-N", "18node3", "-n", "site", "-t", "nodes", "-G"),
    ("-n", "stonith-enabled", "-G"),
    ("-t", "crm_config", "-n", "no-quorum-policy", "-v", "freeze"),
    ("-n", "no-quorum-policy", "-G", "-q"),
    ("-n", "batch-limit", "-v", "5"),
    ("-n", "batch-limit", "-D"),
    ("-n", "nothing-here", "-G"),
    ("-n", "nothing-here", "-G", "-d", "fallback"),
]


def theirs(path: Path, argv: tuple[str, ...]) -> tuple[int, str, str]:
    env = dict(os.environ, CIB_file=str(path))
    r = subprocess.run([CRM_ATTRIBUTE, *argv], env=env, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr.replace("crm_attribute:", "PROG:")


def ours(
    path: Path, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["--cib", str(path), "attribute", *argv])
    got = capsys.readouterr()
    return rc, got.out, got.err.replace("paceline attribute:", "PROG:")


@pytest.mark.crmsh
@pytest.mark.skipif(not os.access(CRM_ATTRIBUTE, os.X_OK), reason="pacemaker-cli-utils missing")
def test_same_output_and_cib_as_crm_attribute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "theirs.xml", tmp_path / "ours.xml"
    shutil.copy(SEED, a)
    shutil.copy(SEED, b)
    for argv in STEPS:
        assert ours(b, argv, capsys) == theirs(a, argv), argv
    want, got = decode_cib(a.read_bytes()), decode_cib(b.read_bytes())
    assert got.configuration == want.configuration
    assert got.status == want.status
    assert got.version == want.version


def test_offline_attribute_verbs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without Debian's tool: the verbs and their output on a copy of the seed."""
    b = tmp_path / "ours.xml"
    shutil.copy(SEED, b)
    assert ours(b, ("-N", "18node1", "-n", "standby", "-v", "on"), capsys)[0] == 0
    assert ours(b, ("-N", "18node1", "-n", "standby", "-G"), capsys) == (
        0,
        "scope=nodes  name=standby value=on\n",
        "",
    )
    assert ours(b, ("-N", "18node1", "-n", "standby", "-D"), capsys)[1] == (
        "Deleted nodes attribute: id=nodes-1-standby name=standby\n"
    )
    rc, _out, err = ours(b, ("-N", "18node1", "-n", "standby", "-G"), capsys)
    assert rc == 105 and "No such device or address" in err
    assert ours(b, ("-n", "no-quorum-policy", "-v", "freeze"), capsys)[0] == 0
    assert ours(b, ("-n", "no-quorum-policy", "-G", "-q"), capsys)[1] == "freeze\n"
    rc, _out, err = ours(b, ("-N", "nowhere", "-n", "x", "-v", "1"), capsys)
    assert rc == 1 and "nowhere" in err
