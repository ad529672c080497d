"""The controller core: one per node, pure (DESIGN.md rules 1-4, 6).

Fed with events — a view installed (``on_view``), a group message
delivered (``on_message``), a result of the local executor
(``on_op_result``), a timer (``on_timer``), a local client's change
(``submit``) — it returns effects (``controller.effects``) for its driver:
messages to broadcast, agent actions to run, the CIB to write, the
scheduler input to keep, one log sentence per cycle.

Every node runs the *member* part: it keeps its CIB replica (adopting what
the DC broadcasts), runs the actions the DC sends it and reports each
result, and keeps its own executor history, the one truth of what runs
there. The node the view names DC also runs the *DC* part, a table-driven
state machine (``TABLE``):

- ``JOINING``: on a view change every member sends ``join`` (its CIB
  version, its whole history, its actions still running); the DC waits for
  all of them.
- ``PULLING``: a member has a newer CIB: the DC asks for it (``pull``/``push``)
  and keeps the highest (admin_epoch, epoch, num_updates).
- ``SETTLING``: some member still runs an action (sent by a DC that died):
  wait for its result instead of guessing, so nothing runs twice or is lost;
  a node outside the view that is still heard (its daemon restarted) is
  awaited too (``REJOIN_WAIT_S``), so its resources are not started twice.
- ``IDLE`` / ``RUNNING`` / ``ABORTING``: the scheduler runs on the joined
  CIB; the transition's actions go to the nodes as their inputs complete;
  results land in the status section and the CIB is broadcast; an
  unexpected result or a new event aborts (in-flight actions finish) and
  the scheduler runs again. ``cluster-recheck-interval`` and fail counts
  expiring by ``failure-timeout`` rerun it too.

Configuration changes from any node go to the DC (``change``), which
checks the base version (a concurrent change is refused, never
overwritten), bumps the epoch, broadcasts the CIB with an audit record
(who, when, what), and answers (``reply``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from paceline import __version__
from paceline.cib.model import Cib, Primitive, Role
from paceline.cib.versions import bump_epoch, bump_num_updates, parse_version
from paceline.controller import status as st
from paceline.controller import wire
from paceline.controller.effects import (
    Audit,
    Broadcast,
    CancelRecurring,
    Effect,
    ExecRequest,
    Execute,
    Log,
    OpOutcome,
    Reply,
    SaveInput,
    ViewInfo,
    WriteCib,
)
from paceline.controller.graph import Graph, Step, StepState
from paceline.controller.history import (
    FEATURE_SET,
    OP_DONE,
    OP_TIMEOUT,
    RC_NOT_RUNNING,
    NodeHistory,
    OpRecord,
    to_lrm,
    transition_key,
)
from paceline.core.errors import ProtocolError, StateError
from paceline.scheduler import schedule_with_state
from paceline.scheduler import values as sv
from paceline.scheduler.unpack import Cluster, first_values

DEFAULT_TIMEOUT_MS = 20_000
RC_PROMOTED = 8
DEFAULT_RECHECK_S = 15 * 60
JOIN_RETRY_S = 2.0
REJOIN_WAIT_S = 5.0
"""How long the DC waits for a node that left the view but is still heard
(its daemon restarted) before recovering its resources elsewhere."""
DEFAULT_CLUSTER_DELAY_S = 60.0
"""``cluster-delay``: the margin over an action's timeout before the DC gives
up on a node that never answers (the message was lost, the executor hung)."""
MAX_QUEUED_CHANGES = 64
MAX_EARLY_JOINS = 64
MAX_CHAIN = 20
DC_VERSION = f"paceline-{__version__}"


class DcState(enum.Enum):
    NONE = "not-dc"
    JOINING = "joining"
    PULLING = "pulling"
    SETTLING = "settling"
    IDLE = "idle"
    RUNNING = "running"
    ABORTING = "aborting"


class Input(enum.Enum):
    JOIN = "join"
    PUSH = "push"
    RESULT = "result"
    CANCELLED = "cancelled"
    CHANGE = "change"
    TIMER = "timer"
    ACTION_TIMEOUT = "action-timeout"


# (state, input) -> handler name. Everything else is a StateError.
_DC_STATES = (
    DcState.JOINING,
    DcState.PULLING,
    DcState.SETTLING,
    DcState.IDLE,
    DcState.RUNNING,
    DcState.ABORTING,
)
TABLE: dict[tuple[DcState, Input], str] = {
    (DcState.JOINING, Input.JOIN): "_dc_join",
    (DcState.JOINING, Input.TIMER): "_dc_join_timer",
    (DcState.PULLING, Input.PUSH): "_dc_push",
    (DcState.PULLING, Input.JOIN): "_dc_join_late",
    (DcState.PULLING, Input.TIMER): "_dc_join_timer",
    (DcState.SETTLING, Input.TIMER): "_dc_settle_timer",
    (DcState.IDLE, Input.TIMER): "_dc_recheck",
    (DcState.RUNNING, Input.TIMER): "_dc_recheck",
    (DcState.ABORTING, Input.TIMER): "_dc_recheck",
    (DcState.RUNNING, Input.ACTION_TIMEOUT): "_dc_action_timeout",
    (DcState.ABORTING, Input.ACTION_TIMEOUT): "_dc_action_timeout",
    **{(s, Input.RESULT): "_dc_result" for s in _DC_STATES},
    **{(s, Input.CANCELLED): "_dc_cancelled" for s in _DC_STATES},
    **{(s, Input.CHANGE): "_dc_change" for s in _DC_STATES},
    **{(s, Input.JOIN): "_dc_join_late" for s in _DC_STATES if s is not DcState.JOINING},
    **{(s, Input.PUSH): "_dc_push_late" for s in _DC_STATES if s is not DcState.PULLING},
}


@dataclass(slots=True)
class _Tag:
    """What the node knows of an action it runs: for its history entries."""

    agent: str
    transition_key: str
    target_rc: int
    tid: int
    aid: int


@dataclass(slots=True)
class _Join:
    version: tuple[int, int, int]
    history: NodeHistory
    pending: set[tuple[str, str, int]] = field(default_factory=set)


class Controller:
    """See the module docstring. ``node`` is this node's name; ``cib`` its replica
    as read from disk (or an empty ``Cib``)."""

    def __init__(self, node: str, cib: Cib, *, uuid: str = "0") -> None:
        self.node = node
        self.cib = cib
        self.uuid = uuid
        self.view: ViewInfo | None = None
        self.history = NodeHistory(node)
        # member part: actions running on the local executor, recurring ops
        self.in_flight: dict[tuple[str, str, int], _Tag] = {}
        self.recurring: dict[tuple[str, str, int], _Tag] = {}
        # DC part
        self.state = DcState.NONE
        self.joins: dict[str, _Join] = {}
        self.early_joins: dict[str, dict[str, dict[str, Any]]] = {}
        self.pull_from: str | None = None
        self.graph: Graph | None = None
        self.tid = 0
        self.inputs_saved = 0
        self.queued_changes: list[tuple[str, dict[str, Any]]] = []
        self.deadline_join: float | None = None
        self.deadline_recheck: float | None = None
        self.deadline_expiry: float | None = None
        self.deadline_rejoin: float | None = None
        self.action_deadlines: dict[int, float] = {}
        """aid -> when the DC gives up on that in-flight action of ``graph``."""
        self.recheck_needed = False
        self._out: list[Effect] = []
        self._dirty = False
        self._cluster: Cluster | None = None
        self.chain = 0
        """Transitions run back to back without an outside event (a bound on loops)."""
        self._now = 0.0
        self._wall = 0

    # ------------------------------------------------------------------ API

    @property
    def is_dc(self) -> bool:
        return self.state is not DcState.NONE

    def next_deadline(self) -> float | None:
        times = [
            t
            for t in (self.deadline_join, self.deadline_recheck, self.deadline_expiry)
            if t is not None
        ]
        times += self.action_deadlines.values()
        return min(times) if times else None

    def on_view(self, view: ViewInfo, now: float, wall: float) -> list[Effect]:
        return self._run(now, wall, lambda: self._view(view))

    def on_message(self, sender: str, payload: bytes, now: float, wall: float) -> list[Effect]:
        """A delivered group message; a malformed one raises ``ProtocolError``
        before anything changed."""
        if sender == self.node:
            return []  # our own broadcasts were handled when sent
        msg = wire.decode(payload, peer=sender)
        return self._run(now, wall, lambda: self._message(sender, msg))

    def on_op_result(self, outcome: OpOutcome, now: float, wall: float) -> list[Effect]:
        return self._run(now, wall, lambda: self._op_result(outcome))

    def on_quorum(self, quorate: bool, now: float, wall: float) -> list[Effect]:
        """Votequorum changed its verdict within the installed view."""
        return self._run(now, wall, lambda: self._quorum(quorate))

    def on_timer(self, now: float, wall: float) -> list[Effect]:
        return self._run(now, wall, self._timer)

    def submit(self, req: str, change: Mapping[str, Any], now: float, wall: float) -> list[Effect]:
        """A local client's change (``op`` replace/attr/cleanup, see ``_apply_change``);
        the answer comes back as a ``Reply`` effect, from the DC."""
        body = {**change, "req": req, "origin": self.node}
        return self._run(now, wall, lambda: self._to_dc("change", body))

    def running(self) -> set[str]:
        """Resources the local history says run here."""
        return self.history.running()

    # ------------------------------------------------------------ plumbing

    def _run(self, now: float, wall: float, fn: Callable[[], None]) -> list[Effect]:
        self._now, self._wall = now, int(wall)
        self._out = []
        fn()
        if self._dirty and self.is_dc:
            self._dirty = False
            self.cib = bump_num_updates(self.cib)
            self._publish()
        out, self._out = self._out, []
        return out

    def _emit(self, effect: Effect) -> None:
        self._out.append(effect)

    def _log(self, text: str) -> None:
        self._emit(Log(text))

    def _ring(self) -> str:
        return self.view.ring if self.view is not None else ""

    def _send(self, kind: str, to: str | None, body: dict[str, Any]) -> None:
        """A message to one node (``to``) or all (None); ours is handled here at once."""
        if to == self.node:
            self._message(self.node, {"k": kind, "v": wire.VERSION, **body})
            return
        fields = dict(body)
        if to is not None:
            fields["to"] = to
        self._emit(Broadcast(wire.encode(kind, ring=self._ring(), **fields)))

    def _to_dc(self, kind: str, body: dict[str, Any]) -> None:
        if self.view is None:
            if kind == "change":
                self._emit(
                    Reply(
                        str(body.get("req")),
                        False,
                        "no cluster view yet: try again",
                        str(self.cib.version),
                    )
                )
            return
        self._send(kind, self.view.dc, body)

    # --------------------------------------------------------- view changes

    def _view(self, view: ViewInfo) -> None:
        old_dc = self.view.dc if self.view is not None else None
        self.view = view
        self.chain = 0
        self.graph = None
        self.action_deadlines = {}
        self.joins = {}
        self.pull_from = None
        self.deadline_join = self.deadline_recheck = self.deadline_expiry = None
        self.deadline_rejoin = None
        if view.dc == self.node:
            self.state = DcState.JOINING
            self.deadline_join = self._now + JOIN_RETRY_S
            verb = "stays" if old_dc == self.node else "becomes"
            self._log(
                f"{self.node} {verb} DC of ring {view.ring} ({len(view.members)} member(s)"
                f"{'' if view.quorate else ', no quorum'}): gathering CIB versions and histories"
            )
        else:
            self.state = DcState.NONE
        self._send_join()
        if self.state is DcState.JOINING:
            for sender, msg in sorted(self.early_joins.pop(view.ring, {}).items()):
                self._message(sender, msg)

    def _quorum(self, quorate: bool) -> None:
        if self.view is None or self.view.quorate == quorate:
            return
        self.view = replace(self.view, quorate=quorate)
        if self.is_dc:
            self.cib = replace(self.cib, have_quorum=quorate)
            self._dirty = True
            self._abort("quorum " + ("gained" if quorate else "lost"))

    def _send_join(self) -> None:
        body = {
            "node": self.node,
            "version": list(self._version()),
            "history": [r.to_json() for r in self.history.records()],
            "pending": [list(k) for k in sorted(self.in_flight)],
        }
        self._to_dc("join", body)

    def _version(self) -> tuple[int, int, int]:
        v = self.cib.version
        return (v.admin_epoch, v.epoch, v.num_updates)

    # ------------------------------------------------------------- messages

    def _message(self, sender: str, msg: dict[str, Any]) -> None:
        kind = msg["k"]
        to = msg.get("to")
        if to is not None and to != self.node:
            return
        ring = msg.get("ring")
        if kind in ("join", "push") and sender != self.node and ring != self._ring():
            if kind == "join" and isinstance(ring, str):
                early = self.early_joins.setdefault(ring, {})  # a view not installed here yet
                if len(early) < MAX_EARLY_JOINS:
                    early[sender] = msg
                while len(self.early_joins) > 8:
                    del self.early_joins[next(iter(self.early_joins))]
            return  # from another view
        if kind == "join":
            self._dc_input(Input.JOIN, sender, msg)
        elif kind == "push":
            self._dc_input(Input.PUSH, sender, msg)
        elif kind == "result":
            if self.is_dc:
                self._dc_input(Input.RESULT, sender, msg)
        elif kind == "change":
            if self.is_dc:
                self._dc_input(Input.CHANGE, sender, msg)
            else:
                req = str(msg.get("req"))
                self._send(
                    "reply",
                    str(msg.get("origin")),
                    {
                        "req": req,
                        "ok": False,
                        "error": f"{self.node} is not the DC",
                        "version": str(self.cib.version),
                    },
                )
        elif kind == "cib":
            self._member_cib(sender, msg)
        elif kind == "exec":
            self._member_exec(sender, msg)
        elif kind == "cancel":
            self._member_cancel(sender, msg)
        elif kind == "cancelled":
            if self.is_dc:
                self._dc_input(Input.CANCELLED, sender, msg)
        elif kind == "pull":
            self._send("push", sender, {"cib": wire.pack_cib(self.cib)})
        elif kind == "join-req":
            if ring == self._ring():
                self._send_join()
        elif kind == "reply":
            self._emit(
                Reply(
                    str(msg.get("req")),
                    bool(msg.get("ok")),
                    str(msg.get("error") or msg.get("message") or ""),
                    str(msg.get("version") or ""),
                )
            )
        elif kind == "forget":
            rsc = msg.get("rsc")
            self.history = self.history.forget(rsc if isinstance(rsc, str) else None)

    def _dc_input(self, inp: Input, sender: str, msg: dict[str, Any]) -> None:
        if not self.is_dc:
            if inp is Input.JOIN:
                return  # a join for a DC we are not (a view we left)
            raise StateError("controller", self.state, inp)
        handler = TABLE.get((self.state, inp))
        if handler is None:
            raise StateError("controller", self.state, inp)
        getattr(self, handler)(sender, msg)

    # ---------------------------------------------------------- member part

    def _member_cib(self, sender: str, msg: dict[str, Any]) -> None:
        if self.view is None or sender != self.view.dc or msg.get("ring") != self.view.ring:
            return  # only the DC of our view speaks for the cluster
        cib = wire.unpack_cib(msg.get("cib"), peer=sender)
        if cib.version == self.cib.version and cib == self.cib:
            return
        self.cib = cib
        self._emit(WriteCib(cib))
        audit = msg.get("audit")
        if isinstance(audit, dict):
            self._emit(Audit(audit))

    def _member_exec(self, sender: str, msg: dict[str, Any]) -> None:
        if self.view is None or sender != self.view.dc:
            return
        req = ExecRequest(
            rsc=wire.field(msg, "rsc", str, peer=sender),
            agent=wire.field(msg, "agent", str, peer=sender),
            action=wire.field(msg, "action", str, peer=sender),
            interval_ms=wire.field(msg, "interval", int, peer=sender),
            timeout_ms=wire.field(msg, "timeout", int, peer=sender),
            params=_str_map(msg.get("params"), sender),
            meta=_str_map(msg.get("meta"), sender),
        )
        tag = _Tag(
            req.agent,
            wire.field(msg, "tkey", str, peer=sender),
            wire.field(msg, "target", int, peer=sender),
            wire.field(msg, "tid", int, peer=sender),
            wire.field(msg, "aid", int, peer=sender),
        )
        self.execute_local(req, tag)

    def _member_cancel(self, sender: str, msg: dict[str, Any]) -> None:
        """The DC cancels a recurring monitor (its configuration dropped it, or the
        node or resource went into maintenance): stop it, forget its entry, confirm."""
        if self.view is None or sender != self.view.dc:
            return
        rsc = wire.field(msg, "rsc", str, peer=sender)
        interval = wire.field(msg, "interval", int, peer=sender)
        key = (rsc, "monitor", interval)
        if self.recurring.pop(key, None) is not None or key in self.in_flight:
            self.in_flight.pop(key, None)
            self._emit(CancelRecurring(*key))
        self.history = self.history.cancel(rsc, interval)
        body = {"node": self.node, "rsc": rsc, "interval": interval}
        self._to_dc("cancelled", {**body, "tid": msg.get("tid"), "aid": msg.get("aid")})

    def execute_local(self, req: ExecRequest, tag: _Tag) -> None:
        if req.key in self.in_flight:
            self.in_flight[req.key] = tag  # already running: its result answers both
            self._log(
                f"{req.rsc} {req.action} is already running on {self.node}: not started twice"
            )
            return
        if not (req.action == "monitor" and req.interval_ms > 0):
            for key in [k for k in self.recurring if k[0] == req.rsc]:
                del self.recurring[key]
                self._emit(CancelRecurring(*key))
        else:
            self.recurring[req.key] = tag
        self.in_flight[req.key] = tag
        self._emit(Execute(req))

    def _op_result(self, out: OpOutcome) -> None:
        tag = self.in_flight.pop(out.key, None)
        if tag is None:
            tag = self.recurring.get(out.key)
        if tag is None:
            return  # a cancelled recurring monitor's last word
        op_status = OP_TIMEOUT if out.timed_out else OP_DONE
        rc = 1 if out.timed_out else out.rc
        rec = OpRecord(
            node=self.node,
            rsc=out.rsc,
            agent=tag.agent,
            action=out.action,
            interval_ms=out.interval_ms,
            call_id=out.call_id,
            rc=rc,
            op_status=op_status,
            target_rc=tag.target_rc,
            transition_key=tag.transition_key,
            wall=out.wall,
            exec_ms=out.exec_ms,
            queue_ms=out.queue_ms,
            exit_reason=out.exit_reason,
        )
        self.history = self.history.record(rec)
        self._to_dc("result", {"rec": rec.to_json(), "tid": tag.tid, "aid": tag.aid})

    # -------------------------------------------------------------- DC part

    def _dc_join(self, sender: str, msg: dict[str, Any]) -> None:
        self._take_join(sender, msg)
        self._joins_complete()

    def _dc_join_late(self, sender: str, msg: dict[str, Any]) -> None:
        # A member re-sent its join (it asked to, or it restarted within the view):
        # take its history as the truth and reschedule.
        self._take_join(sender, msg)
        if self.state not in (DcState.JOINING, DcState.PULLING):
            self._refresh_status()
            self._abort(f"{sender} re-joined")

    def _take_join(self, sender: str, msg: dict[str, Any]) -> None:
        version = msg.get("version")
        if not (
            isinstance(version, list)
            and len(version) == 3
            and all(isinstance(x, int) for x in version)
        ):
            raise ProtocolError("join: bad version", peer=sender)
        records = msg.get("history")
        if not isinstance(records, list):
            raise ProtocolError("join: bad history", peer=sender)
        history = NodeHistory.from_records(
            sender, (OpRecord.from_json(r, peer=sender) for r in records)
        )
        pending = msg.get("pending")
        if not isinstance(pending, list):
            raise ProtocolError("join: bad pending list", peer=sender)
        keys: set[tuple[str, str, int]] = set()
        for p in pending:
            if not (isinstance(p, list) and len(p) == 3):
                raise ProtocolError("join: bad pending entry", peer=sender)
            keys.add((str(p[0]), str(p[1]), int(p[2])))
        self.joins[sender] = _Join((version[0], version[1], version[2]), history, keys)

    def _joins_complete(self) -> None:
        assert self.view is not None
        missing = [m for m in self.view.members if m not in self.joins]
        if missing:
            return
        best = max(self.joins, key=lambda n: (self.joins[n].version, n == self.node))
        if self.joins[best].version > self._version() and best != self.node:
            self.state = DcState.PULLING
            self.pull_from = best
            self._send("pull", best, {})
            return
        self._joined()

    def _dc_join_timer(self, _fn: object = None) -> None:
        assert self.view is not None
        missing = sorted(m for m in self.view.members if m not in self.joins)
        if self.state is DcState.PULLING and self.pull_from is not None:
            missing = [self.pull_from]
            self._send("pull", self.pull_from, {})
        self.deadline_join = self._now + JOIN_RETRY_S
        if missing:
            self._log(
                f"DC {self.node} still waits for {', '.join(missing)} to join ring {self.view.ring}"
            )
            self._emit(Broadcast(wire.encode("join-req", ring=self._ring())))

    def _dc_push(self, sender: str, msg: dict[str, Any]) -> None:
        if sender != self.pull_from:
            return
        cib = wire.unpack_cib(msg.get("cib"), peer=sender)
        if cib.version > self.cib.version:
            self._log(
                f"DC {self.node} takes CIB {cib.version} from {sender} (had {self.cib.version})"
            )
            self.cib = cib
        self._joined()

    def _dc_push_late(self, sender: str, msg: dict[str, Any]) -> None:
        return  # an answer to a pull of an earlier view

    def _joined(self) -> None:
        """Every member has joined and the CIB is the newest: build the status."""
        assert self.view is not None
        self.deadline_join = None
        self.pull_from = None
        before = self.cib.configuration
        cib = st.ensure_nodes(self.cib, self.view.members)
        cfg = cib.configuration
        for name, value in (("dc-version", DC_VERSION), ("cluster-infrastructure", "corosync")):
            if st.get_pair(cfg.crm_config, name) != value:
                cfg = replace(
                    cfg,
                    crm_config=st.set_pair(cfg.crm_config, "cib-bootstrap-options", name, value),
                )
        cib = replace(cib, configuration=cfg)
        if cib.configuration != before:
            cib = bump_epoch(cib)
        self.cib = cib
        self._refresh_status()
        rejoining = sorted(n for n in self.view.alive if n not in self.view.members)
        if rejoining:
            # Heard but not a member: its daemon restarted (a new incarnation). Its
            # resources may well run: wait for it to rejoin and report, rather than
            # recover them elsewhere and have them run twice.
            self.deadline_rejoin = self._now + REJOIN_WAIT_S
            self._log(
                f"DC {self.node} waits up to {REJOIN_WAIT_S:.0f}s for {', '.join(rejoining)} "
                "(still heard: its daemon restarted) to rejoin before recovering its resources"
            )
        self.state = DcState.SETTLING
        self._settle("the membership changed")

    def _settle(self, reason: str) -> None:
        """Leave SETTLING once no member runs an action of an earlier DC and no
        restarting node is awaited."""
        if self._pending():
            self._log(
                f"DC {self.node} waits for actions still running from an earlier DC: {self._pending_text()}"
            )
            return
        if self.deadline_rejoin is not None and self._now < self.deadline_rejoin:
            return
        self.deadline_rejoin = None
        self.state = DcState.IDLE
        self._schedule(reason)

    def _dc_settle_timer(self, _fn: object = None) -> None:
        if self.deadline_rejoin is not None and self._now >= self.deadline_rejoin:
            self.deadline_rejoin = None
            self._log(f"DC {self.node} stops waiting for restarted nodes to rejoin")
            self._settle("the restarted node did not rejoin in time")

    def _refresh_status(self) -> None:
        assert self.view is not None
        lrms = {
            n: to_lrm(self.view.members[n], j.history)
            for n, j in self.joins.items()
            if n in self.view.members
        }
        cib = st.set_member_states(self.cib, lrms)
        self.cib = replace(
            cib, have_quorum=self.view.quorate, dc_uuid=self.view.members.get(self.node, self.node)
        )
        self._dirty = True

    def _pending(self) -> bool:
        return any(j.pending for j in self.joins.values())

    def _pending_text(self) -> str:
        return ", ".join(
            f"{k[0]} {k[1]} on {n}"
            for n, j in sorted(self.joins.items())
            for k in sorted(j.pending)
        )

    def _publish(self, audit: dict[str, Any] | None = None) -> None:
        self.cib = replace(
            self.cib,
            crm_feature_set=FEATURE_SET,
            cib_last_written=_ctime(self._wall),
        )
        if audit is not None:
            self.cib = replace(
                self.cib,
                update_origin=str(audit["origin"]),
                update_client="paceline",
                update_user=str(audit["who"]),
            )
        body: dict[str, Any] = {"cib": wire.pack_cib(self.cib)}
        if audit is not None:
            body["audit"] = audit
            self._emit(Audit(audit))
        self._emit(WriteCib(self.cib))
        self._emit(Broadcast(wire.encode("cib", ring=self._ring(), **body)))

    # results -------------------------------------------------------------

    def _dc_result(self, sender: str, msg: dict[str, Any]) -> None:
        rec = OpRecord.from_json(msg.get("rec"), peer=sender)
        if rec.node != sender:
            raise ProtocolError(f"result for {rec.node} sent by {sender}", peer=sender)
        self._take_result(sender, rec, msg.get("tid"), msg.get("aid"))

    def _take_result(self, sender: str, rec: OpRecord, tid: object, aid: object) -> None:
        assert self.view is not None
        join = self.joins.get(sender)
        if join is None or sender not in self.view.members:
            return  # it will join with this result in its history
        join.history = join.history.record(rec)
        join.pending.discard((rec.rsc, rec.action, rec.interval_ms))
        if self.state in (DcState.JOINING, DcState.PULLING):
            return  # the status is built once all have joined
        lrm = to_lrm(self.view.members[sender], join.history)
        self.cib = st.set_lrm(self.cib, sender, lrm)
        self._dirty = True
        if rec.failed:
            self.cib = st.add_failure(
                self.cib, sender, rec.rsc, rec.action, rec.interval_ms, self._wall
            )
            self._log(
                f"{rec.rsc} {rec.action}"
                f"{'' if rec.interval_ms == 0 else f' ({rec.interval_ms} ms)'} failed on {sender}: "
                f"rc {rec.rc}{' (timed out)' if rec.op_status == OP_TIMEOUT else ''}"
                f"{': ' + rec.exit_reason if rec.exit_reason else ''}; fail count raised"
            )
        step: Step | None = None
        if self.graph is not None and tid == self.graph.tid and isinstance(aid, int):
            step = self.graph.confirm(aid, not rec.unexpected)
            self.action_deadlines.pop(aid, None)
        if rec.unexpected:
            what = "failed" if rec.failed else f"returned {rec.rc} (expected {rec.target_rc})"
            self._abort(f"{rec.rsc} {rec.action} on {sender} {what}")
        elif step is None and self.state is DcState.IDLE and rec.interval_ms == 0:
            self._abort(f"{rec.rsc} {rec.action} on {sender} finished outside a transition")
        if self.state is DcState.SETTLING:
            if not self._pending():
                self._settle("the actions of the earlier DC finished")
            return
        self._advance()

    def _dc_cancelled(self, sender: str, msg: dict[str, Any]) -> None:
        assert self.view is not None
        rsc = wire.field(msg, "rsc", str, peer=sender)
        interval = wire.field(msg, "interval", int, peer=sender)
        join = self.joins.get(sender)
        if join is None or sender not in self.view.members:
            return  # it will join without the monitor
        join.history = join.history.cancel(rsc, interval)
        if self.state in (DcState.JOINING, DcState.PULLING):
            return
        self.cib = st.set_lrm(self.cib, sender, to_lrm(self.view.members[sender], join.history))
        self._dirty = True
        tid, aid = msg.get("tid"), msg.get("aid")
        if self.graph is not None and tid == self.graph.tid and isinstance(aid, int):
            self.graph.confirm(aid, True)
            self.action_deadlines.pop(aid, None)
        if self.state is not DcState.SETTLING:
            self._advance()

    def _abort(self, reason: str) -> None:
        self.chain = 0
        if self.state is DcState.RUNNING and self.graph is not None:
            self.graph.abort(reason)
            self.state = DcState.ABORTING
            self._log(f"transition {self.graph.tid} aborted: {reason}")
            self._advance()
        elif self.state is DcState.IDLE:
            self._schedule(reason)
        elif self.state is DcState.ABORTING:
            pass
        else:
            self.recheck_needed = True

    def _advance(self) -> None:
        graph = self.graph
        if graph is None or self.state not in (DcState.RUNNING, DcState.ABORTING):
            return
        for step in graph.ready():
            self._dispatch_step(graph, step)
        if graph.finished:
            self.graph = None
            self.action_deadlines = {}
            counts = graph.counts()
            if graph.aborted is None and graph.complete:
                self._log(f"transition {graph.tid} complete: {counts['done']} action(s) confirmed")
                self.state = DcState.IDLE
                self.chain += 1
                if self.chain > MAX_CHAIN:
                    self._log(
                        f"{MAX_CHAIN} transitions in a row without news: waiting for an event"
                    )
                    return
                self._schedule(
                    "transition complete, checking that nothing is left to do", quiet=True
                )
            else:
                why = graph.aborted or "an action failed"
                self.state = DcState.IDLE
                self._schedule(f"transition {graph.tid} stopped ({why})")

    def _dispatch_step(self, graph: Graph, step: Step) -> None:
        assert self.view is not None
        act = step.act
        node = act.node
        assert node is not None
        if node not in self.view.members:
            graph.confirm(step.aid, False)
            graph.abort(f"{node} is not a member")
            return
        delay = self._cluster_delay()
        if act.cancel:
            body = {"rsc": act.rsc, "interval": act.interval, "tid": graph.tid, "aid": step.aid}
            self.action_deadlines[step.aid] = self._now + delay
            self._send("cancel", node, body)
            return
        req = self._exec_request(act.rsc, act.task, act.interval)
        if req is None:
            graph.confirm(step.aid, False)
            graph.abort(f"no agent known for {act.rsc}")
            return
        self.action_deadlines[step.aid] = self._now + req.timeout_ms / 1000 + delay
        probe = act.task == "monitor" and act.interval == 0
        target = RC_NOT_RUNNING if probe else self._target_rc(act.rsc, act.task, act.interval)
        tkey = transition_key(step.aid, graph.tid, target, self.uuid)
        body = {
            "rsc": req.rsc,
            "agent": req.agent,
            "action": req.action,
            "interval": req.interval_ms,
            "timeout": req.timeout_ms,
            "params": dict(req.params),
            "meta": dict(req.meta),
            "tkey": tkey,
            "target": target,
            "tid": graph.tid,
            "aid": step.aid,
        }
        self._send("exec", node, body)

    def _cluster_delay(self) -> float:
        text = self._cluster.options.get("cluster-delay") if self._cluster is not None else None
        ms = sv.interval_ms(text)
        return ms / 1000 if text is not None and ms > 0 else DEFAULT_CLUSTER_DELAY_S

    def _dc_action_timeout(self, _fn: object = None) -> None:
        """In-flight actions whose node did not answer within their timeout plus
        ``cluster-delay`` fail as timed out (recorded in the node's status, as
        Pacemaker records a lost action); the transition aborts and reschedules."""
        graph = self.graph
        assert graph is not None and self.view is not None
        due = sorted(a for a, t in self.action_deadlines.items() if t <= self._now)
        for aid in due:
            if self.graph is not graph or self.action_deadlines.pop(aid, None) is None:
                continue  # an earlier one's abort already rescheduled
            step = graph.steps[aid]
            if step.state is not StepState.IN_FLIGHT:
                continue
            act = step.act
            node = act.node
            assert node is not None
            self._log(
                f"{act.key} (action {aid} of transition {graph.tid}) got no answer from {node} "
                f"within its timeout and cluster-delay: taken as timed out"
            )
            if act.cancel:
                graph.confirm(aid, False)
                self._abort(f"Cancel {act.rsc} monitor on {node} was lost")
                continue
            agent = self._agent_from_history(act.rsc) or ""
            req = self._exec_request(act.rsc, act.task, act.interval)
            probe = act.task == "monitor" and act.interval == 0
            target = RC_NOT_RUNNING if probe else self._target_rc(act.rsc, act.task, act.interval)
            rec = OpRecord(
                node=node,
                rsc=act.rsc,
                agent=req.agent if req is not None else agent,
                action=act.task,
                interval_ms=act.interval,
                call_id=-1,
                rc=1,
                op_status=OP_TIMEOUT,
                target_rc=target,
                transition_key=transition_key(aid, graph.tid, target, self.uuid),
                wall=self._wall,
                exit_reason="the node did not answer",
            )
            self._take_result(node, rec, graph.tid, aid)

    def _exec_request(self, rsc: str, task: str, interval: int) -> ExecRequest | None:
        cluster = self._cluster
        r = cluster.rscs.get(rsc) if cluster is not None else None
        prim = r.prim if r is not None else None
        meta = dict(r.meta) if r is not None else {}
        if prim is None:
            agent = self._agent_from_history(rsc)
            if agent is None:
                return None
            return ExecRequest(rsc, agent, task, interval, DEFAULT_TIMEOUT_MS, {}, {})
        agent = _agent(prim)
        params = first_values(prim.instance_attributes, cluster.sets_by_id if cluster else {})
        timeout = DEFAULT_TIMEOUT_MS
        for op in prim.operations:
            if op.name == task and sv.interval_ms(op.interval) == interval and op.timeout:
                timeout = sv.interval_ms(op.timeout)
                break
        else:
            defaults = first_values(
                self.cib.configuration.op_defaults, cluster.sets_by_id if cluster else {}
            )
            if "timeout" in defaults:
                timeout = sv.interval_ms(defaults["timeout"])
        meta = {k: v for k, v in meta.items() if not k.startswith("#")}
        return ExecRequest(rsc, agent, task, interval, max(timeout, 1000), params, meta)

    def _target_rc(self, rsc: str, task: str, interval: int) -> int:
        """8 for a monitor of the Promoted role (a promoted instance answers 8), else 0."""
        r = self._cluster.rscs.get(rsc) if self._cluster is not None else None
        if r is None or task != "monitor":
            return 0
        for op in r.ops:
            if op.name == "monitor" and op.interval == interval and op.role is Role.PROMOTED:
                return RC_PROMOTED
        return 0

    def _agent_from_history(self, rsc: str) -> str | None:
        for j in self.joins.values():
            h = j.history.resources.get(rsc)
            if h is not None:
                return h.agent
        return None

    # scheduling ------------------------------------------------------------

    def _schedule(self, reason: str, *, quiet: bool = False) -> None:
        assert self.view is not None
        self.recheck_needed = False
        self._expire_failures()
        self.tid += 1
        cib = replace(self.cib, execution_date=self._wall)
        self.inputs_saved += 1
        self._emit(SaveInput(cib, self.inputs_saved))
        cluster, transition = schedule_with_state(cib, self._wall)
        self._cluster = cluster
        graph = Graph(self.tid, transition)
        self.action_deadlines = {}
        self._arm_timers(cluster)
        runnable = [s for s in graph.steps.values() if s.executable]
        if not runnable:
            if not quiet:
                self._log(
                    f"transition {self.tid}: nothing to do ({reason}); input {self.inputs_saved}"
                )
            self.graph = None
            self.state = DcState.IDLE
            return
        summary = (
            "; ".join(" ".join(line.split()) for line in transition.summary)
            or f"{len(runnable)} action(s)"
        )
        self._log(f"transition {self.tid} ({reason}): {summary}; input {self.inputs_saved}")
        self.graph = graph
        self.state = DcState.RUNNING
        self._advance()

    def _arm_timers(self, cluster: Cluster) -> None:
        recheck = sv.interval_ms(cluster.options.get("cluster-recheck-interval")) // 1000
        if cluster.options.get("cluster-recheck-interval") is None:
            recheck = DEFAULT_RECHECK_S
        self.deadline_recheck = self._now + recheck if recheck > 0 else None
        earliest: int | None = None
        for _node, rsc, _name, last in st.failures(self.cib):
            r = cluster.rscs.get(rsc)
            timeout = sv.interval_ms(r.meta.get("failure-timeout")) // 1000 if r is not None else 0
            if timeout > 0:
                expiry = last + timeout
                earliest = expiry if earliest is None else min(earliest, expiry)
        self.deadline_expiry = (
            None if earliest is None else self._now + max(0, earliest - self._wall) + 1
        )

    def _expire_failures(self) -> None:
        cluster = self._cluster
        if cluster is None:
            return
        for node, rsc, name, last in st.failures(self.cib):
            r = cluster.rscs.get(rsc)
            timeout = sv.interval_ms(r.meta.get("failure-timeout")) // 1000 if r is not None else 0
            if timeout > 0 and last + timeout <= self._wall:
                self.cib = st.set_transient(self.cib, node, name, None)
                self.cib = st.set_transient(
                    self.cib, node, "last-failure-" + name[len("fail-count-") :], None
                )
                self._dirty = True
                self._log(f"the fail count of {rsc} on {node} expired (failure-timeout {timeout}s)")

    def _timer(self) -> None:
        if not self.is_dc:
            self.deadline_join = self.deadline_recheck = self.deadline_expiry = None
            self.deadline_rejoin = None
            self.action_deadlines = {}
            return
        if self.deadline_join is not None and self._now >= self.deadline_join:
            self._dispatch_timer()
            return
        if self.deadline_rejoin is not None and self._now >= self.deadline_rejoin:
            self._dispatch_timer()
            return
        if any(t <= self._now for t in self.action_deadlines.values()):
            handler = TABLE.get((self.state, Input.ACTION_TIMEOUT))
            if handler is None:
                raise StateError("controller", self.state, Input.ACTION_TIMEOUT)
            getattr(self, handler)()
            return
        due = [
            t
            for t in (self.deadline_recheck, self.deadline_expiry)
            if t is not None and self._now >= t
        ]
        if due:
            self.deadline_recheck = self.deadline_expiry = None
            self._dispatch_timer()

    def _dispatch_timer(self) -> None:
        handler = TABLE.get((self.state, Input.TIMER))
        if handler is None:
            raise StateError("controller", self.state, Input.TIMER)
        getattr(self, handler)()

    def _dc_recheck(self, _fn: object = None) -> None:
        self.chain = 0
        if self.state is DcState.IDLE:
            self._schedule("recheck (cluster-recheck-interval or failure-timeout)")
        else:
            self.recheck_needed = True

    # configuration changes ------------------------------------------------

    def _dc_change(self, sender: str, msg: dict[str, Any]) -> None:
        req = str(msg.get("req"))
        origin = str(msg.get("origin") or sender)
        if self.state in (DcState.JOINING, DcState.PULLING):
            if len(self.queued_changes) >= MAX_QUEUED_CHANGES:
                self._reply(origin, req, False, "the DC is busy joining: try again")
            else:
                self.queued_changes.append((sender, msg))
            return
        try:
            what = self._apply_change(msg)
        except ValueError as exc:
            self._reply(origin, req, False, str(exc))
            return
        if what is None:
            self._reply(origin, req, True, "nothing changed")
            return
        audit = {
            "who": str(msg.get("who") or "unknown"),
            "origin": origin,
            "when": self._wall,
            "what": what,
            "version": str(self.cib.version),
        }
        self._dirty = False
        self._publish(audit)
        self._reply(origin, req, True, what)
        self._abort(what)

    def _reply(self, origin: str, req: str, ok: bool, text: str) -> None:
        self._send(
            "reply", origin, {"req": req, "ok": ok, "error": text, "version": str(self.cib.version)}
        )

    def _apply_change(self, msg: dict[str, Any]) -> str | None:
        op = msg.get("op")
        if op == "replace":
            new = wire.unpack_cib(msg.get("cib"))
            base = msg.get("base")
            if isinstance(base, str) and base:
                bv = parse_version(base)
                cur = self.cib.version
                if (bv.admin_epoch, bv.epoch) != (cur.admin_epoch, cur.epoch):
                    raise ValueError(
                        f"the configuration changed since it was read (read at {base}, now {cur}): "
                        "nothing was written; read it again and redo the change"
                    )
            if new.configuration == self.cib.configuration:
                return None
            self.cib = bump_epoch(replace(self.cib, configuration=new.configuration))
            return str(msg.get("what") or "configuration replaced")
        if op == "attr":
            node, name = msg.get("node"), msg.get("name")
            value = msg.get("value")
            if not isinstance(node, str) or not isinstance(name, str):
                raise ValueError("attr: node and name are required")
            if value is not None and not isinstance(value, str):
                raise ValueError("attr: value must be text")
            if msg.get("lifetime") == "reboot":
                if st.node_state(self.cib, node) is None:
                    raise ValueError(f"no node {node} in the status")
                if st.transient(self.cib, node).get(name) == value:
                    return None
                self.cib = bump_num_updates(st.set_transient(self.cib, node, name, value))
                return (
                    f"transient attribute {name} of {node} set to {value}"
                    if value is not None
                    else f"transient attribute {name} of {node} deleted"
                )
            try:
                cfg = st.set_node_attribute(self.cib.configuration, node, name, value)
            except KeyError:
                raise ValueError(f"no node {node} in the configuration") from None
            if cfg == self.cib.configuration:
                return None
            self.cib = bump_epoch(replace(self.cib, configuration=cfg))
            return (
                f"attribute {name} of {node} set to {value}"
                if value is not None
                else f"attribute {name} of {node} deleted"
            )
        if op == "node-delete":
            node = msg.get("node")
            if not isinstance(node, str):
                raise ValueError("node-delete: a node name is required")
            if self.view is not None and node in self.view.members:
                raise ValueError(
                    f"{node} is a member of the cluster: stop its daemon (or remove it from "
                    "corosync.conf and reload) first"
                )
            if all(n.uname != node for n in self.cib.configuration.nodes):
                raise ValueError(f"no node {node} in the configuration")
            self.cib = bump_epoch(st.remove_node(self.cib, node))
            self.joins.pop(node, None)
            return f"node {node} deleted from the configuration and the status"
        if op == "option":
            name, value = msg.get("name"), msg.get("value")
            if not isinstance(name, str) or not (value is None or isinstance(value, str)):
                raise ValueError("option: a name and a text value (or none) are required")
            cfg = self.cib.configuration
            opts = st.set_pair(cfg.crm_config, "cib-bootstrap-options", name, value)
            if opts == cfg.crm_config:
                return None
            self.cib = bump_epoch(replace(self.cib, configuration=replace(cfg, crm_config=opts)))
            return f"cluster option {name} " + ("deleted" if value is None else f"set to {value}")
        if op == "cleanup":
            rsc = msg.get("rsc")
            node = msg.get("node")
            if rsc is not None and not isinstance(rsc, str):
                raise ValueError("cleanup: rsc must be text")
            nodes = [node] if isinstance(node, str) else sorted(self.joins)
            for n in nodes:
                self.cib = st.clear_failures(self.cib, n, rsc)
                j = self.joins.get(n)
                if j is not None and self.view is not None and n in self.view.members:
                    j.history = j.history.forget(rsc)
                    self.cib = st.set_lrm(self.cib, n, to_lrm(self.view.members[n], j.history))
                self._send("forget", n, {"rsc": rsc})
            self.cib = bump_num_updates(self.cib)
            return f"cleanup of {rsc or 'all resources'} on {', '.join(nodes)}"
        raise ValueError(f"unknown change {op!r}")


def _ctime(wall: int) -> str:
    """``Thu Dec  3 14:47:06 2026`` (UTC), as Pacemaker writes ``cib-last-written``."""
    return datetime.fromtimestamp(wall, tz=UTC).strftime("%a %b %e %H:%M:%S %Y")


def _agent(prim: Primitive) -> str:
    cls = str(prim.agent_class) if prim.agent_class else "ocf"
    if cls == "ocf":
        return f"ocf:{prim.provider or 'heartbeat'}:{prim.agent_type}"
    return f"{cls}:{prim.agent_type}"


def _str_map(value: object, peer: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ProtocolError("exec: params and meta must map text to text", peer=peer)
    return dict(value)
