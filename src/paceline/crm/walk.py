"""Generic walks over model objects (frozen dataclasses and tuples of them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

__all__ = ["all_ids", "walk"]


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
