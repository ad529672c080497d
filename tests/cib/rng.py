"""Pacemaker's RelaxNG grammar, read at test time from the installed schema
files (``/usr/share/pacemaker``, Pacemaker 2.1.5) and simplified to a tree of
patterns: the yardstick the CIB model is measured against.

``load_schema()`` follows ``versions.rng`` to the newest ``pacemaker-3.N.rng``
and resolves its ``externalRef``/``include``/``ref``/``parentRef``; the status
section, free-form in the schema (``status-1.0.rng``: any element, any
attribute), is replaced by ``data/status-written.rng``, our own grammar of what
Pacemaker writes there. ``derive()`` lists every element (with its parent) and
every attribute (with its element and that element's parent), with the
patterns its value may take. Nothing here copies the schema files: they are
read where Pacemaker installed them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path("/usr/share/pacemaker")
STATUS_GRAMMAR = Path(__file__).resolve().parent / "data" / "status-written.rng"
NS = "{http://relaxng.org/ns/structure/1.0}"


# -- the simplified pattern tree ------------------------------------------------


class Pattern:
    __slots__ = ()


@dataclass(eq=False, slots=True)
class Element(Pattern):
    name: str | None  # None: any name
    body: Pattern


@dataclass(eq=False, slots=True)
class Attribute(Pattern):
    name: str | None  # None: any name
    body: Pattern


@dataclass(eq=False, slots=True)
class Group(Pattern):
    items: tuple[Pattern, ...]


@dataclass(eq=False, slots=True)
class Interleave(Pattern):
    items: tuple[Pattern, ...]


@dataclass(eq=False, slots=True)
class Choice(Pattern):
    items: tuple[Pattern, ...]


@dataclass(eq=False, slots=True)
class Optional(Pattern):
    item: Pattern


@dataclass(eq=False, slots=True)
class Repeat(Pattern):
    item: Pattern
    minimum: int  # 0: zeroOrMore, 1: oneOrMore


@dataclass(eq=False, slots=True)
class Data(Pattern):
    type: str
    params: tuple[tuple[str, str], ...] = ()
    exclude: Pattern | None = None


@dataclass(eq=False, slots=True)
class Value(Pattern):
    text: str


@dataclass(eq=False, slots=True)
class Text(Pattern):
    pass


@dataclass(eq=False, slots=True)
class Empty(Pattern):
    pass


@dataclass(eq=False, slots=True)
class NotAllowed(Pattern):
    pass


@dataclass(eq=False, slots=True)
class Ref(Pattern):
    scope: Scope
    name: str

    @property
    def target(self) -> Pattern:
        return self.scope.resolve(self.name)


# -- grammars and their scopes --------------------------------------------------


@dataclass(eq=False)
class Scope:
    """One ``<grammar>``: its definitions (after includes and overrides)."""

    loader: Loader
    parent: Scope | None
    defines: dict[str, list[tuple[etree._Element, str | None]]] = field(default_factory=dict)
    start: list[tuple[etree._Element, str | None]] = field(default_factory=list)
    compiled: dict[str, Pattern] = field(default_factory=dict)

    def resolve(self, name: str) -> Pattern:
        if name not in self.compiled:
            self.compiled[name] = NotAllowed()  # a placeholder while compiling (recursion)
            parts = self.defines.get(name)
            if not parts:
                raise KeyError(f"no define {name!r}")
            self.compiled[name] = self._combine(parts)
        return self.compiled[name]

    def start_pattern(self) -> Pattern:
        return self._combine(self.start)

    def _combine(self, parts: list[tuple[etree._Element, str | None]]) -> Pattern:
        patterns = tuple(self.loader.body(el, self) for el, _ in parts)
        if len(patterns) == 1:
            return patterns[0]
        how = next((c for _, c in parts if c), "choice")
        return Interleave(patterns) if how == "interleave" else Choice(patterns)


def _local(el: etree._Element) -> str:
    return str(el.tag).removeprefix(NS)


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and str(c.tag).startswith(NS)]


class Loader:
    """Reads grammar files on demand; ``status`` replaces the free-form status schema."""

    def __init__(self, directory: Path = SCHEMA_DIR, status: Path | None = STATUS_GRAMMAR) -> None:
        self.directory = directory
        self.status = status
        self.files: list[str] = []

    def _path(self, href: str) -> Path:
        if href.startswith("status-") and self.status is not None:
            return self.status
        return self.directory / href

    def _root(self, href: str) -> etree._Element:
        path = self._path(href)
        if path.name not in self.files:
            self.files.append(path.name)
        return etree.parse(str(path)).getroot()

    def grammar(self, root: etree._Element, parent: Scope | None) -> Scope:
        scope = Scope(self, parent)
        self._fill(scope, root, set())
        return scope

    def _fill(self, scope: Scope, grammar: etree._Element, overridden: set[str]) -> None:
        for child in _children(grammar):
            kind = _local(child)
            if kind == "include":
                own = {c.get("name", "") for c in _children(child) if _local(c) == "define"}
                own_start = any(_local(c) == "start" for c in _children(child))
                skip = own | ({"<start>"} if own_start else set())
                self._fill(scope, self._root(str(child.get("href"))), skip)
                self._fill(scope, child, set())
            elif kind == "div":
                self._fill(scope, child, overridden)
            elif kind == "start":
                if "<start>" not in overridden:
                    scope.start.append((child, child.get("combine")))
            elif kind == "define":
                name = str(child.get("name"))
                if name not in overridden:
                    scope.defines.setdefault(name, []).append((child, child.get("combine")))

    def body(self, el: etree._Element, scope: Scope) -> Pattern:
        """The pattern of the children of ``el`` (a define, start, or pattern element)."""
        items = tuple(self.pattern(c, scope) for c in _children(el))
        return items[0] if len(items) == 1 else Group(items) if items else Empty()

    def pattern(self, el: etree._Element, scope: Scope) -> Pattern:
        kind = _local(el)
        if kind in ("element", "attribute"):
            name = el.get("name")
            kids = _children(el)
            if name is None:
                name_class, kids = kids[0], kids[1:]
                name = str(name_class.text).strip() if _local(name_class) == "name" else None
            items = tuple(self.pattern(c, scope) for c in kids)
            body = items[0] if len(items) == 1 else Group(items) if items else None
            if kind == "attribute":
                return Attribute(name, body or Text())
            return Element(name, body or Empty())
        if kind in ("group", "interleave", "choice", "mixed"):
            items = tuple(self.pattern(c, scope) for c in _children(el))
            if kind == "mixed":
                return Interleave((*items, Text()))
            return {"group": Group, "interleave": Interleave, "choice": Choice}[kind](items)
        if kind == "optional":
            return Optional(self.body(el, scope))
        if kind in ("zeroOrMore", "oneOrMore"):
            return Repeat(self.body(el, scope), 0 if kind == "zeroOrMore" else 1)
        if kind == "ref":
            return Ref(scope, str(el.get("name")))
        if kind == "parentRef":
            assert scope.parent is not None
            return Ref(scope.parent, str(el.get("name")))
        if kind == "externalRef":
            inner = self.grammar(self._root(str(el.get("href"))), scope)
            return inner.start_pattern()
        if kind == "grammar":
            return self.grammar(el, scope).start_pattern()
        if kind == "data":
            params = tuple(
                (str(c.get("name")), str(c.text)) for c in _children(el) if _local(c) == "param"
            )
            excepts = [c for c in _children(el) if _local(c) == "except"]
            exclude = self.body(excepts[0], scope) if excepts else None
            return Data(str(el.get("type")), params, exclude)
        if kind == "value":
            return Value(el.text or "")
        if kind == "text":
            return Text()
        if kind == "empty":
            return Empty()
        if kind == "notAllowed":
            return NotAllowed()
        raise ValueError(f"unsupported RelaxNG construct <{kind}>")


def newest_schema(directory: Path = SCHEMA_DIR) -> str:
    """The newest ``pacemaker-3.N`` that ``versions.rng`` lists and that is installed."""
    versions = etree.parse(str(directory / "versions.rng")).getroot()
    best: tuple[int, int] | None = None
    for value in versions.iter(NS + "value"):
        m = re.fullmatch(r"pacemaker-(3)\.(\d+)", (value.text or "").strip())
        if m and (directory / f"{m.group(0)}.rng").exists():
            version = (int(m.group(1)), int(m.group(2)))
            best = version if best is None or version > best else best
    assert best is not None, "no pacemaker-3.x schema installed"
    return f"pacemaker-{best[0]}.{best[1]}"


@dataclass(frozen=True)
class Schema:
    name: str
    start: Pattern
    files: tuple[str, ...]


def load_schema(status: Path | None = STATUS_GRAMMAR) -> Schema:
    name = newest_schema()
    loader = Loader(status=status)
    scope = loader.grammar(loader._root(f"{name}.rng"), None)
    start = scope.start_pattern()
    return Schema(name, start, tuple(loader.files))


# -- derivation of the element and attribute table -----------------------------

ANY = "*"


@dataclass
class Table:
    """``elements``: (parent, element) pairs (the root's parent is ``""``);
    ``attributes``: (parent, element, attribute) -> the value patterns seen."""

    elements: set[tuple[str, str]] = field(default_factory=set)
    attributes: dict[tuple[str, str, str], list[Pattern]] = field(default_factory=dict)


def derive(schema: Schema) -> Table:
    table = Table()
    seen: set[tuple[int, str, str]] = set()

    def walk(p: Pattern, parent: str, element: str) -> None:
        if isinstance(p, Ref):
            key = (id(p.scope), p.name, f"{parent}/{element}")
            if key in seen:
                return
            seen.add(key)
            walk(p.target, parent, element)
        elif isinstance(p, Element):
            name = p.name or ANY
            table.elements.add((element, name))
            walk(p.body, element, name)
        elif isinstance(p, Attribute):
            key3 = (parent, element, p.name or ANY)
            table.attributes.setdefault(key3, []).append(p.body)
        elif isinstance(p, Group | Interleave | Choice):
            for item in p.items:
                walk(item, parent, element)
        elif isinstance(p, Optional | Repeat):
            walk(p.item, parent, element)

    walk(schema.start, "", "")
    return table
