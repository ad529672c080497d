"""Where an element or attribute of a parsed CIB sits in its text: line and column.

lxml gives an element's ``sourceline`` only (the line where its start tag
ends). The column, and the line of the tag's ``<`` or of one attribute, come
from the text itself: its start tags are found in document order (skipping
comments, CDATA, processing instructions and declarations; ``<`` cannot occur
in an attribute value), and the n-th start tag is the n-th element of the
tree. Lines and columns are 1-based; columns count characters.

This is only computed when an error needs it. ``SourceText`` is pure.

>>> from lxml import etree
>>> text = '<a>\\n  <!-- <x> -->\\n  <b\\n     id="b1"/><c id="c1"/>\\n</a>'
>>> root = etree.fromstring(text)
>>> src = SourceText(text)
>>> src.element_position(root[1]), src.element_position(root[2])
((3, 3), (4, 15))
>>> src.attribute_position(root[1], "id")
(4, 6)
"""

from __future__ import annotations

import bisect
import re

from lxml import etree

__all__ = ["SourceText"]

# Markup that is not a start tag, then start tags (group 1: the tag name).
_MARKUP = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>|</[^>]*>|<([^\s/>!?]+)",
    re.DOTALL,
)


class SourceText:
    """The text of one XML document, with its start tags indexed lazily."""

    __slots__ = ("_line_starts", "_tags", "text")

    def __init__(self, text: str | bytes) -> None:
        self.text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        self._tags: list[int] | None = None
        self._line_starts: list[int] | None = None

    def _start_tags(self) -> list[int]:
        if self._tags is None:
            self._tags = [m.start() for m in _MARKUP.finditer(self.text) if m.group(1)]
        return self._tags

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def _offset(self, el: etree._Element) -> int | None:
        tags = self._start_tags()
        top = el.getroottree().getroot()
        for n, item in enumerate(top.iter(etree.Element)):
            if item is el:
                if n >= len(tags):
                    return None
                offset = tags[n]
                name = str(el.tag)
                return offset if self.text.startswith(name, offset + 1) else None
        return None

    def element_position(self, el: etree._Element) -> tuple[int, int] | None:
        """Where the ``<`` of ``el``'s start tag is; None if the text does not match
        (``el`` must belong to the tree parsed from this text)."""
        offset = self._offset(el)
        return None if offset is None else self.position(offset)

    def attribute_position(self, el: etree._Element, name: str) -> tuple[int, int] | None:
        """Where attribute ``name`` of ``el`` starts (its start tag if not found)."""
        offset = self._offset(el)
        if offset is None:
            return None
        end = self.text.find(">", offset)
        tag_text = self.text[offset : end if end >= 0 else len(self.text)]
        found = re.search(rf"\s({re.escape(name)})\s*=", tag_text)
        return self.position(offset + (found.start(1) if found else 0))
