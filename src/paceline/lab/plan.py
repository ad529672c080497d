"""The shape of one lab: names, addresses and cables, computed without I/O.

A lab has an index (a small integer handed out by the registry) from which
everything else follows, so that two labs never share a name or an address:

- the prefix ``pl<index>`` of its namespaces (``pl3n1``), host-side
  interfaces (``pl3n1p0``, ``pl3b0``) and directories;
- public ring ``r`` (one or two per lab): bridge ``pl3b<r>`` on the host,
  subnet ``198.18.<10 + 2*index + r>.0/24``, host ``.1``, node ``k`` ``.1k``
  (``.10 + k``), the arbitrator ``.19``, virtual IPs from ``.64``;
- replication cables: one point-to-point ``/30`` per pair of nodes inside
  ``198.19.<10 + index>.0/24`` (28 pairs of 8 nodes use 112 addresses).

``198.18.2.0/24``, ``198.18.3.0/24`` and their ``198.19`` twins are never
used (the lab recipe and the Corosync baseline live there). Inside a node
the interfaces have stable names that do not depend on the lab: ``pub0``,
``pub1`` and ``rep<a>-<b>`` (the cable between node ``a`` and node ``b``).
Host-visible names all start with the lab prefix and fit in 15 characters.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from paceline.core.errors import ConfigError

MAX_NODES = 8
MAX_RINGS = 2
MAX_LABS = 100
ARBITRATOR_ID = 9
ARBITRATOR = "arbitrator"
IFNAMSIZ = 15  # usable characters of a Linux interface name
LAB_SPACE = ipaddress.IPv4Network("198.18.0.0/15")
SUBNET_BASE = 10  # third octet of the first lab subnet; 2 and 3 stay free
RESERVED_THIRD_OCTETS = frozenset({2, 3})
VIP_BASE = 64
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")


def check_lab_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise ConfigError(
            "bad lab name",
            field="--name",
            text=name,
            expected="1-32 characters of a-z 0-9 _ . - starting with a letter or digit",
        )
    return name


def prefix_for(index: int) -> str:
    if not 0 <= index < MAX_LABS:
        raise ValueError(f"lab index {index} outside 0..{MAX_LABS - 1}")
    return f"pl{index}"


def node_name(node_id: int) -> str:
    return ARBITRATOR if node_id == ARBITRATOR_ID else f"node{node_id}"


def _mac(index: int, node_id: int, port: int) -> str:
    """A stable, locally administered MAC, so that filters can be written ahead."""
    return f"02:50:4c:{index:02x}:{node_id:02x}:{port:02x}"


@dataclass(frozen=True, slots=True)
class PublicPort:
    """A node's NIC on a public ring: a veth whose host end sits on the bridge."""

    node: str
    ring: int
    ifname: str  # inside the node: pub0 / pub1
    host_ifname: str  # on the host, enslaved to ``bridge``
    bridge: str
    address: str
    prefixlen: int
    mac: str

    @property
    def name(self) -> str:
        return f"{self.node}:{self.ifname}"


@dataclass(frozen=True, slots=True)
class RepLink:
    """A replication cable between nodes ``a`` < ``b``: both ends are named ``ifname``.

    It runs through the lab's wire namespace (a two-port bridge per cable), so that the
    lab can take the carrier away from either end: a pulled cable, or a powered-off peer,
    shows NO-CARRIER on a NIC that stays administratively up, as on real hardware."""

    a: str
    b: str
    ifname: str
    address_a: str
    address_b: str
    prefixlen: int
    mac_a: str
    mac_b: str

    @property
    def name(self) -> str:
        return self.ifname

    def address_of(self, node: str) -> str:
        return self.address_a if node == self.a else self.address_b

    def peer_of(self, node: str) -> str:
        return self.b if node == self.a else self.a

    @property
    def wire(self) -> str:
        """The cable's bridge in the wire namespace (``w1-2``)."""
        return "w" + self.ifname.removeprefix("rep")

    def wire_port(self, node: str) -> str:
        """The wire-namespace end of the veth that reaches ``node`` (``w1-2a`` for node a)."""
        return self.wire + ("a" if node == self.a else "b")


