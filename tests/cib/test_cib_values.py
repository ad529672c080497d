"""paceline.cib.values: Pacemaker 2.1's readings of booleans, integers,
scores, durations and intervals, and the one boolean reader behind both the
XML codec and crm text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paceline.cib.codec import decode_cib
from paceline.cib.values import (
    INFINITY_VALUE,
    add_scores,
    is_true,
    parse_bool,
    parse_int,
    parse_interval_ms,
    parse_msec,
    parse_score,
    score_text,
)
from paceline.core.errors import ConfigError
from paceline.crm import grammar

BOOLS = [
    ("true", True), ("TrUe", True), ("on", True), ("ON", True), ("yes", True),
    ("yES", True), ("y", True), ("Y", True), ("1", True),
    ("false", False), ("FaLsE", False), ("off", False), ("no", False), ("n", False),
    ("0", False),
    ("", None), ("blahblah", None), (" true", None), ("true ", None), ("2", None),
    ("t", None), ("yess", None), ("\ttrue", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), BOOLS)
def test_boolean_spellings_of_both_entry_points(text: str, value: bool | None) -> None:
    assert parse_bool(text) is value
    assert grammar.parse_bool(text) is value  # crm text reads the same
    assert is_true(text) is (value is True)


def _with_sequential(text: str) -> bytes:
    return f"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources>
    <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
    <primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/></resources>
  <constraints><rsc_order id="o"><resource_set id="s" sequential="{text}">
    <resource_ref id="a"/><resource_ref id="b"/></resource_set></rsc_order></constraints>
  </configuration><status/></cib>""".encode()


@pytest.mark.parametrize(("text", "value"), [("Yes", True), ("off", False), ("1", True)])
def test_xml_reader_takes_every_spelling(text: str, value: bool) -> None:
    cib = decode_cib(_with_sequential(text), file="cib.xml")
    (order,) = cib.configuration.constraints
    assert order.resource_sets[0].sequential is value  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [" true", "true ", "maybe"])
def test_xml_reader_refuses_blanks_around_a_boolean(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        decode_cib(_with_sequential(text), file="cib.xml")
    assert info.value.file == "cib.xml" and info.value.line == 5
    assert info.value.field is not None and "sequential" in info.value.field


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("-12", -12), ("+7", 7), ("1_0", None), ("\u0661", None), (" 1", None), ("", None)],
)
def test_integers(text: str, value: int | None) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("INFINITY", INFINITY_VALUE),
        ("+infinity", INFINITY_VALUE),
        ("-Infinity", -INFINITY_VALUE),
        (" 250 ", 250),
        ("2000000", INFINITY_VALUE),
        ("-2000000", -INFINITY_VALUE),
        ("inf", None),
        ("1.5", None),
    ],
)
def test_scores(text: str, value: int | None) -> None:
    assert parse_score(text) == value


def test_score_arithmetic_saturates_and_minus_infinity_wins() -> None:
    assert add_scores(INFINITY_VALUE, -INFINITY_VALUE) == -INFINITY_VALUE
    assert add_scores(-INFINITY_VALUE, INFINITY_VALUE) == -INFINITY_VALUE
    assert add_scores(INFINITY_VALUE, -5) == INFINITY_VALUE
    assert add_scores(999_999, 2) == INFINITY_VALUE
    assert add_scores(-999_999, -2) == -INFINITY_VALUE
    assert add_scores(100, -30) == 70
    assert score_text(INFINITY_VALUE) == "INFINITY"
    assert score_text(-INFINITY_VALUE) == "-INFINITY"
    assert score_text(5_000_000) == "INFINITY"


scores = st.integers(-2 * INFINITY_VALUE, 2 * INFINITY_VALUE)


@given(scores, scores)
def test_score_addition_is_commutative_and_bounded(a: int, b: int) -> None:
    assert add_scores(a, b) == add_scores(b, a)
    assert -INFINITY_VALUE <= add_scores(a, b) <= INFINITY_VALUE


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("10", 10_000),
        ("10s", 10_000),
        ("10sec", 10_000),
        ("10 seconds", 10_000),  # units are recognised by their first letters
        ("  5 s", 5_000),
        ("500ms", 500),
        ("500msec", 500),
        ("1500us", 1),
        ("1min", 60_000),
        ("3m", 180_000),
        ("2h", 7_200_000),
        ("2hr", 7_200_000),
        ("1.5s", 1_000),  # the fraction is cut
        ("10S", 10_000),
        ("100xs", None),
        (" 100 xs ", None),
        ("abcxyz", None),
        ("     ", None),
        ("", None),
        ("-5s", None),
        ("PT10S", None),  # crm_get_msec knows no ISO 8601
    ],
)
def test_durations(text: str, ms: int | None) -> None:
    assert parse_msec(text) == ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("P1DT2H", 93_600_000),
        ("PT40S", 40_000),
        ("P10S", 10_000),
        ("PT1M30S", 90_000),
        ("P1M", 30 * 86_400_000),  # M before T is months
        ("P1W", 7 * 86_400_000),
        ("P1Y", 365 * 86_400_000),
        ("10s", 10_000),
        ("1min", 60_000),
        ("P", None),
        ("PT", None),
        ("P1X", None),
        ("p1d", None),  # ISO only with a capital P
        ("PT1D", None),
    ],
)
def test_intervals(text: str, ms: int | None) -> None:
    assert parse_interval_ms(text) == ms
