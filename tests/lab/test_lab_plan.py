"""The lab's names and addresses (pure: no root, no namespaces)."""

from __future__ import annotations

import ipaddress
from itertools import combinations
from pathlib import Path

import pytest

from paceline.core.errors import ConfigError
from paceline.lab.layout import NodeDirs, boot_config, mount_table
from paceline.lab.plan import (
    IFNAMSIZ,
    MAX_LABS,
    MAX_NODES,
    LabPlan,
    RepLink,
    build_plan,
    free_index,
    pair_index,
)

RESERVED = [
    ipaddress.ip_network(n)
    for n in ("198.18.2.0/24", "198.18.3.0/24", "198.19.2.0/24", "198.19.3.0/24")
]
LAB_SPACE = ipaddress.ip_network("198.18.0.0/15")


def all_addresses(plan: LabPlan) -> list[str]:
    out = [plan.host_address(r) for r in range(plan.rings)]
    out += [p.address for p in plan.ports]
    out += [a for r in plan.reps for a in (r.address_a, r.address_b)]
    out += [plan.vip(i, ring) for i in range(4) for ring in range(plan.rings)]
    return out


def test_largest_lab_fits_interface_names() -> None:
    plan = build_plan("big", MAX_LABS - 1, MAX_NODES, rings=2, arbitrator=True)
    assert len(plan.reps) == 28
    names = list(plan.host_ifnames()) + [n.netns for n in plan.nodes]
    names += [ifname for n in plan.nodes for ifname in n.ifnames]
    names += [plan.wire_netns] + [
        x for r in plan.reps for x in (r.wire, r.wire_port(r.a), r.wire_port(r.b))
    ]
    assert max(len(x) for x in names) <= IFNAMSIZ
    assert len(set(plan.host_ifnames())) == len(plan.host_ifnames())
    assert all(x.startswith(plan.prefix) for x in plan.host_ifnames())
    assert all(n.netns.startswith(plan.prefix) for n in plan.nodes)
    for n in plan.nodes:  # inside a node, every interface name is distinct
        assert len(set(n.ifnames)) == len(n.ifnames)


def test_every_pair_gets_its_own_cable_and_subnet() -> None:
    plan = build_plan("big", 7, MAX_NODES)
    pairs = {(r.a, r.b) for r in plan.reps}
    assert pairs == {(f"node{a}", f"node{b}") for a, b in combinations(range(1, 9), 2)}
    nets = {ipaddress.IPv4Network(f"{r.address_a}/{r.prefixlen}", strict=False) for r in plan.reps}
    assert len(nets) == 28
    assert all(n.subnet_of(plan.rep_subnet) for n in nets)
    for r in plan.reps:
        assert ipaddress.ip_address(r.address_b) in ipaddress.ip_network(
            f"{r.address_a}/30", strict=False
        )
    assert pair_index(1, 2) == 0 and pair_index(7, 8) == 27


def test_addresses_stay_in_the_lab_space_and_off_the_reserved_subnets() -> None:
    for index in range(MAX_LABS):
        plan = build_plan("x", index, MAX_NODES, rings=2, arbitrator=True)
        for a in all_addresses(plan):
            ip = ipaddress.ip_address(a)
            assert ip in LAB_SPACE
            assert not any(ip in r for r in RESERVED), (index, a)


def test_two_labs_never_share_a_name_or_an_address() -> None:
    seen_addr: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for index in range(MAX_LABS):
        plan = build_plan("x", index, MAX_NODES, rings=2, arbitrator=True)
        for a in set(all_addresses(plan)):
            assert a not in seen_addr, (a, index, seen_addr.get(a))
            seen_addr[a] = index
        for name in set(plan.host_ifnames()) | {n.netns for n in plan.nodes}:
            assert name not in seen_name, (name, index)
            seen_name[name] = index


