"""The cluster as ``paceline status`` shows it: nodes, resources, failures.

Resource state comes from the scheduler's own history folding
(``paceline.scheduler.unpack.fold_history``), so that the status display and
the scheduler never disagree on where a resource runs or whether it failed.
Node state follows Pacemaker 2.1's reading of ``node_state`` (with fencing
enabled, a node in an unknown state is UNCLEAN; without, it is OFFLINE).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from paceline.cib.model import (
    Bundle,
    Cib,
    Clone,
    Group,
    LrmResource,
    LrmRscOp,
    NodeState,
    NvSetItem,
    Primitive,
    Role,
)
from paceline.scheduler import values as v
from paceline.scheduler.unpack import Rsc, expected_rc, first_values, fold_history, op_specs

_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``node2`` before ``node10`` (case-insensitive)."""
    out: list[tuple[int, int | str]] = []
    for part in _NATURAL.split(text):
        if not part:
            continue
        out.append((0, int(part)) if part.isdigit() else (1, part.lower()))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class NodeView:
    """One node: ``kind`` is ``member``, ``remote`` or ``guest``."""

    name: str
    id: str
    kind: str = "member"
    online: bool = False
    unclean: bool = False
    pending: bool = False
    standby: bool = False
    maintenance: bool = False
    shutdown: bool = False
    attributes: tuple[tuple[str, str], ...] = ()  # permanent then transient, by name
    active_resources: int = 0
    health: str = "green"  # red/yellow from #health-* attributes, when a strategy is set


@dataclass(slots=True)
class PrimView:
    """One primitive instance; ``roles`` lists (node, role) where it is active."""

    id: str
    agent: str
    roles: list[tuple[str, Role]] = field(default_factory=list)
    failed: bool = False
    managed: bool = True
    blocked: bool = False
    disabled: bool = False
    orphan: bool = False
    failure_ignored: bool = False
    pending: str | None = None  # "Starting", "Stopping", "Monitoring", ... while an op runs
    target_role: str | None = None
    fence_on: set[str] = field(default_factory=set)  # nodes its failures make UNCLEAN

    @property
    def active(self) -> bool:
        return bool(self.roles)

    def instances(self) -> int:
        return 1


@dataclass(slots=True)
class GroupView:
    id: str
    members: list[PrimView]
    managed: bool = True
    disabled: bool = False

    @property
    def active(self) -> bool:
        return any(m.active for m in self.members)

    def instances(self) -> int:
        return len(self.members)


@dataclass(slots=True)
class CloneView:
    """A clone; ``members`` are its instances in instance order (for an
    anonymous clone only the active ones, one per node; ``child_agent`` names
    the agent of the inactive rest when the child is a primitive)."""

    id: str
    child_id: str
    child_is_group: bool
    promotable: bool
    unique: bool
    members: list[PrimView | GroupView]
    clone_max: int
    child_size: int
    managed: bool = True
    disabled: bool = False
    all_nodes: tuple[str, ...] = ()
    child_agent: str = ""

    @property
    def active(self) -> bool:
        return any(m.active for m in self.members)

    def instances(self) -> int:
        return self.clone_max * self.child_size


@dataclass(slots=True)
class BundleView:
    """Bundles are listed by name only (their replicas are not unpacked yet)."""

    id: str
    image: str
    replicas: int
    members: list[PrimView | GroupView] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return False

    def instances(self) -> int:
        return self.replicas


ResourceView = PrimView | GroupView | CloneView | BundleView


@dataclass(frozen=True, slots=True)
class FailedAction:
    """One failed operation from the history (as ``crm_mon`` lists them)."""

    op_key: str
    rsc: str
    task: str
    interval_ms: int
    node: str
    rc: int
    op_status: int
    exit_reason: str | None
    call_id: int
    last_rc_change: int | None
    exec_time: int | None
    queue_time: int | None
    keyed: bool = True  # the key is the op's operation_key (else its id)


@dataclass(frozen=True, slots=True)
class Snapshot:
    now: int
    stack: str
    dc: str | None
    dc_version: str | None
    have_quorum: bool
    last_written: str | None
    update_client: str | None
    update_origin: str | None
    update_user: str | None
    maintenance_mode: bool
    stop_all: bool
    nodes: tuple[NodeView, ...]
    resources: tuple[ResourceView, ...]
    failed: tuple[FailedAction, ...]
    options: tuple[tuple[str, str], ...] = ()

    @property
    def instance_count(self) -> int:
        return sum(r.instances() for r in self.resources)

    def all_prims(self) -> Iterator[PrimView]:
        for r in self.resources:
            yield from _prims(r)


