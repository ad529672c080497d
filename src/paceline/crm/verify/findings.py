"""What the checks report: a ``Finding`` with its ``Severity``, and crm_verify's
overall ``Verdict`` over a list of findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from paceline.core.errors import Location


class Severity(IntEnum):
    """How bad a finding is; ordered so that ``max()`` gives the worst."""

    ADVICE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Verdict(StrEnum):
    """crm_verify's overall answer."""

    CLEAN = "clean"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: how bad, what (one line), which object, which check, what to
    do; ``refers_to`` is the id a dangling reference names, and ``location``
    where in the CIB's text the problem is (when the CIB was read from text)."""

    severity: Severity
    message: str
    object_id: str | None
    check: str
    hint: str | None = None
    refers_to: str | None = None
    location: Location | None = None

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.severity.label}: {self.location}: {self.message}"
        return f"{self.severity.label}: {self.message}"


def verdict(findings: Iterable[Finding]) -> Verdict:
    """ERROR if any error, WARNING if any warning, else CLEAN (advice does not count)."""
    worst = max((f.severity for f in findings), default=Severity.ADVICE)
    if worst is Severity.ERROR:
        return Verdict.ERROR
    if worst is Severity.WARNING:
        return Verdict.WARNING
    return Verdict.CLEAN
