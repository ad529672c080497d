"""Bad input: every failure is a ConfigError naming file, line and field;
decoding never raises anything else (checked by fuzzing corpus inputs)."""

from __future__ import annotations

import pytest
from cibtest import corpus_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paceline.cib.codec import decode_cib
from paceline.core.errors import ConfigError

GOOD = b"""<cib validate-with="pacemaker-3.7" epoch="3" num_updates="1" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources>
      <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
        <operations>
          <op id="ip-mon" name="monitor" interval="10s" role="Started"/>
        </operations>
      </primitive>
    </resources>
    <constraints>
      <rsc_location id="loc" rsc="ip" node="n1" score="100"/>
    </constraints>
  </configuration>
  <status/>
</cib>
"""


def error_for(data: bytes) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        decode_cib(data, file="cib.xml")
    return info.value


def test_good_document_loads() -> None:
    cib = decode_cib(GOOD, file="cib.xml")
    assert cib.epoch == 3


def test_truncated_xml() -> None:
    err = error_for(GOOD[: GOOD.index(b"<op ")])
    assert err.file == "cib.xml"
    assert err.line is not None and err.line >= 7
    assert "not well-formed" in str(err)


@pytest.mark.parametrize("data", [b"", b"\x00\xff garbage", b"just text", b"<cib"])
def test_not_xml(data: bytes) -> None:
    err = error_for(data)
    assert err.file == "cib.xml"
    assert str(err).startswith("cib.xml:")


def test_unknown_element_names_its_line() -> None:
    err = error_for(GOOD.replace(b"<nodes/>", b"<nodes/>\n    <bogus/>"))
    assert err.field == "configuration/bogus"
    assert err.line == 5
    assert "unknown element <bogus>" in err.message
    assert err.expected is not None and "<resources>" in err.expected


def test_unknown_element_deep() -> None:
    err = error_for(GOOD.replace(b'role="Started"/>', b'role="Started"><wat/></op>'))
    assert err.field == "op/wat"
    assert err.line == 8


def test_unknown_attribute() -> None:
    err = error_for(GOOD.replace(b'type="IPaddr2"', b'type="IPaddr2" colour="red"'))
    assert err.field == "primitive/@colour"
    assert err.line == 6
    assert err.text == "red"


def test_bad_epoch() -> None:
    err = error_for(GOOD.replace(b'epoch="3"', b'epoch="three"'))
    assert err.field == "cib/@epoch"
    assert err.line == 1
    assert err.expected == "an integer"
    assert err.text == "three"
    assert str(err) == (
        "cib.xml:1:36: cib/@epoch: bad value for 'epoch' of <cib> (near 'three'; expected an integer)"
    )
    # Every refusal has a column: the attribute's for a bad value.
    assert err.column == GOOD.split(b"\n")[0].index(b'epoch="') + 1


@pytest.mark.parametrize("text", ["1_0", "\u0663", "3.0"])
def test_epoch_is_ascii_digits(text: str) -> None:
    """Python's int() reads "1_0" as 10 (Pacemaker as 1) and Arabic-Indic digits."""
    err = error_for(GOOD.replace(b'epoch="3"', f'epoch="{text}"'.encode()))
    assert err.field == "cib/@epoch"
    assert err.text == text


def test_missing_epoch() -> None:
    err = error_for(GOOD.replace(b' epoch="3"', b""))
    assert err.field == "cib/@epoch"


def test_bad_score() -> None:
    err = error_for(GOOD.replace(b'score="100"', b'score="lots"'))
    assert err.field == "rsc_location/@score"
    assert err.line == 13
    assert "INFINITY" in (err.expected or "")


def test_bad_role() -> None:
    err = error_for(GOOD.replace(b'role="Started"', b'role="Boss"'))
    assert err.field == "op/@role"
    assert "Promoted" in (err.expected or "")


def test_missing_required_attribute() -> None:
    err = error_for(GOOD.replace(b' name="monitor"', b""))
    assert err.field == "op/@name"


def test_wrong_root() -> None:
    err = error_for(b"<configuration/>")
    assert err.field == "configuration"


def test_doctype_refused() -> None:
    data = b'<!DOCTYPE cib [<!ENTITY x "boom">]>\n' + GOOD.replace(b'node="n1"', b'node="&x;"')
    err = error_for(data)
    assert "DOCTYPE" in err.message


def test_text_content_refused() -> None:
    err = error_for(GOOD.replace(b"<nodes/>", b"<nodes>hello</nodes>"))
    assert err.field == "nodes"


def test_duplicate_section() -> None:
    err = error_for(GOOD.replace(b"<nodes/>", b"<nodes/><nodes/>"))
    assert "more than one <nodes>" in err.message


SAMPLES = [p.read_bytes() for p in corpus_files()[::60]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), st.binary(max_size=4)), max_size=4),
)
def test_mangled_input_only_raises_config_error(
    doc: bytes, edits: list[tuple[float, int, bytes]]
) -> None:
    """Whatever damage: the document loads, or a ConfigError says where."""
    for where, cut, insert in edits:
        at = int(where * len(doc))
        doc = doc[:at] + insert + doc[at + cut :]
    try:
        decode_cib(doc, file="x.xml")
    except ConfigError as err:
        assert err.file == "x.xml"


def test_unknown_schema_name() -> None:
    err = error_for(GOOD.replace(b"pacemaker-3.7", b"pacemaker-banana"))
    assert err.field == "cib/@validate-with"


def test_unknown_order_kind_only_without_validation() -> None:
    order = b'<rsc_order id="o" first="ip" then="ip" kind="foo"/>'
    data = GOOD.replace(b"<constraints>", b"<constraints>" + order)
    err = error_for(data)
    assert err.field == "rsc_order/@kind"
    cib = decode_cib(data.replace(b"pacemaker-3.7", b"none"))
    assert cib.configuration.constraints[0].kind == "foo"  # type: ignore[union-attr]


def test_lifetime_not_allowed_in_ticket() -> None:
    ticket = b'<rsc_ticket id="t" ticket="T" rsc="ip"><lifetime/></rsc_ticket>'
    err = error_for(GOOD.replace(b"<constraints>", b"<constraints>" + ticket))
    assert err.field == "rsc_ticket/lifetime"
    assert err.expected == "<resource_set>"
