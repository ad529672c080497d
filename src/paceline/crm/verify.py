"""Configuration checks: what ``crm_verify`` reports about a CIB, and a little more.

``verify(cib, agent_exists=...)`` returns typed ``Finding`` values; it does no
I/O (whether an agent is installed is the caller's knowledge, passed in as a
predicate). Severities follow ``crm_verify`` of Pacemaker 2.1.5:

- ``ERROR``: crm_verify reports a configuration error ("Errors found during
  check: config not valid") — schema violations (duplicate ids, references to
  unknown ids, names the schema dropped) and the scheduler's configuration
  errors (no fencing device while fencing is enabled, duplicate operations,
  invalid order kind, target-role or influence).
- ``WARNING``: crm_verify reports a configuration warning ("Warnings found
  during check: config may not be valid"), such as deprecated group
  meta-attributes or ``stonith-action=poweroff``.
- ``ADVICE``: crm_verify says nothing (or only logs it), but the
  configuration is unlikely to do what its author meant: fencing disabled,
  ``no-quorum-policy=ignore`` with more than two nodes, ordering loops,
  contradictory constraints, agents not installed here, legacy ``<master>``.
  Advice never changes the verdict, so that the verdict stays crm_verify's.

Messages use crm_verify's wording where it has one. The checks read the
configuration only: findings crm_verify derives from the status section
(unclean nodes, failed operations) belong to the scheduler.
"""

from __future__ import annotations

import dataclasses
import graphlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from paceline.cib.codec import parse_bool
from paceline.cib.model import (
    AclTarget,
    AgentClass,
    Bundle,
    Cib,
    Clone,
    Colocation,
    Configuration,
    Constraint,
    Group,
    Location,
    Node,
    NvSet,
    NvSetItem,
    OnFail,
    Order,
    OrderKind,
    Primitive,
    ResourceSet,
    ResourceSetItem,
    ResourceSetRef,
    Template,
    property_value,
    walk_resources,
)

__all__ = [
    "AgentExists",
    "Finding",
    "Severity",
    "Verdict",
    "parse_interval_ms",
    "verdict",
    "verify",
]

AgentExists = Callable[[str], bool]
"""Is the agent ``class:provider:type`` (``class:type``) installed here?"""


class Severity(IntEnum):
    """How bad a finding is; ordered so that ``max()`` gives the worst."""

    ADVICE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Verdict(StrEnum):
    """crm_verify's overall answer."""

    CLEAN = "clean"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: how bad, what (one line), which object, which check, what to do."""

    severity: Severity
    message: str
    object_id: str | None
    check: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"{self.severity.label}: {self.message}"


def verdict(findings: Iterable[Finding]) -> Verdict:
    """ERROR if any error, WARNING if any warning, else CLEAN (advice does not count)."""
    worst = max((f.severity for f in findings), default=Severity.ADVICE)
    if worst is Severity.ERROR:
        return Verdict.ERROR
    if worst is Severity.WARNING:
        return Verdict.WARNING
    return Verdict.CLEAN


def verify(cib: Cib, *, agent_exists: AgentExists | None = None) -> tuple[Finding, ...]:
    """Every finding about ``cib``'s configuration, errors first, then in check order."""
    config = cib.configuration
    history = frozenset(
        rsc.id.split(":", 1)[0]
        for state in cib.status.node_states
        if state.lrm is not None
        for rsc in state.lrm.resources
    )
    index = _Index.build(config, history)
    findings: list[Finding] = []
    for check in _CHECKS:
        findings.extend(check(config, index))
    findings.extend(_check_unseen_nodes(cib))
    if agent_exists is not None:
        findings.extend(_check_agents(config, agent_exists))
    findings.sort(key=lambda f: -f.severity)
    return tuple(findings)


# --------------------------------------------------------------------------- index


