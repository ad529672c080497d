"""Resource operations an administrator runs, as ``crm_resource`` writes them.

- ``resource_move`` / ``resource_ban`` / ``resource_clear``: the location
  constraints ``cli-prefer-RSC`` (score INFINITY on the target node) and
  ``cli-ban-RSC-on-NODE`` (-INFINITY), ``role="Started"`` (``Promoted``
  with ``promoted``); with a lifetime, the node and score move into a rule
  ``#uname eq NODE`` and ``date lt END`` (END = now + the ISO 8601
  duration, UTC), so that the constraint stops applying by itself.
  A move without a node bans the resource from where it runs now.
- ``resource_target_role``: ``target-role`` in the resource's meta
  attributes (an existing pair anywhere in its sets is updated, else the
  set ``RSC-meta_attributes`` gets ``RSC-meta_attributes-target-role``);
  descendants that carry a target-role of their own get the same value,
  so that none of them contradicts it.
- ``resource_cleanup``: forget the history (``lrm_resource``) of the
  resource's instances and their fail counts, on one node or all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast

from paceline.admin.edit import Edit, finish
from paceline.admin.nodes import keep_order
from paceline.cib.model import (
    Bundle,
    Cib,
    Clone,
    DateExpression,
    Expression,
    Group,
    Location,
    NvPair,
    NvSet,
    NvSetItem,
    Primitive,
    Resource,
    Role,
    Rule,
)
from paceline.cib.model.enums import BooleanOp, DateOp, ExprOp, ExprType
from paceline.cib.model.lookup import find_resource, walk_resources
from paceline.cib.score import INFINITY_VALUE, Score
from paceline.cib.values import parse_iso_duration_s
from paceline.controller.status import clear_failures, node_state, set_lrm, transient
from paceline.core.errors import ConfigError
from paceline.monitor.state import snapshot

TARGET_ROLES = ("Started", "Stopped", "Promoted", "Unpromoted")


def _resource(cib: Cib, rsc: str) -> Resource:
    found = find_resource(cib.configuration, rsc)
    if found is None or not isinstance(found, (Primitive, Group, Clone, Bundle)):
        known = [r.id for r, _ in walk_resources(cib.configuration.resources)]
        raise ConfigError(
            "no such resource",
            field="resource",
            text=rsc,
            expected="one of: " + (", ".join(known[:20]) or "(no resources configured)"),
        )
    return found


def _node(cib: Cib, node: str) -> None:
    names = [n.uname for n in cib.configuration.nodes]
    if node not in names:
        raise ConfigError(
            "no such node", field="node", text=node, expected="one of: " + ", ".join(names)
        )


def _prims(r: Resource) -> list[str]:
    return [p.id for p, _ in walk_resources((r,)) if isinstance(p, Primitive)]


def primitives(cib: Cib, rsc: str) -> list[str]:
    """The ids of ``rsc``'s primitives (itself, when it is one)."""
    return _prims(_resource(cib, rsc))


def active_nodes(cib: Cib, rsc: str, now: int) -> list[str]:
    """Where the resource (any of its primitives) runs now, by the status section."""
    r = _resource(cib, rsc)
    ids = set(_prims(r))
    snap = snapshot(cib, now)
    out: list[str] = []
    for p in snap.all_prims():
        base = p.id.split(":")[0]
        if base in ids:
            out += [n for n, _ in p.roles if n not in out]
    return out


def end_of(lifetime: str, now: int) -> str:
    """``now`` + an ISO 8601 duration, as crm_resource writes the end: ``2026-12-03 14:32:23Z``."""
    seconds = parse_iso_duration_s(lifetime)
    if seconds is None:
        raise ConfigError(
            "not an ISO 8601 duration",
            field="lifetime",
            text=lifetime,
            expected="e.g. PT1H, P1D, PT30M",
        )
    end = datetime.fromtimestamp(now, UTC) + timedelta(seconds=seconds)
    return end.strftime("%Y-%m-%d %H:%M:%SZ")


