"""Writing XML elements from model values: the counterpart of ``reader``."""

from __future__ import annotations

from enum import StrEnum

from lxml import etree

from paceline.cib.model.attributes import AttrTable
from paceline.cib.score import Score

Value = str | int | bool | Score | StrEnum | None
"""What a model field can hold that becomes an attribute (None: no attribute)."""

sub = etree.SubElement


def text(value: str | int | bool | Score | StrEnum) -> str:
    """The XML spelling of a value (booleans as ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def attrs(items: tuple[tuple[str, Value], ...]) -> dict[str, str]:
    """The attributes whose value is not None, in the given order."""
    return {name: text(value) for name, value in items if value is not None}


def add(parent: etree._Element, tag: str, *items: tuple[str, Value]) -> etree._Element:
    """A new child ``<tag>`` of ``parent`` with the attributes that are not None, in order."""
    return sub(parent, tag, attrs(items))


def comment(parent: etree._Element, texts: tuple[str, ...]) -> None:
    """The comments ``texts`` as the first children of ``parent``, in order (where
    crmsh puts the comments of an object)."""
    for index, body in enumerate(texts):
        parent.insert(index, etree.Comment(body))


def table_items(obj: object, table: AttrTable) -> tuple[tuple[str, Value], ...]:
    """The (XML name, value) pairs of ``obj``'s attributes in ``table``, in its order."""
    return tuple((a.xml, getattr(obj, a.field)) for a in table.attrs)
