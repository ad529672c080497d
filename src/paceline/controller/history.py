"""Operation history: what each node's executor did, as ``lrm_rsc_op`` entries.

Every node keeps the history of its own executor (``NodeHistory``); it is
the one source of truth for what runs where. The node reports every result
to the DC (``OpRecord`` in a ``result`` message) and its whole history when
a view is installed (``join``); the DC folds the same records into the
status section with ``to_lrm``. A restarted daemon starts with an empty
history, so the DC re-probes it instead of trusting an old status section.

Entry ids follow Pacemaker: ``RSC_last_0`` for the last non-recurring
operation, ``RSC_monitor_INTERVAL`` for a recurring monitor,
``RSC_last_failure_0`` for the last failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from paceline.cib.model import Lrm, LrmResource, LrmRscOp
from paceline.core.errors import ProtocolError

OP_DONE = 0
OP_CANCELLED = 1
OP_TIMEOUT = 2
OP_ERROR = 4
RC_NOT_RUNNING = 7
RC_TIMEOUT = 198
FEATURE_SET = "3.16.2"
MAX_RECORDS = 10_000
"""At most this many history entries per node (a limit on every message)."""


@dataclass(frozen=True, slots=True)
class OpRecord:
    """One finished operation on ``node`` (what an ``lrm_rsc_op`` entry says)."""

    node: str
    rsc: str
    agent: str  # class:provider:type or class:type
    action: str
    interval_ms: int
    call_id: int
    rc: int
    op_status: int
    target_rc: int
    transition_key: str
    wall: int  # the node's wall clock when the call was queued (epoch s)
    exec_ms: int = 0
    queue_ms: int = 0
    exit_reason: str = ""

    @property
    def is_probe(self) -> bool:
        return self.action == "monitor" and self.interval_ms == 0

    @property
    def failed(self) -> bool:
        """Whether the result is an error (not merely news: a probe that finds a
        resource running or stopped reports state, not a failure)."""
        if self.op_status not in (OP_DONE,):
            return True
        if self.is_probe:
            return self.rc not in (0, RC_NOT_RUNNING, 8)
        return self.rc != self.target_rc

    @property
    def unexpected(self) -> bool:
        """The result differs from what the transition assumed."""
        return self.failed or self.rc != self.target_rc

    @property
    def op_key(self) -> str:
        return f"{self.rsc}_{self.action}_{self.interval_ms}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object, *, peer: str | None = None) -> OpRecord:
        if not isinstance(data, dict):
            raise ProtocolError("an operation record must be an object", peer=peer)
        try:
            rec = cls(**data)
        except TypeError as exc:
            raise ProtocolError(f"bad operation record: {exc}", peer=peer) from None
        for name in ("node", "rsc", "agent", "action", "transition_key", "exit_reason"):
            if not isinstance(getattr(rec, name), str):
                raise ProtocolError(f"operation record field {name} must be text", peer=peer)
        for name in ("interval_ms", "call_id", "rc", "op_status", "target_rc", "wall"):
            if not isinstance(getattr(rec, name), int):
                raise ProtocolError(f"operation record field {name} must be a number", peer=peer)
        return rec


def transition_key(action_id: int, transition_id: int, target_rc: int, uuid: str) -> str:
    """Pacemaker's ``action:transition:target-rc:uuid`` (the scheduler reads target-rc)."""
    return f"{action_id}:{transition_id}:{target_rc}:{uuid}"


def entry_id(rec: OpRecord) -> str:
    if rec.action == "monitor" and rec.interval_ms > 0:
        return f"{rec.rsc}_monitor_{rec.interval_ms}"
    return f"{rec.rsc}_last_0"


