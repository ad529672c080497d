"""Pacemaker scores: integers clamped to ±INFINITY (1000000).

Pacemaker (``lib/common/scores.c``) reads a score as an integer or one of
``INFINITY``, ``+INFINITY``, ``-INFINITY``; anything beyond ±1000000 is
clamped to it. Adding scores is not plain addition: ``-INFINITY`` wins over
everything, then ``+INFINITY``, else the sum is clamped.

>>> Score.parse("+INFINITY") + Score.parse("-INFINITY")
Score(value=-1000000)
>>> str(Score(250) + Score(999_900))
'INFINITY'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INFINITY_VALUE = 1_000_000

_NAMED = {
    "INFINITY": INFINITY_VALUE,
    "+INFINITY": INFINITY_VALUE,
    "-INFINITY": -INFINITY_VALUE,
}
# ASCII digits only: Python's int() also takes "1_000" and other scripts' digits.
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True, order=True)
class Score:
    """A score; ``value`` is always within ±INFINITY_VALUE."""

    value: int

    def __post_init__(self) -> None:
        if self.value > INFINITY_VALUE:
            object.__setattr__(self, "value", INFINITY_VALUE)
        elif self.value < -INFINITY_VALUE:
            object.__setattr__(self, "value", -INFINITY_VALUE)

    @classmethod
    def parse(cls, text: str) -> Score:
        """Read a score; raises ``ValueError`` if ``text`` is not one."""
        stripped = text.strip()
        named = _NAMED.get(stripped.upper())
        if named is not None:
            return cls(named)
        if not _INTEGER.fullmatch(stripped):
            raise ValueError(f"not a score: {text!r}")
        return cls(int(stripped))

    @property
    def is_infinity(self) -> bool:
        return self.value == INFINITY_VALUE

    @property
    def is_minus_infinity(self) -> bool:
        return self.value == -INFINITY_VALUE

    @property
    def is_infinite(self) -> bool:
        return abs(self.value) == INFINITY_VALUE

    def __add__(self, other: Score) -> Score:
        if self.is_minus_infinity or other.is_minus_infinity:
            return MINUS_INFINITY
        if self.is_infinity or other.is_infinity:
            return INFINITY
        return Score(self.value + other.value)

    def __neg__(self) -> Score:
        return Score(-self.value)

    def __str__(self) -> str:
        if self.is_infinity:
            return "INFINITY"
        if self.is_minus_infinity:
            return "-INFINITY"
        return str(self.value)


INFINITY = Score(INFINITY_VALUE)
MINUS_INFINITY = Score(-INFINITY_VALUE)
ZERO = Score(0)
