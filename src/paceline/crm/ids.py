"""Ids for the elements crm text does not name, made the way the crm shell makes them.

The crm shell derives an element's id from its owner's: an attribute block of
``vip`` is ``vip-instance_attributes``, its pair ``ip`` is
``vip-instance_attributes-ip``, an op is ``drbd-monitor-30s``, a rule of
``l1`` is ``l1-rule`` and its expressions ``l1-rule-expression``; a taken id
gets ``-0``, ``-1``, ... appended. Ids are unique in the whole CIB, so the
allocator is told which ids are already taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

__all__ = ["IdAllocator"]

_MAX_SUFFIX = 100_000


class IdAllocator:
    """Hands out unused ids; remembers every id it gave or was told about.

    ``base`` is a set of taken ids read but never copied or changed (the ids of
    a whole CIB, for an edit that adds to it: copying them would make every
    edit linear in the size of the CIB)."""

    def __init__(self, taken: Iterable[str] = (), *, base: Set[str] = frozenset()) -> None:
        self._taken: set[str] = set(taken)
        self._base = base

    def claim(self, ident: str) -> bool:
        """Record an id written in the input; False if it was already taken."""
        if ident in self._taken or ident in self._base:
            return False
        self._taken.add(ident)
        return True

    def new(self, base: str) -> str:
        """``base`` if free, else ``base-0``, ``base-1``, ..."""
        candidate = base
        suffix = 0
        while candidate in self._taken or candidate in self._base:
            if suffix >= _MAX_SUFFIX:
                raise ValueError(f"no free id left for {base!r}")
            candidate = f"{base}-{suffix}"
            suffix += 1
        self._taken.add(candidate)
        return candidate

    def child(self, owner: str, what: str) -> str:
        """The id of a sub-element ``what`` of ``owner`` (``vip`` + ``instance_attributes``)."""
        if owner.isdigit():
            owner = f"num-{owner}"
        return self.new(f"{owner}-{what}")
