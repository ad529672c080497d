"""Strict reading of one lxml element: every attribute and child must be known.

A ``Reader`` wraps an element and hands out typed attribute values; when the
caller is done, ``done()`` fails on any attribute nobody asked for. Errors are
``ConfigError`` naming the file, the element's line and ``field`` as
``element/@attribute`` or ``parent/child``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from lxml import etree

from paceline.cib.codec.positions import SourceText
from paceline.cib.model.attributes import AttrTable
from paceline.cib.score import Score
from paceline.cib.values import parse_bool
from paceline.core.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")

# ASCII digits only: Python's int() also takes "1_0" (Pacemaker reads 1) and
# other scripts' digits.
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class Context:
    """What every reader needs: the file name to blame (None for a string),
    and whether the CIB opted out of schema validation (``validate-with="none"``),
    in which case the few values Pacemaker resets instead of rejecting are kept
    as text (see ``Order.kind``). ``source`` is the document's text, when
    known, to give errors a column (and the line of the attribute at fault)."""

    file: str | None = None
    unvalidated: bool = False
    source: SourceText | None = None

    def error(
        self,
        el: etree._Element,
        message: str,
        *,
        field: str | None = None,
        text: str | None = None,
        expected: str | None = None,
        column: bool = False,
    ) -> ConfigError:
        """An error at ``el``, with the line and column of the element's tag,
        or of the attribute in ``field``, when the text is known (``column``
        is kept for callers; every error now has a column)."""
        line = el.sourceline if isinstance(el.sourceline, int) else None
        at: int | None = None
        if self.source is not None and isinstance(el.tag, str):
            attribute = field.rpartition("/@")[2] if field and "/@" in field else None
            where = (
                self.source.attribute_position(el, attribute)
                if attribute is not None and el.get(attribute) is not None
                else self.source.element_position(el)
            )
            if where is not None:
                line, at = where
        return ConfigError(
            message,
            file=self.file,
            line=line,
            column=at,
            field=field,
            text=text,
            expected=expected,
        )


class Reader:
    """Typed access to the attributes of one element, then ``done()``."""

    __slots__ = ("_asked", "_rest", "ctx", "el", "tag")

    def __init__(self, ctx: Context, el: etree._Element) -> None:
        self.ctx = ctx
        self.el = el
        self.tag = str(el.tag)
        # Attributes not read yet (``done()`` fails on any left), and the
        # names asked for (to say what was expected).
        self._rest: dict[str, str] = {str(k): str(v) for k, v in el.attrib.items()}
        self._asked: list[str] = []

    # -- attributes ------------------------------------------------------

    def opt(self, name: str, *aliases: str) -> str | None:
        """The attribute ``name`` (or the first legacy alias present), or None."""
        self._asked.append(name)
        value = self._rest.pop(name, None)
        if value is None:
            for alias in aliases:
                self._asked.append(alias)
                value = self._rest.pop(alias, None)
                if value is not None:
                    break
        return value

    def req(self, name: str, *aliases: str) -> str:
        value = self.opt(name, *aliases)
        if value is None:
            raise self.ctx.error(
                self.el,
                f"<{self.tag}> lacks the required attribute {name!r}",
                field=f"{self.tag}/@{name}",
                expected=f"attribute {name}",
            )
        return value

    def _convert(self, name: str, value: str, conv: Callable[[str], T | None], what: str) -> T:
        result = conv(value)
        if result is None:
            raise self.ctx.error(
                self.el,
                f"bad value for {name!r} of <{self.tag}>",
                field=f"{self.tag}/@{name}",
                text=value,
                expected=what,
            )
        return result

    def opt_int(self, name: str, *aliases: str) -> int | None:
        value = self.opt(name, *aliases)
        return None if value is None else self._convert(name, value, _to_int, "an integer")

    def req_int(self, name: str) -> int:
        return self._convert(name, self.req(name), _to_int, "an integer")

    def opt_bool(self, name: str) -> bool | None:
        value = self.opt(name)
        return None if value is None else self._convert(name, value, parse_bool, "true or false")

    def opt_score(self, name: str) -> Score | None:
        value = self.opt(name)
        return (
            None
            if value is None
            else self._convert(name, value, _to_score, "an integer, INFINITY or -INFINITY")
        )

    def opt_enum(
        self, name: str, enum: type[E], legacy: dict[str, E] | None = None, *aliases: str
    ) -> E | None:
        value = self.opt(name, *aliases)
        if value is None:
            return None
        return self._convert(name, value, lambda v: _to_enum(v, enum, legacy), _choices(enum))

    def req_enum(self, name: str, enum: type[E], legacy: dict[str, E] | None = None) -> E:
        value = self.req(name)
        return self._convert(name, value, lambda v: _to_enum(v, enum, legacy), _choices(enum))

    def table(self, table: AttrTable) -> dict[str, Any]:
        """The attributes of ``table``, typed, by field name (None when absent)."""
        values: dict[str, Any] = {}
        for a in table.attrs:
            if a.required:
                values[a.field] = self.req(a.xml, *a.aliases)
            elif a.kind == "integer":
                values[a.field] = self.opt_int(a.xml, *a.aliases)
            elif a.kind == "boolean":
                values[a.field] = self.opt_bool(a.xml)
            else:
                values[a.field] = self.opt(a.xml, *a.aliases)
        return values

    def ref(self) -> str | None:
        """The ``id-ref`` of an element that stands for another one (it may
        then have no other attribute and no children), or None."""
        ref = self.opt("id-ref")
        if ref is not None:
            self.done()
            self.no_children()
        return ref

    def drop(self, *names: str) -> None:
        """Accept legacy attributes that the upgrade discards."""
        for name in names:
            self._rest.pop(name, None)

    def done(self) -> None:
        """Fail on an attribute nobody read."""
        for name, value in self._rest.items():
            raise self.ctx.error(
                self.el,
                f"unknown attribute {name!r} of <{self.tag}>",
                field=f"{self.tag}/@{name}",
                text=value,
                expected="one of " + ", ".join(sorted(set(self._asked))) if self._asked else "none",
                column=True,
            )

    # -- children --------------------------------------------------------

    def children(self) -> Iterator[etree._Element]:
        """Child elements (comments and processing instructions skipped)."""
        text = self.el.text
        if text is not None and text.strip():
            raise self.ctx.error(
                self.el, f"text inside <{self.tag}>", field=self.tag, text=text.strip()[:40]
            )
        for child in self.el:
            if isinstance(child.tag, str):
                tail = child.tail
                if tail is not None and tail.strip():
                    raise self.ctx.error(
                        child, f"text inside <{self.tag}>", field=self.tag, text=tail.strip()[:40]
                    )
                yield child
            elif child.tag is not etree.Comment and child.tag is not etree.PI:
                raise self.ctx.error(child, f"unexpected node inside <{self.tag}>", field=self.tag)

    def only(self, tag: str) -> Iterator[etree._Element]:
        """Child elements, all of which must be ``<tag>``."""
        for child in self.children():
            if child.tag != tag:
                raise self.unknown_child(child, f"<{tag}>")
            yield child

    def unknown_child(self, child: etree._Element, expected: str) -> ConfigError:
        return self.ctx.error(
            child,
            f"unknown element <{child.tag!s}> inside <{self.tag}>",
            field=f"{self.tag}/{child.tag!s}",
            expected=expected,
            column=True,
        )

    def no_children(self) -> None:
        for child in self.children():
            raise self.unknown_child(child, "no child elements")

    def duplicate(self, child: etree._Element) -> ConfigError:
        return self.ctx.error(
            child,
            f"more than one <{child.tag!s}> inside <{self.tag}>",
            field=f"{self.tag}/{child.tag!s}",
            expected="at most one",
        )

    def missing(self, what: str) -> ConfigError:
        return self.ctx.error(self.el, f"<{self.tag}> lacks {what}", field=self.tag, expected=what)


# -- comments ----------------------------------------------------------------
#
# An object of the configuration (a node, a resource, a constraint, a property
# block...) owns the XML comments inside its element, wherever they sit (crmsh
# writes them as its first children), except those inside a nested object
# that owns its own (a group's primitives). Comments outside every object are
# first moved into one (``comments.adopt_comments``).


def inner_comments(el: etree._Element, nested: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The texts of the comments inside ``el`` in document order, skipping the
    inside of child elements whose tag is in ``nested``."""
    found: list[str] = []
    _gather(el, nested, found)
    return tuple(found)


def _gather(el: etree._Element, nested: frozenset[str], found: list[str]) -> None:
    for child in el:
        if isinstance(child, etree._Comment):
            found.append(str(child.text or ""))
        elif isinstance(child.tag, str) and child.tag not in nested:
            _gather(child, nested, found)


def with_comments(obj: D, comments: tuple[str, ...]) -> D:
    """``obj`` with ``comments`` added before those it has (``obj`` if none)."""
    if not comments:
        return obj
    own: tuple[str, ...] = getattr(obj, "comments")  # noqa: B009 (any model object with comments)
    return replace(obj, comments=comments + own)


def _to_int(text: str) -> int | None:
    stripped = text.strip()
    return int(stripped) if _INTEGER.fullmatch(stripped) else None


def _to_score(text: str) -> Score | None:
    try:
        return Score.parse(text)
    except ValueError:
        return None


def _to_enum(text: str, enum: type[E], legacy: dict[str, E] | None) -> E | None:
    try:
        return enum(text)
    except ValueError:
        if legacy is not None:
            return legacy.get(text)
        return None


def _choices(enum: type[StrEnum]) -> str:
    return "one of " + ", ".join(member.value for member in enum)
