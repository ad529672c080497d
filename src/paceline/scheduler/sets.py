"""Resource sets in colocation and order constraints, as pairs of resources.

Colocation sets: in a sequential set each member is placed with the one
before it; of two sets in a row, the first member of the earlier set is
placed with the last member of the later one (every member, for a set
that is not sequential). Order sets: a sequential set orders its members
one after another; between two sets the last member of the earlier (all
members, if not sequential) comes before the first of the later (all, if
not sequential); ``require-all=false`` lets the later set go once any
member of the earlier one runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import pairwise

from paceline.cib.model import Action, ResourceSet, ResourceSetItem, Role


@dataclass(frozen=True, slots=True)
class Pair:
    first: str  # colocation: the dependent; order: the first
    then: str  # colocation: the primary; order: the then
    first_role: Role | None
    then_role: Role | None
    first_action: str
    then_action: str
    any_of: tuple[str, ...] | None = None  # order: then waits for any of these


def _sets(
    items: tuple[ResourceSetItem, ...], aliases: Mapping[str, list[str]]
) -> list[ResourceSet]:
    """The sets, with templates and tags replaced by what they name, in place."""
    out = []
    for s in items:
        if isinstance(s, ResourceSet):
            ids = tuple(m for r in s.resources for m in aliases.get(r, [r]))
            out.append(replace(s, resources=ids))
    return out


def _seq(s: ResourceSet) -> bool:
    return s.sequential is not False


def _role(s: ResourceSet) -> Role | None:
    return s.role if s.role in (Role.PROMOTED, Role.UNPROMOTED) else None


def colocation_pairs(
    items: tuple[ResourceSetItem, ...], aliases: Mapping[str, list[str]]
) -> Iterator[Pair]:
    """(dependent, primary) pairs a colocation's sets make."""
    sets = _sets(items, aliases)
    for s in sets:
        if _seq(s):
            for a, b in pairwise(s.resources):
                yield Pair(b, a, _role(s), _role(s), "start", "start")
    for s1, s2 in pairwise(sets):
        deps = s1.resources[:1] if _seq(s1) else s1.resources
        pris = s2.resources[-1:] if _seq(s2) else s2.resources
        for d in deps:
            for p in pris:
                yield Pair(d, p, _role(s1), _role(s2), "start", "start")


def _action(s: ResourceSet, default: Action | None) -> str:
    return str(s.action or default or Action.START)


def order_pairs(
    items: tuple[ResourceSetItem, ...], default: Action | None, aliases: Mapping[str, list[str]]
) -> Iterator[Pair]:
    """(first, then) pairs an order's sets make."""
    sets = _sets(items, aliases)
    for s in sets:
        if _seq(s):
            act = _action(s, default)
            for a, b in pairwise(s.resources):
                yield Pair(a, b, None, None, act, act)
    for s1, s2 in pairwise(sets):
        firsts = s1.resources[-1:] if _seq(s1) else s1.resources
        thens = s2.resources[:1] if _seq(s2) else s2.resources
        any_of = tuple(s1.resources) if s1.require_all is False else None
        if any_of is not None:
            firsts = s1.resources
        for a in firsts:
            for b in thens:
                yield Pair(a, b, None, None, _action(s1, default), _action(s2, default), any_of)
