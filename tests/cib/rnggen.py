"""CIB documents generated from Pacemaker's grammar (``rng``): every choice,
optional part and repetition of the schema is drawn, attribute values come
from generators per RelaxNG datatype (ids unique, IDREFs pointing at ids of
the right kind that exist), and free text gets a sensible value by attribute
name (durations for intervals, ISO dates for date expressions...). A draw
source is either a seeded ``random.Random`` (the coverage test) or
hypothesis's ``data`` (the property test), so failures shrink and replay.

``canonical`` is the comparison of a document with what the model writes
back: attributes unordered, children grouped by tag (the schema interleaves
them; within one tag the order is kept), and the few values the model writes
in their modern spelling (``MODERN``).
"""

from __future__ import annotations

import random
from collections.abc import Container, Iterator
from typing import Protocol

from lxml import etree
from rng import (
    ANY,
    Attribute,
    Choice,
    Data,
    Element,
    Empty,
    Group,
    Interleave,
    NotAllowed,
    Optional,
    Pattern,
    Ref,
    Repeat,
    Schema,
    Text,
    Value,
)


class Draw(Protocol):
    def boolean(self, p: float) -> bool: ...
    def integer(self, lo: int, hi: int) -> int: ...


class RandomDraw:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def boolean(self, p: float) -> bool:
        return self.rng.random() < p

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class HypothesisDraw:
    """Draws through hypothesis's ``data()`` (so examples shrink)."""

    def __init__(self, data: object) -> None:
        from hypothesis import strategies as st

        self._data = data
        self._st = st

    def boolean(self, p: float) -> bool:
        return bool(self._data.draw(self._st.integers(0, 99)) < int(p * 100))  # type: ignore[attr-defined]

    def integer(self, lo: int, hi: int) -> int:
        return int(self._data.draw(self._st.integers(lo, hi)))  # type: ignore[attr-defined]


RESOURCE_TAGS = frozenset({"primitive", "group", "clone", "master", "bundle"})
# IDREF attributes -> the tags of the elements they may name (else: same tag
# for id-ref, any id otherwise).
IDREF_TARGETS: dict[tuple[str, str], frozenset[str]] = {
    ("rsc_location", "rsc"): RESOURCE_TAGS,
    ("rsc_colocation", "rsc"): RESOURCE_TAGS,
    ("rsc_colocation", "with-rsc"): RESOURCE_TAGS,
    ("rsc_order", "first"): RESOURCE_TAGS,
    ("rsc_order", "then"): RESOURCE_TAGS,
    ("rsc_ticket", "rsc"): RESOURCE_TAGS,
    ("resource_ref", "id"): RESOURCE_TAGS,
    ("primitive", "template"): frozenset({"template"}),
    ("role", "id"): frozenset({"acl_role"}),
    ("acl_permission", "reference"): RESOURCE_TAGS,
}
SELF_DEFINING = frozenset(
    {
        "nvpair",
        "meta_attributes",
        "instance_attributes",
        "utilization",
        "cluster_property_set",
        "operations",
    }
)
WORDS = ("alpha", "beta", "gamma", "delta", "web", "db", "fs", "ip")
NODES = ("node1", "node2")
DURATIONS = ("0", "10s", "20", "1m", "PT30S", "90s")
DATES = ("2024-01-01", "2024-06-30 12:00:00", "2025-12-31")
# Free text whose meaning Pacemaker parses: a sensible value per attribute name.
TEXT_BY_NAME: dict[str, tuple[str, ...]] = {
    "interval": DURATIONS,
    "timeout": DURATIONS,
    "start-delay": DURATIONS,
    "interval-origin": ("2024-01-01",),
    "start": DATES,
    "end": DATES,
    "node": NODES,
    "uname": NODES,
    "on_node": NODES,
    "target": NODES,
    "target-pattern": ("node[0-9]",),
    "target-attribute": ("rack",),
    "target-value": ("r1",),
    "host-interface": ("eth0",),
    "ip-range-start": ("198.18.0.10",),
    "path": ("/usr/bin/true",),
    "image": ("registry/image:1",),
    "run-command": ("/usr/sbin/pacemaker-remoted",),
    "options": ("-v",),
    "source-dir": ("/srv/a",),
    "source-dir-root": ("/srv/root",),
    "target-dir": ("/srv/b",),
    "xpath": ("/cib/configuration",),
    "object-type": ("primitive",),
    "attribute": WORDS,
    "name": WORDS,
    "value": WORDS,
    "description": ("some text", "a"),
    "type": ("Dummy", "IPaddr2"),
    "provider": ("heartbeat", "pacemaker"),
    "class": ("ocf",),
    "crm_feature_set": ("3.16.2",),
    "operation": ("start", "stop", "monitor"),
    "transition-key": ("1:2:0:2668bbeb-06d5-40f9-936d-24cb7f87006a",),
    "transition-magic": ("0:0;1:2:0:2668bbeb-06d5-40f9-936d-24cb7f87006a",),
    "op-digest": ("f2317cad3d54cec5d7d7aa7d0bf35cf8",),
    "id": ("n1", "n2"),
    "ticket": ("ticketA", "ticketB"),
    "node-attribute": ("rack",),
    "influence": ("true", "false"),
    "score-attribute": ("weight",),
    "devices": ("fence1",),
    "role": ("Started", "Promoted", "Unpromoted", "Stopped"),
    "execution-date": ("1700000000",),
}
# date_spec / duration fields: ranges of integers as text.
RANGES = ("1", "1-5", "9-16")


