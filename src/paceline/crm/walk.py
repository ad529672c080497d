"""Generic walks over model objects (frozen dataclasses and tuples of them), and
the resources a constraint names."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from paceline.cib.model import Constraint, ResourceSet

__all__ = ["RSC_FIELDS", "all_ids", "constrained", "walk"]

RSC_FIELDS = ("rsc", "with_rsc", "first", "then")
"""The fields of a simple constraint that name a resource."""


def walk(obj: object) -> Iterator[object]:
    """``obj`` and every dataclass inside it, depth first in field order."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        yield obj
        for f in dataclasses.fields(obj):
            yield from walk(getattr(obj, f.name))
    elif isinstance(obj, tuple):
        for item in obj:
            yield from walk(item)


def all_ids(obj: object) -> Iterator[str]:
    """Every ``id`` field at any depth of ``obj``."""
    for item in walk(obj):
        ident = getattr(item, "id", None)
        if isinstance(ident, str):
            yield ident


def constrained(constraint: Constraint) -> list[str]:
    """The resource ids a constraint names: its simple fields, then its sets' members."""
    refs = [getattr(constraint, f) for f in RSC_FIELDS if getattr(constraint, f, None)]
    for item in constraint.resource_sets:
        if isinstance(item, ResourceSet):
            refs.extend(item.resources)
    return refs