def _prims(r: ResourceView) -> Iterator[PrimView]:
    if isinstance(r, PrimView):
        yield r
    elif isinstance(r, GroupView):
        yield from r.members
    elif isinstance(r, (CloneView, BundleView)):
        for m in r.members:
            yield from _prims(m)


# --- nodes ------------------------------------------------------------------


def _true(text: str | None) -> bool:
    return text is not None and (v.is_true(text) or (text.isdigit() and text != "0"))


def node_condition(
    ns: NodeState | None, *, fencing: bool, startup_fencing: bool, shutdown: bool = False
) -> tuple[bool, bool, bool]:
    """(online, unclean, pending) of a cluster node from its ``node_state``."""
    if ns is None:
        return False, fencing and startup_fencing, False
    in_cluster = _true(ns.in_ccm)
    peer = ns.crmd is not None and (ns.crmd == "online" or (ns.crmd.isdigit() and ns.crmd != "0"))
    join = ns.join
    expected = ns.expected or "down"
    if not fencing:
        if in_cluster and peer and join == "member":
            return True, False, False
        if in_cluster and peer and join in (None, "pending"):
            return False, False, True
        return False, False, False
    if shutdown:
        return in_cluster, False, False
    if ns.in_ccm is None:
        return False, True, False
    if join == "nack":
        return False, True, False
    if in_cluster and peer and join == "member":
        return True, False, False
    if expected == "down":
        if not in_cluster and not peer:
            return False, False, False
        if in_cluster and not peer and join == "member":
            return False, False, False
        return False, False, True
    if not in_cluster or not peer:
        return False, True, False
    if join in ("pending", "down"):
        return False, False, True
    return False, True, False


# --- resources --------------------------------------------------------------


def _agent(p: Primitive | None, lrm: LrmResource | None = None) -> str:
    if p is not None and p.agent_type:
        cls, prov, typ = str(p.agent_class or "ocf"), p.provider, p.agent_type
    elif lrm is not None:
        cls, prov, typ = lrm.agent_class, lrm.provider, lrm.agent_type
    else:
        return "unknown"
    return f"{cls}:{prov}:{typ}" if prov else f"{cls}:{typ}"


@dataclass(slots=True)
class _Ctx:
    cib: Cib
    sets: dict[str, object]
    rsc_defaults: dict[str, str]
    maintenance_mode: bool
    fencing: bool
    read_nodes: list[str]  # nodes whose history counts, in status order
    histories: dict[str, dict[str, LrmResource]]  # node -> lrm id -> resource
    used: set[tuple[str, str]] = field(default_factory=set)  # (node, lrm id) claimed
    node_by_name: dict[str, NodeView] = field(default_factory=dict)


def _meta(ctx: _Ctx, items: tuple[NvSetItem, ...]) -> dict[str, str]:
    return first_values(items, ctx.sets)  # type: ignore[arg-type]


def _pending_word(op: LrmRscOp) -> str | None:
    words = {
        "start": "Starting",
        "stop": "Stopping",
        "promote": "Promoting",
        "demote": "Demoting",
        "migrate_to": "Migrating",
        "migrate_from": "Migrating",
        "monitor": "Monitoring",
    }
    if op.op_status == -1 or op.call_id == -1:
        if op.operation == "monitor" and op.interval == 0:
            return "Checking"
        return words.get(op.operation)
    return None


