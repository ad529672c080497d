"""Editing the CIB the way the DC does: node states, transient and permanent
node attributes, fail counts. Pure functions from ``Cib`` to ``Cib``; the
caller bumps the version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from paceline.cib.model import (
    Cib,
    Configuration,
    Lrm,
    Node,
    NodeState,
    NvPair,
    NvSet,
    NvSetItem,
    Status,
    TransientAttributes,
)

INFINITY = "INFINITY"


def set_pair(
    items: tuple[NvSetItem, ...], prefix: str, name: str, value: str | None
) -> tuple[NvSetItem, ...]:
    """``items`` with ``name`` set to ``value`` in its first nvset (removed when None)."""
    sets = list(items)
    for i, s in enumerate(sets):
        if not isinstance(s, NvSet):
            continue
        if any(isinstance(p, NvPair) and p.name == name for p in s.nvpairs):
            pairs = [p for p in s.nvpairs if not (isinstance(p, NvPair) and p.name == name)]
            if value is not None:
                pairs.append(NvPair(f"{s.id}-{name}", name, value))
            sets[i] = replace(s, nvpairs=tuple(pairs))
            return tuple(sets)
    if value is None:
        return items
    for i, s in enumerate(sets):
        if isinstance(s, NvSet) and s.rule is None:
            sets[i] = replace(s, nvpairs=(*s.nvpairs, NvPair(f"{s.id}-{name}", name, value)))
            return tuple(sets)
    return (*sets, NvSet(prefix, (NvPair(f"{prefix}-{name}", name, value),)))


def get_pair(items: tuple[NvSetItem, ...], name: str) -> str | None:
    for s in items:
        if isinstance(s, NvSet):
            value = s.get(name)
            if value is not None:
                return value
    return None


# -- nodes of the configuration ----------------------------------------------


def ensure_nodes(cib: Cib, members: Mapping[str, str]) -> Cib:
    """Add a ``<node>`` for every member (name -> id) the configuration lacks."""
    have = {n.uname for n in cib.configuration.nodes}
    added = tuple(Node(members[n], n) for n in sorted(members) if n not in have)
    if not added:
        return cib
    cfg = replace(cib.configuration, nodes=cib.configuration.nodes + added)
    return replace(cib, configuration=cfg)


def remove_node(cib: Cib, node: str) -> Cib:
    """``cib`` without the ``<node>`` named ``node`` and without its node state
    (``crm_node --remove``; the caller checks that it is not a member)."""
    cfg = replace(
        cib.configuration, nodes=tuple(n for n in cib.configuration.nodes if n.uname != node)
    )
    states = tuple(ns for ns in cib.status.node_states if ns.uname != node)
    return replace(cib, configuration=cfg, status=replace(cib.status, node_states=states))


def set_node_attribute(
    cfg: Configuration, node: str, name: str, value: str | None
) -> Configuration:
    """A permanent node attribute (``standby``...) in ``<node><instance_attributes>``."""
    nodes = list(cfg.nodes)
    for i, n in enumerate(nodes):
        if n.uname == node:
            attrs = set_pair(n.instance_attributes, f"nodes-{n.id}", name, value)
            nodes[i] = replace(n, instance_attributes=attrs)
            return replace(cfg, nodes=tuple(nodes))
    raise KeyError(node)


def node_attribute(cfg: Configuration, node: str, name: str) -> str | None:
    for n in cfg.nodes:
        if n.uname == node:
            return get_pair(n.instance_attributes, name)
    return None


# -- node states ---------------------------------------------------------------


def node_state(cib: Cib, node: str) -> NodeState | None:
    for ns in cib.status.node_states:
        if ns.uname == node:
            return ns
    return None


def _put_state(cib: Cib, state: NodeState) -> Cib:
    states = [ns for ns in cib.status.node_states if ns.uname != state.uname]
    states.append(state)
    order = {n.uname: i for i, n in enumerate(cib.configuration.nodes)}
    states.sort(key=lambda ns: (order.get(ns.uname or "", len(order)), ns.uname or ""))
    return replace(cib, status=replace(cib.status, node_states=tuple(states)))


def _node_id(cib: Cib, node: str) -> str:
    for n in cib.configuration.nodes:
        if n.uname == node:
            return n.id
    return node


def set_member_states(cib: Cib, members: Mapping[str, Lrm | None]) -> Cib:
    """Every configured node's state: members online with their ``Lrm`` (None keeps
    the one in the CIB), the others offline without history or transient
    attributes (Pacemaker clears them when a node leaves)."""
    for n in cib.configuration.nodes:
        old = node_state(cib, n.uname)
        if n.uname in members:
            lrm = members[n.uname]
            if lrm is None:
                lrm = old.lrm if old is not None else Lrm(n.id)
            state = NodeState(
                id=n.id,
                uname=n.uname,
                in_ccm="true",
                crmd="online",
                join="member",
                expected="member",
                crm_debug_origin="do_state_transition",
                transient_attributes=old.transient_attributes if old is not None else None,
                lrm=lrm,
            )
        else:
            state = NodeState(
                id=n.id,
                uname=n.uname,
                in_ccm="false",
                crmd="offline",
                join="down",
                expected="down",
                crm_debug_origin="do_state_transition",
            )
        cib = _put_state(cib, state)
    return cib


def set_lrm(cib: Cib, node: str, lrm: Lrm) -> Cib:
    old = node_state(cib, node)
    if old is None:
        return cib
    return _put_state(cib, replace(old, lrm=lrm))


# -- transient attributes -------------------------------------------------------


def transient(cib: Cib, node: str) -> dict[str, str]:
    ns = node_state(cib, node)
    out: dict[str, str] = {}
    if ns is None or ns.transient_attributes is None:
        return out
    for s in ns.transient_attributes.instance_attributes:
        if isinstance(s, NvSet):
            for p in s.nvpairs:
                if isinstance(p, NvPair) and p.value is not None:
                    out.setdefault(p.name, p.value)
    return out


def set_transient(cib: Cib, node: str, name: str, value: str | None) -> Cib:
    ns = node_state(cib, node)
    if ns is None:
        return cib
    node_id = ns.id or _node_id(cib, node)
    ta = ns.transient_attributes or TransientAttributes(node_id)
    attrs = set_pair(ta.instance_attributes, f"status-{node_id}", name, value)
    return _put_state(cib, replace(ns, transient_attributes=replace(ta, instance_attributes=attrs)))


def failcount_name(rsc: str, action: str, interval_ms: int) -> str:
    return f"fail-count-{rsc}#{action}_{interval_ms}"


def add_failure(cib: Cib, node: str, rsc: str, action: str, interval_ms: int, wall: int) -> Cib:
    """Count one failure: INFINITY for a failed start (start-failure-is-fatal), else +1."""
    name = failcount_name(rsc, action, interval_ms)
    current = transient(cib, node).get(name, "0")
    fatal = action == "start" and _option(cib, "start-failure-is-fatal", "true") in (
        "true",
        "1",
        "yes",
        "on",
    )
    if fatal or current == INFINITY:
        value = INFINITY
    else:
        value = str(int(current) + 1) if current.lstrip("-").isdigit() else "1"
    cib = set_transient(cib, node, name, value)
    return set_transient(cib, node, f"last-failure-{rsc}#{action}_{interval_ms}", str(wall))


def clear_failures(cib: Cib, node: str, rsc: str | None) -> Cib:
    for name in list(transient(cib, node)):
        if not name.startswith(("fail-count-", "last-failure-")):
            continue
        target = name.split("-", 2)[2].split("#")[0]
        if rsc is None or target == rsc:
            cib = set_transient(cib, node, name, None)
    return cib


def failures(cib: Cib) -> list[tuple[str, str, str, int]]:
    """(node, rsc, failcount name, last-failure wall) for every fail count."""
    out = []
    for ns in cib.status.node_states:
        attrs = transient(cib, ns.uname or "")
        for name in attrs:
            if name.startswith("fail-count-"):
                rest = name[len("fail-count-") :]
                last = attrs.get("last-failure-" + rest, "0")
                out.append(
                    (ns.uname or "", rest.split("#")[0], name, int(last) if last.isdigit() else 0)
                )
    return out


def _option(cib: Cib, name: str, default: str) -> str:
    value = get_pair(cib.configuration.crm_config, name)
    return (value or default).lower()


def option(cib: Cib, name: str, default: str) -> str:
    """A cluster property (``crm_config``), lowercased, or ``default``."""
    return _option(cib, name, default)


def empty_status() -> Status:
    return Status()
