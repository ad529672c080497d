"""``ocf:paceline:drbd`` run as the executor runs it: the installed script, the
OCF environment, Paceline's crm_master. One node, a real volume daemon."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_volumed import Node, _alive

from fuse_env import needs_fuse
from paceline.executor.ocf import OcfCall, ocf_environment, parse_metadata
from paceline.executor.tools import install_tools
from paceline.runtime.ocf_drbd import install


class Agent:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.ocf_root = node.tmp / "ocf"
        self.path = install(self.ocf_root)
        self.sbin = install_tools(node.tmp / "sbin")

    def __call__(self, action: str, *, interval: int = 0, **extra: str) -> int:
        params = {"drbd_resource": "r0", **extra}
        meta = {"clone-max": "2", "clone-node-max": "1", "notify": "true"}
        call = OcfCall("drbd_r0:0", "paceline", "drbd", action, params, meta, interval, 20000)
        env = ocf_environment(call, sbin_dir=str(self.sbin))
        env["OCF_ROOT"] = str(self.ocf_root)
        env.update(PACELINE_ROOT=str(self.node.root), PACELINE_NODE="node1")
        env["PATH"] = os.environ["PATH"]
        out = subprocess.run(
            [str(self.path), action], env=env, capture_output=True, text=True, timeout=120
        )
        self.last = out
        return out.returncode

    def score(self) -> str | None:
        path = self.node.root / "run/paceline/attributes.json"
        if not path.exists():
            return None
        return json.loads(path.read_text()).get("node1", {}).get("master-drbd_r0")


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Agent]:
    node = Node(tmp_path)
    yield Agent(node)
    node.cleanup()


def test_meta_data_and_validation(agent: Agent) -> None:
    assert agent("meta-data") == 0
    desc = parse_metadata(agent.last.stdout)
    assert {p.name for p in desc.parameters} >= {"drbd_resource", "adjust_master_score"}
    assert {a.name for a in desc.actions} >= {"start", "stop", "promote", "demote", "notify"}
    assert agent("validate-all") == 0
    assert agent("validate-all", drbd_resource="") == 6
    assert agent("validate-all", drbd_resource="nope") == 6
    assert agent("validate-all", adjust_master_score="1 2") == 6
    assert agent("reload-agent") == 3


@needs_fuse
def test_start_promote_demote_stop_and_scores(agent: Agent) -> None:
    agent.node.vol("create-md", "r0")
    assert agent("monitor") == 7  # a probe: nothing running, no score touched
    assert agent.score() is None
    assert agent("start") == 0
    assert agent("monitor", interval=31000) == 0
    assert agent.score() is None  # Inconsistent: no promotion score
    assert agent("promote") == 1  # no UpToDate data anywhere
    agent.node.vol("primary", "--force", "r0")  # the admin's initial choice
    assert agent("monitor", interval=29000) == 8
    assert agent.score() == "10000"
    assert agent("demote") == 0
    assert agent("monitor", interval=31000) == 0
    assert agent.score() == "1000"  # UpToDate, the peer's disk unknown
    assert agent("promote") == 0
    assert agent("monitor", interval=29000) == 8
    assert os.readlink(agent.node.dev).startswith("/dev/loop")

    # kill -9 of the daemon while Primary: the monitor reports a failed promoted resource.
    pid = agent.node.state()["pid"]
    os.kill(pid, signal.SIGKILL)
    for _ in range(200):
        if not _alive(pid):
            break
        time.sleep(0.05)
    assert agent("monitor", interval=29000) == 9
    assert agent("stop") == 0  # nothing running to stop; the score goes
    assert agent.score() is None
    assert agent("start") == 0  # up again, from the metadata
    assert agent.node.state()["crashed_primary"] is True
    assert agent("monitor", interval=31000) == 0
    assert agent("stop") == 0
    assert agent("monitor") == 7
    assert agent.score() is None


def test_a_clone_without_notify_is_misconfigured(agent: Agent, tmp_path: Path) -> None:
    env = {
        "OCF_RESKEY_drbd_resource": "r0",
        "OCF_RESKEY_CRM_meta_clone_max": "2",
        "OCF_RESKEY_CRM_meta_notify": "false",
        "PACELINE_ROOT": str(agent.node.root),
        "PATH": os.environ["PATH"],
    }
    out = subprocess.run([str(agent.path), "validate-all"], env=env, capture_output=True, text=True)
    assert out.returncode == 6 and "notify=true" in out.stderr
