"""``show xml ID`` encodes only the objects asked for (issue 10), and prints
each exactly as the whole CIB's XML holds it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from paceline.cib.codec import decode_cib, encode
from paceline.cib.model import Cib
from paceline.cli import session as session_module
from paceline.cli.session import xml_elements
from paceline.core.errors import ConfigError
from paceline.crm import load
from paceline.crm.build import flatten
from shared_paths import CORPUS

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-cluster.crm"
SAMPLES = ["1-a-then-bm-move-b", "bundle-order-fencing", "clone-anon-failcount", "tags-coloc-order-1", "template-clone-group"]


def _cibs() -> list[tuple[str, Cib]]:
    seed, _ = load(Cib(), SEED.read_text())
    out = [("seed", seed)]
    for name in SAMPLES:
        path = CORPUS / f"{name}.xml"
        if path.exists():
            out.append((name, decode_cib(path.read_bytes(), file=str(path))))
    return out


def _from_whole(cib: Cib, ident: str) -> str:
    whole = encode.configuration_to_element(cib.configuration)
    found = whole.xpath(".//*[@id=$i]", i=ident)
    assert isinstance(found, list) and found
    element = copy.deepcopy(found[0])
    assert isinstance(element, etree._Element)
    element.tail = None
    etree.indent(element)
    return etree.tostring(element, encoding="unicode") + "\n"


@pytest.mark.parametrize(("name", "cib"), _cibs(), ids=[n for n, _ in _cibs()])
def test_each_object_alone_is_what_the_whole_cib_holds(name: str, cib: Cib) -> None:
    ids = [e.id for e in flatten(cib.configuration) if e.kind.value != "fencing_topology"]
    nodes = {n.id for n in cib.configuration.nodes}
    assert ids
    for ident in ids:
        if ident in nodes and any(r.id == ident for r in flatten(cib.configuration)[len(nodes) :]):
            continue  # a node id shared with a resource id: the resource is the object
        assert xml_elements(cib, [ident]) == _from_whole(cib, ident), ident


def test_an_object_is_encoded_without_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    cib, _ = load(Cib(), SEED.read_text())

    def whole(*args: object) -> None:
        raise AssertionError("the whole configuration was encoded")

    monkeypatch.setattr(session_module, "configuration_to_element", whole)
    monkeypatch.setattr(encode, "configuration_to_element", whole)
    text = xml_elements(cib, ["vip", "webapp-aft-fs"])
    assert text.startswith('<primitive id="vip"') and '<rsc_order id="webapp-aft-fs"' in text


def test_an_inner_id_and_an_unknown_one() -> None:
    cib, _ = load(Cib(), SEED.read_text())
    assert xml_elements(cib, ["drbd-monitor-30s"]).startswith('<op id="drbd-monitor-30s"')
    with pytest.raises(ConfigError, match="no such object: nope"):
        xml_elements(cib, ["nope"])
