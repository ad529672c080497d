"""One id index per configuration: O(1) lookups by id, parent links, and the
resources each constraint names.

``index_of(config)`` builds the index once and keeps it for that (frozen)
configuration object, so any number of callers share one build; a
``Configuration`` changed by ``dataclasses.replace`` is a new object and gets
its own index. ``CibIndex.build`` builds without the cache.

What it holds, each a read-only mapping from id to model object (the first
one in document order wins when an id repeats; ``duplicate_ids`` lists
those):

- ``resources``: every primitive, group, clone and bundle at any depth
  (group members, clone children, a bundle's primitive); ``parents`` maps a
  child's id to the group, clone or bundle holding it; ``top(id)`` climbs;
- ``templates``, ``constraints``, ``tags``, ``resource_sets``, ``nvsets``
  (every ``NvSet`` anywhere: properties, defaults, meta/instance attributes,
  utilization, ops' sets), ``rules`` (at any depth), ``ops`` with
  ``op_owner`` (the primitive or template whose operation it is);
- ``nodes`` by node id and ``nodes_by_uname``;
- ``constraints_on(rsc_id)``: the constraints naming a resource (in
  document order), the reverse of ``constrained``.

>>> from paceline.cib.model import Colocation, Configuration, Group, Primitive
>>> cfg = Configuration(
...     resources=(Group(id="g", children=(Primitive(id="a"),)),),
...     constraints=(Colocation(id="c", score=None, rsc="a", with_rsc="g"),),
... )
>>> ix = index_of(cfg)
>>> ix.parents["a"].id, ix.top("a").id, [c.id for c in ix.constraints_on("g")]
('g', 'g', ['c'])
>>> index_of(cfg) is ix
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from paceline.cib.model.config import Configuration, Node, Tag
from paceline.cib.model.constraints import Constraint, ResourceSet
from paceline.cib.model.resources import Bundle, Clone, Group, Op, Primitive, Template
from paceline.cib.model.rules import NvSet, Rule
from paceline.cib.walk import ResourceNode, walk, walk_resources, xml_ids

__all__ = ["RSC_FIELDS", "CibIndex", "constrained", "index_of"]

RSC_FIELDS = ("rsc", "with_rsc", "first", "then")
"""The fields of a simple constraint that name a resource."""


def constrained(constraint: Constraint) -> list[str]:
    """The resource ids a constraint names: its simple fields, then its sets'
    members, in order (a location's ``rsc_pattern`` names none)."""
    refs = [getattr(constraint, f) for f in RSC_FIELDS if getattr(constraint, f, None)]
    for item in constraint.resource_sets:
        if isinstance(item, ResourceSet):
            refs.extend(item.resources)
    return refs


@dataclass(frozen=True, slots=True, eq=False)
class CibIndex:
    """Lookups by id over one ``Configuration`` (see the module docstring)."""

    config: Configuration
    resources: Mapping[str, ResourceNode]
    parents: Mapping[str, Group | Clone | Bundle]
    templates: Mapping[str, Template]
    constraints: Mapping[str, Constraint]
    tags: Mapping[str, Tag]
    resource_sets: Mapping[str, ResourceSet]
    nvsets: Mapping[str, NvSet]
    rules: Mapping[str, Rule]
    ops: Mapping[str, Op]
    op_owner: Mapping[str, Primitive | Template]
    nodes: Mapping[str, Node]
    nodes_by_uname: Mapping[str, Node]
    id_counts: Mapping[str, int]
    _by_resource: Mapping[str, tuple[Constraint, ...]]

    @classmethod
    def build(cls, config: Configuration) -> CibIndex:
        """Index ``config`` (one walk of it, plus one of the resource tree)."""
        resources: dict[str, ResourceNode] = {}
        parents: dict[str, Group | Clone | Bundle] = {}
        for rsc, parent in walk_resources(config.resources):
            resources.setdefault(rsc.id, rsc)
            if isinstance(parent, Group | Clone | Bundle):
                parents.setdefault(rsc.id, parent)
        nvsets: dict[str, NvSet] = {}
        rules: dict[str, Rule] = {}
        sets: dict[str, ResourceSet] = {}
        for item in walk(config):
            if isinstance(item, NvSet):
                nvsets.setdefault(item.id, item)
            elif isinstance(item, Rule):
                rules.setdefault(item.id, item)
            elif isinstance(item, ResourceSet):
                sets.setdefault(item.id, item)
        ops: dict[str, Op] = {}
        owner: dict[str, Primitive | Template] = {}
        holders: list[Primitive | Template] = [
            r for r in resources.values() if isinstance(r, Primitive)
        ]
        holders.extend(config.templates)
        for holder in holders:
            for op in holder.operations:
                ops.setdefault(op.id, op)
                owner.setdefault(op.id, holder)
        by_resource: dict[str, list[Constraint]] = {}
        for constraint in config.constraints:
            for ref in dict.fromkeys(constrained(constraint)):
                by_resource.setdefault(ref, []).append(constraint)
        counts: dict[str, int] = {}
        for ident in xml_ids(config):
            counts[ident] = counts.get(ident, 0) + 1
        nodes: dict[str, Node] = {}
        unames: dict[str, Node] = {}
        for node in config.nodes:
            nodes.setdefault(node.id, node)
            unames.setdefault(node.uname, node)
        constraints: dict[str, Constraint] = {}
        for c in config.constraints:
            constraints.setdefault(c.id, c)
        templates: dict[str, Template] = {}
        for t in config.templates:
            templates.setdefault(t.id, t)
        tags: dict[str, Tag] = {}
        for tag in config.tags:
            tags.setdefault(tag.id, tag)
        return cls(
            config=config,
            resources=MappingProxyType(resources),
            parents=MappingProxyType(parents),
            templates=MappingProxyType(templates),
            constraints=MappingProxyType(constraints),
            tags=MappingProxyType(tags),
            resource_sets=MappingProxyType(sets),
            nvsets=MappingProxyType(nvsets),
            rules=MappingProxyType(rules),
            ops=MappingProxyType(ops),
            op_owner=MappingProxyType(owner),
            nodes=MappingProxyType(nodes),
            nodes_by_uname=MappingProxyType(unames),
            id_counts=MappingProxyType(counts),
            _by_resource=MappingProxyType({k: tuple(v) for k, v in by_resource.items()}),
        )

    @property
    def all_ids(self) -> frozenset[str]:
        """Every XML ID of the configuration (node and acl_target ids are not IDs)."""
        return frozenset(self.id_counts)

    @property
    def duplicate_ids(self) -> tuple[str, ...]:
        """XML IDs used more than once, in order of first use."""
        return tuple(ident for ident, n in self.id_counts.items() if n > 1)

    def resource_or_template(self, ident: str) -> ResourceNode | Template | None:
        """The resource (at any depth) or else the template with this id."""
        found = self.resources.get(ident)
        return found if found is not None else self.templates.get(ident)

    def top(self, ident: str) -> ResourceNode:
        """The top-level resource holding resource ``ident`` (itself at top level);
        KeyError if there is no such resource."""
        rsc: ResourceNode = self.resources[ident]
        while rsc.id in self.parents:
            rsc = self.parents[rsc.id]
        return rsc

    def ancestors(self, ident: str) -> tuple[Group | Clone | Bundle, ...]:
        """The groups, clones and bundles around ``ident``, innermost first."""
        found: list[Group | Clone | Bundle] = []
        parent = self.parents.get(ident)
        while parent is not None:
            found.append(parent)
            parent = self.parents.get(parent.id)
        return tuple(found)

    def constraints_on(self, rsc_id: str) -> tuple[Constraint, ...]:
        """The constraints that name ``rsc_id`` (directly or in a set), in order."""
        return self._by_resource.get(rsc_id, ())

    def node(self, name_or_id: str) -> Node | None:
        """The node whose uname (first) or id is ``name_or_id``."""
        found = self.nodes_by_uname.get(name_or_id)
        return found if found is not None else self.nodes.get(name_or_id)


_CACHE_SIZE = 8
_cache: dict[int, tuple[Configuration, CibIndex]] = {}


def index_of(config: Configuration) -> CibIndex:
    """The index of ``config``, built on first use and kept for the last few
    configuration objects (by identity: the cache holds the object, so its id
    cannot be reused while cached)."""
    entry = _cache.get(id(config))
    if entry is not None and entry[0] is config:
        return entry[1]
    built = CibIndex.build(config)
    if len(_cache) >= _CACHE_SIZE:
        del _cache[next(iter(_cache))]
    _cache[id(config)] = (config, built)
    return built
