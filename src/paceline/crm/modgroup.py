"""``modgroup``: add a resource to a group or take one out, as ``crm configure
modgroup`` does.

    modgroup GROUP add RSC [after|before MEMBER]
    modgroup GROUP remove RSC

An added resource must be a primitive at the top level (not in another
group, clone or bundle); without a position it goes last. A removed member
becomes a top-level primitive again; the last member cannot be removed (a
group holds at least one: delete the group instead). Constraints and tags
naming the resource stay as they are.
"""

from __future__ import annotations

import dataclasses

from paceline.cib.model import Cib, Primitive
from paceline.core.errors import ConfigError
from paceline.crm.build import assemble, claimed_ids, flatten, with_config
from paceline.crm.ids import IdAllocator
from paceline.crm.statements import BundleDef, CloneDef, GroupDef, Statement

__all__ = ["modgroup"]


def _error(message: str, text: str, expected: str) -> ConfigError:
    return ConfigError(message, text=text, expected=expected)


def modgroup(
    cib: Cib,
    group: str,
    action: str,
    rsc: str,
    *,
    position: str | None = None,
    anchor: str | None = None,
) -> Cib:
    """``cib`` with ``rsc`` added to (``action="add"``, optionally ``position``
    ``"after"``/``"before"`` the member ``anchor``) or removed from ``group``."""
    entries = flatten(cib.configuration)
    index = next(
        (i for i, s in enumerate(entries) if isinstance(s.definition, GroupDef) and s.id == group),
        None,
    )
    if index is None:
        raise _error(f"modgroup: {group} is not a group", group, "the id of a group")
    definition = entries[index].definition
    assert isinstance(definition, GroupDef)
    children = list(definition.children)
    if action == "add":
        children = _added(entries, children, rsc, position, anchor)
    elif action == "remove":
        if position is not None:
            raise _error("modgroup: remove takes no position", position, "modgroup G remove RSC")
        if rsc not in children:
            raise _error(f"modgroup: {rsc} is not in group {group}", rsc, "a member of the group")
        if len(children) == 1:
            raise _error(
                f"modgroup: {rsc} is the last member of group {group}",
                rsc,
                f"another member first, or 'delete {group}'",
            )
        children.remove(rsc)
    else:
        raise _error(f"modgroup: unknown action {action!r}", action, "add or remove")
    out = list(entries)
    out[index] = dataclasses.replace(
        entries[index], definition=dataclasses.replace(definition, children=tuple(children))
    )
    ids = IdAllocator(ident for s in out for ident in claimed_ids(s))
    return with_config(cib, assemble(out, ids))


def _added(
    entries: list[Statement],
    children: list[str],
    rsc: str,
    position: str | None,
    anchor: str | None,
) -> list[str]:
    target = next((s for s in entries if s.id == rsc and isinstance(s.definition, Primitive)), None)
    if target is None:
        raise _error(f"modgroup: {rsc} is not a primitive", rsc, "the id of a primitive")
    if rsc in children:
        raise _error(f"modgroup: {rsc} is already in the group", rsc, "a resource not in it")
    for s in entries:
        d = s.definition
        if (
            (isinstance(d, GroupDef) and rsc in d.children)
            or (isinstance(d, CloneDef) and d.child == rsc)
            or (isinstance(d, BundleDef) and d.primitive == rsc)
        ):
            raise _error(
                f"modgroup: {rsc} is already in {s.kind} {s.id}",
                rsc,
                "a primitive at the top level (remove it from there first)",
            )
    if position is None:
        return [*children, rsc]
    if position not in ("after", "before") or anchor is None:
        raise _error(
            f"modgroup: expected 'after MEMBER' or 'before MEMBER', not {position!r}",
            position,
            "after|before MEMBER",
        )
    if anchor not in children:
        raise _error(f"modgroup: {anchor} is not a member of the group", anchor, "a member")
    at = children.index(anchor) + (1 if position == "after" else 0)
    return [*children[:at], rsc, *children[at:]]
