"""Attributes as ``crm_attribute`` reads and writes them, on a CIB (pure).

Three scopes (``-t``): ``nodes`` (a permanent node attribute, lifetime
``forever``: ``<node><instance_attributes id="nodes-ID">``), ``status`` (a
transient one, lifetime ``reboot``: the node's ``<transient_attributes>``,
``status-ID``) and ``crm_config`` (a cluster option in
``cib-bootstrap-options``). ``attribute_query`` gives the pair's id and
value (``crm_attribute -D`` names the id it deleted); ``attribute_update``
sets it (or deletes it, value None). The DC makes the same edits with the
same ``controller.status`` functions.
"""

from __future__ import annotations

from dataclasses import replace

from paceline.admin.edit import Edit, finish
from paceline.admin.nodes import set_node_value
from paceline.cib.model import Cib, NvPair, NvSet, NvSetItem
from paceline.controller.status import node_state, set_pair
from paceline.core.errors import ConfigError

SCOPES = ("nodes", "status", "crm_config")
OPTIONS_SET = "cib-bootstrap-options"


def scope_of(lifetime: str | None, scope: str | None, node: str | None) -> str:
    """The scope ``crm_attribute`` picks: ``--lifetime reboot`` is ``status``,
    ``forever`` is ``nodes``, else ``-t``, else ``nodes`` with a node and
    ``crm_config`` without one."""
    if lifetime in ("reboot", "status"):
        return "status"
    if lifetime in ("forever", "nodes"):
        return "nodes"
    if lifetime is not None:
        raise ConfigError("unknown lifetime", field="lifetime", text=lifetime,
                          expected="reboot or forever")  # fmt: skip
    if scope is not None:
        if scope not in SCOPES:
            raise ConfigError("unknown scope", field="type", text=scope, expected=", ".join(SCOPES))
        return scope
    return "nodes" if node is not None else "crm_config"


def _find(items: tuple[NvSetItem, ...], name: str) -> tuple[str, str] | None:
    for s in items:
        if isinstance(s, NvSet):
            for p in s.nvpairs:
                if isinstance(p, NvPair) and p.name == name and p.value is not None:
                    return p.id, p.value
    return None


def _items(cib: Cib, scope: str, node: str | None) -> tuple[NvSetItem, ...]:
    if scope == "crm_config":
        return cib.configuration.crm_config
    if node is None:
        raise ConfigError("a node attribute needs a node", field="node", expected="--node NODE")
    found = [n for n in cib.configuration.nodes if n.uname == node]
    if not found:
        raise ConfigError(f"Could not map name={node} to a UUID", field="node", text=node)
    if scope == "nodes":
        return found[0].instance_attributes
    ns = node_state(cib, node)
    if ns is None or ns.transient_attributes is None:
        return ()
    return ns.transient_attributes.instance_attributes


def attribute_query(
    cib: Cib, scope: str, name: str, node: str | None = None
) -> tuple[str, str] | None:
    """(nvpair id, value) of ``name`` in ``scope`` (for ``node``), None when unset."""
    return _find(_items(cib, scope, node), name)


def attribute_update(
    cib: Cib, scope: str, name: str, value: str | None, node: str | None = None
) -> Edit:
    """Set ``name`` to ``value`` in ``scope`` (delete it when None)."""
    _items(cib, scope, node)  # the node must exist
    if scope == "crm_config":
        cfg = cib.configuration
        after = replace(cib, configuration=replace(
            cfg, crm_config=set_pair(cfg.crm_config, OPTIONS_SET, name, value)))  # fmt: skip
    else:
        assert node is not None
        after = set_node_value(cib, node, name, value, "forever" if scope == "nodes" else "reboot")
    return finish(cib, after)