def _prim_view(
    ctx: _Ctx,
    p: Primitive,
    display_id: str,
    lrm_ids: Iterable[str],
    inherited: dict[str, str],
    nodes: Iterable[str] | None = None,
) -> PrimView:
    meta = dict(ctx.rsc_defaults)
    meta.update(inherited)
    meta.update(_meta(ctx, p.meta_attributes))
    managed = v.is_true(meta.get("is-managed"), True) and not v.is_true(meta.get("maintenance"))
    if ctx.maintenance_mode:
        managed = False
    rsc = Rsc(p.id, p, None, meta, op_specs(p))
    tmpl = next((t for t in ctx.cib.configuration.templates if t.id == p.template), None)
    if tmpl is not None and not p.agent_type:  # the agent comes from the template
        p = replace(
            p, agent_class=tmpl.agent_class, provider=tmpl.provider, agent_type=tmpl.agent_type
        )
    view = PrimView(display_id, _agent(p), managed=managed)
    ids = list(lrm_ids)
    pending: str | None = None
    seen_ops: list[LrmRscOp] = []
    fence_specs = {(o.name, o.interval) for o in rsc.ops if o.on_fail == "fence"}
    for node in ctx.read_nodes if nodes is None else nodes:
        hist = ctx.histories.get(node, {})
        ops: list[LrmRscOp] = []
        for lid in ids:
            lr = hist.get(lid)
            if lr is not None and (node, lid) not in ctx.used:
                ctx.used.add((node, lid))
                ops.extend(lr.ops)
        if not ops:
            continue
        fold_history(rsc, node, [as_read(o) for o in ops])
        seen_ops += ops
        last = max(ops, key=lambda o: o.call_id)
        if last.operation == "demote" and _is_failure(last) and node in rsc.running:
            rsc.running[node] = Role.UNPROMOTED  # a failed demote leaves it unpromoted
        if ctx.fencing and any(
            (op.operation, op.interval) in fence_specs and _is_failure(op) for op in ops
        ):
            view.fence_on.add(node)
        last = max(ops, key=lambda o: (o.call_id == -1, o.call_id))
        pending = _pending_word(last) or pending
    for node in ctx.read_nodes:
        role = rsc.running.get(node)
        if role is not None:
            view.roles.append((node, role))
    view.failed = bool(rsc.failed)
    stop_policy = next((o.on_fail for o in rsc.ops if o.name == "stop"), None)
    if ctx.fencing and stop_policy in (None, "fence"):
        view.fence_on |= rsc.stop_failed  # a stop that failed is recovered by fencing
    view.blocked = bool(rsc.blocked) or (bool(rsc.stop_failed) and not (managed and ctx.fencing))
    target = meta.get("target-role")
    view.target_role = target
    view.disabled = target is not None and target.lower() == "stopped"
    view.pending = pending if view.roles else None
    ignored = {(o.name, o.interval) for o in rsc.ops if o.on_fail == "ignore"}
    view.failure_ignored = any(
        (op.operation, op.interval) in ignored and _is_failure(op) for op in seen_ops
    )
    return view


def _group_view(
    ctx: _Ctx,
    g: Group,
    display_id: str,
    suffix: str,
    inherited: dict[str, str],
    nodes: Iterable[str] | None = None,
    lrm_alias: bool = False,
) -> GroupView:
    meta = dict(inherited)
    meta.update(_meta(ctx, g.meta_attributes))
    node_list = list(nodes) if nodes is not None else None
    members = []
    for c in g.children:
        ids = [c.id + suffix] + ([c.id] if lrm_alias else [])
        show = c.id + suffix if suffix and not lrm_alias else c.id
        members.append(_prim_view(ctx, c, show, ids, meta, node_list))
    target = meta.get("target-role")
    managed = v.is_true(meta.get("is-managed"), True) and not ctx.maintenance_mode
    disabled = target is not None and target.lower() == "stopped"
    return GroupView(display_id, members, managed=managed, disabled=disabled)


def _instance_suffixes(ctx: _Ctx, base: str) -> dict[str, list[str]]:
    """node -> lrm ids of an anonymous clone's child ``base`` on that node."""
    out: dict[str, list[str]] = {}
    for node in ctx.read_nodes:
        for lid in ctx.histories.get(node, {}):
            if lid == base or (lid.startswith(base + ":") and lid[len(base) + 1 :].isdigit()):
                out.setdefault(node, []).append(lid)
    return out


ANONYMOUS_ONLY = ("lsb", "systemd", "service", "upstart")


