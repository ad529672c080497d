"""Reading attribute values as Pacemaker does: booleans and operation intervals."""

from __future__ import annotations

import re

from paceline.cib.codec import parse_bool


def boolean(text: str | None) -> bool | None:
    """Pacemaker's boolean reading; None when ``text`` is absent or not a boolean."""
    return None if text is None else parse_bool(text)


_UNITS_MS = {
    "": 1000,
    "s": 1000,
    "sec": 1000,
    "ms": 1,
    "msec": 1,
    "us": 0.001,
    "usec": 0.001,
    "m": 60_000,
    "min": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
}
_PLAIN_DURATION = re.compile(r"\s*(\d+)\s*([a-z]*)\s*$", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$",
    re.IGNORECASE,
)
_ISO_FACTORS_S = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_interval_ms(text: str) -> int | None:
    """An operation interval in milliseconds (``10``, ``10s``, ``500ms``, ``1min``,
    ``PT40S``), or None when it is not one."""
    iso = _ISO_DURATION.match(text.strip())
    if iso and text.strip().upper() not in ("P", "PT"):
        return 1000 * sum(
            int(g or 0) * f for g, f in zip(iso.groups(), _ISO_FACTORS_S, strict=True)
        )
    plain = _PLAIN_DURATION.match(text)
    if plain is None:
        return None
    factor = _UNITS_MS.get(plain.group(2).lower())
    return None if factor is None else int(int(plain.group(1)) * factor)