Link = PublicPort | RepLink


@dataclass(frozen=True, slots=True)
class NodePlan:
    id: int
    name: str
    netns: str
    ports: tuple[PublicPort, ...]
    reps: tuple[RepLink, ...]

    @property
    def address(self) -> str:
        """The node's main address: public ring 0."""
        return self.ports[0].address

    @property
    def ifnames(self) -> tuple[str, ...]:
        return tuple(p.ifname for p in self.ports) + tuple(r.ifname for r in self.reps)

    def mac_of(self, ifname: str) -> str:
        for p in self.ports:
            if p.ifname == ifname:
                return p.mac
        for r in self.reps:
            if r.ifname == ifname:
                return r.mac_a if r.a == self.name else r.mac_b
        raise KeyError(ifname)


@dataclass(frozen=True, slots=True)
class LabPlan:
    name: str
    index: int
    nodes: tuple[NodePlan, ...]
    rings: int

    @property
    def prefix(self) -> str:
        return prefix_for(self.index)

    def bridge(self, ring: int) -> str:
        return f"{self.prefix}b{ring}"

    def public_subnet(self, ring: int) -> ipaddress.IPv4Network:
        return _public_subnet(self.index, ring)

    def host_address(self, ring: int = 0) -> str:
        return str(self.public_subnet(ring).network_address + 1)

    @property
    def wire_netns(self) -> str:
        """The namespace holding every replication cable's middle (the lab's patch panel)."""
        return f"{self.prefix}w"

    def wire_states(self, pulled: Iterable[str], running: Iterable[str]) -> dict[str, bool]:
        """Whether each wire port should be up: the port facing node x carries the signal of
        the far end, so it is up iff the cable is plugged and the far node is powered."""
        cut, on = set(pulled), set(running)
        states = {}
        for r in self.reps:
            for near in (r.a, r.b):
                states[r.wire_port(near)] = r.name not in cut and r.peer_of(near) in on
        return states

    @property
    def rep_subnet(self) -> ipaddress.IPv4Network:
        return _rep_subnet(self.index)

    def vip(self, number: int = 0, ring: int = 0) -> str:
        """A free address on a public ring for a virtual IP (``.64`` upwards)."""
        if not 0 <= number < 64:
            raise ValueError("vip number must be in 0..63")
        return str(self.public_subnet(ring).network_address + VIP_BASE + number)

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def node(self, name: str) -> NodePlan:
        for n in self.nodes:
            if n.name == name:
                return n
        raise ConfigError(
            "no such node in this lab", field="NODE", text=name, expected=", ".join(self.node_names)
        )

    @property
    def ports(self) -> tuple[PublicPort, ...]:
        return tuple(p for n in self.nodes for p in n.ports)

    @property
    def reps(self) -> tuple[RepLink, ...]:
        seen: dict[str, RepLink] = {}
        for n in self.nodes:
            for r in n.reps:
                seen.setdefault(r.ifname, r)
        return tuple(seen.values())

    @property
    def links(self) -> tuple[Link, ...]:
        return self.ports + self.reps

    def link(self, name: str) -> Link:
        for link in self.links:
            if link.name == name:
                return link
        raise ConfigError(
            "no such link in this lab",
            field="LINK",
            text=name,
            expected="NODE:pubR or repA-B, one of " + ", ".join(lk.name for lk in self.links),
        )

    def links_of(self, node: str) -> tuple[Link, ...]:
        n = self.node(node)
        return n.ports + n.reps

    def targets(self, spec: str) -> tuple[Link, ...]:
        """``node1`` = all its cables; ``node1:pub0`` or ``rep1-2`` = one cable."""
        if spec in self.node_names:
            return self.links_of(spec)
        return (self.link(spec),)

    def hosts_lines(self) -> list[str]:
        """``/etc/hosts`` lines naming every node on every network of the lab."""
        lines = [f"{self.host_address(0)} labhost"]
        for n in self.nodes:
            lines.append(f"{n.address} {n.name}")
            lines.extend(f"{p.address} {n.name}-pub{p.ring}" for p in n.ports[1:])
        for r in self.reps:
            lines.append(f"{r.address_a} {r.a}-{r.ifname}")
            lines.append(f"{r.address_b} {r.b}-{r.ifname}")
        if len(self.reps) == 1:  # two nodes: the classic names for the one cable
            r = self.reps[0]
            lines += [f"{r.address_a} {r.a}-rep", f"{r.address_b} {r.b}-rep"]
        return lines

    def host_ifnames(self) -> tuple[str, ...]:
        """Every interface name this lab creates in the host's namespace."""
        return tuple(self.bridge(r) for r in range(self.rings)) + tuple(
            p.host_ifname for p in self.ports
        )


