"""Ordering loops: mandatory orders (with the order of group members) that form a
cycle, so that none of its resources can start."""

from __future__ import annotations

import graphlib
import itertools
from collections.abc import Iterator

from paceline.cib.model import (
    Configuration,
    Group,
    Order,
    OrderKind,
    ResourceSet,
    first_value,
    walk_resources,
)
from paceline.cib.values import parse_bool
from paceline.crm.verify.findings import Finding, Severity
from paceline.crm.verify.index import Index


def check_order_loops(config: Configuration, index: Index) -> Iterator[Finding]:
    """Mandatory orders (with group member order) that form a cycle: nothing in it starts."""
    edges: dict[str, dict[str, str]] = {}

    def add(first: str, then: str, why: str) -> None:
        edges.setdefault(first, {}).setdefault(then, why)

    for rsc, _parent in walk_resources(config.resources):
        if (
            isinstance(rsc, Group)
            and parse_bool(first_value(rsc.meta_attributes, "ordered")) is not False
        ):
            for first, then in itertools.pairwise(rsc.children):
                add(first.id, then.id, f"group {rsc.id}")
    for constraint in config.constraints:
        if not isinstance(constraint, Order) or not _mandatory(constraint):
            continue
        first_action = constraint.first_action or "start"
        if (
            constraint.first is not None
            and constraint.then is not None
            and first_action == (constraint.then_action or first_action)
            and constraint.first != constraint.then
        ):
            add(constraint.first, constraint.then, constraint.id)
        previous: tuple[str, ...] = ()
        for item in constraint.resource_sets:
            if not isinstance(item, ResourceSet):
                continue
            members = item.resources
            if item.sequential is not False:
                for before, after in itertools.pairwise(members):
                    add(before, after, constraint.id)
            for before in previous:
                for after in members:
                    add(before, after, constraint.id)
            previous = members
    for cycle in _cycles(edges):
        whys = sorted({edges[a][b] for a, b in itertools.pairwise(cycle)})
        yield Finding(
            Severity.ADVICE,
            f"Ordering loop: {' then '.join(cycle)} ({', '.join(whys)}): "
            "none of these resources can start",
            cycle[0],
            "order-loop",
            "remove one of the orders of the loop",
        )


def _mandatory(order: Order) -> bool:
    if isinstance(order.kind, OrderKind):
        return order.kind is OrderKind.MANDATORY
    if order.kind is not None:  # invalid kind: Pacemaker resets it to Mandatory
        return True
    if order.score is not None:
        return order.score.value != 0
    return True


_MAX_LOOPS = 50  # a limit on everything: report at most this many ordering loops


def _cycles(edges: dict[str, dict[str, str]]) -> Iterator[tuple[str, ...]]:
    """Ordering loops as closed paths (``a, b, a``), each starting at its smallest
    name; after each one, one of its edges is set aside so the next is another."""
    remaining = {first: dict(thens) for first, thens in edges.items()}
    for _ in range(_MAX_LOOPS):
        before: dict[str, set[str]] = {}
        for first, thens in remaining.items():
            before.setdefault(first, set())
            for then in thens:
                before.setdefault(then, set()).add(first)
        try:
            graphlib.TopologicalSorter(before).prepare()
            return
        except graphlib.CycleError as exc:
            loop: list[str] = exc.args[1][:-1]
        start = loop.index(min(loop))
        path = (*loop[start:], *loop[:start], loop[start])
        yield path
        del remaining[path[0]][path[1]]
