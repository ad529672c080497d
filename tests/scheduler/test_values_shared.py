"""Issue 10: the scheduler reads CIB values with ``paceline.cib.values`` (one
set of parsers for every consumer), with its defaults for unreadable text."""

from __future__ import annotations

from paceline.cib import values as cib_values
from paceline.scheduler import values


def test_the_scheduler_uses_the_cib_parsers() -> None:
    assert values.add is cib_values.add_scores
    assert values.clamp is cib_values.clamp_score
    assert values.INF == cib_values.INFINITY_VALUE


def test_its_readings_with_defaults() -> None:
    assert values.is_true(" yes ") and not values.is_true("maybe")
    assert values.is_true(None, default=True) and values.is_true("maybe", default=True)
    assert values.score("-INFINITY") == -values.INF and values.score("+inf", 5) == 5
    assert values.score("100abc") == 100 and values.score(None, 7) == 7
    # Pacemaker's crm_get_msec: a fraction is cut, units after blanks count
    assert values.interval_ms("10.5s") == 10_000 and values.interval_ms("10 s") == 10_000
    assert values.interval_ms("P1DT1M") == 86_460_000 and values.interval_ms("oops") == 0
