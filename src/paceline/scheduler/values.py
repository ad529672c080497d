"""Pacemaker's readings of CIB text, as the scheduler uses them: the parsers
are ``paceline.cib.values``' (one definition for every consumer); this module
only gives them the scheduler's shape, a default for absent or unreadable
text instead of None.
"""

from __future__ import annotations

import re

from paceline.cib.values import (
    INFINITY_VALUE,
    add_scores,
    clamp_score,
    parse_bool,
    parse_interval_ms,
    parse_score,
)

INF = INFINITY_VALUE

clamp = clamp_score
add = add_scores


def is_true(text: str | None, default: bool = False) -> bool:
    """Pacemaker's crm_is_true, with a default for absent or unreadable text."""
    if text is None:
        return default
    value = parse_bool(text.strip())
    return default if value is None else value


_LEADING_INTEGER = re.compile(r"[+-]?[0-9]+")


def score(text: str | None, default: int = 0) -> int:
    """A score as Pacemaker's char2score reads it: a score, else the integer it
    starts with (``100abc`` is 100), else ``default``."""
    if text is None:
        return default
    value = parse_score(text)
    if value is not None:
        return value
    leading = _LEADING_INTEGER.match(text.strip())
    return default if leading is None else clamp_score(int(leading.group()))


def interval_ms(text: str | None) -> int:
    """An interval or timeout (``10s``, ``1min``, ``PT1M``, ``500ms``) in
    milliseconds; 0 when absent or unreadable."""
    if text is None:
        return 0
    value = parse_interval_ms(text.strip())
    return 0 if value is None else value
