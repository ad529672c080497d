"""Apply the tables of ``paceline.crm.migrate`` to parsed statements.

``modernize(statements, ids, agent_exists, filesystem_supported=)`` returns
the statements as they will be stored, and one ``Notice`` per change: a
deprecated cluster property moved to ``rsc_defaults``/``op_defaults``, renamed
or dropped; an absent resource agent replaced by its stand-in; a resource
parameter that cannot hold here (``fstype=reiserfs``) replaced by its stand-in.
"""

from __future__ import annotations

from dataclasses import replace

from paceline.cib.model import AgentClass, NvPair, NvPairRef, NvSet, NvSetItem, Primitive, Template
from paceline.cib.upgrade import Fate
from paceline.crm.ids import IdAllocator
from paceline.crm.migrate import (
    ROLE_RENAMES,
    AgentExists,
    FilesystemSupported,
    Notice,
    NoticeKind,
    ParameterSubstitution,
    find_parameter_substitution,
    find_property_migration,
    find_substitution,
)
from paceline.crm.parser import DEFAULT_SET_IDS
from paceline.crm.statements import (
    CloneDef,
    GroupDef,
    PropertiesDef,
    Section,
    Statement,
    StatementKind,
)

__all__ = ["agent_spec", "modernize"]

_TARGETS = {
    Fate.RSC_DEFAULTS: Section.RSC_DEFAULTS,
    Fate.OP_DEFAULTS: Section.OP_DEFAULTS,
}
_KINDS = {
    Section.RSC_DEFAULTS: StatementKind.RSC_DEFAULTS,
    Section.OP_DEFAULTS: StatementKind.OP_DEFAULTS,
}


def agent_spec(rsc: Primitive | Template) -> str | None:
    """``class:provider:type`` (``class:type`` without provider); None for a template user."""
    if rsc.agent_class is None or rsc.agent_type is None:
        return None
    if rsc.provider is None:
        return f"{rsc.agent_class.value}:{rsc.agent_type}"
    return f"{rsc.agent_class.value}:{rsc.provider}:{rsc.agent_type}"


def modernize(
    statements: list[Statement],
    ids: IdAllocator,
    agent_exists: AgentExists | None,
    *,
    filesystem_supported: FilesystemSupported | None = None,
) -> tuple[list[Statement], list[Notice]]:
    """The statements with the migration tables applied, and what was done.

    The predicates are the caller's knowledge of this host; a substitution
    whose predicate is None is never made."""
    notices: list[Notice] = []
    out: list[Statement] = []
    moved: dict[Section, list[tuple[str, str | None, Statement, str]]] = {}
    for statement in statements:
        notices.extend(statement.notices)
        statement = _target_roles(statement, notices)
        statement = _promotable(statement, ids, notices)
        definition = statement.definition
        if isinstance(definition, Primitive | Template):
            spec = agent_spec(definition)
            statement = _substitute(statement, definition, agent_exists, notices)
            if spec is not None:
                statement = _substitute_parameters(
                    statement, spec, ids, filesystem_supported, notices
                )
        elif (
            isinstance(definition, PropertiesDef)
            and definition.section is Section.CRM_CONFIG
            and isinstance(definition.block, NvSet)
        ):
            statement = _properties(statement, definition.block, ids, notices, moved)
        out.append(statement)
    for section, pairs in moved.items():
        out = _add_defaults(out, section, pairs, ids, notices)
    return out, notices


_PROMOTED_NAMES = {"master-max": "promoted-max", "master-node-max": "promoted-node-max"}


