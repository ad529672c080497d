"""Node states an administrator sets: standby/online and maintenance/ready.

Written where ``crm_attribute`` writes them: the ``forever`` lifetime is a
permanent attribute in ``<node><instance_attributes id="nodes-ID">``
(``nodes-ID-NAME`` pairs), the ``reboot`` lifetime a transient one in the
node's ``<transient_attributes>`` of the status section (``status-ID``),
gone when the node leaves. ``online`` writes ``standby=off`` as crmsh does,
and also drops a transient standby, so that the node really is online.
"""

from __future__ import annotations

from dataclasses import replace

from paceline.admin.edit import Edit, finish
from paceline.cib.model import Cib, Configuration
from paceline.controller.status import (
    node_state,
    remove_node,
    set_node_attribute,
    set_transient,
    transient,
)
from paceline.core.errors import ConfigError
from paceline.monitor.state import NodeView, snapshot
from paceline.monitor.text import node_word

LIFETIMES = ("forever", "reboot")


def _check_node(cib: Cib, node: str) -> None:
    names = [n.uname for n in cib.configuration.nodes]
    if node not in names:
        raise ConfigError(
            "no such node",
            field="node",
            text=node,
            expected="one of: " + (", ".join(names) if names else "(no nodes configured)"),
        )


def _check_lifetime(lifetime: str) -> None:
    if lifetime not in LIFETIMES:
        raise ConfigError(
            "unknown lifetime", field="lifetime", text=lifetime, expected="forever or reboot"
        )


def set_node_value(cib: Cib, node: str, name: str, value: str | None, lifetime: str) -> Cib:
    """``name`` of ``node`` set (None: deleted) with ``lifetime`` forever or reboot."""
    if lifetime == "forever":
        cfg = set_node_attribute(cib.configuration, node, name, value)
        return cib if cfg == cib.configuration else _with_cfg(cib, cfg)
    if node_state(cib, node) is None:
        raise ConfigError(
            "a reboot-lifetime attribute needs the node's state in the status section",
            field="node",
            text=node,
            expected="lifetime forever, or a node that has joined",
        )
    return keep_order(cib, set_transient(cib, node, name, value))


def keep_order(before: Cib, after: Cib) -> Cib:
    """``after`` with its node states in ``before``'s document order (the
    controller's setter sorts them; a tool edit moves nothing)."""
    rank = {ns.uname: i for i, ns in enumerate(before.status.node_states)}
    states = sorted(after.status.node_states, key=lambda ns: rank.get(ns.uname, len(rank)))
    return replace(after, status=replace(after.status, node_states=tuple(states)))


def _with_cfg(cib: Cib, cfg: Configuration) -> Cib:
    return replace(cib, configuration=cfg)


def node_standby(cib: Cib, node: str, *, on: bool = True, lifetime: str = "forever") -> Edit:
    """``node standby NODE [LIFETIME]`` (``on``) or ``node online NODE``."""
    _check_node(cib, node)
    _check_lifetime(lifetime)
    if on:
        return finish(cib, set_node_value(cib, node, "standby", "on", lifetime))
    after = set_node_value(cib, node, "standby", "off", "forever")
    if "standby" in transient(after, node):
        after = keep_order(cib, set_transient(after, node, "standby", None))
    return finish(cib, after)


def node_maintenance(cib: Cib, node: str, *, on: bool = True, lifetime: str = "forever") -> Edit:
    """``node maintenance NODE`` (``on``) or ``node ready NODE``."""
    _check_node(cib, node)
    _check_lifetime(lifetime)
    return finish(
        cib, set_node_value(cib, node, "maintenance", "true" if on else "false", lifetime)
    )


def node_delete(cib: Cib, node: str, members: frozenset[str] = frozenset()) -> Edit:
    """``node delete NODE`` (``crm_node --remove``): drop the node from the
    configuration and the status; refused while it is a member (``members``)."""
    _check_node(cib, node)
    if node in members:
        raise ConfigError(
            "the node is a member of the cluster",
            field="node",
            text=node,
            expected="a node that is down (stop its daemon, or remove it from corosync.conf "
            "and 'paceline cluster reload', first)",
        )
    return finish(cib, remove_node(cib, node))


def node_list(cib: Cib, now: int) -> list[str]:
    """``node list``: one line per node, ``NAME(ID): member: STATE``, then
    its attributes (``\\tNAME=VALUE``), as crmsh's ``node show`` prints them."""
    snap = snapshot(cib, now)
    out: list[str] = []
    for n in snap.nodes:
        out.append(f"{n.name}({n.id}): {n.kind}: {_state(n)}")
        for name, value in n.attributes:
            if not name.startswith(("fail-count-", "last-failure-", "#")):
                out.append(f"\t{name}={value}")
    return out


def _state(n: NodeView) -> str:
    word = node_word(n)
    if word is not None:
        return word
    return "online" if n.online else "OFFLINE"