@dataclass(frozen=True, slots=True)
class _Index:
    """Ids of the configuration, by what they name."""

    all_ids: frozenset[str]
    duplicate_ids: tuple[str, ...]
    resources: dict[str, Primitive | Group | Clone | Bundle]
    parents: dict[str, Group | Clone | Bundle]
    templates: frozenset[str]  # those some primitive derives from (others name nothing)
    tags: frozenset[str]
    resource_sets: frozenset[str]
    node_names: frozenset[str]
    in_history: frozenset[str]  # resources with an operation history in the status

    @classmethod
    def build(cls, config: Configuration, in_history: frozenset[str]) -> _Index:
        counts: dict[str, int] = {}
        for ident in _xml_ids(config):
            counts[ident] = counts.get(ident, 0) + 1
        resources: dict[str, Primitive | Group | Clone | Bundle] = {}
        parents: dict[str, Group | Clone | Bundle] = {}
        for rsc, parent in walk_resources(config.resources):
            resources[rsc.id] = rsc
            if parent is not None and not isinstance(parent, Primitive):
                parents[rsc.id] = parent
        sets = frozenset(
            item.id
            for constraint in config.constraints
            for item in constraint.resource_sets
            if isinstance(item, ResourceSet)
        )
        return cls(
            all_ids=frozenset(counts),
            duplicate_ids=tuple(ident for ident, n in counts.items() if n > 1),
            resources=resources,
            parents=parents,
            templates=frozenset(
                rsc.template
                for rsc in resources.values()
                if isinstance(rsc, Primitive) and rsc.template is not None
            ),
            tags=frozenset(t.id for t in config.tags),
            resource_sets=sets,
            node_names=frozenset(n.uname for n in config.nodes),
            in_history=in_history,
        )

    def top(self, ident: str) -> Primitive | Group | Clone | Bundle:
        """The top-level resource that holds the resource ``ident`` (itself if top level)."""
        rsc: Primitive | Group | Clone | Bundle = self.resources[ident]
        while rsc.id in self.parents:
            rsc = self.parents[rsc.id]
        return rsc

    def is_constrainable(self, ident: str) -> bool:
        """A top-level resource, a group member (not inside a clone), a template or a tag."""
        if ident in self.templates or ident in self.tags:
            return True
        if ident not in self.resources:
            return False
        parent = self.parents.get(ident)
        while parent is not None:
            if isinstance(parent, Clone | Bundle):
                return False
            parent = self.parents.get(parent.id)
        return True


def _xml_ids(obj: object) -> Iterator[str]:
    """Every XML ID in the configuration (``id`` fields; the schema makes the id
    of a node and of an acl_target plain text)."""
    if isinstance(obj, tuple):
        for item in obj:
            yield from _xml_ids(item)
        return
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        if field.name == "id":
            if isinstance(value, str) and not isinstance(obj, Node | AclTarget):
                yield value
        elif isinstance(value, tuple) or dataclasses.is_dataclass(value):
            yield from _xml_ids(value)


# --------------------------------------------------------------------------- helpers


def _boolean(text: str | None) -> bool | None:
    """Pacemaker's boolean reading; None when ``text`` is absent or not a boolean."""
    return None if text is None else parse_bool(text)


def _meta(sets: tuple[NvSetItem, ...], name: str) -> str | None:
    for nvset in sets:
        if isinstance(nvset, NvSet):
            value = nvset.get(name)
            if value is not None:
                return value
    return None


_UNITS_MS = {
    "": 1000,
    "s": 1000,
    "sec": 1000,
    "ms": 1,
    "msec": 1,
    "us": 0.001,
    "usec": 0.001,
    "m": 60_000,
    "min": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
}
_PLAIN_DURATION = re.compile(r"\s*(\d+)\s*([a-z]*)\s*$", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$",
    re.IGNORECASE,
)
_ISO_FACTORS_S = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_interval_ms(text: str) -> int | None:
    """An operation interval in milliseconds (``10``, ``10s``, ``500ms``, ``1min``,
    ``PT40S``), or None when it is not one."""
    iso = _ISO_DURATION.match(text.strip())
    if iso and text.strip().upper() not in ("P", "PT"):
        return 1000 * sum(
            int(g or 0) * f for g, f in zip(iso.groups(), _ISO_FACTORS_S, strict=True)
        )
    plain = _PLAIN_DURATION.match(text)
    if plain is None:
        return None
    factor = _UNITS_MS.get(plain.group(2).lower())
    return None if factor is None else int(int(plain.group(1)) * factor)


