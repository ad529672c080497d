"""A three-node Paceline cluster of real daemons in lab nodes, with real agents.

One cluster for the module (``pacelined`` in each node, started by
``paceline cluster start``); the checks run in order on it:

- it forms: ``paceline status`` on every node shows all three online, with
  quorum; the group ``g`` (an ``ocf:heartbeat:IPaddr2`` VIP the host pings,
  and ``ocf:pacemaker:Dummy`` ``d1``) starts on one node;
- a failed monitor (Dummy's state file removed) is recovered in place, and
  the second failure (``migration-threshold=2``) moves the group;
- a power-off of the active node moves the group to a survivor, and the two
  survivors keep quorum;
- the DC's node is powered off while a transition of several actions runs
  (the group ``slow`` of three ``Counter`` agents moving between the two
  other nodes; the plug is pulled as the 4 s stop of s2 begins, so the new
  DC finds it still running): once the new DC has taken over everything
  converged, and the agents' own logs show each action run exactly once
  (none lost, none twice).

``Counter`` (``tests/lab/agents/Counter``, a Dummy that appends every action
to ``/var/log/paceline-test-actions.log``) is made visible in the nodes as
``ocf:paceline-test:Counter`` by a read-only overlay on
``/usr/lib/ocf/resource.d`` inside each node's mount namespace: the host's
directory is not touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from paceline.cib.model import Cib
from paceline.crm import api
from paceline.lab import cluster as C
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]

pytest.importorskip("paceline.membership.core")
pytest.importorskip("paceline.runtime.membershipd")

AGENT = Path(__file__).parent / "agents" / "Counter"
PROVIDER = "paceline-test"
ACTIONS_LOG = "paceline-test-actions.log"  # in the node's /var/log
DUMMY_STATE = "/run/Dummy-d1.state"
SLOW = ("s1", "s2", "s3")  # a group: stopped s3, s2, s1; started s1, s2, s3
LONG_STOP = 4
"""Seconds the stop of s2 takes: longer than the new DC takes to be named, so the
action the dead DC sent is still running when the new one takes over."""
CONFIG = (
    C.GROUP_CONFIG.replace("group g vip d1", "group g vip d1 meta migration-threshold=2")
    + "".join(
        f"primitive {s} ocf:{PROVIDER}:Counter params start_delay=1 stop_delay={stop}"
        " op monitor interval=5s timeout=20s op start timeout=20s op stop timeout=20s\n"
        for s, stop in zip(SLOW, (1, LONG_STOP, 1), strict=True)
    )
    + f"group slow {' '.join(SLOW)}\n"
)
GROUPS = {"g": ("vip", "d1"), "slow": SLOW}


class Cluster:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.nodes = list(lab.plan.node_names)
        self.vip = lab.plan.vip(0)

    def up(self) -> list[str]:
        return [n for n in self.nodes if self.lab.running(n)]

    def boot(self, node: str) -> None:
        """Power on (if off), show the Counter agent, start the daemon."""
        if not self.lab.running(node):
            self.lab.power_on(node)
        self.lab.exec(
            node,
            ["mount", "-t", "overlay", "overlay", "-o",
             "lowerdir=/var/lab/ocf:/usr/lib/ocf/resource.d", "/usr/lib/ocf/resource.d"],
            check=True,
        )  # fmt: skip
        C.start(self.lab, node)

    def where(self, group: str) -> list[str]:
        """The nodes where every member of ``group`` runs (daemons' own accounts)."""
        members = set(GROUPS[group])
        return sorted(
            n for n, running in C.running_on(self.lab, self.up()).items() if members <= set(running)
        )

    def on(self, group: str) -> str:
        nodes = self.where(group)
        assert len(nodes) == 1, (group, nodes, self.logs())
        return nodes[0]

    def settled(self, members: int | None = None) -> bool:
        """Every group on exactly one node, no resource anywhere else, the DC idle."""
        running = C.running_on(self.lab, self.up())
        for rscs in GROUPS.values():
            full = [n for n, r in running.items() if set(rscs) <= set(r)]
            if len(full) != 1:
                return False
            if any(set(rscs) & set(r) for n, r in running.items() if n != full[0]):
                return False
        states = [C.status(self.lab, n) for n in self.up()]
        if members is not None and any(len(s["members"]) != members for s in states):
            return False
        return all(s["state"] in ("idle", "not-dc") for s in states) and any(
            s["state"] == "idle" for s in states
        )

    def wait_settled(self, what: str, members: int | None = None, timeout: float = 60.0) -> None:
        try:
            C.wait(lambda: self.settled(members), timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def dc(self, node: str) -> str:
        return str(C.status(self.lab, node)["dc"])

    def vip_answers(self) -> bool:
        r = subprocess.run(["ping", "-c", "1", "-W", "1", self.vip], capture_output=True)
        return r.returncode == 0

    def vip_on(self, node: str) -> bool:
        out = self.lab.exec(node, ["ip", "-o", "addr", "show"]).stdout
        return f" {self.vip}/" in out

    def pcl(self, node: str, *args: str) -> str:
        return C.paceline(self.lab, node, *args)

    def failcount(self, node: str, rsc: str) -> str | None:
        xml = str(C.rpc(self.lab, node, "cib")["xml"])
        m = re.search(rf'name="fail-count-{rsc}#monitor_2000" value="([^"]+)"', xml)
        return m.group(1) if m else None

    def actions_log(self, node: str) -> Path:
        return self.lab.dirs(node).sub("log") / ACTIONS_LOG

    def actions(self, node: str, since: int = 0) -> list[tuple[float, str, str, str]]:
        """(time, resource, action, begin|end) lines the agents wrote on ``node``
        after byte ``since`` of its log (readable from the host, even when it is off)."""
        path = self.actions_log(node)
        if not path.exists():
            return []
        with open(path, "rb") as f:
            f.seek(since)
            lines = f.read().decode().splitlines()
        return [(float(t), r, a, p) for t, _n, r, a, p, *_rc in (x.split() for x in lines)]

    def log_size(self, node: str) -> int:
        path = self.actions_log(node)
        return path.stat().st_size if path.exists() else 0

    def logs(self) -> str:
        return "\n".join(f"===== {n}\n{C.log_tail(self.lab, n, 40)}" for n in self.nodes)


@pytest.fixture(scope="module")
def cl(lab_ok: None) -> Iterator[Cluster]:
    with running_lab(f"mcore3n{os.getpid()}", 3, power_api=False) as lab:
        provider = lab.shared / "ocf" / PROVIDER
        provider.mkdir(parents=True)
        shutil.copy(AGENT, provider / "Counter")
        (provider / "Counter").chmod(0o755)
        c = Cluster(lab)
        cib, _ = api.load(Cib(), CONFIG.format(vip=c.vip))
        C.setup(lab, c.nodes, cib=cib)
        for n in c.nodes:
            c.boot(n)
        try:
            yield c
        finally:
            for n in c.up():
                C.stop(lab, n)


def test_ctl3_forms_with_every_node_online_and_starts_the_group(cl: Cluster) -> None:
    cl.wait_settled("three members, both groups started", members=3)
    node = cl.on("g")
    text = cl.pcl(cl.nodes[-1], "status")
    assert f"Online: [ {' '.join(sorted(cl.nodes))} ]" in text, text
    assert "partition with quorum" in text, text
    dcs = {cl.dc(n) for n in cl.nodes}
    assert len(dcs) == 1 and dcs <= set(cl.nodes)
    assert all(C.status(cl.lab, n)["quorate"] for n in cl.nodes)
    assert [n for n in cl.nodes if cl.vip_on(n)] == [node]
    C.wait(cl.vip_answers, 20, "the VIP answers the host")
    C.wait(lambda: len({C.status(cl.lab, n)["version"] for n in cl.nodes}) == 1, 20, "one CIB")


def test_ctl3_failed_monitors_up_to_migration_threshold_move_the_group(cl: Cluster) -> None:
    node = cl.on("g")
    cl.lab.exec(node, ["rm", "-f", DUMMY_STATE], check=True)
    C.wait(lambda: cl.failcount(node, "d1") == "1", 30, "the first failure counted")
    cl.wait_settled("d1 recovered")
    assert cl.on("g") == node  # below the threshold: recovered in place
    cl.lab.exec(node, ["rm", "-f", DUMMY_STATE], check=True)
    C.wait(lambda: cl.failcount(node, "d1") == "2", 30, "the second failure counted")
    C.wait(lambda: cl.where("g") not in ([], [node]), 60, "the group moved")
    cl.wait_settled("the group moved")
    moved = cl.on("g")
    assert moved != node and cl.vip_on(moved) and not cl.vip_on(node)
    cl.pcl(moved, "resource", "cleanup", "d1")
    C.wait(lambda: cl.failcount(node, "d1") is None, 30, "the fail count cleared")
    cl.wait_settled("after the cleanup")
    assert cl.on("g") == moved  # stickiness: it stays


def test_ctl3_power_off_of_the_active_node_moves_the_group_and_two_keep_quorum(
    cl: Cluster,
) -> None:
    node = cl.on("g")
    cl.lab.power_off(node)
    cl.wait_settled("the group on a survivor", members=2)
    survivors = cl.up()
    assert node not in survivors and cl.on("g") in survivors
    for n in survivors:
        st = C.status(cl.lab, n)
        assert st["quorate"] and sorted(st["members"]) == survivors, st
    text = cl.pcl(survivors[0], "status")
    assert "partition with quorum" in text and f"OFFLINE: [ {node} ]" in text, text
    C.wait(cl.vip_answers, 20, "the VIP answers from the survivor")
    cl.boot(node)
    cl.wait_settled("the node rejoined", members=3)


def test_ctl3_dc_dying_mid_transition_loses_no_action_and_runs_none_twice(cl: Cluster) -> None:
    cl.wait_settled("a settled cluster", members=3)
    dc = cl.dc(cl.nodes[0])
    if cl.on("slow") == dc:  # the group must run, and move, between the two others
        cl.pcl(dc, "resource", "ban", "slow", dc)
        cl.wait_settled("slow off the DC's node")
    src = cl.on("slow")
    dst = next(n for n in cl.nodes if n not in (dc, src))
    since = {n: cl.log_size(n) for n in (src, dst)}
    cl.pcl(src, "resource", "move", "slow", dst)

    def long_stop_running() -> bool:
        return ("s2", "stop", "begin") in {(r, a, p) for _t, r, a, p in cl.actions(src, since[src])}

    C.wait(long_stop_running, 30, "the stop of s2")
    off_at = time.time()
    cl.lab.power_off(dc)
    cl.wait_settled("slow moved under the new DC", members=2)
    assert cl.on("slow") == dst
    assert cl.dc(src) in (src, dst)
    began = {
        n: [(r, a) for t, r, a, p in cl.actions(n, since[n]) if p == "begin" and a != "monitor"]
        for n in (src, dst)
    }
    assert sorted(began[src]) == sorted((s, "stop") for s in SLOW), began
    assert sorted(began[dst]) == sorted((s, "start") for s in SLOW), began
    for n in (src, dst):  # every action the agents began, they finished
        lines = [(r, a) for _t, r, a, _p in cl.actions(n, since[n]) if a != "monitor"]
        assert all(lines.count(x) == 2 for x in lines), lines
    # the DC died in the middle: s2's stop was in flight, the rest left for the new DC
    s2_stop_end = [
        t for t, r, a, p in cl.actions(src, since[src]) if (r, a, p) == ("s2", "stop", "end")
    ]
    assert s2_stop_end and s2_stop_end[0] > off_at
    assert any(t > off_at for n in (src, dst) for t, _r, a, p in cl.actions(n, since[n])
               if p == "begin" and a in ("start", "stop")), began  # fmt: skip