def _constraint(
    cid: str,
    rsc: str,
    node: str,
    score: int,
    role: Role,
    end: str | None,
    rule_ids: tuple[str, str, str],
) -> Location:
    if end is None:
        return Location(cid, rsc=rsc, role=role, node=node, score=Score(score))
    rule_id, expr_id, life_id = rule_ids
    rule = Rule(
        rule_id,
        (
            Expression(expr_id, "#uname", ExprOp.EQ, node, ExprType.STRING),
            DateExpression(life_id, DateOp.LT, end=end),
        ),
        boolean_op=BooleanOp.AND,
        score=Score(score),
    )
    return Location(cid, rsc=rsc, role=role, rules=(rule,))


def _put(cib: Cib, loc: Location) -> Cib:
    """Replace the constraint with the same id in place, else append it."""
    cons = list(cib.configuration.constraints)
    for i, c in enumerate(cons):
        if c.id == loc.id:
            cons[i] = loc
            break
    else:
        cons.append(loc)
    return replace(cib, configuration=replace(cib.configuration, constraints=tuple(cons)))


def _drop(cib: Cib, keep: Callable[[object], bool]) -> tuple[Cib, list[str]]:
    gone = [c.id for c in cib.configuration.constraints if not keep(c)]
    cons = tuple(c for c in cib.configuration.constraints if keep(c))
    return replace(cib, configuration=replace(cib.configuration, constraints=cons)), gone


def _ban_id(rsc: str, node: str) -> str:
    return f"cli-ban-{rsc}-on-{node}"


def _ban(cib: Cib, rsc: str, node: str, role: Role, end: str | None) -> tuple[Cib, list[str]]:
    cid = _ban_id(rsc, node)
    loc = _constraint(
        cid,
        rsc,
        node,
        -INFINITY_VALUE,
        role,
        end,
        (f"{cid}-rule", f"{cid}-expr", f"{cid}-lifetime"),
    )
    notes = [
        f"WARNING: Creating rsc_location constraint '{cid}' with a score of -INFINITY for resource {rsc} on {node}.",
        f"\tThis will prevent {rsc} from running on {node} until the constraint is removed "
        "using the clear option or by editing the CIB with an appropriate tool",
        f"\tThis will be the case even if {node} is the last node in the cluster",
    ]
    return _put(cib, loc), notes


def _current_node(cib: Cib, rsc: str, now: int, verb: str) -> str:
    nodes = active_nodes(cib, rsc, now)
    if len(nodes) != 1:
        raise ConfigError(
            f"resource not {verb}: active in {len(nodes)} locations",
            field="resource",
            text=rsc,
            expected="a node to name (--node NODE)",
        )
    return nodes[0]


def resource_ban(
    cib: Cib,
    rsc: str,
    node: str | None = None,
    *,
    now: int,
    lifetime: str | None = None,
    promoted: bool = False,
) -> Edit:
    """``crm_resource --ban``: keep ``rsc`` off ``node`` (default: where it runs)."""
    _resource(cib, rsc)
    if node is None:
        node = _current_node(cib, rsc, now, "banned")
    _node(cib, node)
    end = end_of(lifetime, now) if lifetime else None
    after, notes = _ban(cib, rsc, node, Role.PROMOTED if promoted else Role.STARTED, end)
    if end:
        notes.append(f"Migration will take effect until: {end}")
    return finish(cib, after, tuple(notes))


def resource_move(
    cib: Cib,
    rsc: str,
    node: str | None = None,
    *,
    now: int,
    lifetime: str | None = None,
    promoted: bool = False,
) -> Edit:
    """``crm_resource --move``: prefer ``node`` (and drop a ban from it);
    without a node, ban the resource from where it runs."""
    _resource(cib, rsc)
    if node is None:
        return resource_ban(
            cib,
            rsc,
            _current_node(cib, rsc, now, "moved"),
            now=now,
            lifetime=lifetime,
            promoted=promoted,
        )
    _node(cib, node)
    end = end_of(lifetime, now) if lifetime else None
    after, _gone = _drop(cib, lambda c: getattr(c, "id", None) != _ban_id(rsc, node))
    cid = f"cli-prefer-{rsc}"
    role = Role.PROMOTED if promoted else Role.STARTED
    loc = _constraint(
        cid,
        rsc,
        node,
        INFINITY_VALUE,
        role,
        end,
        (f"cli-prefer-rule-{rsc}", f"cli-prefer-expr-{rsc}", f"cli-prefer-lifetime-end-{rsc}"),
    )
    notes = (f"Migration will take effect until: {end}",) if end else ()
    return finish(cib, _put(after, loc), notes)


