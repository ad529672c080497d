"""The schema is the yardstick: every element and attribute of Pacemaker's
newest pacemaker-3.x grammar (read from the installed RelaxNG files at test
time, status section included: see ``rng``) is modelled and round-trips
(XML -> model -> XML, equal up to ``rnggen.canonical``).

Documents are generated from the grammar with a seeded generator until every
element (with its parent) and every attribute (with its element and parent)
has appeared in a document that loaded and came back equal.
"""

from __future__ import annotations

import functools

import pytest
from lxml import etree
from rng import ANY, Table, derive, load_schema
from rnggen import Generator, RandomDraw, canonical, first_difference, keys, normalise_key

from paceline.cib.codec import decode_cib, encode_cib
from paceline.core.errors import ConfigError

# What the model deliberately does not keep: empty.
NOT_MODELLED: dict[tuple[str, ...], str] = {}
SEEDS = 400  # enough to cover the grammar (about 150 are needed); each is ~5 ms


@functools.cache
def _schema_and_table() -> tuple[object, Table]:
    schema = load_schema()
    return schema, derive(schema)


def test_the_newest_3x_schema_is_derived_with_status() -> None:
    schema, table = _schema_and_table()
    assert schema.name.startswith("pacemaker-3.")  # type: ignore[attr-defined]
    assert ("status", "node_state") in table.elements
    assert ("status", "lrm") in table.elements
    assert ("lrm_resources", "lrm_resource", "shutdown-lock") in table.attributes
    assert ("bundle", "storage") in table.elements
    assert ("storage", "storage-mapping", "source-dir-root") in table.attributes
    # The free-form parts are only the ticket attributes crm_ticket writes.
    assert [k for k in table.attributes if ANY in k] == [("tickets", "ticket_state", ANY)]
    assert not [k for k in table.elements if ANY in k]


def test_every_element_and_attribute_is_modelled_and_round_trips() -> None:
    schema, table = _schema_and_table()
    wanted = set(table.elements) | set(table.attributes)
    covered: set[tuple[str, ...]] = set()
    refused: dict[tuple[str, ...], str] = {}
    for seed in range(SEEDS):
        doc = Generator(schema, RandomDraw(seed)).document()  # type: ignore[arg-type]
        data = etree.tostring(doc)
        try:
            cib = decode_cib(data, file=f"seed-{seed}.xml")
        except ConfigError as exc:
            refused.setdefault(tuple(str(exc.field).split("/")), f"seed {seed}: {exc}")
            continue
        written = etree.fromstring(encode_cib(cib))
        diff = first_difference(canonical(doc), canonical(written))
        assert diff is None, f"seed {seed} does not come back equal: {diff}"
        assert decode_cib(etree.tostring(written)) == cib
        covered.update(normalise_key(k, wanted) for k in keys(doc))
        if wanted - covered <= set(NOT_MODELLED):
            break
    assert not refused, "schema-valid content refused:\n" + "\n".join(refused.values())
    assert sorted(wanted - covered - set(NOT_MODELLED)) == []
    # Each entry of the allow-list must still be needed.
    assert set(NOT_MODELLED) <= wanted - covered


@pytest.mark.parametrize("seed", [0, 1])
def test_generated_documents_are_schema_valid(seed: int) -> None:
    """The generator's output is what the grammar allows (checked by lxml's
    RelaxNG validator against the installed schema, status aside)."""
    from cibtest import relaxng

    schema, _table = _schema_and_table()
    doc = Generator(schema, RandomDraw(seed)).document()  # type: ignore[arg-type]
    validator = relaxng(schema.name)  # type: ignore[attr-defined]
    assert validator.validate(doc), str(validator.error_log.last_error)


@pytest.mark.parametrize("seed", range(5))
def test_an_attribute_the_schema_does_not_know_is_an_error_where_it_is(seed: int) -> None:
    """On any element of a generated configuration, an unknown attribute is
    refused with file, line and column of that attribute."""
    import random

    from paceline.cib.codec.positions import SourceText

    schema, _table = _schema_and_table()
    doc = Generator(schema, RandomDraw(seed)).document()  # type: ignore[arg-type]
    places = list(doc.iterfind("configuration//*"))
    place = random.Random(seed).choice(places)
    place.set("paceline-unknown", "x")
    text = etree.tostring(doc, pretty_print=True)
    with pytest.raises(ConfigError) as caught:
        decode_cib(text, file="mutated.xml")
    err = caught.value
    parsed = etree.fromstring(text)
    target = next(el for el in parsed.iter() if "paceline-unknown" in el.attrib)
    assert err.field == f"{place.tag}/@paceline-unknown"
    assert err.file == "mutated.xml"
    assert (err.line, err.column) == SourceText(text).attribute_position(target, "paceline-unknown")
