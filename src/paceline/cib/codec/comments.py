"""Comments outside every configuration object, moved into one.

The model keeps a comment with the object whose element holds it (see
``reader.inner_comments``), as the crm shell does. A CIB written by hand
also has comments between objects, at the top of a section or of the whole
document; crm text can only say "this comment goes with the next object",
so that is where they go: a comment outside every object (but outside
``<status>``, which the cluster rewrites) moves to the front of the next
object in document order, one after the last object to the end of the last.
Only a CIB with no object at all loses them.
"""

from __future__ import annotations

import copy

from lxml import etree

__all__ = ["adopt_comments"]

_WHOLE = frozenset({"fencing-topology"})  # sections that are one object


def _objects(root: etree._Element) -> list[etree._Element]:
    """The object elements of the configuration, in document order."""
    found: list[etree._Element] = []
    for configuration in root.iterchildren("configuration"):
        for section in configuration:
            if not isinstance(section.tag, str):
                continue
            if section.tag in _WHOLE:
                found.append(section)
            else:
                found.extend(el for el in section if isinstance(el.tag, str))
    return found


def _orphans(root: etree._Element, objects: list[etree._Element]) -> list[etree._Element]:
    owners = {id(el) for el in objects}
    orphans: list[etree._Element] = []
    for comment in root.iter(etree.Comment):
        if not any(id(a) in owners or a.tag == "status" for a in comment.iterancestors()):
            orphans.append(comment)
    return orphans


def adopt_comments(root: etree._Element) -> etree._Element:
    """``root`` (a ``<cib>``), or a copy of it in which every comment outside
    the objects has moved into the object it goes with."""
    if not _orphans(root, _objects(root)):
        return root
    root = copy.deepcopy(root)
    objects = _objects(root)
    orphans = _orphans(root, objects)
    if not objects:
        return root
    every = list(root.iter())  # kept alive: the ids of lxml proxies are stable while they live
    order = {id(el): index for index, el in enumerate(every)}
    placed: dict[int, int] = {}  # object -> comments moved to its front so far
    for comment in orphans:
        position = order[id(comment)]
        comment.tail = None  # blank text only: anything else is no CIB
        target = next((el for el in objects if order[id(el)] > position), None)
        if target is None:
            objects[-1].append(comment)  # after the last object: at the end of it
            continue
        at = placed.get(id(target), 0)
        target.insert(at, comment)
        placed[id(target)] = at + 1
    return root