class Generator:
    """One document per ``document()`` call, drawn from ``draw``."""

    def __init__(self, schema: Schema, draw: Draw, *, depth: int = 9, p_optional: float = 0.5):
        self.schema = schema
        self.draw = draw
        self.depth = depth
        self.p_optional = p_optional
        self.ids: dict[str, etree._Element] = {}  # id -> its element
        self.refs: list[tuple[etree._Element, str]] = []  # (element, attribute) to fill
        self.counter = 0
        self.redo: dict[int, tuple[Choice, int]] = {}  # id(element) -> its reference choice

    # -- structure -----------------------------------------------------------

    def document(self) -> etree._Element:
        holder = etree.Element("holder")
        self._content(self.schema.start, holder, 0)
        (root,) = list(holder)
        holder.remove(root)
        self._sensible(root)
        self._fill_refs()
        return root

    def _content(self, p: Pattern, el: etree._Element, depth: int) -> None:
        if isinstance(p, Ref):
            self._content(p.target, el, depth)
        elif isinstance(p, Element):
            assert p.name is not None, "free-form elements are not generated"
            child = etree.SubElement(el, p.name)
            self._content(p.body, child, depth + 1)
        elif isinstance(p, Attribute):
            name = p.name
            if name is None:
                name = f"x-attr{self.draw.integer(0, 3)}"
            if name in el.attrib:
                return
            el.set(name, "")
            el.set(name, self._value(p.body, el, name))
        elif isinstance(p, Group | Interleave):
            for item in p.items:
                self._content(item, el, depth)
        elif isinstance(p, Choice):
            branches = [b for b in p.items if allowed(b)]
            refs = [b for b in branches if is_reference(b)]
            if refs and len(refs) < len(branches):
                # A reference instead of a definition: one time in five, and
                # if nothing turns out to be there to refer to, the element
                # is generated again as a definition (``_fill_refs``).
                if self.draw.boolean(0.2):
                    self.redo[id(el)] = (p, depth)
                    branches = refs
                else:
                    branches = [b for b in branches if not is_reference(b)]
            if depth >= self.depth:
                cheapest = min(size(b) for b in branches)
                branches = [b for b in branches if size(b) == cheapest]
            self._content(branches[self.draw.integer(0, len(branches) - 1)], el, depth)
        elif isinstance(p, Optional):
            if depth < self.depth and self.draw.boolean(self.p_optional):
                self._content(p.item, el, depth)
        elif isinstance(p, Repeat):
            extra = self.draw.integer(0, 2) if depth < self.depth else 0
            for _ in range(p.minimum + extra):
                self._content(p.item, el, depth)
        elif isinstance(p, Text | Empty):
            pass
        else:
            raise AssertionError(f"cannot generate {p!r} as content")

    # -- values --------------------------------------------------------------

    def _value(self, p: Pattern, el: etree._Element, name: str) -> str:
        tag = str(el.tag)
        if (tag, name) == ("cib", "validate-with"):
            return self.schema.name  # older schemas are upgraded on load: tested elsewhere
        if isinstance(p, Ref):
            return self._value(p.target, el, name)
        if isinstance(p, Value):
            return p.text
        if isinstance(p, Choice):
            branches = [b for b in p.items if allowed(b)]
            return self._value(branches[self.draw.integer(0, len(branches) - 1)], el, name)
        if isinstance(p, Data):
            return self._data(p, el, name)
        if isinstance(p, Text):
            if tag in ("date_spec", "duration"):
                return self._pick(RANGES)
            return self._pick(TEXT_BY_NAME.get(name, WORDS))
        raise AssertionError(f"cannot generate a value from {p!r} for {tag}/@{name}")

    def _data(self, p: Data, el: etree._Element, name: str) -> str:
        kind = p.type
        if kind == "ID":
            self.counter += 1
            ident = f"{el.tag}-{self.counter}".replace("_", "-")
            self.ids[ident] = el
            return ident
        if kind in ("IDREF", "IDREFS"):
            self.refs.append((el, name))
            return "unresolved"
        if kind == "integer":
            return str(self.draw.integer(-5, 100))
        if kind == "nonNegativeInteger":
            return str(self.draw.integer(0, 100))
        if kind == "positiveInteger":
            return str(self.draw.integer(1, 9))
        if kind == "boolean":
            return "true" if self.draw.boolean(0.5) else "false"
        patterns = dict(p.params)
        if "pattern" in patterns:
            return "3000-3010"
        for _ in range(20):
            word = self._pick(TEXT_BY_NAME.get(name, WORDS))
            if p.exclude is None or not matches(p.exclude, word):
                return word
        return f"x-{self.counter}"

    def _pick(self, options: tuple[str, ...]) -> str:
        return options[self.draw.integer(0, len(options) - 1)]

    def _fill_refs(self) -> None:
        done = 0
        while done < len(self.refs):  # redone elements may add references
            el, name = self.refs[done]
            done += 1
            if name not in el.attrib:
                continue  # made sensible away
            tag = str(el.tag)
            wanted = IDREF_TARGETS.get((tag, name))
            own = el.get("id")
            if wanted is None and name == "id-ref":
                wanted = frozenset({tag})
            taken = {v for k, v in el.attrib.items() if k != name}  # first != then...
            candidates = sorted(
                i
                for i, target in self.ids.items()
                if (wanted is None or target.tag in wanted)
                and i != own
                and i not in taken
                and not (name == "id-ref" and _encloses_or_neighbours(target, el))
                and not (wanted is RESOURCE_TAGS and not _top_or_member(target))
                and not (tag == "rule" and not _same_resource(target, el))
                # ids in the free-form status section are not IDs to the schema
                and not any(a.tag == "status" for a in target.iterancestors())
            )
            if candidates:
                el.set(name, self._pick(tuple(candidates)))
            elif name == "id-ref" and id(el) in self.redo:
                choice, depth = self.redo.pop(id(el))
                for attribute in set().union(*(attribute_names(b) for b in choice.items)):
                    el.attrib.pop(attribute, None)
                definitions = Choice(tuple(b for b in choice.items if not is_reference(b)))
                self._content(definitions, el, depth)
            elif (tag, name) == ("role", "id") and el.getparent() is not None:
                el.getparent().remove(el)  # a target or group may have no role
            elif not self._define_instead(el, name):
                el.set(name, "dangling")  # crm_verify refuses it; so may we

    def _define_instead(self, el: etree._Element, name: str) -> bool:
        """With nothing to refer to, an nvset, nvpair or operations block
        defines itself instead, and a primitive names an agent."""
        tag = str(el.tag)
        if name == "id-ref" and tag in SELF_DEFINING:
            del el.attrib["id-ref"]
            if "id" not in el.attrib:
                self.counter += 1
                el.set("id", f"{tag}-{self.counter}".replace("_", "-"))
            if tag == "nvpair":
                el.set("name", el.get("name") or "defined")
                el.set("value", "here")
            return True
        if (tag, name) == ("primitive", "template"):
            del el.attrib["template"]
            el.set("class", "ocf")
            el.set("provider", "pacemaker")
            el.set("type", "Dummy")
            return True
        return False

    def _sensible(self, root: etree._Element) -> None:
        """What crm_verify needs beyond the schema to judge the rest: fencing
        off (no fence devices are generated), and the schema declared (as
        Pacemaker always does; without it, Pacemaker picks one itself)."""
        root.set("validate-with", self.schema.name)
        crm_config = root.find("configuration/crm_config")
        if crm_config is not None:
            props = etree.Element("cluster_property_set", id="generated-options")
            etree.SubElement(
                props, "nvpair", id="generated-stonith", name="stonith-enabled", value="false"
            )
            crm_config.insert(0, props)
            self.ids["generated-options"] = props
            self.ids["generated-stonith"] = props[0]
        resources = root.find("configuration/resources")
        if resources is not None:
            # Two resources at least, for constraints to name.
            for n in range(2 - len(resources.findall("primitive"))):
                rsc = etree.SubElement(resources, "primitive", id=f"generated-rsc{n}")
                rsc.attrib.update({"class": "ocf", "provider": "pacemaker", "type": "Dummy"})
                self.ids[rsc.get("id", "")] = rsc
        for rule in root.iterfind("configuration/constraints/rsc_location/rule"):
            if "id-ref" not in rule.attrib and not {"score", "score-attribute"} & set(rule.attrib):
                rule.set("score", "10")  # crm_verify: a location rule needs a score
        stateful = {"class": "ocf", "provider": "pacemaker", "type": "Stateful"}
        for primitive in root.iterfind(".//master//primitive"):
            # Only OCF agents can be promotable (templates too, as a master's
            # primitive may name one).
            if "template" not in primitive.attrib:
                primitive.attrib.update(stateful)
            for template in root.iterfind("configuration/resources/template"):
                template.attrib.update(stateful)
        for bundle in root.iterfind(".//bundle"):
            network = bundle.find("network")
            if bundle.find("primitive") is not None and (
                network is None or not {"ip-range-start", "control-port"} & set(network.attrib)
            ):
                # Pacemaker needs a way to reach the bundled resource.
                if network is None:
                    network = etree.SubElement(bundle, "network")
                network.set("control-port", "3121")
            if network is not None and "control-port" in network.attrib:
                for container in bundle.iterfind("*"):
                    if container.tag in ("docker", "podman", "rkt"):
                        container.set("replicas-per-host", "1")


