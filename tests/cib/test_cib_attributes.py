"""One attribute table (``paceline.cib.model.attributes``): each row goes
through all four places that spell it -- the XML encoder and decoder, the crm
printer and parser -- by iterating the table, so a row added there (with its
dataclass field) is read, written, printed and parsed with no other change.
And the table holds every flat field of the dataclasses it describes."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from lxml import etree

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import (
    Bundle,
    BundleNetwork,
    Cib,
    Configuration,
    Container,
    ContainerEngine,
    PortMapping,
    StorageMapping,
)
from paceline.cib.model.attributes import (
    BUNDLE_TABLES,
    CONTAINER,
    NETWORK,
    PORT_MAPPING,
    Attr,
    AttrTable,
)
from paceline.crm.api import load
from paceline.crm.printer import format_configuration, quote

# Fields that are not XML attributes of the element: its children or its tag.
STRUCTURAL = {"engine", "port_mappings"}
ROWS = [(t, a) for t in BUNDLE_TABLES for a in t.attrs]


def _sample(a: Attr) -> Any:
    return {"integer": 7, "boolean": True}.get(a.kind, f"/v/{a.field}")


def _text(value: Any) -> str:
    return "true" if value is True else str(value)


def _bundle(table: AttrTable, a: Attr) -> tuple[Bundle, str]:
    """A bundle with ``a`` set (besides what is required), and the tag of
    the element that carries it."""
    one = {a.field: _sample(a)}
    container = Container(ContainerEngine.PODMAN, "img")
    network = storage = None
    if table is CONTAINER:
        container = Container(ContainerEngine.PODMAN, **{"image": "img", **one})
        tag = "podman"
    elif table is NETWORK:
        network = BundleNetwork(**one)
        tag = "network"
    elif table is PORT_MAPPING:
        network = BundleNetwork(port_mappings=(PortMapping(**{"id": "b-pm", **one}),))
        tag = "port-mapping"
    else:
        storage = (StorageMapping(**{"id": "b-sm", "target_dir": "/t", **one}),)
        tag = "storage-mapping"
    return Bundle("b", container, network=network, storage=storage), tag


@pytest.mark.parametrize(("table", "attr"), ROWS, ids=[f"{t.element}@{a.xml}" for t, a in ROWS])
def test_each_row_is_written_read_printed_and_parsed(table: AttrTable, attr: Attr) -> None:
    bundle, tag = _bundle(table, attr)
    cib = Cib(Configuration(resources=(bundle,)))
    value = _text(_sample(attr))
    # encoder
    xml = encode_cib(cib)
    (el,) = etree.fromstring(xml).iter(tag)
    assert el.get(attr.xml) == value
    # decoder
    assert decode_cib(xml).configuration.resources == (bundle,)
    # printer
    text = format_configuration(cib.configuration)
    keyword = "podman" if table is CONTAINER else tag
    clause = text[text.index(keyword) :]
    assert f"{attr.crm}={quote(value)}" in clause.split("\n")[0].split(), text
    # parser
    parsed, _notices = load(Cib(), text)
    assert parsed.configuration.resources == (bundle,), text


@pytest.mark.parametrize("table", BUNDLE_TABLES, ids=[t.element for t in BUNDLE_TABLES])
def test_the_table_holds_every_attribute_field(table: AttrTable) -> None:
    flat = {f.name for f in fields(table.model)} - STRUCTURAL
    assert {a.field for a in table.attrs} == flat


@pytest.mark.parametrize("legacy", [a for t in BUNDLE_TABLES for a in t.attrs if a.aliases])
def test_legacy_names_are_read_into_the_same_field(legacy: Attr) -> None:
    (alias,) = legacy.aliases
    text = f"primitive p ocf:pacemaker:Dummy\nbundle b podman image=img {alias}=3 primitive p\n"
    parsed, _ = load(Cib(), text)
    (bundle,) = (r for r in parsed.configuration.resources if isinstance(r, Bundle))
    assert getattr(bundle.container, legacy.field) == 3
