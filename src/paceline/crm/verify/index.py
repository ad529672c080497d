"""The ids of a configuration, by what they name, built once and read by every check.

A view of ``paceline.cib.index`` (the one id index) with what the checks
add: which templates are in use and which resources have a history."""

from __future__ import annotations

from dataclasses import dataclass

from paceline.cib.index import index_of
from paceline.cib.model import (
    Bundle,
    Clone,
    Configuration,
    Group,
    Primitive,
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
    any_online: bool = False  # some node is online in the status (actions get scheduled)

    @classmethod
    def build(
        cls, config: Configuration, in_history: frozenset[str], any_online: bool = False
    ) -> Index:
        ix = index_of(config)
        return cls(
            all_ids=ix.all_ids,
            duplicate_ids=ix.duplicate_ids,
            resources=dict(ix.resources),
            parents=dict(ix.parents),
            templates=frozenset(
                rsc.template
                for rsc in ix.resources.values()
                if isinstance(rsc, Primitive) and rsc.template is not None
            ),
            tags=frozenset(ix.tags),
            resource_sets=frozenset(ix.resource_sets),
            node_names=frozenset(ix.nodes_by_uname),
            in_history=in_history,
            any_online=any_online,
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