def _set_refs(items: tuple[ResourceSetItem, ...]) -> Iterator[tuple[str, str]]:
    """(attribute, id) for every reference a constraint's resource sets make."""
    for item in items:
        if isinstance(item, ResourceSetRef):
            yield "resource_set id-ref", item.id_ref
        else:
            for rsc in item.resources:
                yield "resource_ref id", rsc


def _constraint_refs(constraint: Constraint) -> Iterator[tuple[str, str]]:
    """(XML attribute, referenced id) of every resource reference of a constraint."""
    if isinstance(constraint, Location):
        pairs = [("rsc", constraint.rsc)]
    elif isinstance(constraint, Colocation):
        pairs = [("rsc", constraint.rsc), ("with-rsc", constraint.with_rsc)]
    elif isinstance(constraint, Order):
        pairs = [("first", constraint.first), ("then", constraint.then)]
    else:
        pairs = [("rsc", constraint.rsc)]
    for attribute, ident in pairs:
        if ident is not None:
            yield attribute, ident
    yield from _set_refs(constraint.resource_sets)


# --------------------------------------------------------------------------- checks


def _check_ids(config: Configuration, index: _Index) -> Iterator[Finding]:
    for ident in index.duplicate_ids:
        yield Finding(
            Severity.ERROR,
            f"ID {ident} redefined",
            ident,
            "duplicate-id",
            "every id in the configuration must be unique",
        )


def _check_references(config: Configuration, index: _Index) -> Iterator[Finding]:
    for constraint in config.constraints:
        for attribute, ident in _constraint_refs(constraint):
            if attribute == "resource_set id-ref":
                if ident not in index.resource_sets:
                    yield _unknown_id(constraint.id, attribute, ident)
            elif ident not in index.all_ids:
                yield _unknown_id(constraint.id, attribute, ident)
            elif not index.is_constrainable(ident):
                what = (
                    "resource sets for constraint" if "resource_ref" in attribute else "constraint"
                )
                yield Finding(
                    Severity.ERROR,
                    f"Ignoring {what} '{constraint.id}' because '{ident}' "
                    "is not a valid resource or tag",
                    constraint.id,
                    "dangling-reference",
                    "constrain the clone (or group) that contains it"
                    if ident in index.resources
                    else "name a resource, a tag, or a template some primitive derives from",
                )
    templates = {t.id for t in config.templates}
    for rsc, _parent in walk_resources(config.resources):
        if (
            isinstance(rsc, Primitive)
            and rsc.template is not None
            and rsc.template not in templates
        ):
            yield _unknown_id(rsc.id, "template", rsc.template, element="primitive")
    for tag in config.tags:
        for ref in tag.refs:
            if ref not in index.all_ids:
                yield _unknown_id(tag.id, "obj_ref id", ref, element="tag")


def _unknown_id(owner: str, attribute: str, ident: str, *, element: str = "constraint") -> Finding:
    return Finding(
        Severity.ERROR,
        f"{element} '{owner}': IDREF attribute {attribute} references an unknown ID \"{ident}\"",
        owner,
        "dangling-reference",
        f"define '{ident}' or remove the reference",
    )


# Names the pacemaker-3.x schema rejects in a cluster_property_set
# (options-3.x.rng): Pacemaker 2.0 dropped or renamed them.
# fmt: off
_SCHEMA_DROPPED_PROPERTIES = frozenset({
    "cluster_recheck_interval", "dc_deadtime", "default-action-timeout",
    "default_action_timeout", "default-migration-threshold", "default_migration_threshold",
    "default-resource-failure-stickiness", "default_resource_failure_stickiness",
    "default-resource-stickiness", "default_resource_stickiness", "election_timeout",
    "expected-quorum-votes", "is-managed-default", "is_managed_default", "no_quorum_policy",
    "notification-agent", "notification-recipient", "remove_after_stop", "shutdown_escalation",
    "startup_fencing", "stonith_action", "stonith_enabled", "stop_orphan_actions",
    "stop_orphan_resources", "symmetric_cluster", "transition_idle_timeout",
})
# fmt: on
_LEGACY_STACKS = frozenset(
    {"heartbeat", "openais", "classic openais", "classic openais (with plugin)", "cman"}
)