def test_addresses_within_a_lab_are_unique_and_macs_too() -> None:
    plan = build_plan("x", 3, MAX_NODES, rings=2, arbitrator=True)
    addrs = [p.address for p in plan.ports] + [
        a for r in plan.reps for a in (r.address_a, r.address_b)
    ]
    assert len(addrs) == len(set(addrs))
    macs = [p.mac for p in plan.ports] + [m for r in plan.reps for m in (r.mac_a, r.mac_b)]
    assert len(macs) == len(set(macs))
    assert all(int(m.split(":")[0], 16) & 0b10 for m in macs)  # locally administered


def test_free_index_takes_the_lowest_gap_and_fails_when_full() -> None:
    assert free_index([]) == 0
    assert free_index([0, 1, 3]) == 2
    with pytest.raises(ConfigError, match="lab slots"):
        free_index(range(MAX_LABS))


@pytest.mark.parametrize(
    ("args", "field"),
    [(("Bad Name", 0, 2), "--name"), (("ok", 0, 9), "--nodes"), (("ok", 0, 0), "--nodes")],
)
def test_bad_lab_shapes_are_config_errors(args: tuple[str, int, int], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_plan(*args)
    assert err.value.field == field


def test_bad_ring_count() -> None:
    with pytest.raises(ConfigError) as err:
        build_plan("ok", 0, 2, rings=3)
    assert err.value.field == "--rings"


def test_targets_and_link_lookup() -> None:
    plan = build_plan("x", 0, 3, rings=2)
    assert [lk.name for lk in plan.targets("node2")] == [
        "node2:pub0",
        "node2:pub1",
        "rep1-2",
        "rep2-3",
    ]
    assert plan.targets("rep1-3")[0].name == "rep1-3"
    with pytest.raises(ConfigError) as err:
        plan.targets("rep1-4")
    assert "rep2-3" in (err.value.expected or "")
    with pytest.raises(ConfigError, match="no such node"):
        plan.node("node4")


def test_hosts_lines_name_every_node() -> None:
    plan = build_plan("x", 5, 2, arbitrator=True)
    lines = plan.hosts_lines()
    assert "198.18.20.11 node1" in lines and "198.18.20.12 node2" in lines
    assert "198.18.20.19 arbitrator" in lines
    assert "198.19.15.1 node1-rep" in lines and "198.19.15.2 node2-rep" in lines
    assert plan.vip() == "198.18.20.64"


def test_mount_table_hides_tmp_last_and_binds_only_node_dirs(tmp_path: Path) -> None:
    dirs = NodeDirs(tmp_path / "nodes/node1")
    table = mount_table(dirs, tmp_path / "shared")
    targets = [m.target for m in table]
    assert targets[-1] == "/tmp"  # the lab lives under the host's /tmp: read it all before
    assert targets.index("/etc") < targets.index("/var") < targets.index("/var/log")
    for m in table:
        if m.fstype is None and m.target not in ("/var/lab", "/dev/ptmx"):
            assert m.source.startswith(str(dirs.root)), m
    cfg = boot_config("node1", dirs, tmp_path / "shared", cgroup_procs=None, rebinds=("/work",))
    assert type(cfg).from_json(cfg.to_json()) == cfg


def test_wire_ports_carry_the_far_end_signal() -> None:
    plan = build_plan("x", 0, 3)
    assert plan.wire_netns == "pl0w"
    r12 = plan.link("rep1-2")
    assert isinstance(r12, RepLink)
    assert (r12.wire, r12.wire_port("node1"), r12.wire_port("node2")) == ("w1-2", "w1-2a", "w1-2b")
    every = plan.wire_states(pulled=[], running=plan.node_names)
    assert len(every) == 6 and all(every.values())
    # node1 off: its peers lose carrier on their cables to node1, nothing else changes
    off = plan.wire_states(pulled=[], running=["node2", "node3"])
    assert {p for p, up in off.items() if not up} == {"w1-2b", "w1-3b"}
    # rep2-3 pulled: both of its ends lose carrier
    cut = plan.wire_states(pulled=["rep2-3"], running=plan.node_names)
    assert {p for p, up in cut.items() if not up} == {"w2-3a", "w2-3b"}