def _promotable(statement: Statement, ids: IdAllocator, notices: list[Notice]) -> Statement:
    """``ms ID CHILD`` (``<master>``) is written ``clone ID CHILD meta promotable=true``,
    and its ``master-max``/``master-node-max`` as ``promoted-max``/``promoted-node-max``:
    what the role rename (Master to Promoted) implies, so that verify does not
    call the migrated configuration deprecated."""
    definition = statement.definition
    if not isinstance(definition, CloneDef) or not definition.legacy_master:
        return statement
    blocks = list(definition.meta_attributes)
    first = next((i for i, b in enumerate(blocks) if isinstance(b, NvSet) and b.rule is None), None)
    if first is None:
        blocks.insert(0, NvSet(ids.child(definition.id, "meta_attributes")))
        first = 0
    renamed: list[Notice] = []
    for index, block in enumerate(blocks):
        if isinstance(block, NvSet):
            blocks[index] = _promoted_names(statement, block, ids, renamed)
    block = blocks[first]
    assert isinstance(block, NvSet)
    if block.get("promotable") is None:
        promotable = NvPair(ids.child(block.id, "promotable"), "promotable", "true")
        blocks[first] = replace(block, nvpairs=(promotable, *block.nvpairs))
    notices.append(
        Notice(
            NoticeKind.MODERNIZED,
            f"ms {definition.id}: written as clone {definition.id} meta promotable=true",
            "Pacemaker 2.0 made <master> a clone with promotable=true; 3.0 removes <master>",
            statement.where.file,
            statement.where.line,
        )
    )
    notices.extend(renamed)
    new = replace(definition, meta_attributes=tuple(blocks), legacy_master=False)
    return replace(statement, kind=StatementKind.CLONE, definition=new)


def _promoted_names(
    statement: Statement, block: NvSet, ids: IdAllocator, notices: list[Notice]
) -> NvSet:
    present = {p.name for p in block.nvpairs if isinstance(p, NvPair)}
    pairs: list[NvPair | NvPairRef] = []
    for pair in block.nvpairs:
        if not isinstance(pair, NvPair) or pair.name not in _PROMOTED_NAMES:
            pairs.append(pair)
            continue
        new_name = _PROMOTED_NAMES[pair.name]
        where = (statement.where.file, statement.line_of(pair.name))
        if new_name in present:
            notices.append(
                Notice(
                    NoticeKind.DROPPED,
                    f"ms {statement.id}: {_written(pair)} not stored",
                    f"{new_name}, its modern name, is set too",
                    *where,
                )
            )
            continue
        new_pair = NvPair(ids.child(block.id, new_name), new_name, pair.value)
        pairs.append(new_pair)
        notices.append(
            Notice(
                NoticeKind.MODERNIZED,
                f"ms {statement.id}: {_written(pair)} written as {_written(new_pair)}",
                "Pacemaker 2.1 renamed master-max/master-node-max to "
                "promoted-max/promoted-node-max; 3.0 drops the old names",
                *where,
            )
        )
    return replace(block, nvpairs=tuple(pairs))


def _modern_role(block: NvSetItem) -> tuple[NvSetItem, list[tuple[str, str]]]:
    """The block with ``target-role=Master|Slave`` renamed; the (old, new) values."""
    if not isinstance(block, NvSet):
        return block, []
    changed: list[tuple[str, str]] = []
    pairs: list[NvPair | NvPairRef] = []
    for pair in block.nvpairs:
        if isinstance(pair, NvPair) and pair.name == "target-role" and pair.value in ROLE_RENAMES:
            new_value = ROLE_RENAMES[pair.value]
            changed.append((pair.value, new_value))
            pair = replace(pair, value=new_value)
        pairs.append(pair)
    return (replace(block, nvpairs=tuple(pairs)) if changed else block), changed


def _target_roles(statement: Statement, notices: list[Notice]) -> Statement:
    """``meta target-role=Master`` is written ``Promoted`` (``Slave``: ``Unpromoted``)."""
    definition = statement.definition
    changed: list[tuple[str, str]] = []
    if isinstance(definition, Primitive | Template | GroupDef | CloneDef):
        blocks = []
        for block in definition.meta_attributes:
            block, found = _modern_role(block)
            blocks.append(block)
            changed += found
        if changed:
            definition = replace(definition, meta_attributes=tuple(blocks))
    elif isinstance(definition, PropertiesDef) and definition.section is Section.RSC_DEFAULTS:
        block, changed = _modern_role(definition.block)
        if changed:
            definition = replace(definition, block=block)
    for old, new in changed:
        notices.append(
            Notice(
                NoticeKind.MODERNIZED,
                f"{statement.kind} {statement.id}: target-role={old} written as {new}",
                "Pacemaker 2.1 renamed the roles Master/Slave to Promoted/Unpromoted",
                statement.where.file,
                statement.line_of("target-role"),
            )
        )
    return replace(statement, definition=definition) if changed else statement


