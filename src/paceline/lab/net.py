"""Wiring a lab's networks on this machine: bridges, namespaces, cables, addresses.

Every name comes from the plan (``paceline.lab.plan``); nothing here
invents one. A node's network namespace outlives its power cycles (it is the
machine's NICs); its addresses are set at power-on and flushed at power-off.
Bridges forward multicast (snooping off) like a dumb switch, and nodes route
multicast out of ``pub0``, so multicast cluster configurations work.
"""

from __future__ import annotations

from pathlib import Path

from paceline.lab.plan import LabPlan, NodePlan
from paceline.lab.sh import ip_batch

NETNS_DIR = Path("/run/netns")


def netns_exists(netns: str) -> bool:
    return (NETNS_DIR / netns).exists()


def link_exists(ifname: str) -> bool:
    return Path("/sys/class/net", ifname).exists()


def create(plan: LabPlan, group: Path | None = None) -> None:
    """Bridges, namespaces and cables; the ``ip`` processes run in cgroup ``group``."""
    host: list[str] = []
    for ring in range(plan.rings):
        br = plan.bridge(ring)
        host += [
            f"link add {br} type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
            f"addr add {plan.host_address(ring)}/24 dev {br}",
            f"link set {br} up",
        ]
    host += [f"netns add {n.netns}" for n in plan.nodes]
    if plan.reps:
        host.append(f"netns add {plan.wire_netns}")
    for p in plan.ports:
        ns = plan.node(p.node).netns
        host += [
            f"link add {p.host_ifname} type veth peer name {p.ifname} address {p.mac} netns {ns}",
            f"link set {p.host_ifname} master {p.bridge} up",
        ]
    ip_batch(host, group=group)
    for ring in range(plan.rings):  # no IPv6 autoconfiguration chatter on the host side
        _sysctl(f"net.ipv6.conf.{plan.bridge(ring)}.disable_ipv6", "1")
    wire = []
    for r in plan.reps:
        # Cable by cable, one end at a time: made node by node instead (one batch per node),
        # a re-plugged cable sometimes stayed dark to ARP (test_cable_pull_cuts_only_that_link).
        for end, mac in ((r.a, r.mac_a), (r.b, r.mac_b)):
            ip_batch(
                [
                    f"link add {r.ifname} address {mac} type veth "
                    f"peer name {r.wire_port(end)} netns {plan.wire_netns}"
                ],
                plan.node(end).netns,
                group=group,
            )
        wire += [
            f"link add {r.wire} type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
            f"link set {r.wire} up",
            f"link set {r.wire_port(r.a)} master {r.wire}",
            f"link set {r.wire_port(r.b)} master {r.wire}",
        ]
    ip_batch(wire, plan.wire_netns, group=group)


def set_wires(plan: LabPlan, states: dict[str, bool]) -> None:
    """Bring the wire ports up or down (the far end's carrier as each node sees it)."""
    if states and netns_exists(plan.wire_netns):
        lines = [f"link set {port} {'up' if up else 'down'}" for port, up in sorted(states.items())]
        ip_batch(lines, plan.wire_netns)


def _sysctl(key: str, value: str) -> None:
    path = Path("/proc/sys", *key.split("."))
    if path.exists():
        path.write_text(value)


def nics_up(node: NodePlan) -> None:
    """Power-on: addresses, links up, a multicast route out of the public ring 0."""
    lines = ["link set lo up"]
    for p in node.ports:
        lines += [
            f"addr flush dev {p.ifname}",
            f"addr add {p.address}/{p.prefixlen} dev {p.ifname}",
            f"link set {p.ifname} up",
        ]
    for r in node.reps:
        lines += [
            f"addr flush dev {r.ifname}",
            f"addr add {r.address_of(node.name)}/{r.prefixlen} dev {r.ifname}",
            f"link set {r.ifname} up",
        ]
    lines.append(f"route replace 224.0.0.0/4 dev {node.ports[0].ifname}")
    ip_batch(lines, node.netns)


def nics_down(node: NodePlan) -> None:
    """Carrier gone first (no FIN or RST escapes a dead node)."""
    ip_batch([f"link set {ifname} down" for ifname in node.ifnames], node.netns, check=False)


def flush(node: NodePlan) -> None:
    """Forget every address (a VIP the node held included): a powered-off NIC has none."""
    ip_batch([f"addr flush dev {ifname}" for ifname in node.ifnames], node.netns, check=False)


def destroy(plan: LabPlan) -> None:
    """Remove every namespace and host interface of the plan that still exists."""
    spaces = [n.netns for n in plan.nodes] + [plan.wire_netns]
    ip_batch([f"netns del {ns}" for ns in spaces if netns_exists(ns)], check=False)
    leftovers = [name for name in plan.host_ifnames() if link_exists(name)]
    ip_batch([f"link del {name}" for name in leftovers], check=False)
