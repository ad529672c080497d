"""One generic walk over model values, shared by every consumer of the CIB.

The model is frozen dataclasses and tuples of them; ``walk`` visits every
dataclass inside a value depth first in field order (document order, since
the fields follow the XML). ``walk_resources`` walks the resource tree with
parent links. Everything else that looks at "every X in the configuration"
(the id index, verify, the migrations, crm) builds on these two.

>>> from paceline.cib.model.resources import Group, Primitive
>>> g = Group(id="g", children=(Primitive(id="a"), Primitive(id="b")))
>>> [getattr(o, "id") for o in walk(g)]
['g', 'a', 'b']
>>> [(r.id, p and p.id) for r, p in walk_resources((g,))]
[('g', None), ('a', 'g'), ('b', 'g')]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from paceline.cib.model.config import AclTarget, Node
from paceline.cib.model.resources import Bundle, Clone, Group, Primitive, Resource

__all__ = ["ResourceNode", "all_ids", "walk", "walk_resources", "xml_ids"]

ResourceNode = Primitive | Group | Clone | Bundle
"""A node of the resource tree (templates are not in the tree)."""


def walk(obj: object) -> Iterator[object]:
    """``obj`` and every dataclass inside it, depth first in field order.

    Tuples are entered (in order); other values (strings, enums, scores'
    ints) are not visited. A ``Score`` is a dataclass and is yielded too:
    filter by type.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        yield obj
        for f in dataclasses.fields(obj):
            yield from walk(getattr(obj, f.name))
    elif isinstance(obj, tuple):
        for item in obj:
            yield from walk(item)


def all_ids(obj: object) -> Iterator[str]:
    """Every ``id`` field at any depth of ``obj`` (node and acl_target ids included),
    in document order; use it to mint ids that clash with nothing."""
    for item in walk(obj):
        ident = getattr(item, "id", None)
        if isinstance(ident, str):
            yield ident


def xml_ids(obj: object) -> Iterator[str]:
    """Every XML ``ID`` at any depth of ``obj``, in document order, repeats kept.

    The schema types almost every ``id`` attribute as an XML ID (unique in the
    document); the ids of ``<node>`` and ``<acl_target>`` are plain text and
    may repeat another id, so they are left out.
    """
    for item in walk(obj):
        if isinstance(item, Node | AclTarget):
            continue
        ident = getattr(item, "id", None)
        if isinstance(ident, str):
            yield ident


def walk_resources(
    resources: tuple[Resource, ...],
) -> Iterator[tuple[ResourceNode, ResourceNode | None]]:
    """Every resource, depth first in document order, with its parent (None at
    top level): a group's members, a clone's child (and its members), a
    bundle's primitive."""
    for rsc in resources:
        yield from _walk_resource(rsc, None)


def _walk_resource(
    rsc: ResourceNode, parent: ResourceNode | None
) -> Iterator[tuple[ResourceNode, ResourceNode | None]]:
    yield rsc, parent
    if isinstance(rsc, Group):
        for child in rsc.children:
            yield child, rsc
    elif isinstance(rsc, Clone):
        yield from _walk_resource(rsc.child, rsc)
    elif isinstance(rsc, Bundle) and rsc.primitive is not None:
        yield rsc.primitive, rsc