def _clone_view(ctx: _Ctx, c: Clone, node_count: int) -> CloneView:
    meta = _meta(ctx, c.meta_attributes)
    promotable = c.legacy_master or v.is_true(meta.get("promotable"))
    child = c.child
    prims = [child] if isinstance(child, Primitive) else list(child.children)
    # agents that cannot tell instances apart make a clone anonymous
    forced = any(str(p.agent_class) in ANONYMOUS_ONLY for p in prims)
    unique = v.is_true(meta.get("globally-unique")) and not forced
    clone_max = v.score(meta.get("clone-max"), node_count)
    if forced:  # made anonymous: no more instances than nodes can hold
        clone_max = min(clone_max, node_count * max(v.score(meta.get("clone-node-max"), 1), 0))
    inherited = {k: val for k, val in meta.items() if k in ("target-role", "is-managed")}
    members: list[PrimView | GroupView] = []
    if unique:
        for i in range(max(clone_max, 0)):
            sfx = f":{i}"
            if isinstance(child, Group):
                members.append(_group_view(ctx, child, child.id + sfx, sfx, inherited))
            else:
                members.append(_prim_view(ctx, child, child.id + sfx, [child.id + sfx], inherited))
    else:
        base_ids = [child.id] if isinstance(child, Primitive) else [m.id for m in child.children]
        per_node: dict[str, str] = {}
        for base in base_ids:
            for node, lids in _instance_suffixes(ctx, base).items():
                per_node.setdefault(node, lids[0][len(base) :])
        next_no = 0
        taken = {int(s[1:]) for s in per_node.values() if s}
        for node in ctx.read_nodes:
            if node not in per_node:
                continue
            sfx = per_node[node]
            if not sfx:
                while next_no in taken:
                    next_no += 1
                taken.add(next_no)
                sfx = f":{next_no}"
            if isinstance(child, Group):
                gv = _group_view(ctx, child, child.id + sfx, sfx, inherited, [node], lrm_alias=True)
                if gv.active:
                    members.append(gv)
            else:
                # each history entry of the child on this node is one instance
                # (several when instances moved); the active one is shown
                lids = _instance_suffixes(ctx, child.id).get(node, [])
                views = [_prim_view(ctx, child, child.id, [lid], inherited, [node]) for lid in lids]
                members += [pv for pv in views if pv.active][:1]
    if promotable:
        for m in members:
            for p in [m] if isinstance(m, PrimView) else m.members:
                p.roles = [(n, Role.UNPROMOTED if r is Role.STARTED else r) for n, r in p.roles]
    target = meta.get("target-role")
    managed = v.is_true(meta.get("is-managed"), True) and not ctx.maintenance_mode
    size = len(child.children) if isinstance(child, Group) else 1
    return CloneView(
        c.id,
        child.id,
        isinstance(child, Group),
        promotable,
        unique,
        members,
        max(clone_max, 0),
        size,
        managed=managed,
        disabled=target is not None and target.lower() == "stopped",
        all_nodes=tuple(n.name for n in ctx.node_by_name.values() if n.kind == "member"),
        child_agent=_agent(child) if isinstance(child, Primitive) else "",
    )


# --- failures ---------------------------------------------------------------


def normalized(op: LrmRscOp) -> LrmRscOp:
    """``op`` with an old-style ``op-status`` 4 ("error") read as done when
    its rc is the expected one, as Pacemaker reads such histories."""
    if op.op_status == 4 and op.rc_code == expected_rc(op):
        return replace(op, op_status=0)
    return op


DEGRADED = {190: 0, 191: 8}  # OCF_DEGRADED, OCF_DEGRADED_PROMOTED -> ok, promoted


def as_read(op: LrmRscOp) -> LrmRscOp:
    """``op`` as the status display folds it: ``normalized``; a probe that
    found the agent not installed means stopped; and a ``_last_failure_0``
    entry counts like any other (the scheduler's folding skips those: they
    repeat an entry it has, except when the failure is newer than the last
    recorded result, which is the case the display must show)."""
    op = normalized(op)
    if op.operation == "monitor" and op.interval == 0 and op.rc_code == 5 and op.op_status == 0:
        op = replace(op, rc_code=7)
    if op.rc_code in DEGRADED and op.op_status == 0:  # degraded is running, and reported
        op = replace(op, rc_code=DEGRADED[op.rc_code])
    if op.id.endswith("_last_failure_0"):
        op = replace(op, id=op.id[: -len("_last_failure_0")] + "_failure_seen")
    return op


