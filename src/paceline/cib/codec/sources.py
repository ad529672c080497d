"""Where the objects of a decoded CIB were in its text, for messages about it.

``decode_cib`` remembers the text of the last few CIBs it read (by the
identity of the ``Cib`` it returned); checks that work on the model (verify)
ask ``SourceLocator`` for the file, line and column of an id or of an
attribute naming one. The text is parsed again only when asked, which is
only when there is something to report. A ``Cib`` not read from text (built
in code, or edited since) has no locator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from paceline.cib.codec.positions import SourceText
from paceline.cib.model.cib import Cib
from paceline.core.errors import Location

__all__ = ["SourceLocator", "locator_of", "remember_source"]

_KEEP = 4
_sources: dict[int, tuple[Cib, bytes | str, str | None]] = {}


def remember_source(cib: Cib, data: bytes | str, file: str | None) -> None:
    """Keep ``data`` as the text ``cib`` was decoded from (the last few only)."""
    if len(_sources) >= _KEEP:
        del _sources[next(iter(_sources))]
    _sources[id(cib)] = (cib, data, file)


def locator_of(cib: Cib) -> SourceLocator | None:
    """The locator for a CIB that ``decode_cib`` read, else None."""
    entry = _sources.get(id(cib))
    if entry is None or entry[0] is not cib:
        return None
    return SourceLocator(entry[1], entry[2])


@dataclass
class SourceLocator:
    """Positions of ids and attributes in one CIB text."""

    data: bytes | str
    file: str | None
    _root: etree._Element | None = field(default=None, init=False)
    _text: SourceText | None = field(default=None, init=False)

    def _tree(self) -> tuple[etree._Element, SourceText]:
        if self._root is None or self._text is None:
            raw = self.data.encode() if isinstance(self.data, str) else self.data
            parser = etree.XMLParser(load_dtd=False, no_network=True, huge_tree=False)
            self._root = etree.fromstring(raw, parser)
            self._text = SourceText(raw)
        return self._root, self._text

    def _with_id(self, ident: str) -> list[etree._Element]:
        root, _text = self._tree()
        return [el for el in root.iter(etree.Element) if el.get("id") == ident]

    def _location(self, where: tuple[int, int] | None, el: etree._Element) -> Location:
        if where is None:
            line = el.sourceline if isinstance(el.sourceline, int) else None
            return Location(self.file, line, None)
        return Location(self.file, where[0], where[1])

    def of_id(self, ident: str, nth: int = 0) -> Location | None:
        """Where the ``nth`` element (0: the first) whose ``id`` is ``ident`` starts."""
        found = self._with_id(ident)
        if nth >= len(found):
            return None
        _root, text = self._tree()
        return self._location(text.element_position(found[nth]), found[nth])

    def of_reference(self, owner: str, value: str) -> Location | None:
        """Where, inside the element whose id is ``owner``, an attribute other than
        ``id`` has the value ``value`` (an IDREF); the owner if none does."""
        found = self._with_id(owner)
        if not found:
            return None
        _root, text = self._tree()
        for el in found[0].iter(etree.Element):
            for name, attr in el.attrib.items():
                if attr != value or (name == "id" and el.tag not in ("resource_ref", "obj_ref")):
                    continue  # the id of a resource_ref or obj_ref is a reference
                return self._location(text.attribute_position(el, str(name)), el)
        return self._location(text.element_position(found[0]), found[0])