def _top_or_member(target: etree._Element) -> bool:
    """A resource that constraints may name: not the primitive of a bundle."""
    parent = target.getparent()
    if parent is not None and parent.tag == "group":
        parent = parent.getparent()
    return parent is not None and parent.tag == "resources"


def _same_resource(target: etree._Element, el: etree._Element) -> bool:
    """Pacemaker looks a rule's ``id-ref`` up inside the resource it is in."""

    def top(x: etree._Element) -> etree._Element | None:
        for a in x.iterancestors():
            if a.tag in RESOURCE_TAGS or a.tag == "template":
                return a
        return None

    return top(target) is top(el)


def attribute_names(p: Pattern) -> set[str]:
    if isinstance(p, Attribute) and p.name is not None:
        return {p.name}
    if isinstance(p, Group):
        return set().union(*(attribute_names(i) for i in p.items))
    return set()


def _encloses_or_neighbours(target: etree._Element, el: etree._Element) -> bool:
    """A reference to an enclosing element or a sibling loops (a rule naming
    the rule it is in, a resource set naming a set of the same constraint:
    crm_verify 2.1.5 spins on the latter)."""
    if el.tag == "resource_set" and target.getparent() is el.getparent():
        return True
    return any(a is target for a in el.iterancestors())


def is_reference(p: Pattern) -> bool:
    """A branch that is an ``id-ref`` attribute (and perhaps a few more)."""
    if isinstance(p, Attribute):
        return p.name == "id-ref"
    if isinstance(p, Group):
        return any(is_reference(i) for i in p.items)
    return False


