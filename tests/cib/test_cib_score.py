"""Scores: parsing, clamping at ±INFINITY, and Pacemaker's addition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paceline.cib.score import INFINITY, INFINITY_VALUE, MINUS_INFINITY, ZERO, Score


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("100", 100),
        ("-50", -50),
        ("+7", 7),
        ("INFINITY", INFINITY_VALUE),
        ("+INFINITY", INFINITY_VALUE),
        ("-INFINITY", -INFINITY_VALUE),
        (" 12 ", 12),
        ("5000000", INFINITY_VALUE),
        ("-1000001", -INFINITY_VALUE),
    ],
)
def test_parse(text: str, value: int) -> None:
    assert Score.parse(text).value == value


@pytest.mark.parametrize(
    "text", ["", "inf", "1.5", "ten", "--1", "INFINITY!", "1_000", "\u0663", "0x10"]
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a score"):
        Score.parse(text)


def test_str() -> None:
    assert str(INFINITY) == "INFINITY"
    assert str(MINUS_INFINITY) == "-INFINITY"
    assert str(Score(-20)) == "-20"
    assert str(Score(10**9)) == "INFINITY"


def test_addition_follows_pacemaker() -> None:
    assert INFINITY + MINUS_INFINITY == MINUS_INFINITY
    assert MINUS_INFINITY + INFINITY == MINUS_INFINITY
    assert INFINITY + Score(-999_999) == INFINITY
    assert Score(999_999) + Score(5) == INFINITY
    assert Score(-999_999) + Score(-5) == MINUS_INFINITY
    assert Score(3) + Score(4) == Score(7)
    assert -INFINITY == MINUS_INFINITY


def test_order() -> None:
    assert MINUS_INFINITY < Score(-5) < ZERO < Score(5) < INFINITY


scores = st.builds(Score, st.integers(-3 * INFINITY_VALUE, 3 * INFINITY_VALUE))


@given(scores, scores)
def test_addition_properties(a: Score, b: Score) -> None:
    total = a + b
    assert total == b + a
    assert -INFINITY_VALUE <= total.value <= INFINITY_VALUE
    if not (a.is_infinite or b.is_infinite):
        assert total == Score(a.value + b.value)
    assert Score.parse(str(total)) == total