def _check_properties(config: Configuration, index: _Index) -> Iterator[Finding]:
    for nvset in config.crm_config:
        if not isinstance(nvset, NvSet):
            continue
        for pair in nvset.nvpairs:
            name = getattr(pair, "name", None)
            value = getattr(pair, "value", None)
            dropped = name in _SCHEMA_DROPPED_PROPERTIES or (
                name == "cluster-infrastructure" and value in _LEGACY_STACKS
            )
            if name is not None and dropped:
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
    enabled = _boolean(property_value(config, "stonith-enabled"))
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
    watchdog = _boolean(property_value(config, "have-watchdog"))  # SBD self-fencing
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


def _check_unseen_nodes(cib: Cib) -> Iterator[Finding]:
    """Nodes the status has never seen must be fenced before resources start
    (``startup-fencing``); crm_verify warns about each of them."""
    config = cib.configuration
    if _boolean(property_value(config, "stonith-enabled")) is False:
        return
    if _boolean(property_value(config, "startup-fencing")) is False:
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


_ROLES = frozenset({"stopped", "started", "unpromoted", "promoted", "slave", "master", "#default"})
_PROMOTABLE_ROLES = frozenset({"unpromoted", "promoted", "slave", "master"})


def _check_resources(config: Configuration, index: _Index) -> Iterator[Finding]:
    for rsc, parent in walk_resources(config.resources):
        yield from _check_target_role(rsc, index)
        if _meta(rsc.meta_attributes, "restart-type") is not None:
            yield Finding(
                Severity.WARNING,
                "Support for restart-type is deprecated and will be removed in a future release",
                rsc.id,
                "deprecated-meta",
                "remove restart-type",
            )
        if isinstance(rsc, Group):
            # a group also sees the meta-attributes of the clone that holds it
            inherited = parent.meta_attributes if isinstance(parent, Clone) else ()
            for flag in ("ordered", "collocated"):
                if _boolean(_meta((*rsc.meta_attributes, *inherited), flag)) is False:
                    yield Finding(
                        Severity.WARNING,
                        f"Support for the '{flag}' group meta-attribute is deprecated and will "
                        "be removed in a future release (use a resource set instead)",
                        rsc.id,
                        "deprecated-meta",
                        "replace the group by an order and a colocation of resource sets",
                    )
        if isinstance(rsc, Clone):
            yield from _check_clone(rsc)
        if isinstance(rsc, Primitive):
            yield from _check_ops(rsc, index)


def _check_target_role(rsc: Primitive | Group | Clone | Bundle, index: _Index) -> Iterator[Finding]:
    role = _meta(rsc.meta_attributes, "target-role")
    if role is None:
        return
    if role.lower() not in _ROLES:
        yield Finding(
            Severity.ERROR,
            f"Ignoring 'target-role' for {rsc.id} because '{role}' is not valid",
            rsc.id,
            "target-role",
            "use Started, Stopped, Unpromoted or Promoted",
        )
    elif role.lower() in _PROMOTABLE_ROLES and not _promotable(index.top(rsc.id)):
        yield Finding(
            Severity.ERROR,
            f"Ignoring 'target-role' for {rsc.id} because '{role}' only makes sense "
            "for promotable clones",
            rsc.id,
            "target-role",
            "use Started or Stopped, or make it a promotable clone",
        )


def _promotable(rsc: Primitive | Group | Clone | Bundle) -> bool:
    return isinstance(rsc, Clone) and (
        rsc.legacy_master or bool(_boolean(_meta(rsc.meta_attributes, "promotable")))
    )


_RENAMED_CLONE_META = (("master-max", "promoted-max"), ("master-node-max", "promoted-node-max"))


