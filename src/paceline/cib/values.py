"""Attribute values read exactly as Pacemaker 2.1 reads them.

One place for the small grammars every consumer of the CIB needs (the codec,
crm, verify, the scheduler's unpacking):

- **booleans** (``crm_str_to_boolean``): ``true on yes y 1`` and ``false off
  no n 0``, case-insensitive, nothing else; no whitespace is stripped, so
  ``" true"`` is not a boolean. ``is_true`` is Pacemaker's ``crm_is_true``:
  anything that is not a true spelling (absent, malformed) is false.
- **integers**: ASCII digits with an optional sign (Python's ``int`` also
  takes ``"1_0"`` and other scripts' digits, which Pacemaker does not).
- **scores** (``char2score``): an integer or ``INFINITY``/``+INFINITY``/
  ``-INFINITY`` (any case), clamped to ±1000000; additions saturate and
  ``-INFINITY`` wins over ``+INFINITY`` (see ``add_scores``).
- **durations** (``crm_get_msec``, used for timeouts and delays): leading
  blanks, digits, optional blanks, then a unit recognised by its first
  letters — ``ms``/``msec`` (1), ``us``/``usec`` (1/1000), ``s``/``sec``/none
  (1000), ``m``/``min`` (60000), ``h``/``hr`` (3600000) — anything after the
  recognised prefix is ignored, as Pacemaker's prefix comparison does
  (``"10 seconds"`` is ten seconds), an unknown unit is refused
  (``"100xs"``, ``"10 parsecs"``). A fraction is cut (``"1.5s"`` is 1000 ms).
- **intervals** (``crm_parse_interval_spec``, used for ``op/@interval``):
  an ISO 8601 duration when the text starts with ``P`` (``P1DT2H``,
  ``PT40S``; ``T`` may be left out before ``H``/``S``; a month is 30 days
  and a year 365 days, as Pacemaker counts a duration's seconds), else a
  ``crm_get_msec`` duration.

>>> parse_bool("Yes"), parse_bool(" yes"), is_true(None)
(True, None, False)
>>> parse_msec("10s"), parse_msec("1min"), parse_msec("2h"), parse_msec("500ms")
(10000, 60000, 7200000, 500)
>>> parse_interval_ms("P1DT2H"), parse_interval_ms("PT1M30S"), parse_interval_ms("p1d")
(93600000, 90000, None)
>>> parse_score("-inf") is None, parse_score("+INFINITY"), parse_score("2000000")
(True, 1000000, 1000000)
>>> add_scores(INFINITY_VALUE, -INFINITY_VALUE), add_scores(999_999, 5)
(-1000000, 1000000)
"""

from __future__ import annotations

import re

from paceline.cib.score import INFINITY_VALUE

__all__ = [
    "FALSE_SPELLINGS",
    "INFINITY_VALUE",
    "TRUE_SPELLINGS",
    "add_scores",
    "clamp_score",
    "is_true",
    "parse_bool",
    "parse_int",
    "parse_interval_ms",
    "parse_iso_duration_s",
    "parse_msec",
    "parse_score",
    "score_text",
]

TRUE_SPELLINGS = frozenset({"true", "on", "yes", "y", "1"})
FALSE_SPELLINGS = frozenset({"false", "off", "no", "n", "0"})


def parse_bool(text: str | None) -> bool | None:
    """Pacemaker's boolean (``crm_str_to_boolean``); None if ``text`` is absent
    or not one."""
    if text is None:
        return None
    lowered = text.lower()
    if lowered in TRUE_SPELLINGS:
        return True
    if lowered in FALSE_SPELLINGS:
        return False
    return None


def is_true(text: str | None) -> bool:
    """Pacemaker's ``crm_is_true``: True only for a true spelling."""
    return parse_bool(text) is True


_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_int(text: str) -> int | None:
    """An integer: optional sign and ASCII digits, nothing around; None otherwise."""
    return int(text) if _INTEGER.fullmatch(text) else None


# -- scores ---------------------------------------------------------------

