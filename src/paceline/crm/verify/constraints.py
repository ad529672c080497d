"""Constraints, one by one (order kind, influence, unknown nodes, self-references)
and together (contradictory colocations, a resource banned from every node)."""

from __future__ import annotations

from collections.abc import Iterator

from paceline.cib.model import (
    Clone,
    Colocation,
    Configuration,
    Location,
    Order,
    OrderKind,
    ResourceSet,
)
from paceline.cib.values import parse_bool
from paceline.crm.verify.findings import Finding, Severity
from paceline.crm.verify.index import Index


def check_constraints(config: Configuration, index: Index) -> Iterator[Finding]:
    for constraint in config.constraints:
        if isinstance(constraint, Order):
            yield from _check_order(constraint, index)
        elif isinstance(constraint, Colocation):
            pair = (constraint.rsc, constraint.with_rsc)
            if all(i in index.templates or i in index.tags for i in pair):
                yield Finding(
                    Severity.ERROR,
                    f"Ignoring constraint '{constraint.id}' because two templates or tags "
                    "cannot be colocated",
                    constraint.id,
                    "impossible-constraint",
                    "colocate a resource with the template or tag instead",
                )
            if constraint.influence is not None and parse_bool(constraint.influence) is None:
                yield Finding(
                    Severity.ERROR,
                    f"Constraint '{constraint.id}' has invalid value for influence (using default)",
                    constraint.id,
                    "influence",
                    "use true or false",
                )
            if constraint.rsc is not None and constraint.rsc == constraint.with_rsc:
                yield Finding(
                    Severity.ADVICE,
                    f"Colocation '{constraint.id}' places {constraint.rsc} with itself; "
                    "it has no effect",
                    constraint.id,
                    "impossible-constraint",
                    "remove the colocation",
                )
        elif (
            isinstance(constraint, Location)
            and constraint.node is not None
            and constraint.node not in index.node_names
        ):
            yield Finding(
                Severity.ADVICE,
                f"Location '{constraint.id}' names node '{constraint.node}', "
                "which is not a configured node",
                constraint.id,
                "unknown-node",
                "check the node name, or add the node",
            )
    yield from _check_contradictions(config)
    yield from _check_banned_everywhere(config, index)


def _check_order(order: Order, index: Index) -> Iterator[Finding]:
    if isinstance(order.kind, str) and not isinstance(order.kind, OrderKind):
        yield Finding(
            Severity.ERROR,
            f"Resetting 'kind' for constraint {order.id} to 'Mandatory' because "
            f"'{order.kind}' is not valid",
            order.id,
            "order-kind",
            "use Mandatory, Optional or Serialize",
        )
    serialize = order.kind is OrderKind.SERIALIZE
    if serialize and order.symmetrical is not None:
        yield Finding(
            Severity.WARNING,
            f"Ignoring symmetrical for '{order.id}' because not valid with kind of 'Serialize'",
            order.id,
            "order-symmetrical",
            "remove symmetrical: a Serialize order is never symmetrical",
        )
    for item in order.resource_sets:
        if (
            isinstance(item, ResourceSet)
            and item.kind is OrderKind.SERIALIZE
            and order.symmetrical is not None
        ):
            yield Finding(
                Severity.WARNING,
                f"Ignoring symmetrical for '{item.id}' because not valid with kind of 'Serialize'",
                item.id,
                "order-symmetrical",
                "remove symmetrical: a Serialize order is never symmetrical",
            )
    if (
        order.require_all is not None
        and order.first is not None
        and isinstance(index.resources.get(order.first), Clone)
    ):
        yield Finding(
            Severity.WARNING,
            "Support for require-all in ordering constraints is deprecated and will be "
            "removed in a future release (use clone-min clone meta-attribute instead)",
            order.id,
            "deprecated-require-all",
            "set clone-min on the clone instead",
        )
    first_action = order.first_action or "start"
    if (
        order.first is not None
        and order.first == order.then
        and (first_action == (order.then_action or first_action))
    ):
        yield Finding(
            Severity.ADVICE,
            f"Order '{order.id}' puts {order.first} after itself",
            order.id,
            "impossible-constraint",
            "remove the order",
        )


def _check_contradictions(config: Configuration) -> Iterator[Finding]:
    """A pair colocated with +INFINITY and kept apart with -INFINITY."""
    scores: dict[frozenset[str], list[Colocation]] = {}
    for constraint in config.constraints:
        if (
            isinstance(constraint, Colocation)
            and constraint.rsc is not None
            and constraint.with_rsc is not None
            and constraint.score is not None
            and constraint.score.is_infinite
            and constraint.rsc != constraint.with_rsc
        ):
            scores.setdefault(frozenset((constraint.rsc, constraint.with_rsc)), []).append(
                constraint
            )
    for pair, colocations in scores.items():
        signs = {c.score.is_infinity for c in colocations if c.score is not None}
        if len(signs) == 2:
            ids = ", ".join(c.id for c in colocations)
            names = " and ".join(sorted(pair))
            yield Finding(
                Severity.ADVICE,
                f"Colocations {ids} require {names} both together and apart: "
                "the dependent resource cannot run",
                colocations[0].id,
                "impossible-constraint",
                "remove one of the colocations",
            )


def _check_banned_everywhere(config: Configuration, index: Index) -> Iterator[Finding]:
    if not config.nodes:
        return
    banned: dict[str, set[str]] = {}
    for constraint in config.constraints:
        if (
            isinstance(constraint, Location)
            and constraint.rsc is not None
            and constraint.node is not None
            and constraint.score is not None
            and constraint.score.is_minus_infinity
            and constraint.role is None
        ):
            banned.setdefault(constraint.rsc, set()).add(constraint.node)
    for rsc, nodes in banned.items():
        if index.node_names and index.node_names <= nodes:
            yield Finding(
                Severity.ADVICE,
                f"Resource {rsc} is banned (-INFINITY) from every node: it cannot run",
                rsc,
                "impossible-constraint",
                "remove one of the bans",
            )
