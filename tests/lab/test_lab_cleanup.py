"""``lab down --all`` after a killed run leaves nothing of the lab behind.

The crashed run and the cleanup use a private registry and lab directory
(environment variables), so this test never touches labs of other runs on
the machine; the registry still steers index allocation clear of them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from paceline.lab.plan import build_plan

pytestmark = pytest.mark.lab

CRASHER = """
import sys, time
from paceline.lab.lab import Lab
lab = Lab.up(sys.argv[1], 2, scenario_name=sys.argv[2], owner="crash-test")
with open(lab.shared / "disk.img", "wb") as f:
    f.truncate(1 << 20)
lab.attach_loop("node1", "/var/lab/disk.img")
lab.exec("node2", ["sh", "-c", "setsid sleep 3100 </dev/null >/dev/null 2>&1 &"], check=True)
print("up", flush=True)
time.sleep(600)
"""


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def leftovers(record: dict[str, Any]) -> list[str]:
    """Everything of the recorded lab that still exists on this machine."""
    plan = build_plan(record["name"], record["index"], record["nodes"])
    labdir = str(record["labdir"])
    spaces = [n.netns for n in plan.nodes] + [plan.wire_netns]
    found = [f"netns {ns}" for ns in spaces if Path("/run/netns", ns).exists()]
    found += [f"link {x}" for x in plan.host_ifnames() if Path("/sys/class/net", x).exists()]
    found += [
        f"mount {line.split()[4]}"
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
        if labdir in line
    ]
    for pid in Path("/proc").iterdir():
        if pid.name.isdigit():
            try:
                cmd = (pid / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if labdir in cmd or ("paceline.lab.power" in cmd and str(record["name"]) in cmd):
                found.append(f"process {pid.name} {cmd[:80]!r}")
    for devs in record["loops"].values():
        for ident in devs:
            dev = ident.split()[0]
            back = Path(f"/sys/block/{Path(dev).name}/loop/backing_file")
            if back.exists() and "disk.img" in back.read_text():
                found.append(f"loop {dev}")
    if record.get("cgroup") and Path(str(record["cgroup"])).exists():
        found.append(f"cgroup {record['cgroup']}")
    if Path(labdir).exists():
        found.append(f"dir {labdir}")
    return found


@pytest.mark.parametrize("moment", ["after-up", "mid-network", "mid-up"])
def test_down_all_after_a_killed_run_leaves_nothing(
    lab_ok: None, tmp_path: Path, moment: str
) -> None:
    env = {
        **os.environ,
        "PACELINE_LAB_REGISTRY": str(tmp_path / "registry"),
        "PACELINE_LAB_DIR": str(tmp_path / "labs"),
    }
    scenario = "bare" if moment == "after-up" else "lamp"
    crasher = subprocess.Popen(
        [sys.executable, "-c", CRASHER, f"crash-{moment}", scenario],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    record_file = tmp_path / "registry" / f"crash-{moment}.json"
    try:
        if moment == "after-up":
            assert crasher.stdout is not None
            assert crasher.stdout.readline().strip() == "up", crasher.stderr
        else:
            wait_for(record_file.exists)
            rec = json.loads(record_file.read_text())
            if moment == "mid-network":  # an 'ip -batch' child may still be wiring
                wait_for(lambda: Path(f"/run/netns/pl{rec['index']}n1").exists())
            else:  # the networks exist and the databases are being prepared
                wait_for(lambda: (Path(rec["labdir"]) / "nodes/node2/mysql-install.log").exists())
    finally:
        crasher.send_signal(signal.SIGKILL)
        crasher.wait()
    record = json.loads(record_file.read_text())
    assert leftovers(record), "the crashed run should have left something to clean"
    down = subprocess.run(
        [sys.executable, "-m", "paceline.cli.main", "lab", "down", "--all"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert down.returncode == 0, down.stderr
    assert f"crash-{moment}" in down.stdout
    assert leftovers(record) == []
    assert not record_file.exists()
