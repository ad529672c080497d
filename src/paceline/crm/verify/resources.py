"""Resources: target-role, deprecated meta-attributes, clones, operations, and
whether their agents are installed here."""

from __future__ import annotations

from collections.abc import Iterator

from paceline.cib.model import (
    AgentClass,
    Bundle,
    Clone,
    Configuration,
    Group,
    OnFail,
    Primitive,
    Template,
    first_value,
    walk_resources,
)
from paceline.cib.values import parse_bool, parse_interval_ms
from paceline.crm.migrate import AgentExists
from paceline.crm.verify.findings import Finding, Severity
from paceline.crm.verify.index import Index

_ROLES = frozenset({"stopped", "started", "unpromoted", "promoted", "slave", "master", "#default"})
_PROMOTABLE_ROLES = frozenset({"unpromoted", "promoted", "slave", "master"})


def check_resources(config: Configuration, index: Index) -> Iterator[Finding]:
    for rsc, parent in walk_resources(config.resources):
        yield from _check_target_role(rsc, index)
        if first_value(rsc.meta_attributes, "restart-type") is not None:
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
                if parse_bool(first_value((*rsc.meta_attributes, *inherited), flag)) is False:
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


def _check_target_role(rsc: Primitive | Group | Clone | Bundle, index: Index) -> Iterator[Finding]:
    role = first_value(rsc.meta_attributes, "target-role")
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
        rsc.legacy_master or bool(parse_bool(first_value(rsc.meta_attributes, "promotable")))
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
        if first_value(clone.meta_attributes, old) is not None:
            yield Finding(
                Severity.ADVICE,
                f"Resource '{clone.id}' uses the deprecated meta-attribute {old} "
                f"(Pacemaker 2.1 renamed it {new}; 3.0 drops the old name)",
                clone.id,
                "deprecated-meta",
                f"write {new}",
            )
    if parse_bool(first_value(clone.meta_attributes, "globally-unique")):
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


def _check_ops(rsc: Primitive, index: Index) -> Iterator[Finding]:
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


_CLASSES_HERE = frozenset(
    {AgentClass.OCF, AgentClass.LSB, AgentClass.STONITH, AgentClass.SERVICE, AgentClass.SYSTEMD}
)


def check_agents(config: Configuration, agent_exists: AgentExists) -> Iterator[Finding]:
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