def _check_clone(clone: Clone) -> Iterator[Finding]:
    if clone.legacy_master:
        yield Finding(
            Severity.ADVICE,
            f"Resource '{clone.id}' uses the deprecated <master> element "
            "(Pacemaker 3.0 removes it)",
            clone.id,
            "deprecated-master",
            "write it as a clone with meta promotable=true",
        )
    for old, new in _RENAMED_CLONE_META:
        if _meta(clone.meta_attributes, old) is not None:
            yield Finding(
                Severity.ADVICE,
                f"Resource '{clone.id}' uses the deprecated meta-attribute {old} "
                f"(Pacemaker 2.1 renamed it {new}; 3.0 drops the old name)",
                clone.id,
                "deprecated-meta",
                f"write {new}",
            )
    if _boolean(_meta(clone.meta_attributes, "globally-unique")):
        children = clone.child.children if isinstance(clone.child, Group) else (clone.child,)
        for child in children:
            if child.agent_class is AgentClass.LSB:
                yield Finding(
                    Severity.WARNING,
                    f"Ignoring globally-unique for {clone.id} because lsb resources such as "
                    f"{child.id} can be used only as anonymous clones",
                    clone.id,
                    "clone-lsb-unique",
                    "set globally-unique=false on the clone",
                )
                break


def _check_ops(rsc: Primitive, index: _Index) -> Iterator[Finding]:
    seen: dict[tuple[str, int], str] = {}
    for op in rsc.operations:
        interval = parse_interval_ms(op.interval)
        if interval is None:
            yield Finding(
                Severity.ADVICE,
                f"Using 0 instead of '{op.interval}' as the interval of operation {op.id} "
                f"of {rsc.id}: it is not a duration, so the operation does not recur",
                op.id,
                "op-interval",
                "use seconds or a unit: 10s, 500ms, 1min, PT1M",
            )
            continue
        if op.name == "stop" and op.on_fail is OnFail.STOP:
            # Pacemaker checks it when it makes the stop action, that is for
            # a resource the status knows (crm_verify then reports an error)
            yield Finding(
                Severity.ERROR if rsc.id in index.in_history else Severity.ADVICE,
                f"Resetting 'on-fail' for {rsc.id} stop action to default value because "
                "'stop' is not allowed for stop",
                op.id,
                "on-fail",
                "crm_verify reports this as an error once a stop is scheduled; "
                "remove on-fail from the stop operation",
            )
        key = (op.name, interval)
        if interval > 0 and key in seen:
            yield Finding(
                Severity.ERROR,
                f"Operation {op.id} is duplicate of {seen[key]} (do not use same name and "
                "interval combination more than once per resource)",
                op.id,
                "duplicate-op",
                "give each recurring operation of a resource its own interval (10s and 11s)",
            )
        else:
            seen[key] = op.id


def _check_constraints(config: Configuration, index: _Index) -> Iterator[Finding]:
    for constraint in config.constraints:
        if isinstance(constraint, Order):
            yield from _check_order(constraint, index)
        elif isinstance(constraint, Colocation):
            pair = (constraint.rsc, constraint.with_rsc)
            if all(i in index.templates or i in index.tags for i in pair):
                yield Finding(
                    Severity.ERROR,
                    f"Ignoring constraint '{constraint.id}' because two templates or tags "
                    "cannot be colocated",
                    constraint.id,
                    "impossible-constraint",
                    "colocate a resource with the template or tag instead",
                )
            if constraint.influence is not None and _boolean(constraint.influence) is None:
                yield Finding(
                    Severity.ERROR,
                    f"Constraint '{constraint.id}' has invalid value for influence (using default)",
                    constraint.id,
                    "influence",
                    "use true or false",
                )
            if constraint.rsc is not None and constraint.rsc == constraint.with_rsc:
                yield Finding(
                    Severity.ADVICE,
                    f"Colocation '{constraint.id}' places {constraint.rsc} with itself; "
                    "it has no effect",
                    constraint.id,
                    "impossible-constraint",
                    "remove the colocation",
                )
        elif (
            isinstance(constraint, Location)
            and constraint.node is not None
            and constraint.node not in index.node_names
        ):
            yield Finding(
                Severity.ADVICE,
                f"Location '{constraint.id}' names node '{constraint.node}', "
                "which is not a configured node",
                constraint.id,
                "unknown-node",
                "check the node name, or add the node",
            )
    yield from _check_contradictions(config)
    yield from _check_banned_everywhere(config, index)