def allowed(p: Pattern, seen: frozenset[int] = frozenset()) -> bool:
    if isinstance(p, NotAllowed):
        return False
    if isinstance(p, Ref):
        return id(p) in seen or allowed(p.target, seen | {id(p)})
    if isinstance(p, Group | Interleave):
        return all(allowed(i, seen) for i in p.items)
    if isinstance(p, Choice):
        return any(allowed(i, seen) for i in p.items)
    return True


_SIZES: dict[int, int] = {}


def size(p: Pattern, seen: frozenset[int] = frozenset()) -> int:
    """How many elements the smallest instance of ``p`` has (to stop recursion)."""
    key = id(p)
    if key in _SIZES:
        return _SIZES[key]
    if isinstance(p, Ref):
        if key in seen:
            return 1000
        result = size(p.target, seen | {key})
    elif isinstance(p, Element):
        result = 1 + size(p.body, seen)
    elif isinstance(p, Group | Interleave):
        result = sum(size(i, seen) for i in p.items)
    elif isinstance(p, Choice):
        result = min(size(i, seen) for i in p.items if allowed(i))
    elif isinstance(p, Repeat):
        result = p.minimum * size(p.item, seen)
    else:
        result = 0
    if not seen:
        _SIZES[key] = result
    return result


def matches(p: Pattern, text: str) -> bool:
    """Whether ``text`` is one of the values an ``except`` pattern excludes."""
    if isinstance(p, Value):
        return p.text == text
    if isinstance(p, Choice | Group):
        return any(matches(i, text) for i in p.items)
    return isinstance(p, Data)


