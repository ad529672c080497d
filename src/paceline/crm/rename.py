"""``rename``: give an object a new id and follow it everywhere it is named.

As ``crm configure rename``: constraints (simple and in sets), group and
clone members and a bundle's primitive follow; the ids of the object's own
blocks (``vip-instance_attributes``...) keep the old name, as in crmsh.
Unlike crmsh 4.4 (which leaves them dangling) tags, fencing levels naming a
fencing device and primitives built on a renamed template follow too.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from paceline.cib.model import (
    Cib,
    Colocation,
    FencingLevel,
    Location,
    Order,
    Primitive,
    ResourceSet,
    Tag,
    Ticket,
)
from paceline.core.errors import ConfigError
from paceline.crm.build import assemble, flatten, with_config
from paceline.crm.ids import IdAllocator
from paceline.crm.migrate import Notice, NoticeKind
from paceline.crm.statements import (
    BundleDef,
    CloneDef,
    Definition,
    FencingDef,
    GroupDef,
    Statement,
    StatementKind,
    ids_of,
)
from paceline.crm.walk import RSC_FIELDS

__all__ = ["rename"]

_RENAMABLE = {
    StatementKind.PRIMITIVE,
    StatementKind.RSC_TEMPLATE,
    StatementKind.GROUP,
    StatementKind.CLONE,
    StatementKind.MS,
    StatementKind.BUNDLE,
    StatementKind.LOCATION,
    StatementKind.COLOCATION,
    StatementKind.ORDER,
    StatementKind.RSC_TICKET,
    StatementKind.TAG,
}


def rename(cib: Cib, old: str, new: str) -> tuple[Cib, list[Notice]]:
    """``cib`` with the object ``old`` called ``new``; one notice per object that
    named it. ConfigError if ``old`` is unknown or not renamable, or ``new`` is taken."""
    entries = flatten(cib.configuration)
    target = next((s for s in entries if s.id == old and s.kind in _RENAMABLE), None)
    if target is None:
        raise ConfigError(
            f"no object {old} to rename", text=old, expected="a resource, constraint or tag id"
        )
    taken = {ident for s in entries if s.kind is not StatementKind.NODE for ident in ids_of(s)}
    if new in taken:
        raise ConfigError(f"cannot rename {old}: id {new} is already in use", text=new)
    notices: list[Notice] = []
    out: list[Statement] = []
    for statement in entries:
        if statement is target:
            renamed: Definition = dataclasses.replace(cast(Any, statement.definition), id=new)
            out.append(dataclasses.replace(statement, id=new, definition=renamed))
            continue
        changed = follow(statement.definition, old, new)
        if changed is None:
            out.append(statement)
            continue
        out.append(dataclasses.replace(statement, definition=changed))
        notices.append(
            Notice(
                NoticeKind.UPDATED,
                f"{statement.kind} {statement.id}: now names {new}",
                f"{old} was renamed {new}",
            )
        )
    ids = IdAllocator(taken | {new})
    return with_config(cib, assemble(out, ids)), notices


def _swap(values: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if value == old else value for value in values)


def follow(d: Definition, old: str, new: str) -> Definition | None:
    """``d`` with references to ``old`` pointing at ``new``; None if it names nothing of it."""
    if isinstance(d, Location | Colocation | Order | Ticket):
        changes: dict[str, object] = {f: new for f in RSC_FIELDS if getattr(d, f, None) == old}
        sets = tuple(
            dataclasses.replace(s, resources=_swap(s.resources, old, new))
            if isinstance(s, ResourceSet) and old in s.resources
            else s
            for s in d.resource_sets
        )
        if sets != d.resource_sets:
            changes["resource_sets"] = sets
        return dataclasses.replace(d, **changes) if changes else None  # type: ignore[arg-type]
    if isinstance(d, GroupDef) and old in d.children:
        return dataclasses.replace(d, children=_swap(d.children, old, new))
    if isinstance(d, CloneDef) and d.child == old:
        return dataclasses.replace(d, child=new)
    if isinstance(d, BundleDef) and d.primitive == old:
        return dataclasses.replace(d, primitive=new)
    if isinstance(d, Tag) and old in d.refs:
        return dataclasses.replace(d, refs=_swap(d.refs, old, new))
    if isinstance(d, Primitive) and d.template == old:
        return dataclasses.replace(d, template=new)
    if isinstance(d, FencingDef) and any(old in level.devices for level in d.levels):
        levels = tuple(_level(level, old, new) for level in d.levels)
        return dataclasses.replace(d, levels=levels)
    return None


def _level(level: FencingLevel, old: str, new: str) -> FencingLevel:
    return dataclasses.replace(level, devices=_swap(level.devices, old, new))
