"""Edits that only add objects, applied to the nested model without rebuilding it.

The general path of an edit (``api._load``) flattens the whole configuration
to crm objects, merges the new statements in and assembles it again: linear
in the size of the CIB, so N one-shot statements cost O(N²). Most edits only
add: a new primitive, constraint, node, tag, alert, ACL entry, property
block, or a group or clone of resources already at the top level.
:func:`extend` applies those to the model directly, using what it needs to
know about the configuration (the ids taken, the objects there and which are
at the top level) kept in :class:`Facts`.

``Facts`` are remembered by configuration identity (as ``statements.ids_of``
remembers ids), so a chain of edits each builds on the facts of the one
before: :func:`take` hands them out once (an edit then updates them in place
for the configuration it makes and :func:`remember` stores them for it); a
configuration edited twice has them computed again. Everything else
(replacing or merging into an object, bundles, fencing topology, ``monitor``,
a reference to something not yet defined, any error) makes :func:`extend`
return None, and the caller takes the general path, which gives the same
configuration (tests compare the two) and raises the errors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from paceline.cib.index import constrained
from paceline.cib.model import (
    AclGroup,
    AclRole,
    AclTarget,
    Alert,
    Colocation,
    Configuration,
    Group,
    Location,
    Node,
    Order,
    Primitive,
    Resource,
    Tag,
    Template,
    Ticket,
)
from paceline.cib.walk import walk_resources
from paceline.crm.build import claimed_ids, clone_of, flatten, group_of, key_of
from paceline.crm.statements import CloneDef, GroupDef, PropertiesDef, Section, Statement

__all__ = ["ENABLED", "Facts", "extend", "remember", "take"]

ENABLED = True
"""False sends every edit the general way (tests compare both paths)."""


@dataclass(slots=True)
class Facts:
    """What an edit that adds objects needs to know about a configuration."""

    keys: set[tuple[str, str]]
    """``build.key_of`` of every object in the flat view."""
    unames: set[str]
    taken: set[str]
    """Every id in the namespace of element ids (``build.claimed_ids``)."""
    top: dict[str, Resource]
    """The top-level resources by id."""
    resources: set[str]
    """Every resource id, at any depth."""
    templates: set[str]
    tags: set[str]
    constraints: set[str]
    roles: set[str]
    constrained: set[str]
    """The resources some constraint names (a new group or clone of one takes
    the general path, which redirects the constraints)."""


_CACHE: dict[int, tuple[Configuration, Facts]] = {}
_CACHE_SIZE = 8


def facts_of(config: Configuration) -> Facts:
    """The facts of ``config``, computed (one linear pass)."""
    entries = flatten(config)
    taken: set[str] = set()
    for entry in entries:
        taken.update(claimed_ids(entry))
    return Facts(
        keys={key_of(e) for e in entries},
        unames={node.uname for node in config.nodes},
        taken=taken,
        top={rsc.id: rsc for rsc in config.resources},
        resources={rsc.id for rsc, _ in walk_resources(config.resources)},
        templates={t.id for t in config.templates},
        tags={t.id for t in config.tags},
        constraints={c.id for c in config.constraints},
        roles={a.id for a in config.acls if isinstance(a, AclRole)},
        constrained={rsc for c in config.constraints for rsc in constrained(c)},
    )


def take(config: Configuration) -> Facts:
    """The facts of ``config``, for one edit to update in place: the remembered
    ones (forgotten here, as the edit changes them), else computed."""
    cached = _CACHE.pop(id(config), None)
    if cached is not None and cached[0] is config:
        return cached[1]
    return facts_of(config)


def remember(config: Configuration, facts: Facts) -> None:
    """Keep ``facts`` for the next edit of ``config``."""
    if not ENABLED:
        return
    while len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    _CACHE[id(config)] = (config, facts)


_CONSTRAINTS = Location | Colocation | Order | Ticket
_PLACED = ("group member", "cloned resource")
"""References checked while placing children (as ``build.assemble`` does)."""


def extend(
    config: Configuration, facts: Facts, statements: list[Statement]
) -> Configuration | None:
    """``config`` with the new objects of ``statements`` added, in order, and
    ``facts`` updated to match; None (facts then spoiled) if any statement is
    not a plain addition this handles."""
    if not ENABLED:
        return None
    added: dict[str, list[object]] = {}
    resources: list[Resource] = list(config.resources)
    placed: set[str] = set()
    for statement in statements:
        key = key_of(statement)
        if key in facts.keys:
            return None
        definition = statement.definition
        if isinstance(definition, Node):
            if definition.uname in facts.unames:
                return None
            facts.unames.add(definition.uname)
            added.setdefault("nodes", []).append(definition)
        elif isinstance(definition, Primitive):
            resources.append(definition)
            facts.top[definition.id] = definition
            facts.resources.add(definition.id)
        elif isinstance(definition, Template):
            added.setdefault("templates", []).append(definition)
            facts.templates.add(definition.id)
        elif isinstance(definition, GroupDef | CloneDef):
            built = _place(definition, facts, placed)
            if built is None:
                return None
            resources.append(built)
        elif isinstance(definition, _CONSTRAINTS):
            added.setdefault("constraints", []).append(definition)
            facts.constraints.add(definition.id)
            facts.constrained.update(constrained(definition))
        elif isinstance(definition, PropertiesDef):
            added.setdefault(_SECTION_FIELDS[definition.section], []).append(definition.block)
        elif isinstance(definition, Tag):
            added.setdefault("tags", []).append(definition)
            facts.tags.add(definition.id)
        elif isinstance(definition, Alert):
            added.setdefault("alerts", []).append(definition)
        elif isinstance(definition, AclRole | AclTarget | AclGroup):
            added.setdefault("acls", []).append(definition)
            if isinstance(definition, AclRole):
                facts.roles.add(definition.id)
        else:
            return None  # bundle, fencing_topology, monitor: the general path
        facts.keys.add(key)
        facts.taken.update(claimed_ids(statement))
    if not _references_hold(statements, facts):
        return None
    if placed:
        resources = [rsc for rsc in resources if rsc.id not in placed]
    changes: dict[str, tuple[object, ...]] = {
        name: (*getattr(config, name), *items) for name, items in added.items()
    }
    return replace(config, resources=tuple(resources), **changes)  # type: ignore[arg-type]


_SECTION_FIELDS = {
    Section.CRM_CONFIG: "crm_config",
    Section.RSC_DEFAULTS: "rsc_defaults",
    Section.OP_DEFAULTS: "op_defaults",
}


def _place(definition: GroupDef | CloneDef, facts: Facts, placed: set[str]) -> Resource | None:
    """The group or clone built of top-level resources, which leave the top level;
    None where ``assemble`` would refuse it or it is not that simple."""
    children = definition.children if isinstance(definition, GroupDef) else (definition.child,)
    if len(set(children)) != len(children) or not facts.constrained.isdisjoint(children):
        return None
    members = [facts.top.get(child) for child in children]
    built: Resource
    if isinstance(definition, GroupDef):
        primitives = [m for m in members if isinstance(m, Primitive)]
        if len(primitives) != len(children):
            return None
        built = group_of(definition, tuple(primitives))
    else:
        child = members[0]
        if not isinstance(child, Primitive | Group):
            return None
        built = clone_of(definition, child)
    for ident in children:
        del facts.top[ident]
        placed.add(ident)
    facts.top[definition.id] = built
    facts.resources.add(definition.id)
    return built


def _references_hold(statements: list[Statement], facts: Facts) -> bool:
    """Every reference names an object of the right kind (``build``'s check, for
    the kinds of reference that name whole objects; others: the general path)."""
    valid = {
        "constrained resource": (facts.resources, facts.templates, facts.tags),
        "tagged object": (facts.resources, facts.templates, facts.constraints),
        "rsc_template": (facts.templates,),
        "acl role": (facts.roles,),
    }
    for statement in statements:
        for ref in statement.references:
            if ref.what in _PLACED:
                continue
            sets = valid.get(ref.what)
            if sets is None or not any(ref.id_ref in ids for ids in sets):
                return False
    return True
