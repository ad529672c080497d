"""What the controller core asks its driver to do, and what it is told back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paceline.cib.model import Cib


@dataclass(frozen=True, slots=True)
class ViewInfo:
    """An installed membership view: ``members`` maps node name -> node id;
    ``alive`` names the nodes heard at install time (a node heard but not a
    member is restarting, not dead)."""

    ring: str
    members: Mapping[str, str]
    dc: str
    quorate: bool
    alive: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ExecRequest:
    """One agent action for the local executor (recurring when ``interval_ms`` > 0:
    run once now, then every interval, reporting changes)."""

    rsc: str
    agent: str
    action: str
    interval_ms: int
    timeout_ms: int
    params: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.rsc, self.action, self.interval_ms)


@dataclass(frozen=True, slots=True)
class OpOutcome:
    """A finished call of the local executor (from ``executor.runner.OpResult``)."""

    rsc: str
    action: str
    interval_ms: int
    call_id: int
    rc: int
    wall: int
    exec_ms: int = 0
    queue_ms: int = 0
    timed_out: bool = False
    exit_reason: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.rsc, self.action, self.interval_ms)


@dataclass(frozen=True, slots=True)
class Broadcast:
    payload: bytes


@dataclass(frozen=True, slots=True)
class Execute:
    request: ExecRequest


@dataclass(frozen=True, slots=True)
class CancelRecurring:
    rsc: str
    action: str
    interval_ms: int


@dataclass(frozen=True, slots=True)
class WriteCib:
    cib: Cib


@dataclass(frozen=True, slots=True)
class SaveInput:
    """A scheduler input to keep (bounded count) for ``paceline simulate -x``."""

    cib: Cib
    seq: int


@dataclass(frozen=True, slots=True)
class Log:
    text: str


@dataclass(frozen=True, slots=True)
class Audit:
    record: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to a local client's change (``submit``)."""

    req: str
    ok: bool
    message: str
    version: str


Effect = Broadcast | Execute | CancelRecurring | WriteCib | SaveInput | Log | Audit | Reply