def _public_subnet(index: int, ring: int) -> ipaddress.IPv4Network:
    third = SUBNET_BASE + 2 * index + ring
    net = ipaddress.IPv4Network(f"198.18.{third}.0/24")
    assert third not in RESERVED_THIRD_OCTETS and net.subnet_of(LAB_SPACE)
    return net


def _rep_subnet(index: int) -> ipaddress.IPv4Network:
    third = SUBNET_BASE + index
    net = ipaddress.IPv4Network(f"198.19.{third}.0/24")
    assert third not in RESERVED_THIRD_OCTETS and net.subnet_of(LAB_SPACE)
    return net


def pair_index(a: int, b: int) -> int:
    """Position of the pair (a, b), a < b, in the fixed order of all pairs of 1..MAX_NODES."""
    return list(combinations(range(1, MAX_NODES + 1), 2)).index((a, b))


def build_plan(
    name: str, index: int, nodes: int = 2, *, rings: int = 1, arbitrator: bool = False
) -> LabPlan:
    check_lab_name(name)
    if not 1 <= nodes <= MAX_NODES:
        raise ConfigError(
            "bad node count", field="--nodes", text=str(nodes), expected=f"1..{MAX_NODES}"
        )
    if not 1 <= rings <= MAX_RINGS:
        raise ConfigError(
            "bad ring count", field="--rings", text=str(rings), expected=f"1..{MAX_RINGS}"
        )
    prefix = prefix_for(index)
    rep_net = _rep_subnet(index)
    reps: dict[tuple[int, int], RepLink] = {}
    for a, b in combinations(range(1, nodes + 1), 2):
        base = rep_net.network_address + 4 * pair_index(a, b)
        reps[a, b] = RepLink(
            a=node_name(a),
            b=node_name(b),
            ifname=f"rep{a}-{b}",
            address_a=str(base + 1),
            address_b=str(base + 2),
            prefixlen=30,
            mac_a=_mac(index, a, 0x10 + b),
            mac_b=_mac(index, b, 0x10 + a),
        )
    ids = list(range(1, nodes + 1)) + ([ARBITRATOR_ID] if arbitrator else [])
    plans = []
    for k in ids:
        ports = tuple(
            PublicPort(
                node=node_name(k),
                ring=r,
                ifname=f"pub{r}",
                host_ifname=f"{prefix}n{k}p{r}",
                bridge=f"{prefix}b{r}",
                address=str(_public_subnet(index, r).network_address + 10 + k),
                prefixlen=24,
                mac=_mac(index, k, r),
            )
            for r in range(rings)
        )
        mine = tuple(link for (a, b), link in reps.items() if k in (a, b))
        plans.append(
            NodePlan(id=k, name=node_name(k), netns=f"{prefix}n{k}", ports=ports, reps=mine)
        )
    return LabPlan(name=name, index=index, nodes=tuple(plans), rings=rings)


def free_index(used: Iterable[int]) -> int:
    """The smallest lab index not in ``used``."""
    taken = set(used)
    for i in range(MAX_LABS):
        if i not in taken:
            return i
    raise ConfigError(
        f"all {MAX_LABS} lab slots are in use",
        expected="`paceline lab down --all` to remove labs left behind",
    )
