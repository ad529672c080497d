"""What changed between two configurations, object by object.

Objects are compared by id within their section: the top-level resources
(a change inside a group is a change of the group), templates, constraints,
nodes, the nvpair blocks of ``crm_config``/``rsc_defaults``/``op_defaults``,
fencing levels, tags, alerts and ACL entries. A section whose common objects
kept their values but not their order is reported as reordered (order matters
to Pacemaker: resources are placed in it, and the first block wins).

``diff_configurations(old, new)`` is empty exactly when the two are equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from paceline.cib.model.config import Configuration
from paceline.cib.model.rules import NvSetRef


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    REORDERED = "reordered"


@dataclass(frozen=True, slots=True)
class Change:
    """One change: ``id`` is None for a whole-section ``REORDERED``."""

    kind: ChangeKind
    section: str
    id: str | None = None

    def __str__(self) -> str:
        if self.id is None:
            return f"{self.section}: {self.kind}"
        return f"{self.section}: {self.kind} {self.id}"


SECTIONS = (
    "crm_config",
    "nodes",
    "resources",
    "templates",
    "constraints",
    "rsc_defaults",
    "op_defaults",
    "fencing_topology",
    "tags",
    "alerts",
    "acls",
)
"""The fields of ``Configuration`` compared, in the order changes are listed."""


def diff_configurations(old: Configuration, new: Configuration) -> tuple[Change, ...]:
    """The changes that turn ``old`` into ``new``, section by section."""
    out: list[Change] = []
    for section in SECTIONS:
        out.extend(_diff_section(section, getattr(old, section), getattr(new, section)))
    return tuple(out)


def _key(item: object) -> str:
    if isinstance(item, NvSetRef):
        return f"id-ref={item.id_ref}"
    key = getattr(item, "id", None)
    assert isinstance(key, str), f"no id on {item!r}"
    return key


def _diff_section(
    section: str, old: tuple[object, ...], new: tuple[object, ...]
) -> Iterator[Change]:
    if old == new:
        return
    old_by_key = _index(old)
    new_by_key = _index(new)
    for key, items in old_by_key.items():
        if key not in new_by_key:
            yield Change(ChangeKind.REMOVED, section, key)
        elif items != new_by_key[key]:
            yield Change(ChangeKind.CHANGED, section, key)
    for key in new_by_key:
        if key not in old_by_key:
            yield Change(ChangeKind.ADDED, section, key)
    common_old = [_key(i) for i in old if _key(i) in new_by_key]
    common_new = [_key(i) for i in new if _key(i) in old_by_key]
    if common_old != common_new:
        yield Change(ChangeKind.REORDERED, section)


def _index(items: tuple[object, ...]) -> dict[str, list[object]]:
    """Items by id, in order; a (bad) duplicate id keeps all its items."""
    out: dict[str, list[object]] = {}
    for item in items:
        out.setdefault(_key(item), []).append(item)
    return out
