"""``delete``: remove objects, refusing (or, on request, cascading as crmsh does)
when something else refers to them.

Cascade follows crmsh 4.4 (``cibconfig.CibFactory.delete``):

- a resource is dropped from the constraints naming it: a simple constraint
  naming it is removed; in a set constraint its references go, empty sets
  go, and the constraint goes when too few resources are left (one for
  colocation/order, none for location/ticket);
- it is dropped from tags; a tag left empty is removed;
- deleting a group or clone keeps its children (they move to the top level),
  and simple constraints naming the container are redirected to its first
  child (sets just lose it);
- deleting the only child of a group or clone deletes the container too;
- deleting an ``rsc_template`` deletes the primitives built on it;
- a colocation or order left with two resources in sequential sets becomes
  a simple constraint (a single set's members swap places, since a set
  places its first member first and a simple colocation its second).

A crmsh-marked test deletes the same objects with crmsh and compares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from paceline.cib.model import (
    Cib,
    Colocation,
    Constraint,
    Location,
    NvSetRef,
    Order,
    Primitive,
    ResourceSet,
    ResourceSetItem,
    RuleRef,
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
    GroupDef,
    Statement,
    ids_of,
)
from paceline.crm.walk import RSC_FIELDS, constrained, walk

__all__ = ["delete"]


def _referrers(entries: list[Statement], ident: str, owned: set[str]) -> list[str]:
    """What, besides the object itself, refers to ``ident`` or to ids inside it."""
    found: list[str] = []
    for s in entries:
        if s.id == ident:
            continue
        d = s.definition
        if isinstance(d, Location | Colocation | Order | Ticket) and ident in constrained(d):
            found.append(f"{s.kind} {s.id}")
        elif isinstance(d, Tag) and ident in d.refs:
            found.append(f"tag {s.id}")
        elif isinstance(d, GroupDef) and ident in d.children:
            found.append(f"group {s.id}")
        elif isinstance(d, CloneDef) and ident == d.child:
            found.append(f"{s.kind} {s.id}")
        elif isinstance(d, Primitive) and d.template == ident:
            found.append(f"primitive {s.id}")
        elif isinstance(d, BundleDef) and d.primitive == ident:
            found.append(f"bundle {s.id}")
        elif owned & {x.id_ref for x in walk(d) if isinstance(x, NvSetRef | RuleRef)}:
            found.append(f"{s.kind} {s.id}")
    return found


def delete(cib: Cib, ids: Iterable[str], *, cascade: bool = False) -> tuple[Cib, list[Notice]]:
    """Remove the objects ``ids`` (resources, constraints, nodes, tags, property blocks).

    Without ``cascade``, refuses with ConfigError if something else refers to
    one of them; with it, updates or removes the referring objects as crmsh
    does and reports each as a Notice.
    """
    wanted = list(dict.fromkeys(ids))
    entries = flatten(cib.configuration)
    by_id = {entry.id: entry for entry in entries}
    missing = [ident for ident in wanted if ident not in by_id]
    if missing:
        raise ConfigError(f"no such object: {', '.join(missing)}", text=missing[0])
    doomed = set(wanted)
    if not cascade:
        for ident in wanted:
            owned = set(ids_of(by_id[ident]))
            users = [u for u in _referrers(entries, ident, owned) if u.split()[-1] not in doomed]
            if users:
                raise ConfigError(
                    f"cannot delete {ident}: {', '.join(users)} refers to it",
                    text=ident,
                    expected="delete those first, or ask to cascade",
                )
        kept = [entry for entry in entries if entry.id not in doomed]
        return _rebuild(cib, kept), []
    notices: list[Notice] = []
    entries = _cascade(entries, wanted, notices)
    return _rebuild(cib, entries), notices


def _rebuild(cib: Cib, entries: list[Statement]) -> Cib:
    ids = IdAllocator(ident for entry in entries for ident in ids_of(entry))
    return with_config(cib, assemble(entries, ids))


def _note(notices: list[Notice], kind: NoticeKind, what: str, why: str) -> None:
    notices.append(Notice(kind, what, why))


def _cascade(entries: list[Statement], wanted: list[str], notices: list[Notice]) -> list[Statement]:
    queue = list(wanted)
    while queue:
        ident = queue.pop(0)
        index = next((i for i, e in enumerate(entries) if e.id == ident), None)
        if index is None:
            continue
        s = entries.pop(index)
        first_child: str | None = None
        if isinstance(s.definition, GroupDef | CloneDef):
            children = (
                s.definition.children
                if isinstance(s.definition, GroupDef)
                else (s.definition.child,)
            )
            alive = {e.id for e in entries}
            first_child = next((c for c in children if c in alive), None)
        entries = _update_users(entries, ident, first_child, queue, wanted, notices)
    return entries


def _update_users(
    entries: list[Statement],
    ident: str,
    heir: str | None,
    queue: list[str],
    wanted: list[str],
    notices: list[Notice],
) -> list[Statement]:
    out: list[Statement] = []
    why = f"it named {ident}, which was deleted"
    for entry in entries:
        s = entry
        d = s.definition
        if isinstance(d, GroupDef) and ident in d.children:
            children = tuple(c for c in d.children if c != ident)
            if not children:
                _queue(queue, s.id, wanted, notices, f"group {s.id}", "its last member was deleted")
                out.append(entry)
                continue
            out.append(_with(entry, dataclasses.replace(d, children=children)))
        elif isinstance(d, CloneDef) and d.child == ident:
            _queue(queue, s.id, wanted, notices, f"{s.kind} {s.id}", "its resource was deleted")
            out.append(entry)
        elif isinstance(d, BundleDef) and d.primitive == ident:
            out.append(_with(entry, dataclasses.replace(d, primitive=None)))
            _note(notices, NoticeKind.UPDATED, f"bundle {s.id}: {ident} removed", why)
        elif isinstance(d, Primitive) and d.template == ident:
            _queue(queue, s.id, wanted, notices, f"primitive {s.id}", f"it used template {ident}")
            out.append(entry)
        elif isinstance(d, Tag) and ident in d.refs:
            refs = tuple(r for r in d.refs if r != ident)
            if refs:
                out.append(_with(entry, dataclasses.replace(d, refs=refs)))
                _note(notices, NoticeKind.UPDATED, f"tag {s.id}: {ident} removed", why)
            else:
                _note(
                    notices, NoticeKind.DELETED, f"tag {s.id} deleted", f"{why}, and nothing else"
                )
        elif isinstance(d, Location | Colocation | Order | Ticket) and ident in constrained(d):
            updated = _constraint_without(d, ident, heir)
            if updated is None:
                _note(notices, NoticeKind.DELETED, f"{s.kind} {s.id} deleted", why)
            else:
                out.append(_with(entry, updated))
                change = f"now names {heir}" if heir is not None else f"{ident} removed"
                _note(notices, NoticeKind.UPDATED, f"{s.kind} {s.id}: {change}", why)
        else:
            out.append(entry)
    return out


def _queue(
    queue: list[str], ident: str, wanted: list[str], notices: list[Notice], what: str, why: str
) -> None:
    if ident not in queue and ident not in wanted:
        queue.append(ident)
        _note(notices, NoticeKind.DELETED, f"{what} deleted", why)


def _with(statement: Statement, definition: Definition) -> Statement:
    return dataclasses.replace(statement, definition=definition)


def _constraint_without(c: Constraint, ident: str, heir: str | None) -> Constraint | None:
    """The constraint without ``ident``; None if nothing sensible is left.

    A simple constraint naming ``ident`` is redirected to ``heir`` (the first
    member of a deleted container) or dropped, and dropped if it would tie a
    resource to itself; sets just lose the member. A colocation or order left
    with two resources in sequential sets becomes a simple one, as in crmsh.
    """
    if not c.resource_sets:
        changes: dict[str, str] = {}
        for name in RSC_FIELDS:
            if getattr(c, name, None) == ident:
                if heir is None:
                    return None
                changes[name] = heir
        updated = dataclasses.replace(c, **changes)  # type: ignore[arg-type]
        refs = {getattr(updated, f) for f in RSC_FIELDS if getattr(updated, f, None)}
        if isinstance(updated, Colocation | Order) and len(refs) < 2:
            return None
        return updated
    sets: list[ResourceSetItem] = []
    for item in c.resource_sets:
        if not isinstance(item, ResourceSet):
            sets.append(item)
            continue
        members = tuple(m for m in item.resources if m != ident)
        if members:
            sets.append(dataclasses.replace(item, resources=members))
    plain = [s for s in sets if isinstance(s, ResourceSet)]
    count = sum(len(s.resources) for s in plain)
    if count < (1 if isinstance(c, Location | Ticket) else 2):
        return None
    updated = dataclasses.replace(c, resource_sets=tuple(sets))
    unordered = any(s.sequential is False and len(s.resources) > 1 for s in plain)
    convertible = count == 2 and len(plain) == len(sets) and not unordered
    if isinstance(updated, Colocation | Order) and convertible:
        return _simple(updated, plain)
    return updated


def _simple(c: Colocation | Order, sets: list[ResourceSet]) -> Colocation | Order:
    """A two-resource set constraint as a simple one (crmsh's conversion)."""
    members = [(m, s) for s in sets for m in s.resources]
    (first, first_set), (second, second_set) = members
    if isinstance(c, Order):
        return dataclasses.replace(
            c,
            resource_sets=(),
            first=first,
            then=second,
            first_action=first_set.action,
            then_action=second_set.action,
        )
    if len(sets) == 1:  # one sequential set places its first member first
        first, second = second, first
    return dataclasses.replace(
        c,
        resource_sets=(),
        rsc=first,
        with_rsc=second,
        rsc_role=first_set.role,
        with_rsc_role=second_set.role,
    )
