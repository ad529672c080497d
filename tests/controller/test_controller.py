"""The controller cores of two or three nodes on a perfect bus with fake agents."""

from __future__ import annotations

from tests.controller.harness import Bus

from paceline.admin import resource_target_role
from paceline.cib.model import Cib
from paceline.controller import DcState
from paceline.controller import status as st
from paceline.controller.wire import pack_cib
from paceline.crm import api

CONFIG = """\
primitive vip ocf:pacemaker:Dummy op monitor interval=10s timeout=20s
primitive d1 ocf:pacemaker:Dummy op monitor interval=10s timeout=20s
group g vip d1
property stonith-enabled=false
rsc_defaults resource-stickiness=100
"""


def cluster(names: list[str], text: str = CONFIG) -> Bus:
    cib, _ = api.load(Cib(), text)
    bus = Bus(names, cib)
    bus.view(names)
    bus.run()
    return bus


def assert_s4(bus: Bus) -> None:
    for rsc in ("vip", "d1"):
        assert len(bus.where(rsc)) <= 1, (rsc, bus.where(rsc), bus.log)


def test_forms_and_starts_the_group_on_one_node() -> None:
    bus = cluster(["n1", "n2"])
    assert bus.where("vip") == bus.where("d1")
    assert len(bus.where("vip")) == 1
    dc = bus.nodes["n1"].ctl
    assert dc.state is DcState.IDLE
    # every node has the same CIB, with both nodes online
    versions = {n.ctl.cib.version for n in bus.nodes.values()}
    assert len(versions) == 1
    for name in ("n1", "n2"):
        ns = st.node_state(dc.cib, name)
        assert ns is not None and ns.crmd == "online"
    # recurring monitors run where the group runs
    active = bus.nodes[bus.where("vip")[0]]
    assert {k[0] for k in active.recurring} == {"vip", "d1"}
    assert any("transition" in line and "Start" in line for line in bus.log)


def test_standby_moves_the_group_and_online_keeps_it() -> None:
    bus = cluster(["n1", "n2"])
    first = bus.where("vip")[0]
    other = "n2" if first == "n1" else "n1"
    bus.submit(other, "r1", {"op": "attr", "node": first, "name": "standby", "value": "on"})
    bus.run()
    assert bus.replies[-1].ok, bus.replies
    assert bus.where("vip") == [other] and bus.where("d1") == [other]
    assert_s4(bus)
    bus.submit(first, "r2", {"op": "attr", "node": first, "name": "standby", "value": None})
    bus.run()
    assert bus.where("vip") == [other]  # stickiness keeps it
    # every node sees the change
    for node in bus.nodes.values():
        assert st.node_attribute(node.ctl.cib.configuration, first, "standby") is None


def test_power_off_of_the_active_node_moves_the_group() -> None:
    bus = cluster(["n1", "n2", "n3"])
    first = bus.where("vip")[0]
    bus.power_off(first)
    bus.view([n for n in ("n1", "n2", "n3") if n != first])
    bus.run()
    survivors = bus.where("vip")
    assert len(survivors) == 1 and survivors[0] != first
    assert bus.where("d1") == survivors


def test_failed_monitor_is_recovered_in_place_with_a_fail_count() -> None:
    bus = cluster(["n1", "n2"])
    first = bus.where("vip")[0]
    bus.fail_monitor(first, "d1")
    bus.run()
    assert bus.where("d1") == [first]
    assert bus.nodes[first].started.count("d1") == 2
    dc = bus.nodes["n1"].ctl
    assert st.transient(dc.cib, first).get("fail-count-d1#monitor_10000") == "1"
    assert any("failed" in line for line in bus.log)


def test_daemon_restart_reprobes_without_restarting() -> None:
    bus = cluster(["n1", "n2"])
    first = bus.where("vip")[0]
    starts = list(bus.nodes[first].started)
    bus.crash(first)
    disk = bus.nodes[first].ctl.cib
    bus.restart(first, disk)
    bus.view(["n1", "n2"])
    bus.run()
    assert bus.where("vip") == [first]
    assert bus.nodes[first].started == starts  # found running, not started again
    assert {k[0] for k in bus.nodes[first].recurring} == {"vip", "d1"}


def test_concurrent_change_is_refused() -> None:
    bus = cluster(["n1", "n2"])
    base = bus.nodes["n2"].ctl.cib
    changed, _ = api.load(base, CONFIG + "property no-quorum-policy=ignore\n")
    stale = str(base.version)
    bus.submit("n2", "a", {"op": "replace", "cib": pack_cib(changed), "base": stale, "who": "t"})
    bus.run()
    assert bus.replies[-1].ok
    again, _ = api.load(base, CONFIG + "property no-quorum-policy=freeze\n")
    bus.submit("n2", "b", {"op": "replace", "cib": pack_cib(again), "base": stale, "who": "t"})
    bus.run()
    assert not bus.replies[-1].ok and "changed since" in bus.replies[-1].message
    for node in bus.nodes.values():
        assert st.option(node.ctl.cib, "no-quorum-policy", "stop") == "ignore"


def test_cleanup_clears_the_fail_count_and_reprobes() -> None:
    bus = cluster(["n1", "n2"])
    first = bus.where("vip")[0]
    bus.fail_monitor(first, "d1")
    bus.run()
    bus.submit("n2", "c", {"op": "cleanup", "rsc": "d1", "node": None})
    bus.run()
    assert bus.replies[-1].ok
    dc = bus.nodes["n1"].ctl
    assert "fail-count-d1#monitor_10000" not in st.transient(dc.cib, first)
    assert bus.where("d1") == [first]


