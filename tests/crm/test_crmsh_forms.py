"""Issue 10: ops print in crmsh's attribute order, and a node with a date rule
prints in a form crmsh reads back.

crmsh 4.4 prints an op's attributes in the order of the XML, which for crm
text is the order typed (it appends a missing ``interval=0`` last); Paceline
keeps that order (``Op.written``), prints it and writes the XML in it.
crmsh's syntax has words for only nine date-spec/duration fields (``hours
monthdays weekdays yearsdays months weeks years weekyears moon``): a rule
with ``minutes``, ``seconds``, ``yeardays`` or ``days`` read as crm text
would lose them, so crmsh shows such an object as ``xml <...>``, and so do
we. The ``crmsh`` tests run the installed crm on an offline CIB file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import Cib, Primitive
from paceline.crm import load, show

TYPED = (
    "primitive p ocf:heartbeat:Dummy \\\n"
    "\top start timeout=30s \\\n"
    "\top monitor role=Promoted timeout=20s interval=10s OCF_CHECK_LEVEL=10 \\\n"
    "\top stop on-fail=block timeout=40s start-delay=1s\n"
)
SHOWN = (
    "primitive p Dummy \\\n"
    "\top start timeout=30s interval=0 \\\n"
    "\top monitor role=Promoted timeout=20s interval=10s \\\n"
    "\top_params OCF_CHECK_LEVEL=10 \\\n"
    "\top stop on-fail=block timeout=40s start-delay=1s interval=0\n"
)
CRMSH_DATES = "node node1 \\\n\tattributes rule date spec hours=9-17 weekdays=1-5 standby=off\n"
OTHER_DATES = (
    "node node1 \\\n"
    "\tattributes rule date spec hours=9-17 yeardays=1-100 standby=on \\\n"
    "\tutilization rule date in start=2025-01-01 hours=12 minutes=30 capacity=3\n"
)


def test_ops_print_in_the_order_typed() -> None:
    cib, _ = load(Cib(), TYPED)
    assert show(cib) == SHOWN


def test_xml_keeps_the_op_attribute_order_both_ways() -> None:
    cib, _ = load(Cib(), TYPED)
    xml = encode_cib(cib).decode()
    assert 'name="start" timeout="30s" interval="0"' in xml  # as typed, for crmsh too
    again = decode_cib(xml.encode())
    assert show(again) == SHOWN
    # the order is how it was written, not what the op means
    rsc = again.configuration.resources[0]
    assert isinstance(rsc, Primitive)
    canonical, _ = load(Cib(), SHOWN.replace("timeout=30s interval=0", "interval=0 timeout=30s"))
    assert canonical.configuration == again.configuration
    assert "op start interval=0 timeout=30s" in show(canonical)


def test_a_node_with_date_fields_crmsh_lacks_is_shown_as_xml() -> None:
    cib, _ = load(Cib(), OTHER_DATES)
    text = show(cib)
    assert text.startswith('xml <node id="node1" uname="node1">')
    assert 'yeardays="1-100"' in text and 'minutes="30"' in text
    back, _ = load(Cib(), text)
    assert back.configuration == cib.configuration
    plain, _ = load(Cib(), CRMSH_DATES)
    assert show(plain) == CRMSH_DATES


# ----------------------------------------------------------------- against crmsh


def _crm(cib_file: Path, *args: str) -> str:
    env = {**os.environ, "CIB_file": str(cib_file), "TERM": "dumb"}
    done = subprocess.run(["crm", *args], env=env, capture_output=True, text=True, timeout=120)
    return done.stdout


def _empty(path: Path) -> Path:
    if shutil.which("crm") is None or shutil.which("cibadmin") is None:
        pytest.skip("crmsh/pacemaker-cli-utils not installed")
    empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True)
    path.write_text(empty.stdout)
    return path


def _objects(text: str) -> str:
    """crmsh's show without the property block crm -F needs here."""
    return text.split("property ")[0]


@pytest.mark.crmsh
def test_crmsh_shows_typed_ops_as_we_do(tmp_path: Path) -> None:
    theirs = _empty(tmp_path / "theirs.xml")
    script = tmp_path / "in.crm"
    script.write_text(TYPED + "property stonith-enabled=false\n")
    _crm(theirs, "-F", "configure", "load", "update", str(script))
    assert _objects(_crm(theirs, "configure", "show")) == SHOWN
    # and crmsh shows the XML we write the same way
    ours = tmp_path / "ours.xml"
    cib, _ = load(Cib(), TYPED)
    ours.write_bytes(encode_cib(cib))
    assert _objects(_crm(ours, "configure", "show")) == SHOWN


@pytest.mark.crmsh
@pytest.mark.parametrize("text", [CRMSH_DATES, OTHER_DATES], ids=["crm-form", "xml-form"])
def test_crmsh_reads_our_node_date_rules_back(tmp_path: Path, text: str) -> None:
    cib, _ = load(Cib(), text)
    ours = show(cib)
    target = _empty(tmp_path / "cib.xml")
    script = tmp_path / "in.crm"
    script.write_text(ours + "property stonith-enabled=false\n")
    _crm(target, "-F", "configure", "load", "update", str(script))
    assert _objects(_crm(target, "configure", "show")) == ours
    # what crmsh wrote means what ours means
    read = decode_cib(target.read_bytes())
    assert read.configuration.nodes == cib.configuration.nodes
