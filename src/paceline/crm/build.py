"""Statements to a ``Configuration`` and back.

A configuration is handled as the crm shell handles it: a flat list of
objects, one per statement (``flatten``), where groups and clones name their
children by id. ``merge`` overlays new statements on existing ones (same id:
replaced; property blocks: merged by name) and ``assemble`` rebuilds the
nested model, checking every reference on the way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from paceline.cib.model import (
    AclGroup,
    AclRole,
    AclTarget,
    Alert,
    Bundle,
    Cib,
    Clone,
    Colocation,
    Configuration,
    FencingLevel,
    Group,
    Location,
    Node,
    NvPair,
    NvSet,
    NvSetRef,
    Order,
    Primitive,
    Rule,
    RuleRef,
    Tag,
    Template,
    Ticket,
)
from paceline.core.errors import ConfigError
from paceline.crm.expressible import CONSTRAINT_KINDS
from paceline.crm.ids import IdAllocator
from paceline.crm.statements import (
    BundleDef,
    CloneDef,
    Definition,
    FencingDef,
    GroupDef,
    MonitorDef,
    PropertiesDef,
    Reference,
    Section,
    Statement,
    StatementKind,
    Where,
    ids_of,
)
from paceline.crm.walk import walk

__all__ = [
    "assemble",
    "claimed_ids",
    "clone_of",
    "flatten",
    "group_of",
    "key_of",
    "merge",
    "with_config",
]

_NOWHERE = Where()
_ACL_KINDS = {
    AclRole: StatementKind.ROLE,
    AclTarget: StatementKind.ACL_TARGET,
    AclGroup: StatementKind.ACL_GROUP,
}


def with_config(cib: Cib, config: Configuration) -> Cib:
    """``cib`` with this configuration. The epoch stays: edits are staged, and
    the epoch grows when they are committed (``paceline.cli.session``), once."""
    if config == cib.configuration:
        return cib
    return dataclasses.replace(cib, configuration=config)


def _stmt(kind: StatementKind, ident: str, definition: Definition) -> Statement:
    return Statement(kind, ident, definition, _NOWHERE)


def flatten(config: Configuration) -> list[Statement]:
    """The configuration as crm objects, in document order of their sections."""
    entries: list[Statement] = []
    entries.extend(_stmt(StatementKind.NODE, node.id, node) for node in config.nodes)
    entries.extend(_stmt(StatementKind.RSC_TEMPLATE, t.id, t) for t in config.templates)
    for rsc in config.resources:
        entries.extend(_flatten_resource(rsc))
    entries.extend(
        _stmt(StatementKind(CONSTRAINT_KINDS[type(c)]), c.id, c) for c in config.constraints
    )
    for section, kind, blocks in (
        (Section.CRM_CONFIG, StatementKind.PROPERTY, config.crm_config),
        (Section.RSC_DEFAULTS, StatementKind.RSC_DEFAULTS, config.rsc_defaults),
        (Section.OP_DEFAULTS, StatementKind.OP_DEFAULTS, config.op_defaults),
    ):
        for block in blocks:
            ident = block.id if isinstance(block, NvSet) else block.id_ref
            entries.append(_stmt(kind, ident, PropertiesDef(section, block)))
    if config.fencing_topology:
        fencing = FencingDef(config.fencing_topology, comments=config.fencing_topology_comments)
        entries.append(_stmt(StatementKind.FENCING_TOPOLOGY, "fencing_topology", fencing))
    entries.extend(_stmt(StatementKind.TAG, tag.id, tag) for tag in config.tags)
    entries.extend(_stmt(StatementKind.ALERT, alert.id, alert) for alert in config.alerts)
    entries.extend(_stmt(_ACL_KINDS[type(acl)], acl.id, acl) for acl in config.acls)
    return entries


def _flatten_resource(rsc: Primitive | Group | Clone | Bundle) -> list[Statement]:
    if isinstance(rsc, Primitive):
        return [_stmt(StatementKind.PRIMITIVE, rsc.id, rsc)]
    if isinstance(rsc, Group):
        group = GroupDef(
            rsc.id,
            tuple(child.id for child in rsc.children),
            rsc.description,
            rsc.meta_attributes,
            rsc.instance_attributes,
            rsc.comments,
        )
        out = [_stmt(StatementKind.GROUP, rsc.id, group)]
        for child in rsc.children:
            out.extend(_flatten_resource(child))
        return out
    if isinstance(rsc, Clone):
        clone = CloneDef(
            rsc.id,
            rsc.child.id,
            rsc.description,
            rsc.meta_attributes,
            rsc.instance_attributes,
            rsc.legacy_master,
            rsc.comments,
        )
        kind = StatementKind.MS if rsc.legacy_master else StatementKind.CLONE
        return [_stmt(kind, rsc.id, clone), *_flatten_resource(rsc.child)]
    bundle = BundleDef(
        rsc.id,
        rsc.container,
        rsc.description,
        rsc.meta_attributes,
        rsc.instance_attributes,
        rsc.network,
        rsc.storage,
        None if rsc.primitive is None else rsc.primitive.id,
        rsc.comments,
    )
    out = [_stmt(StatementKind.BUNDLE, rsc.id, bundle)]
    if rsc.primitive is not None:
        out.extend(_flatten_resource(rsc.primitive))
    return out


_NVSET_KINDS = (StatementKind.PROPERTY, StatementKind.RSC_DEFAULTS, StatementKind.OP_DEFAULTS)


def key_of(statement: Statement) -> tuple[str, str]:
    """Identity in the flat view: nodes and property blocks per kind, everything else by id."""
    if statement.kind in _NVSET_KINDS or statement.kind is StatementKind.NODE:
        return statement.kind.value, statement.id
    return "object", statement.id


def merge(base: list[Statement], new: Iterable[Statement]) -> list[Statement]:
    """Overlay ``new`` on ``base``: an object with the same id is replaced in place,
    a property block with the same id gets the new pairs (same name: new value),
    nodes match by name too; everything else is appended."""
    out = list(base)
    index = {key_of(s): i for i, s in enumerate(out)}
    unames = {s.definition.uname: i for i, s in enumerate(out) if isinstance(s.definition, Node)}
    for statement in new:
        if isinstance(statement.definition, MonitorDef):
            _add_monitor(out, statement, statement.definition)
            continue
        key = key_of(statement)
        position = index.get(key)
        definition = statement.definition
        if position is None and isinstance(definition, Node):
            position = unames.get(definition.uname)
            old = out[position].definition if position is not None else None
            if isinstance(old, Node) and definition.id == definition.uname:
                # no explicit id: the node keeps the id it has
                definition = dataclasses.replace(definition, id=old.id)
                statement = dataclasses.replace(statement, id=old.id, definition=definition)
        if position is None:
            index[key] = len(out)
            out.append(statement)
            continue
        old_definition = out[position].definition
        if isinstance(definition, PropertiesDef) and isinstance(old_definition, PropertiesDef):
            merged = _merge_blocks(old_definition, definition)
            statement = dataclasses.replace(statement, definition=merged)
        out[position] = statement
    return out


def _add_monitor(out: list[Statement], statement: Statement, monitor: MonitorDef) -> None:
    index = next((i for i, s in enumerate(out) if key_of(s) == ("object", monitor.rsc)), None)
    target = None if index is None else out[index].definition
    if index is None or not isinstance(target, Primitive):
        raise _error(
            statement, monitor.rsc, f"monitor: {monitor.rsc} is not a primitive", "a primitive"
        )
    op = monitor.op
    if any(o.name == op.name and o.interval == op.interval for o in target.operations):
        raise _error(
            statement,
            monitor.rsc,
            f"monitor: {monitor.rsc} already has a monitor every {op.interval}",
            "another interval",
        )
    updated = dataclasses.replace(
        target,
        operations=(*target.operations, op),
        comments=target.comments + monitor.comments,
    )
    out[index] = dataclasses.replace(out[index], definition=updated)


def _merge_blocks(old: PropertiesDef, new: PropertiesDef) -> PropertiesDef:
    if not isinstance(old.block, NvSet) or not isinstance(new.block, NvSet):
        return new
    names = {pair.name for pair in new.block.nvpairs if isinstance(pair, NvPair)}
    kept = tuple(p for p in old.block.nvpairs if not (isinstance(p, NvPair) and p.name in names))
    block = NvSet(
        new.block.id,
        kept + new.block.nvpairs,
        rule=new.block.rule if new.block.rule is not None else old.block.rule,
        score=new.block.score if new.block.score is not None else old.block.score,
        comments=new.block.comments or old.block.comments,
    )
    return PropertiesDef(new.section, block)


def _blame(statement: Statement, ident: str) -> Where:
    for ref in statement.references:
        if ref.id_ref == ident:
            return ref.where
    return statement.where


def _error(statement: Statement | None, ident: str, message: str, expected: str) -> ConfigError:
    where = _NOWHERE if statement is None else _blame(statement, ident)
    return ConfigError(
        message,
        file=where.file,
        line=where.line,
        column=where.column,
        text=ident,
        expected=expected,
    )


def assemble(entries: list[Statement], ids: IdAllocator) -> Configuration:
    """Build the nested configuration from flat objects. Raises ConfigError on a missing,
    misplaced or doubly used resource, and on a dangling reference."""
    entries = resolve_object_refs(entries)
    statements = entries
    by_id = {s.id: s for s in entries if key_of(s)[0] == "object"}
    owner: dict[str, Statement] = {}
    for statement in statements:
        definition = statement.definition
        children: tuple[str, ...] = ()
        if isinstance(definition, GroupDef):
            children = definition.children
        elif isinstance(definition, CloneDef):
            children = (definition.child,)
        elif isinstance(definition, BundleDef) and definition.primitive is not None:
            children = (definition.primitive,)
        for child in children:
            if child in owner:
                raise _error(
                    statement,
                    child,
                    f"{statement.kind} {statement.id}: {child} is already in "
                    f"{owner[child].kind} {owner[child].id}",
                    "each resource in at most one group or clone",
                )
            owner[child] = statement

    def build(ident: str, parent: Statement | None) -> Primitive | Group | Clone | Bundle:
        statement = by_id.get(ident)
        if statement is None:
            context = f"{parent.kind} {parent.id}: " if parent is not None else ""
            raise _error(
                parent, ident, f"{context}{ident} is not defined", "a primitive, group or clone"
            )
        definition = statement.definition
        if isinstance(definition, Primitive):
            return definition
        if isinstance(definition, BundleDef):
            bundled: Primitive | None = None
            if definition.primitive is not None:
                built = build(definition.primitive, statement)
                if not isinstance(built, Primitive):
                    raise _error(
                        statement,
                        definition.primitive,
                        f"bundle {definition.id}: {definition.primitive} is not a primitive",
                        "a primitive",
                    )
                bundled = built
            return Bundle(
                definition.id,
                definition.container,
                definition.description,
                definition.meta_attributes,
                definition.instance_attributes,
                definition.network,
                definition.storage,
                bundled,
                definition.comments,
            )
        if isinstance(definition, GroupDef):
            members: list[Primitive] = []
            for child in definition.children:
                built = build(child, statement)
                if not isinstance(built, Primitive):
                    raise _error(
                        statement,
                        child,
                        f"group {definition.id}: member {child} is not a primitive",
                        "primitives only in a group",
                    )
                members.append(built)
            return group_of(definition, tuple(members))
        if isinstance(definition, CloneDef):
            cloned = build(definition.child, statement)
            if not isinstance(cloned, Primitive | Group):
                raise _error(
                    statement,
                    definition.child,
                    f"{statement.kind} {definition.id}: cannot clone {definition.child}",
                    "a primitive or a group",
                )
            return clone_of(definition, cloned)
        raise _error(
            parent, ident, f"{ident} is a {statement.kind}, not a resource", "a resource id"
        )

    resources = tuple(
        build(s.id, None)
        for s in entries
        if s.id not in owner
        and isinstance(s.definition, Primitive | GroupDef | CloneDef | BundleDef)
    )
    nodes = tuple(s.definition for s in statements if isinstance(s.definition, Node))
    config = Configuration(
        crm_config=_blocks(statements, Section.CRM_CONFIG),
        nodes=nodes,
        resources=resources,
        templates=tuple(s.definition for s in statements if isinstance(s.definition, Template)),
        constraints=tuple(
            s.definition
            for s in statements
            if isinstance(s.definition, Location | Colocation | Order | Ticket)
        ),
        rsc_defaults=_blocks(statements, Section.RSC_DEFAULTS),
        op_defaults=_blocks(statements, Section.OP_DEFAULTS),
        fencing_topology=_fencing(statements, nodes, ids),
        fencing_topology_comments=tuple(
            line
            for s in statements
            if isinstance(s.definition, FencingDef)
            for line in s.definition.comments
        ),
        tags=tuple(s.definition for s in statements if isinstance(s.definition, Tag)),
        alerts=tuple(s.definition for s in statements if isinstance(s.definition, Alert)),
        acls=tuple(
            s.definition
            for s in statements
            if isinstance(s.definition, AclGroup | AclRole | AclTarget)
        ),
    )
    _check_references(statements, config)
    return config


def resolve_object_refs(entries: list[Statement]) -> list[Statement]:
    """crmsh's shorthand, resolved as crmsh does: ``operations $id-ref=RSC``
    names RSC's operations block, ``rule $id-ref=CONSTRAINT`` that location's
    first rule (``show`` then prints the ids they stand for)."""
    wanted = [
        i
        for i, s in enumerate(entries)
        if any(ref.what in ("operations", "rule") for ref in s.references)
    ]
    if not wanted:
        return entries
    operations = {
        s.id: s.definition.operations_id
        for s in entries
        if isinstance(s.definition, Primitive | Template) and s.definition.operations_id
    }
    rules = {
        s.id: s.definition.rules[0].id
        for s in entries
        if isinstance(s.definition, Location)
        and s.definition.rules
        and isinstance(s.definition.rules[0], Rule)
    }
    targets = {"operations": operations, "rule": rules}
    out = list(entries)
    for index in wanted:
        statement = out[index]
        definition = statement.definition
        references = tuple(
            dataclasses.replace(ref, id_ref=targets[ref.what][ref.id_ref])
            if ref.id_ref in targets.get(ref.what, {})
            else ref
            for ref in statement.references
        )
        if isinstance(definition, Primitive | Template) and definition.operations_ref in operations:
            definition = dataclasses.replace(
                definition, operations_ref=operations[definition.operations_ref]
            )
        if isinstance(definition, Location):
            definition = dataclasses.replace(
                definition,
                rules=tuple(
                    RuleRef(rules[r.id_ref]) if isinstance(r, RuleRef) and r.id_ref in rules else r
                    for r in definition.rules
                ),
            )
        out[index] = dataclasses.replace(statement, definition=definition, references=references)
    return out


def group_of(definition: GroupDef, members: tuple[Primitive, ...]) -> Group:
    """The group a ``group`` statement defines, with its members built."""
    return Group(
        definition.id,
        members,
        definition.description,
        definition.meta_attributes,
        definition.instance_attributes,
        definition.comments,
    )


def clone_of(definition: CloneDef, child: Primitive | Group) -> Clone:
    """The clone a ``clone``/``ms`` statement defines, with its child built."""
    return Clone(
        definition.id,
        child,
        definition.description,
        definition.meta_attributes,
        definition.instance_attributes,
        definition.legacy_master,
        definition.comments,
    )


def claimed_ids(entry: Statement) -> list[str]:
    """The ids an object holds in the namespace of element ids: a node's
    own id is a namespace of its own (``node node1`` and ``primitive node1``
    coexist, as they do when both are loaded from one file)."""
    ids = ids_of(entry)
    if entry.kind is StatementKind.NODE:
        return [ident for ident in ids if ident != entry.id]
    return ids


def _blocks(statements: list[Statement], section: Section) -> tuple[NvSet | NvSetRef, ...]:
    return tuple(
        s.definition.block
        for s in statements
        if isinstance(s.definition, PropertiesDef) and s.definition.section is section
    )


def _fencing(
    statements: list[Statement], nodes: tuple[Node, ...], ids: IdAllocator
) -> tuple[FencingLevel, ...]:
    levels: list[FencingLevel] = []
    for statement in statements:
        definition = statement.definition
        if not isinstance(definition, FencingDef):
            continue
        levels.extend(definition.levels)
        for uname in sorted(node.uname for node in nodes):
            for index, devices in enumerate(definition.untargeted, start=1):
                levels.append(FencingLevel(ids.new("fencing"), index, devices, target=uname))
    return tuple(levels)


_BY_NAME = {
    "constrained resource",
    "tagged object",
    "rsc_template",
    "acl role",
    "group member",
    "cloned resource",
    "bundled primitive",
}
"""Reference kinds that name an object (the rest name an element inside one)."""


def _check_references(statements: list[Statement], config: Configuration) -> None:
    """Every reference a statement made must name something of the right kind."""
    from paceline.cib.model import walk_resources

    refs = [(s, ref) for s in statements for ref in s.references]
    if not refs:
        return
    resources = {rsc.id for rsc, _ in walk_resources(config.resources)}
    templates = {t.id for t in config.templates}
    tags = {t.id for t in config.tags}
    constraints = {c.id for c in config.constraints}
    sets: set[str] = set()
    rules: set[str] = set()
    pairs: set[str] = set()
    operations: set[str] = set()
    if any(ref.what not in _BY_NAME for _, ref in refs):
        # Only a $id-ref needs the ids inside objects: walk them then only.
        for item in walk(config):
            if isinstance(item, NvSet):
                sets.add(item.id)
            elif isinstance(item, Rule):
                rules.add(item.id)
            elif isinstance(item, NvPair):
                pairs.add(item.id)
            elif isinstance(item, Primitive | Template) and item.operations_id is not None:
                operations.add(item.operations_id)
    known: dict[str, tuple[set[str], str]] = {
        "constrained resource": (resources | templates | tags, "a resource, template or tag"),
        "tagged object": (resources | templates | constraints, "a resource or constraint"),
        "rsc_template": (templates, "an rsc_template"),
        "rule": (rules, "the id of a rule"),
        "nvpair": (pairs, "the id of a name=value pair"),
        "operations": (operations, "the id of an operations block"),
        "acl role": ({a.id for a in config.acls if isinstance(a, AclRole)}, "a role id"),
    }
    for statement, ref in refs:
        if ref.what in ("group member", "cloned resource", "bundled primitive"):
            continue  # checked while assembling
        valid, expected = known.get(ref.what, (sets | resources | templates, "a block id"))
        if ref.id_ref not in valid:
            raise _dangling(statement, ref, expected)


def _dangling(statement: Statement, ref: Reference, expected: str) -> ConfigError:
    if ref.what == "constrained resource":
        problem = f"resource {ref.id_ref} is not defined"
    elif ref.what in ("tagged object", "acl role"):
        problem = f"{ref.id_ref} is not defined"
    else:
        problem = f"$id-ref={ref.id_ref} refers to nothing defined"
    return ConfigError(
        f"{statement.kind} {statement.id}: {problem}",
        file=ref.where.file,
        line=ref.where.line,
        column=ref.where.column,
        text=ref.id_ref,
        expected=expected,
    )
