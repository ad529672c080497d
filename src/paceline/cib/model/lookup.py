"""Navigation helpers over a ``Configuration``: walk resources, find by id.

The finds are O(1) lookups in the configuration's ``paceline.cib.index``
(built once per configuration object); ``walk_resources`` is
``paceline.cib.walk``'s."""

from __future__ import annotations

from collections.abc import Iterator

from paceline.cib.index import index_of
from paceline.cib.model.config import Configuration, Node
from paceline.cib.model.constraints import Constraint
from paceline.cib.model.resources import Bundle, Clone, Group, Primitive, Template
from paceline.cib.model.rules import NvSet, NvSetItem
from paceline.cib.walk import walk_resources

AnyResource = Primitive | Group | Clone | Bundle | Template

__all__ = [
    "AnyResource",
    "find_constraint",
    "find_node",
    "find_resource",
    "first_value",
    "parent_of",
    "primitives",
    "property_value",
    "walk_resources",
]


def primitives(config: Configuration) -> Iterator[Primitive]:
    """Every primitive, at any depth, in document order."""
    for rsc, _parent in walk_resources(config.resources):
        if isinstance(rsc, Primitive):
            yield rsc


def find_resource(config: Configuration, rsc_id: str) -> AnyResource | None:
    """The resource or template with this id, at any depth (O(1): ``index_of``)."""
    return index_of(config).resource_or_template(rsc_id)


def parent_of(config: Configuration, rsc_id: str) -> Group | Clone | Bundle | None:
    """The group, clone or bundle directly containing ``rsc_id`` (None if top level/unknown)."""
    return index_of(config).parents.get(rsc_id)


def find_constraint(config: Configuration, constraint_id: str) -> Constraint | None:
    return index_of(config).constraints.get(constraint_id)


def find_node(config: Configuration, name_or_id: str) -> Node | None:
    """The node whose uname (first) or id is ``name_or_id``."""
    return index_of(config).node(name_or_id)


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
