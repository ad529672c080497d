"""Operation digests: has a resource's definition changed since it started?

Every operation the executor records carries ``op-digest``, the MD5 of the
parameters it ran with, written as one sorted XML element
(`` <parameters a="1" b="2"/>`` and a newline, the form Pacemaker hashes).
The parameters of an operation are the resource's instance attributes, the
operation's own instance attributes and, for a recurring operation, its
timeout in ms as ``CRM_meta_timeout`` (from op_defaults when the operation
names none, else 20000).

Comparing the recorded digest with the one the configuration gives now:

- a start (or migrate_from) that differs means the resource restarts, unless
  the agent can reload: the entry then names the parameters that force a
  restart (``op-force-restart``) and their digest (``op-restart-digest``);
  when that one still matches, the resource is reloaded in place;
- a recurring monitor that differs is scheduled again;
- a digest that differs only because secrets were blanked out of the
  saved CIB (``passwd="****"``) is judged by ``op-secure-digest``, the
  digest without the parameters ``op-secure-params`` names (and, for a
  fencing device, without its ``pcmk_`` options and the timeout);
- a history recorded for another agent (class, provider, type) means the
  resource restarts and its history is deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from paceline.cib.model import LrmResource, LrmRscOp, NvPair, NvSet, NvSetItem, Op, Primitive
from paceline.scheduler import values as v
from paceline.scheduler.rules import Evaluator

DEFAULT_TIMEOUT_MS = 20000


@dataclass(slots=True)
class Changes:
    """What changed for one resource on one node."""

    restart: bool = False  # its start ran with other parameters (or another agent)
    reload: bool = False  # ... but only ones the agent can reload
    agent: bool = False  # the history was recorded for another agent
    monitors: set[int] = field(default_factory=set)  # recurring monitors to run again

    @property
    def any(self) -> bool:
        return self.restart or self.reload or self.agent or bool(self.monitors)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def params_digest(params: Mapping[str, str]) -> str:
    """The digest of a parameter set, as an ``op-digest`` records it."""
    body = "".join(f' {k}="{_escape(params[k])}"' for k in sorted(params))
    return hashlib.md5(f" <parameters{body}/>\n".encode(), usedforsecurity=False).hexdigest()


def evaluated(
    items: Iterable[NvSetItem],
    by_id: Mapping[str, NvSet],
    ev: Evaluator,
    attrs: Mapping[str, str],
) -> dict[str, str]:
    """name -> value of the sets whose rule holds for ``attrs`` (the first set naming it wins)."""
    out: dict[str, str] = {}
    for item in items:
        s = item if isinstance(item, NvSet) else by_id.get(item.id_ref)
        if s is None or (s.rule is not None and not ev.rule(s.rule, attrs)):
            continue
        for pair in s.nvpairs:
            if isinstance(pair, NvPair) and pair.value is not None:
                out.setdefault(pair.name, pair.value)
    return out


def _configured(prim: Primitive, task: str, interval: int) -> Op | None:
    for op in prim.operations:
        if op.name == task and v.interval_ms(op.interval) == interval:
            return op
    return None


def op_params(
    prim: Primitive,
    instance: Mapping[str, str],
    op: LrmRscOp,
    by_id: Mapping[str, NvSet],
    ev: Evaluator,
    attrs: Mapping[str, str],
    default_timeout: str | None = None,
) -> dict[str, str] | None:
    """The parameters ``op`` would run with now (None: no longer configured)."""
    params = dict(instance)
    cfg = _configured(prim, op.operation, op.interval)
    if cfg is None:
        return None if op.interval > 0 else params
    params.update(evaluated(cfg.instance_attributes, by_id, ev, attrs))
    if op.interval > 0:
        text = cfg.timeout or default_timeout
        timeout = v.interval_ms(text) if text else DEFAULT_TIMEOUT_MS
        params["CRM_meta_timeout"] = str(timeout)
    return params


def _matches(prim: Primitive, params: dict[str, str], op: LrmRscOp) -> bool:
    if params_digest(params) == op.op_digest:
        return True
    if op.op_secure_digest is None or op.op_secure_params is None:
        return False
    secret = set(op.op_secure_params.split())
    fencing = str(prim.agent_class) == "stonith"
    public = {
        k: val
        for k, val in params.items()
        if k not in secret
        and not k.startswith("CRM_meta_")
        and not (fencing and k.startswith("pcmk_"))
    }
    return params_digest(public) == op.op_secure_digest


def _agent_differs(prim: Primitive, lr: LrmResource) -> bool:
    cls = str(prim.agent_class) if prim.agent_class else "ocf"
    if lr.agent_class != cls or lr.agent_type != (prim.agent_type or ""):
        return True
    return (lr.provider or None) != (prim.provider or None)


def changes(
    prim: Primitive,
    lr: LrmResource,
    by_id: Mapping[str, NvSet],
    ev: Evaluator,
    attrs: Mapping[str, str],
    op_defaults: Mapping[str, str],
) -> Changes:
    """What changed since ``lr``'s resource last started on the node of ``attrs``.

    Only the operations since the last start count; a resource stopped there
    (its last stop after its last start) has nothing to compare.
    """
    out = Changes(agent=_agent_differs(prim, lr))
    ops = sorted(
        (o for o in lr.ops if not o.id.endswith("_last_failure_0") and o.call_id >= 0),
        key=lambda o: o.call_id,
    )
    starts = [i for i, o in enumerate(ops) if o.operation in ("start", "migrate_from")]
    stops = [i for i, o in enumerate(ops) if o.operation == "stop"]
    if not starts or (stops and stops[-1] > starts[-1]):
        return out
    instance = evaluated(prim.instance_attributes, by_id, ev, attrs)
    for op in ops[starts[-1] :]:
        if not op.op_digest or op.op_status != 0:
            continue
        if op.operation in ("start", "migrate_from"):
            params = op_params(prim, instance, op, by_id, ev, attrs, op_defaults.get("timeout"))
            assert params is not None
            if _matches(prim, params, op):
                continue
            if op.op_restart_digest is not None and op.op_force_restart is not None:
                names = set(op.op_force_restart.split())
                kept = {k: val for k, val in params.items() if k in names}
                if params_digest(kept) == op.op_restart_digest:
                    out.reload = True
                    continue
            out.restart = True
        elif op.operation == "monitor" and op.interval > 0:
            params = op_params(prim, instance, op, by_id, ev, attrs, op_defaults.get("timeout"))
            if params is not None and not _matches(prim, params, op):
                out.monitors.add(op.interval)
    if out.agent:
        out.restart = True
    if out.restart:
        out.reload = False
    return out
