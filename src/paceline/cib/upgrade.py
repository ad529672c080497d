"""Upgrade of nvpair names that pacemaker-3.x rejects, for CIBs read from an older schema.

The codec reads the older *structures* (element and attribute spellings)
directly. What remains are names inside nvpairs that the 3.x schemas refuse
and Pacemaker's own upgrade (``upgrade-2.10.xsl``) rewrites: deprecated
cluster properties (renamed, moved to ``rsc_defaults``/``op_defaults`` or
dropped), resource meta attributes (``isolation*``,
``resource-failure-stickiness``), fencing ``pcmk_*_cmd`` parameters, and
``requires`` in an operation's attributes. ``upgrade_configuration`` applies
these tables and says, one sentence per change, what it did; nothing is
changed silently. The tables are data, shared by every layer that meets old
names: ``paceline.crm.migrate`` applies ``CLUSTER_PROPERTIES`` (plus what is
the crm shell's own) to crm text, with ``find_rule``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from paceline.cib.model.config import Configuration
from paceline.cib.model.resources import Bundle, Clone, Group, Op, Primitive, Resource, Template
from paceline.cib.model.rules import NvPair, NvPairRef, NvSet, NvSetItem
from paceline.cib.walk import all_ids


class Fate(StrEnum):
    RENAME = "rename"  # same block, new name (and maybe value)
    RSC_DEFAULTS = "rsc_defaults"  # cluster property moved to rsc_defaults
    OP_DEFAULTS = "op_defaults"  # cluster property moved to op_defaults
    OP_META = "op meta_attributes"  # op instance attribute moved to the op's meta
    RESOURCE_META = "resource meta_attributes"  # op requires moved to its resource
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class NameRule:
    """What becomes of the nvpair ``old``: ``values`` restricts the rule to
    those values (None: any); ``new_value`` replaces the value (None: kept).

    Values match exactly, case included, as in Pacemaker's upgrade-2.10.xsl
    (``in-case-of``): ``-infinity`` is not ``-INFINITY`` there. A table is
    read first match wins, so a rule restricted to values comes before the
    catch-all for the same name.
    """

    old: str
    fate: Fate
    why: str
    new: str | None = None
    values: frozenset[str] | None = None
    new_value: str | None = None

    def applies(self, name: str, value: str | None) -> bool:
        if name != self.old:
            return False
        return self.values is None or (value is not None and value in self.values)


def find_rule(table: tuple[NameRule, ...], name: str, value: str | None) -> NameRule | None:
    """The first rule of ``table`` that applies to ``name=value``."""
    for rule in table:
        if rule.applies(name, value):
            return rule
    return None


_GONE = "Pacemaker 2.0 dropped it"
_MINUS_INF = frozenset({"-INFINITY"})
_LEGACY_STACKS = frozenset(
    {"heartbeat", "openais", "classic openais", "classic openais (with plugin)", "cman"}
)
_MAINTAINED = "the cluster sets it itself"


def _dashed(*names: str) -> tuple[NameRule, ...]:
    return tuple(
        NameRule(n, Fate.RENAME, f"{_GONE}; {new} is the modern name", new)
        for n in names
        for new in (n.replace("_", "-"),)
    )


CLUSTER_PROPERTIES: tuple[NameRule, ...] = (
    NameRule(
        "cluster-infrastructure",
        Fate.DROP,
        f"{_MAINTAINED}, and Pacemaker 2.0 rejects the legacy stacks",
        values=_LEGACY_STACKS,
    ),
    *_dashed(
        "cluster_recheck_interval",
        "dc_deadtime",
        "election_timeout",
        "no_quorum_policy",
        "remove_after_stop",
        "shutdown_escalation",
        "startup_fencing",
        "stonith_action",
        "stonith_enabled",
        "stop_orphan_actions",
        "stop_orphan_resources",
        "symmetric_cluster",
    ),
    NameRule(
        "transition_idle_timeout",
        Fate.RENAME,
        f"{_GONE}; cluster-delay is the modern name",
        "cluster-delay",
    ),
    *(
        NameRule(
            n, Fate.OP_DEFAULTS, f"{_GONE}; it is the timeout default of every operation", "timeout"
        )
        for n in ("default-action-timeout", "default_action_timeout")
    ),
    *(
        NameRule(
            n,
            Fate.RSC_DEFAULTS,
            f"{_GONE}; it is the resource-stickiness default of every resource",
            "resource-stickiness",
        )
        for n in ("default-resource-stickiness", "default_resource_stickiness")
    ),
    *(
        NameRule(
            n,
            Fate.RSC_DEFAULTS,
            f"{_GONE}; it is the is-managed default of every resource",
            "is-managed",
        )
        for n in ("is-managed-default", "is_managed_default")
    ),
    *(
        rule
        for n in ("default-resource-failure-stickiness", "default_resource_failure_stickiness")
        for rule in (
            NameRule(
                n,
                Fate.RSC_DEFAULTS,
                f"{_GONE}; -INFINITY meant: move away after the first failure",
                "migration-threshold",
                _MINUS_INF,
                "1",
            ),
            NameRule(n, Fate.DROP, f"{_GONE}; set migration-threshold in rsc_defaults instead"),
        )
    ),
    *(
        NameRule(n, Fate.DROP, f"{_GONE}; set migration-threshold in rsc_defaults instead")
        for n in ("default-migration-threshold", "default_migration_threshold")
    ),
    NameRule(
        "expected-quorum-votes",
        Fate.DROP,
        "quorum belongs to the quorum configuration (corosync.conf) since Pacemaker 2.0",
    ),
    NameRule("notification-agent", Fate.DROP, f"{_GONE}; configure an alert instead"),
    NameRule("notification-recipient", Fate.DROP, f"{_GONE}; configure an alert instead"),
)
"""Cluster properties, as upgrade-2.10.xsl's ``cluster-properties`` table has them.

