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
    NvSetItem,
    OnFail,
    Primitive,
    Template,
    first_value,
    property_value,
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


def check_fencing_needs(config: Configuration, index: Index) -> Iterator[Finding]:
    """What asks for fencing while it is disabled (``stonith-enabled=false``):
    ``requires=fencing`` or ``unfencing`` (a warning for the resource and each
    one inheriting it, as crm_verify gives) and ``on-fail=fence`` (an error
    for each action the scheduler makes, which Pacemaker resets to stop)."""
    if parse_bool(property_value(config, "stonith-enabled")) is not False:
        return
    for rsc, _parent in walk_resources(config.resources):
        inherited = [rsc.meta_attributes, *(p.meta_attributes for p in _ancestors(rsc, index))]
        sets = tuple(nvset for sets in inherited for nvset in sets) + config.rsc_defaults
        requires = (first_value(sets, "requires") or "").lower()
        if requires == "fencing":
            yield Finding(
                Severity.WARNING,
                f"{rsc.id} requires fencing but fencing is disabled",
                rsc.id,
                "requires-fencing",
                "enable fencing (stonith-enabled=true with a fencing device), "
                "or set requires=quorum",
            )
        elif requires == "unfencing":
            yield Finding(
                Severity.WARNING,
                f'Resetting "requires" for {rsc.id} to "quorum" because fencing is disabled',
                rsc.id,
                "requires-fencing",
                "enable fencing (stonith-enabled=true with a fencing device), "
                "or set requires=quorum",
            )
        if isinstance(rsc, Primitive):
            yield from _check_on_fail_fence(rsc, sets, config, index)


def _ancestors(
    rsc: Primitive | Group | Clone | Bundle, index: Index
) -> Iterator[Group | Clone | Bundle]:
    parent = index.parents.get(rsc.id)
    while parent is not None:
        yield parent
        parent = index.parents.get(parent.id)


def _check_on_fail_fence(
    rsc: Primitive, meta: tuple[NvSetItem, ...], config: Configuration, index: Index
) -> Iterator[Finding]:
    """Pacemaker checks on-fail when it makes an action: for a resource that may
    run (some node online, not stopped by its target-role) or that has a history;
    elsewhere the same words are advice."""
    running = rsc.id in index.in_history
    may_run = running or (
        index.any_online and (first_value(meta, "target-role") or "").lower() != "stopped"
    )
    default = (first_value(config.op_defaults, "on-fail") or "").lower()
    actions: list[tuple[str, str, bool]] = []  # (action key, op id, surely made)
    named: set[tuple[str, int]] = set()
    for op in rsc.operations:
        interval = parse_interval_ms(op.interval) or 0
        named.add((op.name, interval))
        on_fail = op.on_fail or first_value(op.meta_attributes, "on-fail") or default
        if str(on_fail).lower() != "fence" or op.enabled is False:
            continue
        # a stop is made only when the resource is to stop: the scheduler's call
        actions.append((f"{rsc.id}_{op.name}_{interval}", op.id, op.name != "stop"))
    if default == "fence":
        for name in ("monitor", "start"):  # the probe and the start, when not configured
            if (name, 0) not in named:
                actions.append((f"{rsc.id}_{name}_0", rsc.id, True))
    for key, where, made in actions:
        yield Finding(
            Severity.ERROR if may_run and made else Severity.ADVICE,
            f"Resetting 'on-fail' for operation '{key}' to 'stop' because 'fence' is not "
            "valid when fencing is disabled",
            where,
            "on-fail-fence",
            "enable fencing (stonith-enabled=true with a fencing device), "
            "or use on-fail=stop or restart",
        )


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
