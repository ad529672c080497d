"""A hand-made pacemaker-3.9 CIB using every element and attribute of the
schema's configuration part that the corpus lacks: it must come back out of
the codec as the same tree (up to sibling order and the modern spellings),
and together with the corpus it must cover the whole grammar."""

from __future__ import annotations

from pathlib import Path

from cibtest import SCHEMA_DIR, corpus_files, relaxng
from lxml import etree

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import SCHEMA

SINK = Path(__file__).resolve().parent / "data" / "kitchen-sink-3.9.xml"
RNG = "{http://relaxng.org/ns/structure/1.0}"
# The grammar files pacemaker-3.9.rng is made of (status is free-form there).
GRAMMAR = (
    "cib-1.2",
    "versions",
    "options-3.9",
    "nodes-3.9",
    "resources-3.9",
    "constraints-3.9",
    "fencing-2.4",
    "acls-3.8",
    "tags-3.3",
    "alerts-3.9",
    "nvset-3.9",
    "rule-3.9",
    "score",
)
# What we write differently on purpose: the modern spelling of the same thing.
MODERN_NAMES = {"masters": "promoted-max"}
MODERN_VALUES = {"+INFINITY": "INFINITY"}

Canon = tuple[str, tuple[tuple[str, str], ...], tuple["Canon", ...]]


def canon(el: etree._Element) -> Canon:
    """The element as a tree that ignores sibling order."""
    attrs = tuple(
        sorted(
            (MODERN_NAMES.get(str(k), str(k)), MODERN_VALUES.get(str(v), str(v)))
            for k, v in el.attrib.items()
        )
    )
    kids = tuple(sorted(canon(c) for c in el if isinstance(c.tag, str)))
    return (str(el.tag), attrs, kids)


def test_kitchen_sink_is_valid_and_comes_back_whole() -> None:
    original = etree.parse(str(SINK)).getroot()
    schema = relaxng(SCHEMA)
    assert schema.validate(original), str(schema.error_log.last_error)
    cib = decode_cib(SINK.read_bytes(), file=str(SINK))
    written = etree.fromstring(encode_cib(cib))
    assert schema.validate(written), str(schema.error_log.last_error)
    assert canon(written) == canon(original)
    assert decode_cib(etree.tostring(written)) == cib


def _grammar_names() -> tuple[set[str], set[str]]:
    elements: set[str] = set()
    attributes: set[str] = set()
    for name in GRAMMAR:
        tree = etree.parse(str(SCHEMA_DIR / f"{name}.rng"))
        for node in tree.iter(RNG + "element", RNG + "attribute"):
            if node.get("name"):
                target = elements if node.tag == RNG + "element" else attributes
                target.add(str(node.get("name")))
    return elements, attributes


def test_kitchen_sink_and_corpus_cover_the_grammar() -> None:
    elements, attributes = _grammar_names()
    seen_elements: set[str] = set()
    seen_attributes: set[str] = set()
    for path in [SINK, *corpus_files()]:
        for el in etree.parse(str(path)).getroot().iter():
            if isinstance(el.tag, str):
                seen_elements.add(el.tag)
                seen_attributes.update(str(k) for k in el.attrib)
    assert elements - seen_elements == set()
    assert attributes - seen_attributes == set()
