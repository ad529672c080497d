"""The ids of a configuration, by what they name, built once and read by every check."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from paceline.cib.model import (
    AclTarget,
    Bundle,
    Clone,
    Configuration,
    Group,
    Node,
    Primitive,
    ResourceSet,
    walk_resources,
)


@dataclass(frozen=True, slots=True)
class Index:
    """Ids of the configuration, by what they name."""

    all_ids: frozenset[str]
    duplicate_ids: tuple[str, ...]
    resources: dict[str, Primitive | Group | Clone | Bundle]
    parents: dict[str, Group | Clone | Bundle]
    templates: frozenset[str]  # those some primitive derives from (others name nothing)
    tags: frozenset[str]
    resource_sets: frozenset[str]
    node_names: frozenset[str]
    in_history: frozenset[str]  # resources with an operation history in the status

    @classmethod
    def build(cls, config: Configuration, in_history: frozenset[str]) -> Index:
        counts: dict[str, int] = {}
        for ident in _xml_ids(config):
            counts[ident] = counts.get(ident, 0) + 1
        resources: dict[str, Primitive | Group | Clone | Bundle] = {}
        parents: dict[str, Group | Clone | Bundle] = {}
        for rsc, parent in walk_resources(config.resources):
            resources[rsc.id] = rsc
            if parent is not None and not isinstance(parent, Primitive):
                parents[rsc.id] = parent
        sets = frozenset(
            item.id
            for constraint in config.constraints
            for item in constraint.resource_sets
            if isinstance(item, ResourceSet)
        )
        return cls(
            all_ids=frozenset(counts),
            duplicate_ids=tuple(ident for ident, n in counts.items() if n > 1),
            resources=resources,
            parents=parents,
            templates=frozenset(
                rsc.template
                for rsc in resources.values()
                if isinstance(rsc, Primitive) and rsc.template is not None
            ),
            tags=frozenset(t.id for t in config.tags),
            resource_sets=sets,
            node_names=frozenset(n.uname for n in config.nodes),
            in_history=in_history,
        )

    def top(self, ident: str) -> Primitive | Group | Clone | Bundle:
        """The top-level resource that holds the resource ``ident`` (itself if top level)."""
        rsc: Primitive | Group | Clone | Bundle = self.resources[ident]
        while rsc.id in self.parents:
            rsc = self.parents[rsc.id]
        return rsc

    def is_constrainable(self, ident: str) -> bool:
        """A top-level resource, a group member (not inside a clone), a template or a tag."""
        if ident in self.templates or ident in self.tags:
            return True
        if ident not in self.resources:
            return False
        parent = self.parents.get(ident)
        while parent is not None:
            if isinstance(parent, Clone | Bundle):
                return False
            parent = self.parents.get(parent.id)
        return True


def _xml_ids(obj: object) -> Iterator[str]:
    """Every XML ID in the configuration (``id`` fields; the schema makes the id
    of a node and of an acl_target plain text)."""
    if isinstance(obj, tuple):
        for item in obj:
            yield from _xml_ids(item)
        return
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        if field.name == "id":
            if isinstance(value, str) and not isinstance(obj, Node | AclTarget):
                yield value
        elif isinstance(value, tuple) or dataclasses.is_dataclass(value):
            yield from _xml_ids(value)
