"""Agents calling crm_attribute, crm_master, crm_node and crm_resource reach
Paceline's commands (HA_SBIN_DIR and PATH), never Debian's in /usr/sbin."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from paceline.executor.runner import Agent, Executor, Request
from paceline.executor.tools import FileAttributes

AGENT = """#!/bin/sh
: ${OCF_FUNCTIONS_DIR=${OCF_ROOT}/lib/heartbeat}
. ${OCF_FUNCTIONS_DIR}/ocf-shellfuncs
case "$1" in
  start)
    echo "sbin=$HA_SBIN_DIR"
    echo "path=$(command -v crm_attribute)"
    echo "node=$(crm_node -n)"
    crm_attribute -N "$(crm_node -n)" -n exec-attr -v 42 -l forever || exit 1
    echo "got=$(crm_attribute -N "$(crm_node -n)" -n exec-attr -G -q -l forever)"
    ocf_promotion_score -v 7 || exit 1
    echo "param=$(crm_resource -r d1 -g state)"
    exit 0 ;;
  stop)
    crm_master -l reboot -D; exit $? ;;
esac
exit 3
"""

CIB = """<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.7">
  <configuration><crm_config/><nodes><node id="1" uname="exec-n1"/></nodes>
  <resources><primitive id="d1" class="ocf" provider="heartbeat" type="Dummy">
    <instance_attributes id="d1-ia"><nvpair id="d1-s" name="state" value="/tmp/exec-d1"/>
    </instance_attributes></primitive></resources><constraints/></configuration>
  <status/></cib>
"""


def test_agent_calls_reach_our_tools(tmp_path: Path, sbin: Path, executor_factory) -> None:  # type: ignore[no-untyped-def]
    ocf_root = tmp_path / "ocf"
    (ocf_root / "resource.d/exectest").mkdir(parents=True)
    (ocf_root / "lib").symlink_to("/usr/lib/ocf/lib")
    agent = ocf_root / "resource.d/exectest/Helper"
    agent.write_text(AGENT)
    agent.chmod(0o755)
    cib = tmp_path / "cib.xml"
    cib.write_text(CIB)

    async def scenario() -> tuple[str, int]:
        ex: Executor = executor_factory(ocf_root=str(ocf_root), extra_env={"CIB_file": str(cib)})
        start = await ex.execute(Request("p:1", Agent("ocf", "Helper", "exectest"), "start"))
        assert start.rc == 0, start.stderr
        promoted = FileAttributes(tmp_path / "root").get("exec-n1", "master-p", "reboot")
        assert promoted == "7"  # ocf_promotion_score went through our crm_master
        stop = await ex.execute(Request("p:1", Agent("ocf", "Helper", "exectest"), "stop"))
        return start.stdout, stop.rc

    out, stop_rc = asyncio.run(scenario())
    lines = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert lines["sbin"] == str(sbin)
    assert lines["path"] == str(sbin / "crm_attribute")
    assert lines["node"] == "exec-n1"
    assert lines["got"] == "42"
    assert lines["param"] == "/tmp/exec-d1"
    store = FileAttributes(tmp_path / "root")
    assert store.get("exec-n1", "exec-attr", "forever") == "42"
    assert stop_rc == 0
    assert store.get("exec-n1", "master-p", "reboot") is None  # crm_master -D removed it


def tool(sbin: Path, root: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ["PATH"], "PACELINE_ROOT": str(root), "PACELINE_NODE": "exec-n2"}
    full.update(env)
    return subprocess.run(
        [str(sbin / argv[0]), *argv[1:]], capture_output=True, text=True, env=full, check=False
    )


def test_crm_attribute_outputs_and_codes(tmp_path: Path, sbin: Path) -> None:
    root = tmp_path / "root"
    missing = tool(sbin, root, "crm_attribute", "-N", "exec-n2", "-n", "x", "-G", "-l", "reboot")
    assert missing.returncode == 105
    assert "No such device or address" in missing.stderr
    assert (
        tool(sbin, root, "crm_attribute", "-N", "exec-n2", "-n", "x", "-G", "-d", "5", "-q").stdout
        == "5\n"
    )
    assert (
        tool(
            sbin, root, "crm_attribute", "--promotion", "-v", "3", OCF_RESOURCE_INSTANCE="ms:0"
        ).returncode
        == 0
    )
    shown = tool(sbin, root, "crm_attribute", "-p", "-G", OCF_RESOURCE_INSTANCE="ms:1")
    assert shown.stdout == "scope=status  name=master-ms value=3\n"
    assert (
        tool(
            sbin, root, "crm_master", "-G", "-q", "-l", "reboot", OCF_RESOURCE_INSTANCE="ms"
        ).stdout
        == "3\n"
    )


def test_tools_module_refuses_unknown_tools() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paceline.executor.tools", "crm_mon"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 64