@dataclass(frozen=True, slots=True)
class RscHistory:
    agent: str
    entries: Mapping[str, OpRecord] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NodeHistory:
    """One node's executor history: resource id -> its entries (immutable)."""

    node: str
    resources: Mapping[str, RscHistory] = field(default_factory=dict)

    def record(self, rec: OpRecord) -> NodeHistory:
        """The history after ``rec``. A successful stop (or a probe finding the
        resource stopped) removes its recurring monitors, as their cancellation does."""
        old = self.resources.get(rec.rsc, RscHistory(rec.agent))
        entries = dict(old.entries)
        stopped = (rec.action == "stop" and not rec.failed) or (
            rec.is_probe and rec.rc == RC_NOT_RUNNING
        )
        if stopped:
            entries = {k: v for k, v in entries.items() if not _recurring(v)}
        entries[entry_id(rec)] = rec
        if rec.failed:
            entries[f"{rec.rsc}_last_failure_0"] = rec
        if sum(len(r.entries) for r in self.resources.values()) >= MAX_RECORDS:
            raise ProtocolError(f"more than {MAX_RECORDS} history entries on {self.node}")
        res = dict(self.resources)
        res[rec.rsc] = RscHistory(rec.agent, entries)
        return replace(self, resources=res)

    def cancel(self, rsc: str, interval_ms: int) -> NodeHistory:
        """Drop the recurring monitor ``rsc``/``interval_ms`` (it was cancelled)."""
        old = self.resources.get(rsc)
        key = f"{rsc}_monitor_{interval_ms}"
        if old is None or key not in old.entries:
            return self
        entries = {k: v for k, v in old.entries.items() if k != key}
        return replace(self, resources={**self.resources, rsc: RscHistory(old.agent, entries)})

    def forget(self, rsc: str | None) -> NodeHistory:
        """Drop the history of ``rsc`` (all of it when None): a cleanup re-probes."""
        if rsc is None:
            return replace(self, resources={})
        return replace(self, resources={k: v for k, v in self.resources.items() if k != rsc})

    def records(self) -> list[OpRecord]:
        return sorted(
            {id(r): r for h in self.resources.values() for r in h.entries.values()}.values(),
            key=lambda r: (r.rsc, r.call_id, r.action),
        )

    def running(self) -> set[str]:
        """Resources whose last result says they run here (for the checkers)."""
        out: set[str] = set()
        for rsc, h in self.resources.items():
            last = h.entries.get(f"{rsc}_last_0")
            if last is None:
                continue
            mons = [r for r in h.entries.values() if _recurring(r) and r.call_id > last.call_id]
            state = last
            if mons:
                state = max(mons, key=lambda r: r.call_id)
            if _runs(state):
                out.add(rsc)
        return out

    @classmethod
    def from_records(cls, node: str, records: Iterable[OpRecord]) -> NodeHistory:
        h = cls(node)
        for rec in sorted(records, key=lambda r: r.call_id):
            h = h.record(rec)
        return h


def _runs(state: OpRecord) -> bool:
    """Whether the resource runs after ``state`` (its latest entry)."""
    if state.action in ("start", "promote", "demote", "migrate_from"):
        return True  # a failed start may have left it half running
    if state.action == "stop":
        return state.failed
    if state.action == "monitor":
        return state.rc in (0, 8) or (state.interval_ms > 0 and state.rc != RC_NOT_RUNNING)
    return False


def _recurring(rec: OpRecord) -> bool:
    return rec.action == "monitor" and rec.interval_ms > 0


def _split_agent(agent: str) -> tuple[str, str, str | None]:
    parts = agent.split(":")
    if len(parts) == 3:
        return parts[0], parts[2], parts[1]
    if len(parts) == 2:
        return parts[0], parts[1], None
    return "ocf", agent, None


def to_op(entry: str, rec: OpRecord) -> LrmRscOp:
    return LrmRscOp(
        id=entry,
        operation=rec.action,
        call_id=rec.call_id,
        rc_code=rec.rc,
        op_status=rec.op_status,
        interval=rec.interval_ms,
        operation_key=rec.op_key,
        crm_feature_set=FEATURE_SET,
        transition_key=rec.transition_key,
        transition_magic=f"{rec.op_status}:{rec.rc};{rec.transition_key}",
        crm_debug_origin="do_update_resource",
        last_rc_change=rec.wall,
        exec_time=rec.exec_ms,
        queue_time=rec.queue_ms,
        exit_reason=rec.exit_reason or None,
        on_node=rec.node,
    )


def to_lrm(node_id: str, history: NodeHistory) -> Lrm:
    resources = []
    for rsc in sorted(history.resources):
        h = history.resources[rsc]
        cls, typ, provider = _split_agent(h.agent)
        ops = tuple(to_op(k, h.entries[k]) for k in sorted(h.entries))
        resources.append(LrmResource(rsc, cls, typ, provider, ops=ops))
    return Lrm(id=node_id, resources=tuple(resources))
