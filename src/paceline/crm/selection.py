"""``select``: the objects ``show`` filters name, as ``crm configure show`` reads them.

Filters (crmsh 4.4): an id or a glob (``web*``); ``type:<kind>`` (``type:primitive``,
``type:location``...); ``tag:<tag>`` (the resources a tag names);
``related:<id>`` (the object, the constraints and tags naming it, the group,
clone or bundle holding it) or ``related:[<class>:[<provider>:]]<type>`` (the
primitives running that agent). Filters add up; ``and`` between two
filters keeps what both select (``type:primitive and web*``).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from paceline.cib.model import Cib, Colocation, Location, Order, Primitive, Tag, Ticket
from paceline.core.errors import ConfigError
from paceline.crm.build import flatten
from paceline.crm.statements import BundleDef, CloneDef, GroupDef, Statement
from paceline.crm.walk import constrained

__all__ = ["select"]


def _names(statement: Statement) -> set[str]:
    """The ids a statement refers to (resources in constraints, members, tag refs)."""
    d = statement.definition
    found: set[str] = set()
    if isinstance(d, Location | Colocation | Order | Ticket):
        found |= set(constrained(d))
    elif isinstance(d, GroupDef):
        found |= set(d.children)
    elif isinstance(d, CloneDef):
        found.add(d.child)
    elif isinstance(d, BundleDef) and d.primitive is not None:
        found.add(d.primitive)
    elif isinstance(d, Tag):
        found |= set(d.refs)
    return found


def _agent_matches(statement: Statement, spec: str) -> bool:
    d = statement.definition
    if not isinstance(d, Primitive) or d.agent_type is None:
        return False
    parts = spec.split(":")
    klass = d.agent_class.value if d.agent_class is not None else None
    if len(parts) == 1:
        return d.agent_type == parts[0]
    if len(parts) == 2:
        return (klass, d.agent_type) == (parts[0], parts[1])
    return (klass, d.provider, d.agent_type) == (parts[0], parts[1], parts[2])


def select(cib: Cib, filters: Iterable[str]) -> list[str]:
    """The ids of the objects the filters select, in configuration order.

    ConfigError if a plain id or glob matches nothing (as crmsh reports it).
    """
    entries = flatten(cib.configuration)
    chosen: list[str] = []
    pending_and: list[str] | None = None
    for spec in filters:
        if spec == "or":
            continue
        if spec == "and":
            pending_and, chosen = chosen, []
            continue
        if spec.startswith("type:"):
            matched = [s.id for s in entries if s.kind.value == spec[5:]]
        elif spec.startswith("tag:"):
            tags = [s for s in entries if isinstance(s.definition, Tag) and s.id == spec[4:]]
            members = {ref for tag in tags for ref in _names(tag)}
            matched = [
                s.id for s in entries if s.id in members and not isinstance(s.definition, Tag)
            ]
        elif spec.startswith("related:"):
            name = spec[len("related:") :]
            matched = [
                s.id
                for s in entries
                if s.id == name or name in _names(s) or _agent_matches(s, name)
            ]
        else:
            matched = [s.id for s in entries if fnmatchcase(s.id, spec)]
            if not matched:
                raise ConfigError(f"no such object: {spec}", text=spec)
        chosen.extend(m for m in matched if m not in chosen)
        if pending_and is not None:
            chosen = [m for m in chosen if m in pending_and]
            pending_and = None
    return chosen