def _prefers(c: object, node: str) -> bool:
    if not isinstance(c, Location):
        return False
    if c.node is not None:
        return c.node == node
    for rule in c.rules:
        if isinstance(rule, Rule):
            for e in rule.expressions:
                if isinstance(e, Expression) and e.attribute == "#uname" and e.value == node:
                    return True
    return False


def resource_clear(cib: Cib, rsc: str, node: str | None = None) -> Edit:
    """``crm_resource --clear``: drop the ``cli-prefer-``/``cli-ban-`` constraints
    of ``rsc`` (only those about ``node`` when given)."""
    _resource(cib, rsc)
    prefer = f"cli-prefer-{rsc}"
    ban_prefix = f"cli-ban-{rsc}-on-"

    def keep(c: object) -> bool:
        cid = getattr(c, "id", "")
        if node is None:
            return not (cid == prefer or cid.startswith(ban_prefix))
        return not (cid == _ban_id(rsc, node) or (cid == prefer and _prefers(c, node)))

    after, gone = _drop(cib, keep)
    return finish(cib, after, tuple(f"Removing constraint: {cid}" for cid in gone))


# --- target-role -------------------------------------------------------------


def _set_meta(
    items: tuple[NvSetItem, ...], owner: str, name: str, value: str, create: bool
) -> tuple[NvSetItem, ...]:
    sets = list(items)
    for i, s in enumerate(sets):
        if isinstance(s, NvSet):
            for j, p in enumerate(s.nvpairs):
                if isinstance(p, NvPair) and p.name == name:
                    pairs = list(s.nvpairs)
                    pairs[j] = replace(p, value=value)
                    sets[i] = replace(s, nvpairs=tuple(pairs))
                    return tuple(sets)
    if not create:
        return items
    set_id = f"{owner}-meta_attributes"
    pair = NvPair(f"{set_id}-{name}", name, value)
    for i, s in enumerate(sets):
        if isinstance(s, NvSet) and s.id == set_id:
            sets[i] = replace(s, nvpairs=(*s.nvpairs, pair))
            return tuple(sets)
    return (*sets, NvSet(set_id, (pair,)))


def _rebuild(r: Resource, kid: Callable[[Resource], Resource]) -> Resource:
    """``r`` with ``kid`` applied to each of its direct children."""
    if isinstance(r, Group):
        return replace(r, children=tuple(cast(Primitive, kid(c)) for c in r.children))
    if isinstance(r, Clone):
        return replace(r, child=cast(Primitive | Group, kid(r.child)))
    if isinstance(r, Bundle) and r.primitive is not None:
        return replace(r, primitive=cast(Primitive, kid(r.primitive)))
    return r


def _with_meta(r: Resource, name: str, value: str, create: bool) -> Resource:
    """``r`` with the meta attribute set (``create``: on ``r`` itself), and
    updated on every descendant that already has it."""
    r = replace(r, meta_attributes=_set_meta(r.meta_attributes, r.id, name, value, create))
    return _rebuild(r, lambda c: _with_meta(c, name, value, False))


def _map(
    resources: tuple[Resource, ...], rsc: str, fn: Callable[[Resource], Resource]
) -> tuple[Resource, ...]:
    def visit(r: Resource) -> Resource:
        return fn(r) if r.id == rsc else _rebuild(r, visit)

    return tuple(visit(r) for r in resources)


def _without_meta(r: Resource, name: str) -> Resource:
    def drop(items: tuple[NvSetItem, ...]) -> tuple[NvSetItem, ...]:
        return tuple(
            replace(s, nvpairs=tuple(p for p in s.nvpairs if getattr(p, "name", None) != name))
            if isinstance(s, NvSet)
            else s
            for s in items
        )

    return replace(r, meta_attributes=drop(r.meta_attributes))