Properties the cluster maintains itself and that the 3.x schemas still
accept (``dc-version``, ``cluster-infrastructure=corosync``, ...) are not
here: Pacemaker's upgrade keeps them.
"""

RESOURCE_META: tuple[NameRule, ...] = (
    *(
        NameRule(
            n,
            Fate.RENAME,
            "isolation wrappers are gone (bundles replace them): the resource is disabled",
            "target-role",
            new_value="Stopped",
        )
        for n in ("isolation", "isolation-host", "isolation-instance", "isolation-wrapper")
    ),
    *(
        rule
        for n in ("resource-failure-stickiness", "resource_failure_stickiness")
        for rule in (
            NameRule(
                n,
                Fate.RENAME,
                "-INFINITY meant: move away after the first failure",
                "migration-threshold",
                _MINUS_INF,
                "1",
            ),
            NameRule(n, Fate.DROP, f"{_GONE}; set migration-threshold instead"),
        )
    ),
)

FENCING_PARAMETERS: tuple[NameRule, ...] = tuple(
    NameRule(f"pcmk_{a}_cmd", Fate.RENAME, f"pcmk_{a}_action is its name", f"pcmk_{a}_action")
    for a in ("list", "monitor", "off", "on", "reboot", "status")
)

_REQUIRES_WHY = "only a start or promote operation's requires matters; it is the resource's"
OP_ATTRIBUTES: tuple[NameRule, ...] = (
    NameRule("requires", Fate.RESOURCE_META, _REQUIRES_WHY),
    *(
        NameRule(n, Fate.OP_META, "it is an operation property, not an agent parameter", n)
        for n in (
            "interval-origin",
            "start-delay",
            "enabled",
            "on-fail",
            "record-pending",
            "role",
            "timeout",
        )
    ),
)


def needs_upgrade(schema: str | None) -> bool:
    """True for the schemas before pacemaker-3.0 (``none`` is never upgraded)."""
    if schema is None:
        return True
    if schema.startswith("transitional-"):
        return True
    if not schema.startswith("pacemaker-") or schema == "pacemaker-next":
        return False
    major = schema.removeprefix("pacemaker-").split(".")[0]
    return major.isdigit() and int(major) < 3


def upgrade_configuration(cfg: Configuration) -> tuple[Configuration, tuple[str, ...]]:
    """The configuration with the tables applied, and one sentence per change."""
    up = _Upgrade(_all_ids(cfg))
    crm_config = tuple(up.nvset(s, CLUSTER_PROPERTIES, "crm_config") for s in cfg.crm_config)
    rsc_defaults = cfg.rsc_defaults + up.moved_sets(Fate.RSC_DEFAULTS)
    op_defaults = cfg.op_defaults + up.moved_sets(Fate.OP_DEFAULTS)
    resources = tuple(_map_resource(r, up.primitive) for r in cfg.resources)
    templates = tuple(up.template(t) for t in cfg.templates)
    if not up.notes:
        return cfg, ()
    upgraded = replace(
        cfg,
        crm_config=crm_config,
        rsc_defaults=rsc_defaults,
        op_defaults=op_defaults,
        resources=resources,
        templates=templates,
    )
    return upgraded, tuple(up.notes)


class _Upgrade:
    """The state of one upgrade: ids taken, pairs to move, notes."""

    def __init__(self, ids: set[str]) -> None:
        self.ids = ids
        self.notes: list[str] = []
        self.moved: dict[Fate, list[tuple[str, NvPair]]] = {}

    def fresh_id(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{base}-{n}"
        self.ids.add(candidate)
        return candidate

    def nvset(self, nvset: NvSetItem, table: tuple[NameRule, ...], where: str) -> NvSetItem:
        """Rewrite one block; pairs that leave it are kept in ``self.moved``."""
        if not isinstance(nvset, NvSet):
            return nvset
        kept: list[NvPair | NvPairRef] = []
        changed = False
        for pair in nvset.nvpairs:
            if not isinstance(pair, NvPair):
                kept.append(pair)
                continue
            rule = find_rule(table, pair.name, pair.value)
            if rule is None:
                kept.append(pair)
                continue
            changed = True
            new_pair = NvPair(pair.id, rule.new or pair.name, rule.new_value or pair.value)
            said = f"{where}: {pair.name}"
            if rule.fate is Fate.RENAME:
                kept.append(new_pair)
                self.notes.append(f"{said} renamed {_shown(new_pair)} ({rule.why})")
            elif rule.fate is Fate.DROP:
                self.notes.append(f"{said} dropped ({rule.why})")
            elif nvset.rule is not None and rule.fate in (Fate.RSC_DEFAULTS, Fate.OP_DEFAULTS):
                self.notes.append(f"{said} dropped (it was under a rule; {rule.why})")
            else:
                self.moved.setdefault(rule.fate, []).append((nvset.id, new_pair))
                self.notes.append(f"{said} moved to {rule.fate} as {_shown(new_pair)} ({rule.why})")
        if not changed:
            return nvset
        return replace(nvset, nvpairs=tuple(kept))

    def moved_sets(self, fate: Fate) -> tuple[NvSetItem, ...]:
        """New blocks holding what moved into ``fate``'s section, one per source block."""
        out: list[NvSetItem] = []
        by_source: dict[str, list[NvPair]] = {}
        for source, pair in self.moved.pop(fate, []):
            by_source.setdefault(source, []).append(pair)
        for source, pairs in by_source.items():
            out.append(NvSet(self.fresh_id(f"{source}-{fate.value}"), tuple(pairs)))
        return tuple(out)

    def primitive(self, rsc: Primitive | Template) -> Primitive | Template:
        where = f"resource {rsc.id}"
        meta = tuple(
            self.nvset(s, RESOURCE_META, f"{where} meta_attributes") for s in rsc.meta_attributes
        )
        instance = tuple(
            self.nvset(s, FENCING_PARAMETERS, f"{where} instance_attributes")
            for s in rsc.instance_attributes
        )
        ops: list[Op] = []
        requires: NvPair | None = None
        for op in rsc.operations:
            new_op, op_requires = self.op(op, where)
            ops.append(new_op)
            for pair in op_requires:
                if requires is None and op.name in ("start", "promote"):
                    requires = pair
                else:
                    self.notes.append(f"{where} op {op.id}: requires dropped ({_REQUIRES_WHY})")
        if requires is not None:
            set_id = self.fresh_id(f"{rsc.id}-meta_attributes-requires")
            meta += (NvSet(set_id, (requires,)),)
        if (meta, instance, tuple(ops)) == (
            rsc.meta_attributes,
            rsc.instance_attributes,
            rsc.operations,
        ):
            return rsc
        return replace(
            rsc, meta_attributes=meta, instance_attributes=instance, operations=tuple(ops)
        )

    def template(self, rsc: Template) -> Template:
        out = self.primitive(rsc)
        assert isinstance(out, Template)
        return out

    def op(self, op: Op, where: str) -> tuple[Op, list[NvPair]]:
        """The op with its attributes sorted out, and the ``requires`` pairs it had."""
        here = f"{where} op {op.id}"
        meta = tuple(
            self.nvset(s, OP_ATTRIBUTES[:1], f"{here} meta_attributes") for s in op.meta_attributes
        )
        instance = tuple(
            self.nvset(s, OP_ATTRIBUTES, f"{here} instance_attributes")
            for s in op.instance_attributes
        )
        requires = [pair for _source, pair in self.moved.pop(Fate.RESOURCE_META, [])]
        to_meta = [pair for _source, pair in self.moved.pop(Fate.OP_META, [])]
        if to_meta:
            meta += (NvSet(self.fresh_id(f"{op.id}-meta_attributes"), tuple(to_meta)),)
        if (meta, instance) == (op.meta_attributes, op.instance_attributes):
            return op, requires
        return replace(op, meta_attributes=meta, instance_attributes=instance), requires


def _shown(pair: NvPair) -> str:
    return pair.name if pair.value is None else f"{pair.name}={pair.value}"


def _map_resource(
    rsc: Resource, fn: Callable[[Primitive | Template], Primitive | Template]
) -> Resource:
    def prim(p: Primitive) -> Primitive:
        out = fn(p)
        assert isinstance(out, Primitive)
        return out

    if isinstance(rsc, Primitive):
        return prim(rsc)
    if isinstance(rsc, Group):
        return replace(rsc, children=tuple(prim(c) for c in rsc.children))
    if isinstance(rsc, Clone):
        child = rsc.child
        new_child = prim(child) if isinstance(child, Primitive) else _map_resource(child, fn)
        assert isinstance(new_child, Primitive | Group)
        return replace(rsc, child=new_child)
    assert isinstance(rsc, Bundle)
    if rsc.primitive is None:
        return rsc
    return replace(rsc, primitive=prim(rsc.primitive))


def _all_ids(obj: object) -> set[str]:
    """Every ``id`` anywhere in a model value (to mint new ones that do not clash)."""
    return set(all_ids(obj))
