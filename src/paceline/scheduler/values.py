"""Pacemaker's readings of CIB text: booleans, scores (as ints), intervals.

Small local stand-ins until ``paceline.cib.values`` is on main.
"""

from __future__ import annotations

import re

INF = 1_000_000

_TRUE = frozenset({"true", "on", "yes", "y", "1"})
_FALSE = frozenset({"false", "off", "no", "n", "0"})


def is_true(text: str | None, default: bool = False) -> bool:
    """Pacemaker's crm_is_true, with a default for absent or unreadable text."""
    if text is None:
        return default
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return default


def clamp(value: int) -> int:
    return max(-INF, min(INF, value))


def add(a: int, b: int) -> int:
    """Score addition: -INFINITY wins, then +INFINITY, else the clamped sum."""
    if a <= -INF or b <= -INF:
        return -INF
    if a >= INF or b >= INF:
        return INF
    return clamp(a + b)


def score(text: str | None, default: int = 0) -> int:
    """A score as Pacemaker's char2score reads it (unreadable text gives ``default``)."""
    if text is None:
        return default
    t = text.strip()
    up = t.upper()
    if up in ("INFINITY", "+INFINITY"):
        return INF
    if up == "-INFINITY":
        return -INF
    m = re.match(r"[+-]?[0-9]+", t)
    if not m:
        return default
    return clamp(int(m.group(0)))


_UNITS = {
    "": 1000,
    "s": 1000,
    "sec": 1000,
    "ms": 1,
    "msec": 1,
    "us": 0,
    "usec": 0,
    "m": 60_000,
    "min": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
}
_ISO = re.compile(
    r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$", re.IGNORECASE
)


def interval_ms(text: str | None) -> int:
    """An interval or timeout (``10s``, ``1min``, ``PT1M``, ``500ms``) in milliseconds."""
    if text is None:
        return 0
    t = text.strip()
    if t.upper().startswith("P"):
        m = _ISO.match(t)
        if not m:
            return 0
        d, h, mi, s = (int(m.group(k) or 0) for k in ("d", "h", "m", "s"))
        return ((d * 24 + h) * 60 + mi) * 60_000 + s * 1000
    m = re.match(r"(\d+)\s*([a-zA-Z]*)$", t)
    if not m:
        return 0
    unit = _UNITS.get(m.group(2).lower())
    if unit is None:
        return 0
    return int(m.group(1)) * unit