def test_after_migration_threshold_failures_the_group_moves() -> None:
    bus = cluster(["n1", "n2"], CONFIG + "rsc_defaults migration-threshold=2\n")
    first = bus.where("vip")[0]
    bus.fail_monitor(first, "d1")
    bus.run()
    assert bus.where("d1") == [first]  # one failure: recovered in place
    bus.fail_monitor(first, "d1")
    bus.run()
    other = "n2" if first == "n1" else "n1"
    assert bus.where("d1") == [other] and bus.where("vip") == [other]
    assert_s4(bus)


def _replace(bus: Bus, node: str, req: str, cib: Cib) -> None:
    base = str(bus.nodes[node].ctl.cib.version)
    bus.submit(node, req, {"op": "replace", "cib": pack_cib(cib), "base": base, "who": "t"})
    bus.run()
    assert bus.replies[-1].ok, bus.replies[-1]


def test_maintenance_cancels_the_monitors_and_leaves_the_resources_alone() -> None:
    bus = cluster(["n1", "n2"])
    first = bus.where("vip")[0]
    node = bus.nodes[first]
    assert {k[0] for k in node.recurring} == {"vip", "d1"}
    bus.submit("n2", "m", {"op": "attr", "node": first, "name": "maintenance", "value": "true"})
    bus.run()
    assert bus.replies[-1].ok
    assert node.recurring == {}  # cancelled, not restarted (nor a loop of cancels)
    dc = bus.nodes["n1"].ctl
    assert dc.state is DcState.IDLE
    assert not [e for e in node.ctl.history.records() if e.interval_ms > 0]
    calls = node.calls
    # a stop asked while the node is in maintenance is not carried out...
    stop = resource_target_role(dc.cib, "d1", "Stopped").cib
    _replace(bus, "n2", "s", stop)
    assert bus.where("d1") == [first] and node.calls == calls
    # ...until the node is ready again
    bus.submit("n2", "r", {"op": "attr", "node": first, "name": "maintenance", "value": None})
    bus.run()
    assert bus.where("d1") == [] and bus.where("vip") == [first]
    assert {k[0] for k in node.recurring} == {"vip"}  # the monitor is back


def test_an_action_that_never_answers_fails_after_timeout_plus_cluster_delay() -> None:
    bus = cluster(["n1", "n2"], CONFIG + "property cluster-delay=5s\n")
    first = bus.where("vip")[0]
    other = "n2" if first == "n1" else "n1"
    dc = bus.nodes["n1"].ctl
    bus.nodes[other].hung = True
    bus.submit("n1", "s", {"op": "attr", "node": first, "name": "standby", "value": "on"})
    bus.run()
    assert dc.state is DcState.RUNNING  # the start of vip on the hung node is in flight
    sent = bus.now
    deadline = dc.next_deadline()
    assert deadline is not None and deadline <= sent + 20 + 5  # start timeout 20 s + 5 s
    bus.advance(20 + 5 - 1 - (bus.now - sent))
    assert dc.state is DcState.RUNNING  # not yet
    bus.nodes[other].hung = False
    bus.advance(2)
    assert any("got no answer from " + other in line for line in bus.log), bus.log
    assert any("aborted" in line or "stopped" in line for line in bus.log)
    ns = st.node_state(dc.cib, other)
    assert ns is not None and ns.lrm is not None
    ops = {op.id: op for r in ns.lrm.resources for op in r.ops}
    assert ops["vip_last_failure_0"].op_status == 2  # recorded as timed out
    assert st.transient(dc.cib, other).get("fail-count-vip#start_0") == "INFINITY"
    # rescheduled: the scheduler saw the failed start (a stop where it may have run)
    assert dc.state is DcState.IDLE
    assert "vip" in bus.nodes[other].stopped
    assert_s4(bus)


def test_a_joining_node_gets_a_node_entry_and_a_departed_one_can_be_deleted() -> None:
    cib, _ = api.load(Cib(), CONFIG)
    bus = Bus(["n1", "n2", "n3"], cib)
    bus.view(["n1", "n2"])
    bus.run()
    dc = bus.nodes["n1"].ctl
    assert [n.uname for n in dc.cib.configuration.nodes] == ["n1", "n2"]
    bus.view(["n1", "n2", "n3"])  # n3 added to the running cluster
    bus.run()
    assert [(n.id, n.uname) for n in dc.cib.configuration.nodes] == [
        ("1", "n1"),
        ("2", "n2"),
        ("3", "n3"),
    ]
    assert st.node_state(bus.nodes["n3"].ctl.cib, "n3") is not None  # every node has it
    bus.submit("n2", "d1", {"op": "node-delete", "node": "n3"})
    bus.run()
    assert not bus.replies[-1].ok and "is a member" in bus.replies[-1].message
    bus.power_off("n3")
    bus.view(["n1", "n2"])
    bus.run()
    bus.submit("n2", "d2", {"op": "node-delete", "node": "n3"})
    bus.run()
    assert bus.replies[-1].ok, bus.replies[-1]
    for name in ("n1", "n2"):
        c = bus.nodes[name].ctl.cib
        assert [n.uname for n in c.configuration.nodes] == ["n1", "n2"]
        assert st.node_state(c, "n3") is None
    bus.submit("n2", "d3", {"op": "node-delete", "node": "n3"})
    bus.run()
    assert not bus.replies[-1].ok and "no node n3" in bus.replies[-1].message
