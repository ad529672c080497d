"""CIBs generated from Pacemaker's grammar (``rnggen``), judged by Debian's
real ``crm_verify --xml-file`` (Pacemaker 2.1.5): whatever it accepts (no
error; warnings allowed) we load and write back equal (``rnggen.canonical``);
whatever we refuse carries file, line and column, and crm_verify refuses it
too. Some examples get one thing the schema does not know (an attribute or an
element inside the configuration): crm_verify refuses them, and so must we,
pointing at it.

CI runs 50 examples (each one crm_verify call); ``slow`` runs 500.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from rng import Schema, load_schema
from rnggen import Generator, HypothesisDraw, canonical, first_difference

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.codec.positions import SourceText
from paceline.core.errors import ConfigError

CRM_VERIFY = shutil.which("crm_verify") or "/usr/sbin/crm_verify"
pytestmark = [
    pytest.mark.crmsh,
    pytest.mark.skipif(not Path(CRM_VERIFY).exists(), reason="crm_verify not installed"),
]

UNKNOWN = "paceline-unknown"
MUTATIONS = (None, None, "attribute", "element")  # half the examples unchanged


@functools.cache
def _schema() -> Schema:
    return load_schema()


def crm_verify_accepts(path: Path) -> tuple[bool, str]:
    """crm_verify's verdict: accepted unless it reports errors (exit code 78
    also means warnings only: "Warnings found during check")."""
    try:
        run = subprocess.run(
            [CRM_VERIFY, "--xml-file", str(path)], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return False, "crm_verify timed out"
    out = run.stdout + run.stderr
    return run.returncode == 0 or "Errors found" not in out, out


def _mutate(doc: etree._Element, how: str | None, data: st.DataObject) -> etree._Element | None:
    """Add one attribute or element the schema does not know somewhere in the
    configuration; the element it is on (or the new element), or None."""
    if how is None:
        return None
    places = [el for el in doc.iterfind("configuration//*") if isinstance(el.tag, str)]
    place = data.draw(st.sampled_from(places), label="mutated element")
    if how == "attribute":
        place.set(UNKNOWN, "x")
        return place
    return etree.SubElement(place, UNKNOWN)


def check(data: st.DataObject, tmp: Path, stats: dict[str, int]) -> None:
    doc = Generator(_schema(), HypothesisDraw(data)).document()
    how = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    mutated = _mutate(doc, how, data)
    text = etree.tostring(doc, pretty_print=True)
    path = tmp / "generated.xml"
    path.write_bytes(text)
    accepted, said = crm_verify_accepts(path)
    stats["accepted" if accepted else "refused by crm_verify"] += 1
    try:
        cib = decode_cib(text, file=str(path))
    except ConfigError as exc:
        stats["refused by us"] += 1
        assert not accepted, f"crm_verify accepts what we refuse: {exc}\n{text.decode()}"
        assert exc.file == str(path) and exc.line is not None and exc.column is not None, exc
        if mutated is not None:
            # The error points at what was added.
            parsed = etree.fromstring(text)
            target = next(el for el in parsed.iter() if el.tag == UNKNOWN or UNKNOWN in el.attrib)
            src = SourceText(text)
            where = (
                src.attribute_position(target, UNKNOWN)
                if how == "attribute"
                else src.element_position(target)
            )
            assert (exc.line, exc.column) == where, exc
        return
    assert mutated is None, f"we load what the schema does not know ({how}); crm_verify: {said}"
    if accepted:
        stats["loaded and equal"] += 1
        written = etree.fromstring(encode_cib(cib))
        diff = first_difference(canonical(etree.fromstring(text)), canonical(written))
        assert diff is None, f"does not come back equal: {diff}\n{text.decode()}"


def _run(examples: int):  # type: ignore[no-untyped-def]
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def run(data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
        stats = STATS.setdefault(examples, _counter())
        check(data, tmp_path_factory.mktemp("gen"), stats)

    return run


def _counter() -> dict[str, int]:
    return dict.fromkeys(
        ("accepted", "refused by crm_verify", "refused by us", "loaded and equal"), 0
    )


STATS: dict[int, dict[str, int]] = {}

test_what_crm_verify_accepts_we_load_and_write_back_equal = _run(50)
test_what_crm_verify_accepts_we_load_and_write_back_equal_long = pytest.mark.slow(_run(500))


def test_the_examples_were_judged() -> None:
    """The property test above ran and crm_verify accepted some of its
    examples (else it would prove nothing): run after it in file order."""
    stats = STATS.get(50)
    if stats is None:
        pytest.skip("the property test did not run in this session")
    print(f"\nschema examples judged by crm_verify: {stats}")
    assert stats["accepted"] >= 10, stats
    assert stats["refused by us"] >= 1, stats