def target_role_of(cib: Cib, rsc: str) -> str | None:
    """The ``target-role`` set on ``rsc`` itself (None when it has none)."""
    for s in _resource(cib, rsc).meta_attributes:
        if isinstance(s, NvSet):
            value = s.get("target-role")
            if value is not None:
                return value
    return None


def resource_target_role(cib: Cib, rsc: str, role: str | None) -> Edit:
    """``resource start|stop RSC``: ``target-role`` Started or Stopped (or a role);
    None removes the resource's own ``target-role`` (as ``crm_resource --restart``
    restores a resource that had none)."""
    _resource(cib, rsc)
    if role is None:
        resources = _map(
            cib.configuration.resources, rsc, lambda r: _without_meta(r, "target-role")
        )
        return finish(
            cib, replace(cib, configuration=replace(cib.configuration, resources=resources))
        )
    if role not in TARGET_ROLES:
        raise ConfigError(
            "unknown role", field="target-role", text=role, expected=", ".join(TARGET_ROLES)
        )
    resources = _map(
        cib.configuration.resources, rsc, lambda r: _with_meta(r, "target-role", role, True)
    )
    after = replace(cib, configuration=replace(cib.configuration, resources=resources))
    return finish(cib, after)


# --- cleanup -----------------------------------------------------------------


def resource_cleanup(cib: Cib, rsc: str, node: str | None = None) -> Edit:
    """Forget the history and fail counts of ``rsc``'s instances (``RSC`` and
    ``RSC:N``), on ``node`` or everywhere: the next probe tells the truth."""
    r = _resource(cib, rsc)
    if node is not None:
        _node(cib, node)
    ids = set(_prims(r))

    def ours(lrm_id: str) -> bool:
        return lrm_id.split(":")[0] in ids

    after = cib
    notes: list[str] = []
    for ns in cib.status.node_states:
        name = ns.uname or ""
        if node is not None and name != node:
            continue
        if ns.lrm is not None:
            kept = tuple(lr for lr in ns.lrm.resources if not ours(lr.id))
            dropped = [lr.id for lr in ns.lrm.resources if ours(lr.id)]
            if dropped:
                after = set_lrm(after, name, replace(ns.lrm, resources=kept))
                notes += [f"Cleaned up {d} on {name}" for d in dropped]
        state = node_state(after, name)
        if state is not None:
            for lid in sorted(ids | {i for i in _failcount_targets(after, name) if ours(i)}):
                after = clear_failures(after, name, lid)
    return finish(cib, keep_order(cib, after), tuple(notes))


def _failcount_targets(cib: Cib, node: str) -> set[str]:
    out = set()
    for name in transient(cib, node):
        if name.startswith(("fail-count-", "last-failure-")):
            out.add(name.split("-", 2)[2].split("#")[0])
    return out


def action_timeout_s(cib: Cib, rsc: str, action: str) -> int:
    """The sum over ``rsc``'s primitives of the ``action`` op timeouts (op_defaults,
    else 20 s each): how long a stop or start of all of them may take."""
    from paceline.scheduler.values import interval_ms

    default = 20
    for s in cib.configuration.op_defaults:
        if isinstance(s, NvSet) and s.get("timeout"):
            default = max(1, interval_ms(s.get("timeout")) // 1000)
    total = 0
    for p, _ in walk_resources((_resource(cib, rsc),)):
        if isinstance(p, Primitive):
            ops = [o for o in p.operations if o.name == action and o.timeout]
            total += max(1, interval_ms(ops[0].timeout) // 1000) if ops else default
    return total


def locate(cib: Cib, rsc: str, now: int) -> list[str]:
    """``crm_resource --locate``: ``resource RSC is running on: NODE[ Promoted]``
    per node, or ``resource RSC is NOT running``."""
    r = _resource(cib, rsc)
    ids = set(_prims(r))
    where: dict[str, Role] = {}
    for p in snapshot(cib, now).all_prims():
        if p.id.split(":")[0] in ids:
            for node, role in p.roles:
                if where.get(node) is not Role.PROMOTED:
                    where[node] = role
    if not where:
        return [f"resource {rsc} is NOT running"]
    return [
        f"resource {rsc} is running on: {node}" + (" Promoted" if role is Role.PROMOTED else "")
        for node, role in where.items()
    ]