# -- comparison -------------------------------------------------------------------

# What the model writes in its modern spelling: (element, attribute) -> name,
# and values -> value; see ``paceline.cib.upgrade`` and ``Score``.
MODERN_NAMES: dict[tuple[str, str], str] = {("*", "masters"): "promoted-max"}
MODERN_VALUES: dict[str, str] = {
    "+INFINITY": "INFINITY",
    "Master": "Promoted",
    "Slave": "Unpromoted",
}
ROLE_ATTRIBUTES = frozenset({"role", "rsc-role", "with-rsc-role"})

Canon = tuple[str, tuple[tuple[str, str], ...], tuple["Canon", ...]]


def canonical(el: etree._Element) -> Canon:
    attrs: list[tuple[str, str]] = []
    for key, value in el.attrib.items():
        if (el.tag, key) == ("cib", "validate-with"):
            continue  # always written as the model's SCHEMA
        name = MODERN_NAMES.get(("*", str(key)), str(key))
        text = str(value)
        if text == "+INFINITY" or (name in ROLE_ATTRIBUTES and text in MODERN_VALUES):
            text = MODERN_VALUES[text]
        attrs.append((name, text))
    kids = [c for c in el if isinstance(c.tag, str) and not _means_nothing(c)]
    kids.sort(key=lambda c: str(c.tag))  # stable: order within one tag is kept
    return (str(el.tag), tuple(sorted(attrs)), tuple(canonical(c) for c in kids))


# Containers that, empty and without attributes, say nothing: the model does
# not keep them (it writes the required sections, and ``status`` and
# ``lrm_resources`` always, as Pacemaker does; the optional ones never empty).
EMPTY_MEANS_ABSENT = frozenset(
    {
        "status",
        "acls",
        "tags",
        "alerts",
        "rsc_defaults",
        "op_defaults",
        "fencing-topology",
        "operations",
        "lrm_resources",
    }
)


def _means_nothing(el: etree._Element) -> bool:
    return (
        el.tag in EMPTY_MEANS_ABSENT
        and not el.attrib
        and not any(isinstance(c.tag, str) for c in el)
    )


def keys(root: etree._Element) -> Iterator[tuple[str, ...]]:
    """The (parent, element) and (parent, element, attribute) keys of a document."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        ptag = "" if parent is None else str(parent.tag)
        yield (ptag, str(el.tag))
        for name in el.attrib:
            yield (ptag, str(el.tag), str(name))


def normalise_key(key: tuple[str, ...], known: Container[tuple[str, ...]]) -> tuple[str, ...]:
    """Free-form names (ticket attributes) as the ``*`` of the table."""
    if key in known or len(key) != 3:
        return key
    return (key[0], key[1], ANY)


def first_difference(a: Canon, b: Canon, path: str = "") -> str | None:
    """Where two canonical trees first differ (for failure messages)."""
    here = f"{path}/{a[0]}"
    if a[0] != b[0]:
        return f"{path}: <{a[0]}> vs <{b[0]}>"
    if a[1] != b[1]:
        return f"{here}: attributes {a[1]} vs {b[1]}"
    if len(a[2]) != len(b[2]):
        tags_a = [c[0] for c in a[2]]
        tags_b = [c[0] for c in b[2]]
        return f"{here}: children {tags_a} vs {tags_b}"
    for x, y in zip(a[2], b[2], strict=True):
        found = first_difference(x, y, here)
        if found:
            return found
    return None
