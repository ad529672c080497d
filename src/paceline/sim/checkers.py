"""Checkers: independent judges of a run, separate from the cores' assertions.

A checker sees every ``Observation`` (an event a core emitted, or a node's
boot or crash) as it happens and returns the ``Violation``s it finds; at the
end of the run ``finish`` reports what must hold once faults have healed
(liveness). Checkers never raise and never stop a run: a run collects every
violation and the seed replays it. Every checker has a test that feeds it a
bad history and sees it fire (testing.md H1: a checker that cannot fail
checks nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Observation:
    """Something ``node`` reported at simulated ``time``."""

    time: float
    node: str
    event: object


@dataclass(frozen=True, slots=True)
class Violation:
    """An invariant that did not hold: which, when, where, and one sentence why."""

    checker: str
    time: float
    node: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.time:.6f} {self.node or '-'} {self.checker}: {self.message}"


class Checker(Protocol):
    """An invariant over a run's observations."""

    name: str

    def observe(self, observation: Observation) -> list[Violation]:
        """Take one observation; the violations it reveals."""
        ...

    def finish(self, now: float) -> list[Violation]:
        """The run ended at ``now``: the violations of end-of-run properties."""
        ...


def check_history(
    checkers: Iterable[Checker], history: Iterable[Observation], end: float
) -> list[Violation]:
    """Run ``checkers`` over a recorded ``history`` ending at ``end``."""
    checkers = list(checkers)
    found: list[Violation] = []
    for observation in history:
        for checker in checkers:
            found += checker.observe(observation)
    for checker in checkers:
        found += checker.finish(end)
    return found
