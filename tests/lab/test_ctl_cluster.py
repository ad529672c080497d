"""A two-node Paceline cluster of real daemons in lab nodes, with real agents.

``pacelined`` runs in each node (started by ``paceline cluster start``,
supervised), the membership on UDP between the nodes, the group ``g`` of
``ocf:heartbeat:IPaddr2`` (a VIP on the public ring, pinged from the host)
and ``ocf:pacemaker:Dummy``. The tests run in order on one lab: the
cluster forms and starts the group on one node; ``node standby`` moves it
and ``node online`` keeps it where it is; a failed monitor (Dummy's state
file removed) is recovered in place; ``kill -9`` of the active node's daemon
stops nothing and the restarted daemon re-probes without restarting; a
power-off of the active node moves the group to the survivor, and the node
that was off gets the configuration changed meanwhile when it returns.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from paceline.cib.model import Cib
from paceline.crm import api
from paceline.lab import cluster as C
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]

# The node daemon embeds the membership core and its service (landing separately).
pytest.importorskip("paceline.membership.core")
pytest.importorskip("paceline.runtime.membershipd")

CONFIG = C.GROUP_CONFIG
DUMMY_STATE = "/run/Dummy-d1.state"  # ${HA_VARRUN}/Dummy-${OCF_RESOURCE_INSTANCE}.state


class Cluster:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.nodes = list(lab.plan.node_names)
        self.vip = lab.plan.vip(0)

    def where(self) -> dict[str, list[str]]:
        return {n: r for n, r in C.running_on(self.lab, self.nodes).items() if r}

    def active(self) -> str:
        w = self.where()
        assert len(w) == 1 and sorted(next(iter(w.values()))) == ["d1", "vip"], (w, self.logs())
        return next(iter(w))

    def other(self, node: str) -> str:
        return next(n for n in self.nodes if n != node)

    def settled_on(self, node: str) -> bool:
        w = self.where()
        if list(w) != [node] or sorted(w[node]) != ["d1", "vip"]:
            return False
        return all(
            C.status(self.lab, n)["state"] in ("idle", "not-dc")
            for n in self.nodes
            if self.lab.running(n)
        )

    def wait_on(self, node: str, timeout: float = 60.0) -> None:
        try:
            C.wait(lambda: self.settled_on(node), timeout, f"group on {node}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.where()}\n{self.logs()}") from None

    def vip_answers(self) -> bool:
        r = subprocess.run(["ping", "-c", "1", "-W", "1", self.vip], capture_output=True)
        return r.returncode == 0

    def vip_on(self, node: str) -> bool:
        out = self.lab.exec(node, ["ip", "-o", "addr", "show"]).stdout
        return f" {self.vip}/" in out

    def pcl(self, node: str, *args: str) -> str:
        return C.paceline(self.lab, node, *args)

    def logs(self) -> str:
        return "\n".join(f"===== {n}\n{C.log_tail(self.lab, n, 30)}" for n in self.nodes)


@pytest.fixture(scope="module")
def cl(lab_ok: None) -> Iterator[Cluster]:
    with running_lab(f"ctl{os.getpid()}", 2, power_api=False) as lab:
        c = Cluster(lab)
        cib, _ = api.load(Cib(), CONFIG.format(vip=c.vip))
        C.setup(lab, c.nodes, cib=cib)
        for n in c.nodes:
            C.start(lab, n)
        try:
            yield c
        finally:
            for n in c.nodes:
                C.stop(lab, n)


def test_ctl_cluster_forms_and_starts_the_group_on_one_node(cl: Cluster) -> None:
    C.wait(
        lambda: len(cl.where()) == 1 and cl.settled_on(next(iter(cl.where()))), 60, "group started"
    )
    node = cl.active()
    for n in cl.nodes:
        st = C.status(cl.lab, n)
        assert sorted(st["members"]) == sorted(cl.nodes)
        assert st["dc"] == C.status(cl.lab, cl.nodes[0])["dc"]
    assert cl.vip_on(node) and not cl.vip_on(cl.other(node))
    C.wait(cl.vip_answers, 20, "the VIP answers the host")
    versions = {C.status(cl.lab, n)["version"] for n in cl.nodes}
    assert len(versions) == 1  # one CIB everywhere


def test_ctl_standby_moves_the_group_and_online_keeps_it(cl: Cluster) -> None:
    node = cl.active()
    other = cl.other(node)
    cl.pcl(other, "node", "standby", node)  # a change made on the other node
    cl.wait_on(other)
    assert cl.vip_on(other) and not cl.vip_on(node)
    C.wait(cl.vip_answers, 20, "the VIP answers from the new node")
    cl.pcl(node, "node", "online", node)
    cl.wait_on(other)
    assert cl.active() == other  # stickiness keeps it


def test_ctl_configure_commits_through_the_dc_and_every_node_sees_it(cl: Cluster) -> None:
    node = cl.active()
    other = cl.other(node)
    cl.pcl(other, "configure", "property", "cluster-recheck-interval=7min")

    def seen() -> bool:
        return "cluster-recheck-interval=7min" in cl.pcl(node, "configure", "show")

    C.wait(seen, 30, "the committed property on the other node")
    text = cl.pcl(node, "status")
    assert "Online:" in text and node in text and other in text, text


def test_ctl_failed_monitor_is_recovered_in_place(cl: Cluster) -> None:
    node = cl.active()
    cl.lab.exec(node, ["rm", "-f", DUMMY_STATE], check=True)

    def recovered() -> bool:
        return _failcount(cl, node) == "1" and cl.settled_on(node)

    C.wait(recovered, 60, "d1 recovered with fail count 1")
    assert cl.active() == node
    log = _history(cl, node)
    assert [
        (h["action"], h["rc"])
        for h in log
        if h["rsc"] == "d1" and h["interval_ms"] > 0 and h["rc"] == 7
    ]


def test_ctl_kill_9_of_the_daemon_stops_nothing_and_restart_reprobes(cl: Cluster) -> None:
    node = cl.active()
    pid = C.daemon_pid(cl.lab, node)
    assert pid is not None
    cl.lab.exec(node, ["kill", "-9", str(pid)], check=True)
    C.wait(
        lambda: C.daemon_pid(cl.lab, node) not in (None, pid),
        30,
        "the supervisor restarted pacelined",
    )
    cl.wait_on(node)
    assert cl.vip_on(node)
    assert cl.lab.exec(node, ["test", "-f", DUMMY_STATE]).returncode == 0
    actions = [(h["rsc"], h["action"], h["interval_ms"]) for h in _history(cl, node)]
    assert ("d1", "monitor", 0) in actions and ("vip", "monitor", 0) in actions  # re-probed
    assert not [a for a in actions if a[1] in ("start", "stop")], actions  # nothing restarted


def test_ctl_live_status_names_the_dc_and_every_node_online(cl: Cluster) -> None:
    node = cl.active()
    dc = C.status(cl.lab, node)["dc"]
    for n in cl.nodes:
        # a root with the daemon's socket and no replica file: the CIB comes through node.sock
        cl.lab.exec(n, ["sh", "-c", "mkdir -p /tmp/ctlroot/run/paceline && ln -sf "
                        "/run/paceline/node.sock /tmp/ctlroot/run/paceline/node.sock"], check=True)  # fmt: skip
        text = cl.pcl(n, "--root", "/tmp/ctlroot", "status")
        assert f"  * Current DC: {dc} (version " in text, text
        assert f"  * Online: [ {' '.join(sorted(cl.nodes))} ]" in text, text
        assert f"Started {node}" in text, text
    listing = cl.pcl(node, "node", "list")
    for n in cl.nodes:
        assert re.search(rf"^{n}\(\d+\): member: online$", listing, re.M), listing


def test_ctl_resource_status_and_restart(cl: Cluster) -> None:
    node = cl.active()
    other = cl.other(node)
    assert cl.pcl(other, "resource", "status", "g") == f"resource g is running on: {node}\n"
    last = max(int(str(h["call_id"])) for h in _history(cl, node))
    cl.pcl(other, "resource", "restart", "d1")  # returns once d1 runs again
    new = [
        (h["rsc"], h["action"])
        for h in _history(cl, node)
        if int(str(h["call_id"])) > last and h["interval_ms"] == 0
    ]
    assert ("d1", "stop") in new and ("d1", "start") in new, new
    assert new.index(("d1", "stop")) < new.index(("d1", "start"))
    assert ("vip", "stop") not in new  # only d1 (vip is before it in the group)
    assert "target-role" not in _cib_xml(cl, node)  # restored: it had none
    cl.wait_on(node)


def test_ctl_node_maintenance_leaves_resources_alone_until_ready(cl: Cluster) -> None:
    node = cl.active()
    other = cl.other(node)
    cl.pcl(other, "node", "maintenance", node)
    cl.wait_on(node)
    assert f"Node {node}: maintenance" in cl.pcl(node, "status")
    xml = _cib_xml(cl, node)
    assert "d1_monitor_2000" not in xml and "vip_monitor_2000" not in xml  # cancelled
    cl.pcl(other, "resource", "stop", "d1")
    cl.wait_on(node)  # nothing is stopped on a node in maintenance
    assert cl.lab.exec(node, ["test", "-f", DUMMY_STATE]).returncode == 0
    cl.pcl(node, "node", "ready")  # default: this node
    C.wait(
        lambda: cl.lab.exec(node, ["test", "-f", DUMMY_STATE]).returncode != 0,
        60,
        "d1 stopped once the node is ready",
    )
    cl.pcl(other, "resource", "start", "d1")
    cl.wait_on(node)
    C.wait(lambda: "d1_monitor_2000" in _cib_xml(cl, node), 30, "the monitor is back")


def test_ctl_attribute_verbs_on_the_live_cluster(cl: Cluster) -> None:
    node = cl.active()
    other = cl.other(node)
    cl.pcl(other, "attribute", "-N", node, "-n", "ctlsite", "-v", "east")
    cl.pcl(other, "attribute", "-N", node, "-n", "ctlping", "-v", "5", "-l", "reboot")
    cl.pcl(other, "attribute", "-n", "batch-limit", "-v", "7")
    get = ("attribute", "-G", "-q")
    C.wait(lambda: cl.pcl(node, *get, "-N", node, "-n", "ctlsite") == "east\n", 30, "on the other")
    assert cl.pcl(node, *get, "-n", "ctlping", "-l", "reboot") == "5\n"  # default node: here
    assert cl.pcl(node, *get, "-n", "batch-limit") == "7\n"
    text = cl.pcl(node, "attribute", "-N", node, "-n", "ctlsite", "-D")
    assert text.startswith("Deleted nodes attribute: id=") and text.endswith(" name=ctlsite\n")
    cl.pcl(node, "attribute", "-n", "batch-limit", "-D")
    proc = cl.lab.exec(other, [sys.executable, "-m", "paceline.cli.main", "attribute", "-N", node,
                               "-n", "ctlsite", "-G"])  # fmt: skip
    assert proc.returncode == 105, proc
    cl.wait_on(node)


def test_ctl_power_off_moves_the_group_and_the_returning_node_syncs(cl: Cluster) -> None:
    node = cl.active()
    other = cl.other(node)
    cl.lab.power_off(node)
    cl.wait_on(other)
    C.wait(cl.vip_answers, 20, "the VIP answers from the survivor")
    # a change while the node is off
    cl.pcl(other, "resource", "ban", "g", node)
    version = C.status(cl.lab, other)["version"]
    cl.lab.power_on(node)
    C.start(cl.lab, node)
    C.wait(lambda: sorted(C.status(cl.lab, node)["members"]) == sorted(cl.nodes), 60, "rejoined")
    cl.wait_on(other)
    got = C.status(cl.lab, node)["version"]
    assert _newer_or_equal(got, version)
    xml = _cib_xml(cl, node)
    assert f'id="cli-ban-g-on-{node}"' in xml
    cl.pcl(node, "resource", "clear", "g")
    cl.wait_on(other)  # stickiness: it stays


def _newer_or_equal(a: str, b: str) -> bool:
    return tuple(int(x) for x in a.split(".")) >= tuple(int(x) for x in b.split("."))


def _rpc(cl: Cluster, node: str, op: str) -> str:
    code = (
        "import json,sys; from paceline.runtime.control import call; "
        f"print(json.dumps(call('/run/paceline/node.sock', {op!r})))"
    )
    proc = cl.lab.exec(node, [sys.executable, "-c", code], timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _history(cl: Cluster, node: str) -> list[dict[str, object]]:
    result: list[dict[str, object]] = json.loads(_rpc(cl, node, "history"))
    return result


def _cib_xml(cl: Cluster, node: str) -> str:
    return str(json.loads(_rpc(cl, node, "cib"))["xml"])


def _failcount(cl: Cluster, node: str) -> str | None:
    m = re.search(r'name="fail-count-d1#monitor_2000" value="([^"]+)"', _cib_xml(cl, node))
    return m.group(1) if m else None


def test_ctl_node_delete_of_a_node_that_is_down_and_its_return(cl: Cluster) -> None:
    node = cl.active()
    other = cl.other(node)
    proc = cl.lab.exec(node, [sys.executable, "-m", "paceline.cli.main", "node", "delete", other])
    assert proc.returncode == 1 and "is a member" in proc.stderr, proc  # refused while up
    cl.lab.power_off(other)
    C.wait(lambda: C.status(cl.lab, node)["members"] == [node], 60, f"{other} left")
    cl.pcl(node, "node", "delete", other)
    xml = _cib_xml(cl, node)
    assert f'uname="{other}"' not in xml, xml  # neither a <node> nor a <node_state>
    assert other not in cl.pcl(node, "status")
    cl.lab.power_on(other)  # it joins again: the DC gives it a node entry, as a new node
    C.start(cl.lab, other)
    C.wait(lambda: sorted(C.status(cl.lab, node)["members"]) == sorted(cl.nodes), 60, "rejoined")
    entry = re.compile(rf'<node id="[^"]+" uname="{other}"')
    C.wait(lambda: entry.search(_cib_xml(cl, node)) is not None, 30, "the node entry back")
    cl.wait_on(node)