def _is_failure(op: LrmRscOp) -> bool:
    op = normalized(op)
    if op.operation == "monitor" and op.interval == 0 and op.rc_code in (5, 7):
        return False
    if op.op_status in (-1, 1) or op.call_id == -1:  # pending or cancelled
        return False
    if op.op_status != 0:
        return True
    expected = expected_rc(op)
    if op.rc_code == expected:
        return False
    if op.operation == "monitor" and op.interval == 0 and op.rc_code in (0, 7, 8):
        return op.rc_code != expected and not (op.rc_code in (0, 8) and expected == 7)
    return True


def _failures(ctx: _Ctx) -> list[FailedAction]:
    out: list[FailedAction] = []
    for node in ctx.read_nodes:
        for lr in ctx.histories.get(node, {}).values():
            seen: set[str] = set()
            for op in sorted(lr.ops, key=lambda o: o.call_id):
                if not _is_failure(op) or op.id in seen:
                    continue
                seen.add(op.id)
                key = op.operation_key or op.id
                rsc, task, interval = _split_key(key, op)
                out.append(
                    FailedAction(
                        key,
                        rsc,
                        task,
                        interval,
                        node,
                        op.rc_code,
                        op.op_status,
                        op.exit_reason,
                        op.call_id,
                        op.last_rc_change,
                        op.exec_time,
                        op.queue_time,
                        op.operation_key is not None,
                    )
                )
    return out


def _split_key(key: str, op: LrmRscOp) -> tuple[str, str, int]:
    """An operation key ``RSC_TASK_INTERVAL`` into its parts (the op's own
    fields when the key does not parse)."""
    head, sep, interval = key.rpartition("_")
    if sep and interval.isdigit():
        rsc, sep2, task = head.rpartition("_")
        if sep2 and task:
            # tasks with an underscore (migrate_to, migrate_from)
            if rsc.endswith("_migrate") and task in ("to", "from"):
                rsc, task = rsc[: -len("_migrate")], "migrate_" + task
            return rsc, task, int(interval)
    return key, op.operation, op.interval


# --- the snapshot -----------------------------------------------------------


def _collect_sets(cib: Cib) -> dict[str, object]:
    from paceline.scheduler.unpack import _collect_ids  # the scheduler's id index

    _rules, sets = _collect_ids(cib)
    return dict(sets)


