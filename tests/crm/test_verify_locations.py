"""Verify's XML errors (duplicate id, dangling IDREF) and the decoder's unknown
element or attribute name file, line and column, as the README says."""

from __future__ import annotations

from dataclasses import replace

import pytest

from paceline.cib.codec import decode_cib
from paceline.core.errors import ConfigError, Location
from paceline.crm.verify import verify

XML = b"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/>
    <resources>
      <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="p" template="no-such-template"/>
    </resources>
    <constraints>
      <rsc_colocation id="c" score="INFINITY"
          rsc="a" with-rsc="nope"/>
      <rsc_order id="o"><resource_set id="s"><resource_ref id="a"/> <resource_ref id="gone"/>
      </resource_set></rsc_order>
    </constraints>
    <tags><tag id="t"><obj_ref id="missing"/></tag></tags>
  </configuration><status/></cib>"""


def located() -> dict[str, tuple[Location | None, str]]:
    found = verify(decode_cib(XML, file="t.xml"))
    return {f.message: (f.location, str(f)) for f in found if f.check != "fencing"}


def test_duplicate_id_points_at_its_second_definition() -> None:
    where, line = located()["ID a redefined"]
    assert where == Location("t.xml", 5, 7)
    assert line == "error: t.xml:5:7: ID a redefined"


@pytest.mark.parametrize(
    ("needle", "line", "column"),
    [
        ('with-rsc references an unknown ID "nope"', 10, 19),  # 2nd line of a start tag
        ('resource_ref id references an unknown ID "gone"', 11, 83),
        ('template references an unknown ID "no-such-template"', 6, 25),
        ('obj_ref id references an unknown ID "missing"', 14, 32),
    ],
)
def test_dangling_reference_points_at_its_attribute(needle: str, line: int, column: int) -> None:
    (where,) = [w for message, (w, _) in located().items() if needle in message]
    assert where == Location("t.xml", line, column)


def test_a_cib_not_read_from_text_has_no_location() -> None:
    cib = decode_cib(XML, file="t.xml")
    copy = replace(cib)  # the same content, but not what was read
    assert all(f.location is None for f in verify(copy))


def test_unknown_element_has_a_column() -> None:
    with pytest.raises(ConfigError) as info:
        decode_cib(XML.replace(b"<nodes/>", b"<nodes/> <bogus/>"), file="t.xml")
    assert (info.value.line, info.value.column) == (2, 40)
    assert str(info.value).startswith("t.xml:2:40: configuration/bogus: unknown element")


def test_unknown_attribute_points_at_the_attribute() -> None:
    with pytest.raises(ConfigError) as info:
        decode_cib(XML.replace(b'rsc="a" with', b'rsc="a" colour="red" with'), file="t.xml")
    assert (info.value.line, info.value.column) == (10, 19)
    assert info.value.field == "rsc_colocation/@colour"


def test_element_after_a_comment_with_markup_and_a_sibling_on_its_line() -> None:
    xml = XML.replace(b"<crm_config/>", b"<crm_config/><!-- <bogus/> -->")
    xml = xml.replace(b'type="Dummy"/>\n      <primitive id="p"', b'type="Dummy"/><wat/>\n<x')
    with pytest.raises(ConfigError) as info:
        decode_cib(xml, file="t.xml")
    assert (info.value.line, info.value.column) == (5, 72)