def _substitute(
    statement: Statement,
    rsc: Primitive | Template,
    agent_exists: AgentExists | None,
    notices: list[Notice],
) -> Statement:
    spec = agent_spec(rsc)
    if spec is None:
        return statement
    entry = find_substitution(spec, agent_exists)
    if entry is None:
        return statement
    parts = entry.replacement.split(":")
    provider = parts[1] if len(parts) == 3 else None
    new = replace(rsc, agent_class=AgentClass(parts[0]), provider=provider, agent_type=parts[-1])
    notices.append(
        Notice(
            NoticeKind.SUBSTITUTED,
            f"{statement.kind} {statement.id}: agent {spec} replaced by {entry.replacement}",
            entry.why,
            statement.where.file,
            statement.where.line,
        )
    )
    return replace(statement, definition=new)


def _substitute_parameters(
    statement: Statement,
    spec: str,
    ids: IdAllocator,
    filesystem_supported: FilesystemSupported | None,
    notices: list[Notice],
) -> Statement:
    """``PARAMETER_SUBSTITUTIONS`` applied to the resource's instance attributes;
    ``spec`` is its agent as the text named it."""
    rsc = statement.definition
    assert isinstance(rsc, Primitive | Template)
    blocks: list[NvSetItem] = []
    changed = False
    for block in rsc.instance_attributes:
        if isinstance(block, NvSet):
            new_block = _substitute_block(
                statement, spec, block, ids, filesystem_supported, notices
            )
            changed = changed or new_block is not block
            block = new_block
        blocks.append(block)
    if not changed:
        return statement
    return replace(statement, definition=replace(rsc, instance_attributes=tuple(blocks)))


def _substitute_block(
    statement: Statement,
    spec: str,
    block: NvSet,
    ids: IdAllocator,
    filesystem_supported: FilesystemSupported | None,
    notices: list[Notice],
) -> NvSet:
    present = {p.name for p in block.nvpairs if isinstance(p, NvPair)}
    pairs: list[NvPair | NvPairRef] = []
    changed = False
    for pair in block.nvpairs:
        entry = (
            None
            if isinstance(pair, NvPairRef)
            else find_parameter_substitution(
                spec, pair.name, pair.value, filesystem_supported=filesystem_supported
            )
        )
        if entry is None or isinstance(pair, NvPairRef):
            pairs.append(pair)
            continue
        new_name = entry.new_name if entry.new_name is not None else pair.name
        if new_name != pair.name and new_name in present:
            # the text sets the stand-in itself: it wins, this pair stays as written
            pairs.append(pair)
            continue
        new_value = entry.new_value if entry.new_value is not None else pair.value
        if new_name == pair.name:
            new_pair = replace(pair, value=new_value)
        else:
            new_pair = NvPair(ids.child(block.id, new_name), new_name, new_value)
            present.add(new_name)
        pairs.append(new_pair)
        changed = True
        notices.append(
            Notice(
                NoticeKind.SUBSTITUTED,
                f"{statement.kind} {statement.id}: {_replaced(entry, pair, new_pair)}",
                entry.why,
                statement.where.file,
                statement.line_of(pair.name),
            )
        )
    return replace(block, nvpairs=tuple(pairs)) if changed else block


def _replaced(entry: ParameterSubstitution, old: NvPair, new: NvPair) -> str:
    """``fstype reiserfs replaced by ext4`` (a value); ``a=1 replaced by b=1`` (a name)."""
    if entry.new_name is None or entry.new_name == old.name:
        return f"{old.name} {old.value} replaced by {new.value}"
    return f"parameter {_written(old)} replaced by {_written(new)}"