def _check_order(order: Order, index: _Index) -> Iterator[Finding]:
    if isinstance(order.kind, str) and not isinstance(order.kind, OrderKind):
        yield Finding(
            Severity.ERROR,
            f"Resetting 'kind' for constraint {order.id} to 'Mandatory' because "
            f"'{order.kind}' is not valid",
            order.id,
            "order-kind",
            "use Mandatory, Optional or Serialize",
        )
    serialize = order.kind is OrderKind.SERIALIZE
    if serialize and order.symmetrical is not None:
        yield Finding(
            Severity.WARNING,
            f"Ignoring symmetrical for '{order.id}' because not valid with kind of 'Serialize'",
            order.id,
            "order-symmetrical",
            "remove symmetrical: a Serialize order is never symmetrical",
        )
    for item in order.resource_sets:
        if (
            isinstance(item, ResourceSet)
            and item.kind is OrderKind.SERIALIZE
            and order.symmetrical is not None
        ):
            yield Finding(
                Severity.WARNING,
                f"Ignoring symmetrical for '{item.id}' because not valid with kind of 'Serialize'",
                item.id,
                "order-symmetrical",
                "remove symmetrical: a Serialize order is never symmetrical",
            )
    if (
        order.require_all is not None
        and order.first is not None
        and isinstance(index.resources.get(order.first), Clone)
    ):
        yield Finding(
            Severity.WARNING,
            "Support for require-all in ordering constraints is deprecated and will be "
            "removed in a future release (use clone-min clone meta-attribute instead)",
            order.id,
            "deprecated-require-all",
            "set clone-min on the clone instead",
        )
    first_action = order.first_action or "start"
    if (
        order.first is not None
        and order.first == order.then
        and (first_action == (order.then_action or first_action))
    ):
        yield Finding(
            Severity.ADVICE,
            f"Order '{order.id}' puts {order.first} after itself",
            order.id,
            "impossible-constraint",
            "remove the order",
        )


def _check_contradictions(config: Configuration) -> Iterator[Finding]:
    """A pair colocated with +INFINITY and kept apart with -INFINITY."""
    scores: dict[frozenset[str], list[Colocation]] = {}
    for constraint in config.constraints:
        if (
            isinstance(constraint, Colocation)
            and constraint.rsc is not None
            and constraint.with_rsc is not None
            and constraint.score is not None
            and constraint.score.is_infinite
            and constraint.rsc != constraint.with_rsc
        ):
            scores.setdefault(frozenset((constraint.rsc, constraint.with_rsc)), []).append(
                constraint
            )
    for pair, colocations in scores.items():
        signs = {c.score.is_infinity for c in colocations if c.score is not None}
        if len(signs) == 2:
            ids = ", ".join(c.id for c in colocations)
            names = " and ".join(sorted(pair))
            yield Finding(
                Severity.ADVICE,
                f"Colocations {ids} require {names} both together and apart: "
                "the dependent resource cannot run",
                colocations[0].id,
                "impossible-constraint",
                "remove one of the colocations",
            )


def _check_banned_everywhere(config: Configuration, index: _Index) -> Iterator[Finding]:
    if not config.nodes:
        return
    banned: dict[str, set[str]] = {}
    for constraint in config.constraints:
        if (
            isinstance(constraint, Location)
            and constraint.rsc is not None
            and constraint.node is not None
            and constraint.score is not None
            and constraint.score.is_minus_infinity
            and constraint.role is None
        ):
            banned.setdefault(constraint.rsc, set()).add(constraint.node)
    for rsc, nodes in banned.items():
        if index.node_names and index.node_names <= nodes:
            yield Finding(
                Severity.ADVICE,
                f"Resource {rsc} is banned (-INFINITY) from every node: it cannot run",
                rsc,
                "impossible-constraint",
                "remove one of the bans",
            )


