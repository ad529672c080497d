"""Cluster properties and what they imply: names the schema dropped, fencing
(devices, ``stonith-enabled``, the fencing topology), the quorum policy, and the
startup fencing of nodes the status has never seen."""

from __future__ import annotations

from collections.abc import Iterator

from paceline.cib.model import (
    AgentClass,
    Cib,
    Configuration,
    NvSet,
    Primitive,
    property_value,
    walk_resources,
)
from paceline.cib.upgrade import CLUSTER_PROPERTIES, find_rule
from paceline.cib.values import parse_bool
from paceline.crm.verify.findings import Finding, Severity
from paceline.crm.verify.index import Index


def check_properties(config: Configuration, index: Index) -> Iterator[Finding]:
    for nvset in config.crm_config:
        if not isinstance(nvset, NvSet):
            continue
        for pair in nvset.nvpairs:
            name = getattr(pair, "name", None)
            value = getattr(pair, "value", None)
            # the names the pacemaker-3.x schema rejects are those Pacemaker's
            # upgrade (upgrade-2.10.xsl) renames, moves or drops
            if name is not None and find_rule(CLUSTER_PROPERTIES, name, value) is not None:
                yield Finding(
                    Severity.ERROR,
                    f"cluster property '{name}' is not allowed by the schema "
                    "(dropped in Pacemaker 2.0)",
                    nvset.id,
                    "deprecated-property",
                    "'paceline configure load' migrates it to its modern form",
                )
    action = property_value(config, "stonith-action")
    if action == "poweroff":
        yield Finding(
            Severity.WARNING,
            "Support for stonith-action of 'poweroff' is deprecated and will be removed "
            "in a future release (use 'off' instead)",
            "stonith-action",
            "deprecated-property",
            "use stonith-action=off",
        )
    yield from _check_fencing(config)
    policy = property_value(config, "no-quorum-policy")
    if policy == "ignore" and len(config.nodes) > 2:
        yield Finding(
            Severity.ADVICE,
            f"no-quorum-policy=ignore with {len(config.nodes)} nodes: a partition without "
            "quorum keeps running resources that the quorate partition also runs",
            "no-quorum-policy",
            "no-quorum-policy",
            "ignore is meant for two-node clusters; use stop (the default) or freeze",
        )


def _stonith_primitives(config: Configuration) -> list[Primitive]:
    """Fencing devices: stonith primitives, directly or through their template."""
    template_classes = {t.id: t.agent_class for t in config.templates}
    return [
        rsc
        for rsc, _parent in walk_resources(config.resources)
        if isinstance(rsc, Primitive)
        and (rsc.agent_class or template_classes.get(rsc.template or "")) is AgentClass.STONITH
    ]


def _check_fencing(config: Configuration) -> Iterator[Finding]:
    enabled = parse_bool(property_value(config, "stonith-enabled"))
    if enabled is False:
        yield Finding(
            Severity.ADVICE,
            "STONITH is disabled (stonith-enabled=false): a node that stops answering "
            "is not fenced, and after a split brain shared data may be corrupted",
            "stonith-enabled",
            "fencing",
            "configure a fencing device and set stonith-enabled=true",
        )
        return
    watchdog = parse_bool(property_value(config, "have-watchdog"))  # SBD self-fencing
    if not _stonith_primitives(config) and not watchdog:
        for line in (
            "Resource start-up disabled since no STONITH resources have been defined",
            "Either configure some or disable STONITH with the stonith-enabled option",
            "NOTE: Clusters with shared data need STONITH to ensure data integrity",
        ):
            yield Finding(
                Severity.ERROR,
                line,
                "stonith-enabled",
                "fencing",
                "configure a fencing device (primitive NAME stonith:fence_...), "
                "or set stonith-enabled=false",
            )


def check_unseen_nodes(cib: Cib) -> Iterator[Finding]:
    """Nodes the status has never seen must be fenced before resources start
    (``startup-fencing``); crm_verify warns about each of them."""
    config = cib.configuration
    if parse_bool(property_value(config, "stonith-enabled")) is False:
        return
    if parse_bool(property_value(config, "startup-fencing")) is False:
        return
    seen = {s.uname for s in cib.status.node_states} | {s.id for s in cib.status.node_states}
    for node in config.nodes:
        if (
            node.uname in seen
            or node.id in seen
            or (node.type is not None and node.type != "member")
        ):
            continue
        message = (
            f"Scheduling node {node.uname} for fencing"
            if cib.have_quorum
            else f"Node {node.uname} is unclean but cannot be fenced"
        )
        yield Finding(
            Severity.WARNING,
            message,
            node.uname,
            "unseen-node",
            "the status section has no record of this node, so it is fenced before "
            "resources start (startup-fencing); this is expected for a new configuration",
        )


def check_fencing_topology(config: Configuration, index: Index) -> Iterator[Finding]:
    devices = {p.id for p in _stonith_primitives(config)}
    for level in config.fencing_topology:
        for device in level.devices:
            if device not in devices:
                yield Finding(
                    Severity.ADVICE,
                    f"Fencing level {level.id} names '{device}', "
                    "which is not a configured stonith resource",
                    level.id,
                    "fencing-topology",
                    "define the device as a stonith primitive, or fix its name",
                )