def snapshot(cib: Cib, now: int) -> Snapshot:
    cfg = cib.configuration
    sets = _collect_sets(cib)
    options = first_values(cfg.crm_config, sets)  # type: ignore[arg-type]
    fencing = v.is_true(options.get("stonith-enabled"), True)
    startup_fencing = v.is_true(options.get("startup-fencing"), True)
    maintenance_mode = v.is_true(options.get("maintenance-mode"))
    states: dict[str, NodeState] = {}
    for ns in cib.status.node_states:
        if ns.uname:
            states.setdefault(ns.uname, ns)
        if ns.id:
            states.setdefault("#id:" + ns.id, ns)

    nodes: list[NodeView] = []
    for n in cfg.nodes:
        if n.type is not None and str(n.type) == "remote":
            continue
        state = states.get(n.uname) or states.get("#id:" + n.id)
        perm = _meta_sets(n.instance_attributes, sets)
        trans: dict[str, str] = {}
        if state is not None and state.transient_attributes is not None:
            trans = _meta_sets(state.transient_attributes.instance_attributes, sets)
        shutdown = _true(trans.get("shutdown"))
        online, unclean, pending = node_condition(
            state, fencing=fencing, startup_fencing=startup_fencing, shutdown=shutdown
        )
        if fencing and online and _true(trans.get("terminate")):
            unclean = True  # fencing was requested
        attrs = dict(perm)
        attrs.update(trans)
        health = "green"
        if options.get("node-health-strategy", "none") != "none":
            colors = {val.lower() for k, val in attrs.items() if k.startswith("#health")}
            health = "red" if "red" in colors else "yellow" if "yellow" in colors else "green"
        nodes.append(
            NodeView(
                n.uname,
                n.id,
                "member",
                online,
                unclean,
                pending,
                v.is_true(attrs.get("standby")),
                v.is_true(attrs.get("maintenance"))
                or (state is not None and _true(state.node_in_maintenance)),
                shutdown,
                tuple(sorted(attrs.items())),
                health=health,
            )
        )
    by_name = {n.name: n for n in nodes}
    read_nodes: list[str] = []
    histories: dict[str, dict[str, LrmResource]] = {}
    for ns in cib.status.node_states:
        name = ns.uname or ""
        node = by_name.get(name)
        if node is None:
            node = next((x for x in nodes if x.id == ns.id), None)
        if node is None or not (node.online or node.unclean) or node.name in histories:
            continue
        read_nodes.append(node.name)
        hist: dict[str, LrmResource] = {}
        if ns.lrm is not None:
            for lr in ns.lrm.resources:
                hist.setdefault(lr.id, lr)
        histories[node.name] = hist
    ctx = _Ctx(
        cib,
        sets,
        first_values(cfg.rsc_defaults, sets),  # type: ignore[arg-type]
        maintenance_mode,
        fencing,
        read_nodes,
        histories,
        node_by_name=by_name,
    )
    resources: list[ResourceView] = []
    # Pacemaker lists (and schedules) resources by priority, highest first
    by_priority = sorted(cfg.resources, key=lambda r: -_priority(ctx, r.meta_attributes))
    for r in by_priority:
        if isinstance(r, Primitive):
            resources.append(_prim_view(ctx, r, r.id, [r.id], {}))
        elif isinstance(r, Group):
            resources.append(_group_view(ctx, r, r.id, "", {}))
        elif isinstance(r, Clone):
            resources.append(_clone_view(ctx, r, len(nodes)))
        elif isinstance(r, Bundle):
            resources.append(BundleView(r.id, r.container.image, r.container.replicas or 1))
    resources.extend(_orphans(ctx))
    active: dict[str, int] = {}
    for view in resources:
        for prim in _prims(view):
            for where, _role in prim.roles:
                active[where] = active.get(where, 0) + 1
    in_maintenance = {n.name for n in nodes if n.maintenance}
    for view in resources:
        for prim in _prims(view):
            if any(where in in_maintenance for where, _role in prim.roles):
                prim.managed = False  # left alone on a node in maintenance
    fence = {n for view in resources for prim in _prims(view) for n in prim.fence_on}
    nodes = [
        replace(n, active_resources=active.get(n.name, 0), unclean=n.unclean or n.name in fence)
        for n in nodes
    ]
    dc = None
    if cib.dc_uuid is not None:
        dc = next((n.name for n in nodes if n.id == cib.dc_uuid), None)
    return Snapshot(
        now=now,
        stack=options.get("cluster-infrastructure", "unknown"),
        dc=dc,
        dc_version=options.get("dc-version"),
        have_quorum=bool(cib.have_quorum),
        last_written=cib.cib_last_written,
        update_client=cib.update_client,
        update_origin=cib.update_origin,
        update_user=cib.update_user,
        maintenance_mode=maintenance_mode,
        stop_all=v.is_true(options.get("stop-all-resources")),
        nodes=tuple(sorted(nodes, key=lambda n: natural_key(n.name))),
        resources=tuple(resources),
        failed=tuple(_failures(ctx)),
        options=tuple(sorted(options.items())),
    )


def _priority(ctx: _Ctx, items: tuple[NvSetItem, ...]) -> int:
    meta = dict(ctx.rsc_defaults)
    meta.update(_meta(ctx, items))
    return v.score(meta.get("priority"), 0)


def _meta_sets(items: tuple[NvSetItem, ...], sets: dict[str, object]) -> dict[str, str]:
    return first_values(items, sets)  # type: ignore[arg-type]


def _orphans(ctx: _Ctx) -> list[PrimView]:
    """Resources in the history that the configuration no longer names and
    that still run somewhere (``ORPHANED``)."""
    out: dict[str, PrimView] = {}
    for node in ctx.read_nodes:
        for lid, lr in ctx.histories.get(node, {}).items():
            if (node, lid) in ctx.used:
                continue
            base = lid.split(":")[0]
            view = out.get(base)
            p = Primitive(
                lr.id, None, lr.provider, lr.agent_type
            )  # a stand-in: the history names the agent
            rsc = Rsc(lr.id, p, None, dict(ctx.rsc_defaults), [], orphan=True)
            fold_history(rsc, node, lr.ops)
            ctx.used.add((node, lid))
            role = rsc.running.get(node)
            if role is None:
                continue
            if view is None:
                view = PrimView(base, _agent(None, lr), orphan=True, managed=True)
                out[base] = view
            view.roles.append((node, role))
            view.failed = view.failed or bool(rsc.failed)
    return list(out.values())