def _check_order_loops(config: Configuration, index: _Index) -> Iterator[Finding]:
    """Mandatory orders (with group member order) that form a cycle: nothing in it starts."""
    edges: dict[str, dict[str, str]] = {}

    def add(first: str, then: str, why: str) -> None:
        edges.setdefault(first, {}).setdefault(then, why)

    for rsc, _parent in walk_resources(config.resources):
        if isinstance(rsc, Group) and _boolean(_meta(rsc.meta_attributes, "ordered")) is not False:
            for first, then in itertools.pairwise(rsc.children):
                add(first.id, then.id, f"group {rsc.id}")
    for constraint in config.constraints:
        if not isinstance(constraint, Order) or not _mandatory(constraint):
            continue
        first_action = constraint.first_action or "start"
        if (
            constraint.first is not None
            and constraint.then is not None
            and first_action == (constraint.then_action or first_action)
            and constraint.first != constraint.then
        ):
            add(constraint.first, constraint.then, constraint.id)
        previous: tuple[str, ...] = ()
        for item in constraint.resource_sets:
            if not isinstance(item, ResourceSet):
                continue
            members = item.resources
            if item.sequential is not False:
                for before, after in itertools.pairwise(members):
                    add(before, after, constraint.id)
            for before in previous:
                for after in members:
                    add(before, after, constraint.id)
            previous = members
    for cycle in _cycles(edges):
        whys = sorted({edges[a][b] for a, b in itertools.pairwise(cycle)})
        yield Finding(
            Severity.ADVICE,
            f"Ordering loop: {' then '.join(cycle)} ({', '.join(whys)}): "
            "none of these resources can start",
            cycle[0],
            "order-loop",
            "remove one of the orders of the loop",
        )


def _mandatory(order: Order) -> bool:
    if isinstance(order.kind, OrderKind):
        return order.kind is OrderKind.MANDATORY
    if order.kind is not None:  # invalid kind: Pacemaker resets it to Mandatory
        return True
    if order.score is not None:
        return order.score.value != 0
    return True


_MAX_LOOPS = 50  # a limit on everything: report at most this many ordering loops


def _cycles(edges: dict[str, dict[str, str]]) -> Iterator[tuple[str, ...]]:
    """Ordering loops as closed paths (``a, b, a``), each starting at its smallest
    name; after each one, one of its edges is set aside so the next is another."""
    remaining = {first: dict(thens) for first, thens in edges.items()}
    for _ in range(_MAX_LOOPS):
        before: dict[str, set[str]] = {}
        for first, thens in remaining.items():
            before.setdefault(first, set())
            for then in thens:
                before.setdefault(then, set()).add(first)
        try:
            graphlib.TopologicalSorter(before).prepare()
            return
        except graphlib.CycleError as exc:
            loop: list[str] = exc.args[1][:-1]
        start = loop.index(min(loop))
        path = (*loop[start:], *loop[:start], loop[start])
        yield path
        del remaining[path[0]][path[1]]


def _check_fencing_topology(config: Configuration, index: _Index) -> Iterator[Finding]:
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


_CLASSES_HERE = frozenset(
    {AgentClass.OCF, AgentClass.LSB, AgentClass.STONITH, AgentClass.SERVICE, AgentClass.SYSTEMD}
)


def _check_agents(config: Configuration, agent_exists: AgentExists) -> Iterator[Finding]:
    agents: list[Primitive | Template] = [*config.templates]
    agents.extend(p for p, _ in walk_resources(config.resources) if isinstance(p, Primitive))
    for rsc in agents:
        if rsc.agent_class is None or rsc.agent_type is None:
            continue
        if rsc.agent_class not in _CLASSES_HERE:
            yield Finding(
                Severity.ADVICE,
                f"Resource {rsc.id} uses agent class '{rsc.agent_class}', "
                "which this system does not support",
                rsc.id,
                "agent-class",
                "use an ocf, lsb, systemd or stonith agent",
            )
            continue
        spec = ":".join(
            part for part in (str(rsc.agent_class), rsc.provider, rsc.agent_type) if part
        )
        if not agent_exists(spec):
            yield Finding(
                Severity.ADVICE,
                f"Resource agent {spec} of {rsc.id} is not installed on this host",
                rsc.id,
                "agent-missing",
                "install the package that provides it, or fix the name",
            )


_Check = Callable[[Configuration, _Index], Iterable[Finding]]
_CHECKS: tuple[_Check, ...] = (
    _check_ids,
    _check_references,
    _check_properties,
    _check_resources,
    _check_constraints,
    _check_order_loops,
    _check_fencing_topology,
)