def _written(pair: NvPair) -> str:
    return pair.name if pair.value is None else f"{pair.name}={pair.value}"


def _properties(
    statement: Statement,
    block: NvSet,
    ids: IdAllocator,
    notices: list[Notice],
    moved: dict[Section, list[tuple[str, str | None, Statement, str]]],
) -> Statement:
    kept: list[NvPair | NvPairRef] = []
    for pair in block.nvpairs:
        entry = (
            None if isinstance(pair, NvPairRef) else find_property_migration(pair.name, pair.value)
        )
        if entry is None or isinstance(pair, NvPairRef):
            kept.append(pair)
            continue
        where = (statement.where.file, statement.line_of(pair.name))
        written = _written(pair)
        value = entry.new_value if entry.new_value is not None else pair.value
        if entry.fate is Fate.DROP:
            notices.append(
                Notice(NoticeKind.DROPPED, f"property {written} not stored", entry.why, *where)
            )
        elif entry.fate is Fate.RENAME:
            new_name = entry.new or pair.name
            kept.append(NvPair(ids.child(block.id, new_name), new_name, value))
            notices.append(
                Notice(
                    NoticeKind.RENAMED,
                    f"property {written} stored as {new_name}={value}",
                    entry.why,
                    *where,
                )
            )
        else:
            section = _TARGETS[entry.fate]  # cluster properties only rename, move or drop
            new_name = entry.new or pair.name
            moved.setdefault(section, []).append((new_name, value, statement, pair.name))
            notices.append(
                Notice(
                    NoticeKind.MOVED,
                    f"property {written} moved to {section.value} {new_name}={value}",
                    entry.why,
                    *where,
                )
            )
    if len(kept) == len(block.nvpairs):
        return statement
    new_block = replace(block, nvpairs=tuple(kept))
    return replace(statement, definition=PropertiesDef(Section.CRM_CONFIG, new_block))


def _add_defaults(
    statements: list[Statement],
    section: Section,
    pairs: list[tuple[str, str | None, Statement, str]],
    ids: IdAllocator,
    notices: list[Notice],
) -> list[Statement]:
    """Put moved properties in the section's first block (made if there is none);
    a value the text sets there itself wins."""
    kind = _KINDS[section]
    index = next(
        (
            i
            for i, s in enumerate(statements)
            if isinstance(s.definition, PropertiesDef)
            and s.definition.section is section
            and isinstance(s.definition.block, NvSet)
        ),
        None,
    )
    if index is None:
        set_id = DEFAULT_SET_IDS[section]
        ids.claim(set_id)
        origin = pairs[0][2]
        target = Statement(kind, set_id, PropertiesDef(section, NvSet(set_id)), origin.where, ())
        insert_at = 1 + next(
            i for i, s in enumerate(statements) if s.where == origin.where and s.id == origin.id
        )
        statements = [*statements[:insert_at], target, *statements[insert_at:]]
        index = insert_at
    target = statements[index]
    assert isinstance(target.definition, PropertiesDef)
    block = target.definition.block
    assert isinstance(block, NvSet)
    present = {p.name for p in block.nvpairs if isinstance(p, NvPair)}
    added: list[NvPair | NvPairRef] = []
    for name, value, origin, old_name in pairs:
        if name in present:
            notices.append(
                Notice(
                    NoticeKind.DROPPED,
                    f"moved {name}={value} not applied",
                    f"{section.value} {block.id} sets {name} itself",
                    origin.where.file,
                    origin.line_of(old_name),
                )
            )
            continue
        present.add(name)
        added.append(NvPair(ids.child(block.id, name), name, value))
    new_block = replace(block, nvpairs=block.nvpairs + tuple(added))
    statements = list(statements)
    statements[index] = replace(target, definition=PropertiesDef(section, new_block))
    return statements
