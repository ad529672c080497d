"""Navigation helpers over a ``Configuration``: walk resources, find by id."""

from __future__ import annotations

from collections.abc import Iterator

from paceline.cib.model.config import Configuration, Node
from paceline.cib.model.constraints import Constraint
from paceline.cib.model.resources import Bundle, Clone, Group, Primitive, Resource, Template
from paceline.cib.model.rules import NvSet, NvSetItem

AnyResource = Primitive | Group | Clone | Bundle | Template


def walk_resources(
    resources: tuple[Resource, ...],
) -> Iterator[tuple[Primitive | Group | Clone | Bundle, Primitive | Group | Clone | Bundle | None]]:
    """Every resource, depth first in document order, with its parent (None at top level)."""
    for rsc in resources:
        yield from _walk(rsc, None)


def _walk(
    rsc: Primitive | Group | Clone | Bundle,
    parent: Primitive | Group | Clone | Bundle | None,
) -> Iterator[tuple[Primitive | Group | Clone | Bundle, Primitive | Group | Clone | Bundle | None]]:
    yield rsc, parent
    if isinstance(rsc, Group):
        for child in rsc.children:
            yield child, rsc
    elif isinstance(rsc, Clone):
        yield from _walk(rsc.child, rsc)
    elif isinstance(rsc, Bundle) and rsc.primitive is not None:
        yield rsc.primitive, rsc


def primitives(config: Configuration) -> Iterator[Primitive]:
    """Every primitive, at any depth, in document order."""
    for rsc, _parent in walk_resources(config.resources):
        if isinstance(rsc, Primitive):
            yield rsc


def find_resource(config: Configuration, rsc_id: str) -> AnyResource | None:
    """The resource or template with this id, at any depth."""
    for rsc, _parent in walk_resources(config.resources):
        if rsc.id == rsc_id:
            return rsc
    for template in config.templates:
        if template.id == rsc_id:
            return template
    return None


def parent_of(config: Configuration, rsc_id: str) -> Group | Clone | Bundle | None:
    """The group, clone or bundle directly containing ``rsc_id`` (None if top level/unknown)."""
    for rsc, parent in walk_resources(config.resources):
        if rsc.id == rsc_id and parent is not None and not isinstance(parent, Primitive):
            return parent
    return None


def find_constraint(config: Configuration, constraint_id: str) -> Constraint | None:
    for constraint in config.constraints:
        if constraint.id == constraint_id:
            return constraint
    return None


def find_node(config: Configuration, name_or_id: str) -> Node | None:
    """The node whose uname (first) or id is ``name_or_id``."""
    for node in config.nodes:
        if node.uname == name_or_id:
            return node
    for node in config.nodes:
        if node.id == name_or_id:
            return node
    return None


def first_value(sets: tuple[NvSetItem, ...], name: str) -> str | None:
    """The value of ``name`` in the first plain set (in order) that has it.

    This ignores rules, scores and references: it is a convenience for
    tooling, not Pacemaker's precedence evaluation (the scheduler's job).
    """
    for nvset in sets:
        if isinstance(nvset, NvSet):
            value = nvset.get(name)
            if value is not None:
                return value
    return None


def property_value(config: Configuration, name: str) -> str | None:
    """A cluster property from ``crm_config`` (see ``first_value`` for the limits)."""
    return first_value(config.crm_config, name)