_NAMED_SCORES = {"INFINITY": INFINITY_VALUE, "+INFINITY": INFINITY_VALUE}


def clamp_score(value: int) -> int:
    """``value`` held within ±INFINITY."""
    return max(-INFINITY_VALUE, min(INFINITY_VALUE, value))


def parse_score(text: str) -> int | None:
    """A score as an int within ±1000000 (``INFINITY`` names any case, blanks
    around allowed); None if ``text`` is not a score."""
    stripped = text.strip()
    upper = stripped.upper()
    if upper == "-INFINITY":
        return -INFINITY_VALUE
    named = _NAMED_SCORES.get(upper)
    if named is not None:
        return named
    number = parse_int(stripped)
    return None if number is None else clamp_score(number)


def add_scores(a: int, b: int) -> int:
    """Pacemaker's score addition: -INFINITY wins, then +INFINITY, else the
    clamped sum."""
    if a <= -INFINITY_VALUE or b <= -INFINITY_VALUE:
        return -INFINITY_VALUE
    if a >= INFINITY_VALUE or b >= INFINITY_VALUE:
        return INFINITY_VALUE
    return clamp_score(a + b)


def score_text(value: int) -> str:
    """A score as Pacemaker writes it (``INFINITY``, ``-INFINITY`` or the integer)."""
    value = clamp_score(value)
    if value == INFINITY_VALUE:
        return "INFINITY"
    if value == -INFINITY_VALUE:
        return "-INFINITY"
    return str(value)


# -- durations and intervals ----------------------------------------------

_BLANKS = " \t\n\r\f\v"
# (prefix, multiplier, divisor), tried in order: "ms" before "m".
_UNITS = (("ms", 1, 1), ("us", 1, 1000), ("s", 1000, 1), ("m", 60_000, 1), ("h", 3_600_000, 1))
_NUMBER = re.compile(r"[0-9.]+")


def parse_msec(text: str) -> int | None:
    """A duration in milliseconds as ``crm_get_msec`` reads it; None if not one."""
    start = len(text) - len(text.lstrip(_BLANKS))
    number = _NUMBER.match(text, start)
    if number is None:
        return None
    digits = number.group().split(".")[0]
    if not digits:
        return None
    units = text[number.end() :].lstrip(_BLANKS).lower()
    for prefix, multiplier, divisor in _UNITS:
        if units.startswith(prefix):
            return int(digits) * multiplier // divisor
    if units[:1] in ("", "\n", "\r"):
        return int(digits) * 1000
    return None


_ISO_FIELD = re.compile(r"([0-9]+)([YMWDHS])")
_ISO_DATE_S = {"Y": 365 * 86_400, "M": 30 * 86_400, "W": 7 * 86_400, "D": 86_400}
_ISO_TIME_S = {"H": 3600, "M": 60, "S": 1}


def parse_iso_duration_s(text: str) -> int | None:
    """An ISO 8601 duration (``P1DT2H``, ``PT40S``) in seconds; None if not one.

    ``M`` is months before ``T`` and minutes after it; ``H`` and ``S`` need no
    ``T``. At least one field must be given.
    """
    if not text.startswith("P"):
        return None
    pos, in_time, seconds, fields = 1, False, 0, 0
    while pos < len(text):
        if text[pos] == "T" and not in_time:
            in_time, pos = True, pos + 1
            continue
        found = _ISO_FIELD.match(text, pos)
        if found is None:
            return None
        value, unit = int(found.group(1)), found.group(2)
        table = _ISO_TIME_S if in_time or unit in "HS" else _ISO_DATE_S
        if unit not in table:
            return None
        seconds += value * table[unit]
        fields += 1
        pos = found.end()
    return seconds if fields else None


def parse_interval_ms(text: str) -> int | None:
    """An operation interval in milliseconds (``crm_parse_interval_spec``): ISO
    8601 when ``text`` starts with ``P``, else a ``parse_msec`` duration."""
    if text.startswith("P"):
        seconds = parse_iso_duration_s(text)
        return None if seconds is None else seconds * 1000
    return parse_msec(text)
