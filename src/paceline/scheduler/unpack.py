"""Unpacking a CIB: cluster options, nodes, resources and their current state."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from paceline.cib.model import (
    Cib,
    Clone,
    Group,
    LrmRscOp,
    NvPair,
    NvSet,
    NvSetItem,
    Op,
    Primitive,
    Role,
    RscExpression,
    Rule,
    RuleItem,
    RuleRef,
)
from paceline.scheduler import values as v
from paceline.scheduler.clones import CloneInfo, clone_info, strip_instance
from paceline.scheduler.digests import Changes, changes
from paceline.scheduler.fencing import node_status
from paceline.scheduler.rules import Evaluator


def nvsets(items: Iterable[NvSetItem], by_id: dict[str, NvSet]) -> Iterator[NvSet]:
    for item in items:
        if isinstance(item, NvSet):
            yield item
        else:
            target = by_id.get(item.id_ref)
            if target is not None:
                yield target


def first_values(items: Iterable[NvSetItem], by_id: dict[str, NvSet]) -> dict[str, str]:
    """name -> value, the first set that names it wins (rules are not evaluated)."""
    out: dict[str, str] = {}
    for s in nvsets(items, by_id):
        for pair in s.nvpairs:
            if isinstance(pair, NvPair) and pair.value is not None:
                out.setdefault(pair.name, pair.value)
    return out


@dataclass(slots=True)
class NodeInfo:
    name: str
    id: str
    online: bool = False
    standby: bool = False
    maintenance: bool = False
    shutdown: bool = False
    pending: bool = False
    unclean: str | None = None  # why it must be fenced
    capacity: dict[str, str] = field(default_factory=dict)  # utilization attributes
    attrs: dict[str, str] = field(default_factory=dict)
    failcounts: dict[str, int] = field(default_factory=dict)
    last_failure: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class OpSpec:
    name: str
    interval: int
    role: Role | None
    enabled: bool
    on_fail: str | None


@dataclass(slots=True)
class Rsc:
    """One primitive, as the scheduler sees it."""

    id: str
    prim: Primitive | None
    group: str | None
    meta: dict[str, str]
    ops: list[OpSpec]
    orphan: bool = False
    # state per node: role (Started/Promoted/...) and failed flag
    running: dict[str, Role] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    stop_failed: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    history: dict[str, dict[tuple[str, int], LrmRscOp]] = field(default_factory=dict)
    seen_on: set[str] = field(default_factory=set)
    clone: str | None = None  # the clone this is an instance (member) of
    ignored_failures: set[str] = field(default_factory=set)  # last failure had on-fail=ignore
    clone_name: str | None = None  # the history name it was given (anonymous clones)
    utilization: dict[str, str] = field(default_factory=dict)
    changes: dict[str, Changes] = field(default_factory=dict)  # node -> definition changes
    banned: set[str] = field(default_factory=set)  # nodes where it failed hard (rc 2-5)
    fatal: bool = False  # it failed in a way that bars it from every node (rc 6)
    sticky_failures: set[str] = field(default_factory=set)  # nodes where a failure blocks
    restart_for: set[str] = field(default_factory=set)  # nodes where a filler of it failed
    pending_start: set[str] = field(default_factory=set)  # nodes where a start is in flight
    dangling: set[str] = field(default_factory=set)  # migrated away from, still to be stopped

    @property
    def container(self) -> str | None:
        """The resource this one runs inside (meta ``container``), if any."""
        c = self.meta.get("container")
        return c if c and c != self.id else None

    @property
    def action_name(self) -> str:
        """The name its actions carry in the graph (Pacemaker's clone_name, else its id)."""
        return self.clone_name or self.id

    @property
    def managed(self) -> bool:
        return v.is_true(self.meta.get("is-managed"), True)

    @property
    def target_role(self) -> str:
        return (self.meta.get("target-role") or "Started").lower()

    @property
    def stickiness(self) -> int:
        return v.score(self.meta.get("resource-stickiness"), 0)

    @property
    def priority(self) -> int:
        return v.score(self.meta.get("priority"), 0)

    @property
    def agent(self) -> str:
        p = self.prim
        if p is None:
            return "unknown"
        cls = str(p.agent_class) if p.agent_class else "ocf"
        return f"{cls}:{p.provider}:{p.agent_type}" if p.provider else f"{cls}:{p.agent_type}"


@dataclass(slots=True)
class Cluster:
    cib: Cib
    now: int
    options: dict[str, str]
    nodes: dict[str, NodeInfo]
    rscs: dict[str, Rsc]
    groups: dict[str, list[str]]
    top: list[str]  # top-level resource ids in document order (groups and primitives)
    have_quorum: bool
    rules_by_id: dict[str, Rule]
    sets_by_id: dict[str, NvSet]
    aliases: dict[str, list[str]]  # template and tag ids -> resource ids
    clones: dict[str, CloneInfo] = field(default_factory=dict)
    in_clone: dict[str, str] = field(default_factory=dict)  # child/member id -> clone id

    def option(self, name: str, default: str) -> str:
        return self.options.get(name, default)

    @property
    def stonith_enabled(self) -> bool:
        return v.is_true(self.options.get("stonith-enabled"), True)


def _rsc_matches(rule: Rule | RuleRef, prim: Primitive, ev: Evaluator) -> bool:
    if isinstance(rule, RuleRef):
        target = ev.rules_by_id.get(rule.id_ref)
        return target is None or _rsc_matches(target, prim, ev)
    results = []
    for e in rule.expressions:
        if isinstance(e, RscExpression):
            results.append(
                (e.agent_class is None or e.agent_class == str(prim.agent_class))
                and (e.provider is None or e.provider == prim.provider)
                and (e.agent_type is None or e.agent_type == prim.agent_type)
            )
        elif isinstance(e, (Rule, RuleRef)):
            results.append(_rsc_matches(e, prim, ev))
        else:
            results.append(ev.item(e, {}))
    if not results:
        return True
    return any(results) if str(rule.boolean_op) == "or" else all(results)


def _rsc_defaults(
    items: Iterable[NvSetItem], by_id: dict[str, NvSet], prim: Primitive, ev: Evaluator
) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in nvsets(items, by_id):
        if s.rule is not None and not _rsc_matches(s.rule, prim, ev):
            continue
        for pair in s.nvpairs:
            if isinstance(pair, NvPair) and pair.value is not None:
                out.setdefault(pair.name, pair.value)
    return out


def _collect_ids(cib: Cib) -> tuple[dict[str, Rule], dict[str, NvSet]]:
    rules: dict[str, Rule] = {}
    sets: dict[str, NvSet] = {}

    def visit_rule(item: RuleItem) -> None:
        if isinstance(item, Rule):
            rules[item.id] = item
            for sub in item.expressions:
                visit_rule(sub)

    def visit(obj: object) -> None:
        if isinstance(obj, NvSet):
            sets[obj.id] = obj
            if isinstance(obj.rule, Rule):
                visit_rule(obj.rule)
        elif isinstance(obj, Rule):
            visit_rule(obj)
        elif isinstance(obj, tuple):
            for x in obj:
                visit(x)
        elif hasattr(obj, "__slots__") and not isinstance(obj, (str, int)):
            for name in obj.__slots__:
                visit(getattr(obj, name, None))

    visit(cib.configuration)
    return rules, sets


def expected_rc(op: LrmRscOp) -> int:
    """The rc the DC expected of ``op``: from its transition key, else 7 for a
    probe and 0 for anything else."""
    key = op.transition_key
    if key:
        parts = key.split(":")
        if len(parts) >= 3 and parts[2].lstrip("-").isdigit():
            return int(parts[2])
    return 7 if (op.operation == "monitor" and op.interval == 0) else 0


# agent exit codes that bar a resource from the node it failed on, and from every node
HARD = {"invalid argument": 2, "unimplemented": 3, "insufficient privileges": 4, "not installed": 5}
FATAL = 6  # not configured
DEGRADED = {190: 0, 191: 8}  # OCF_DEGRADED, OCF_DEGRADED_PROMOTED -> ok, promoted


def unexpired(rsc: Rsc, ops: Iterable[LrmRscOp], now: int) -> tuple[list[LrmRscOp], list[LrmRscOp]]:
    """``ops`` without the failures older than the resource's ``failure-timeout``
    (none: failures never expire), and those: an expired failure is as if it
    never happened. A failure whose operation blocks (``on-fail=block``) stays
    (the second list)."""
    timeout_s = v.interval_ms(rsc.meta.get("failure-timeout")) // 1000
    blocking = {(o.name, o.interval) for o in rsc.ops if o.on_fail == "block"}
    kept, sticky = [], []
    for op in ops:
        if timeout_s > 0 and _failure(op):
            when = op.last_rc_change or op.last_run or 0
            if (op.operation, op.interval) in blocking:
                sticky.append(op)
            elif when + timeout_s <= now:
                continue
        kept.append(op)
    return kept, sticky


def _failure(op: LrmRscOp) -> bool:
    """Whether ``op`` completed with a result other than the one expected."""
    if op.op_status in (-1, 1) or op.call_id == -1:  # pending or cancelled
        return False
    if op.operation == "monitor" and op.interval == 0 and op.op_status == 0:
        return op.rc_code not in (0, 7, 8)
    return op.op_status != 0 or op.rc_code != expected_rc(op)


def _is_last_failure(op: LrmRscOp) -> bool:
    return op.id.endswith("_last_failure_0")


def _apply_history(rsc: Rsc, node: str, ops: list[LrmRscOp]) -> None:
    role = Role.STOPPED
    failed = False
    stop_failed = False
    hist: dict[tuple[str, int], LrmRscOp] = {}
    on_fail = {(o.name, o.interval): o.on_fail for o in rsc.ops if o.on_fail}
    blocked = False
    # call id -> when the entry other than the last failure last changed
    calls = {o.call_id: o.last_rc_change or 0 for o in ops if not _is_last_failure(o)}

    def newer(op: LrmRscOp) -> bool:  # a failure after the entry with its call id
        if not _is_last_failure(op) or op.rc_code in DEGRADED:
            return False
        if on_fail.get((op.operation, op.interval)) in ("ignore", "demote"):
            return False
        return (op.last_rc_change or 0) > calls.get(op.call_id, 0)

    for op in sorted(ops, key=lambda o: (o.call_id < 0, o.call_id, newer(o))):
        if _is_last_failure(op):
            if on_fail.get((op.operation, op.interval)) == "ignore":
                rsc.ignored_failures.add(node)  # such failures do not count
            # the same call as another entry: it says no more, unless it is newer
            # (a recurring monitor failing keeps its call id)
            if op.call_id in calls and not newer(op):
                continue
        hist[(op.operation, op.interval)] = op
        task = op.operation
        if op.op_status == -1 or op.call_id == -1:  # pending
            if task in ("start", "migrate_from", "promote"):
                role = Role.STARTED if task != "promote" else Role.PROMOTED
            if task == "start":
                rsc.pending_start.add(node)
            continue
        if op.op_status == 1:  # cancelled
            continue
        rc = op.rc_code
        if rc in DEGRADED and op.op_status == 0:  # degraded is running (and reported)
            rc = DEGRADED[rc]
        expected = expected_rc(op)
        ok = rc == expected and op.op_status in (0,)
        if task == "monitor" and op.interval == 0 and rc in (0, 7, 8) and op.op_status == 0:
            ok = True
        policy = on_fail.get((task, op.interval))
        if not ok and policy == "ignore":
            ok = True
            rc = expected
        if not ok and policy == "block":
            blocked = True
        if ok:
            if task in ("start", "migrate_from"):
                role, failed = Role.STARTED, False
            elif task == "stop":
                role, failed, stop_failed = Role.STOPPED, False, False
            elif task == "promote":
                role = Role.PROMOTED
            elif task == "demote":
                role = Role.UNPROMOTED
            elif task == "monitor":
                if rc == 7:
                    role = Role.STOPPED
                    failed = False
                elif rc == 8:
                    role = Role.PROMOTED
                elif role is Role.STOPPED:
                    role = Role.STARTED
            elif task == "migrate_to":
                role = Role.STARTED
        else:
            if task == "stop":
                stop_failed = True
                role = Role.STARTED
            elif task == "monitor" and op.interval == 0 and rc in (7, HARD["not installed"]):
                role = Role.STOPPED  # not installed: certainly not running
                if rc != 7:
                    rsc.banned.add(node)
                continue
            elif task == "monitor" and rc == 9:
                role = Role.PROMOTED
            elif task == "monitor" and rc == 7 and op.interval > 0:
                role = Role.STARTED if role is Role.STOPPED else role
            elif role is Role.STOPPED or task == "start":
                role = Role.STARTED
            failed = True
            if op.op_status != 0:  # the executor's error, not the agent's exit code
                pass
            elif rc in HARD.values():
                rsc.banned.add(node)
            elif rc == FATAL:
                rsc.fatal = True
    rsc.history[node] = hist
    # a probe still pending tells nothing yet: the node is probed again
    if any(
        not (o.operation == "monitor" and o.interval == 0 and -1 in (o.op_status, o.call_id))
        for o in ops
    ):
        rsc.seen_on.add(node)
    if role is not Role.STOPPED:
        rsc.running[node] = role
    if failed:
        rsc.failed.add(node)
    if stop_failed:
        rsc.stop_failed.add(node)
    if blocked and role is not Role.STOPPED:
        rsc.blocked.add(node)


def _op_specs(prim: Primitive, op_defaults: dict[str, str]) -> list[OpSpec]:
    out = []
    for o in prim.operations:
        out.append(_op_spec(o))
    return out


def _op_spec(o: Op) -> OpSpec:
    enabled = o.enabled if o.enabled is not None else True
    return OpSpec(
        o.name, v.interval_ms(o.interval), o.role, enabled, str(o.on_fail) if o.on_fail else None
    )


def unpack(cib: Cib, now: int | None) -> Cluster:
    cfg = cib.configuration
    rules_by_id, sets_by_id = _collect_ids(cib)
    options = first_values(cfg.crm_config, sets_by_id)
    rsc_defaults = first_values(cfg.rsc_defaults, sets_by_id)
    op_defaults = first_values(cfg.op_defaults, sets_by_id)
    if now is None:
        now = cib.execution_date or 0

    nodes: dict[str, NodeInfo] = {}
    for n in cfg.nodes:
        info = NodeInfo(n.uname, n.id)
        info.attrs.update(first_values(n.instance_attributes, sets_by_id))
        info.capacity = first_values(n.utilization, sets_by_id)
        nodes[n.uname] = info
    by_id = {info.id: info for info in nodes.values()}
    fencing = v.is_true(options.get("stonith-enabled"), True)
    seen: set[str] = set()
    for ns in cib.status.node_states:
        info_opt = nodes.get(ns.uname or "") or by_id.get(ns.id or "")
        if info_opt is None:
            continue
        info = info_opt
        seen.add(info.name)
        info.online, info.pending, info.unclean = node_status(ns, fencing)
        if ns.transient_attributes is not None:
            transient = first_values(ns.transient_attributes.instance_attributes, sets_by_id)
            for name, value in transient.items():
                if name.startswith("fail-count-"):
                    key = name[len("fail-count-") :].split("#")[0]
                    info.failcounts[key] = v.add(info.failcounts.get(key, 0), v.score(value))
                elif name.startswith("last-failure-"):
                    key = name[len("last-failure-") :].split("#")[0]
                    info.last_failure[key] = max(info.last_failure.get(key, 0), v.score(value))
                else:
                    info.attrs[name] = value
        if ns.shutdown and ns.shutdown != "0":
            info.shutdown = True
    startup_fencing = fencing and v.is_true(options.get("startup-fencing"), True)
    for info in nodes.values():
        if startup_fencing and info.name not in seen:
            info.unclean = "node is unclean"
        if info.attrs.get("shutdown", "0") not in ("0", ""):  # a shutdown was asked for
            info.shutdown = True
        info.standby = v.is_true(info.attrs.get("standby"))
        info.maintenance = v.is_true(info.attrs.get("maintenance"))
        info.attrs.setdefault("#uname", info.name)
        info.attrs.setdefault("#id", info.id)
        info.attrs.setdefault("#kind", "cluster")

    cluster_maint = v.is_true(options.get("maintenance-mode"))
    evaluator = Evaluator(now, rules_by_id)
    rscs: dict[str, Rsc] = {}
    groups: dict[str, list[str]] = {}
    top: list[str] = []

    templates = {t.id: t for t in cfg.templates}
    template_users: dict[str, list[str]] = {}

    def add_prim(p: Primitive, parent_meta: dict[str, str], group: str | None) -> None:
        tmpl = templates.get(p.template or "")
        if tmpl is not None:
            template_users.setdefault(tmpl.id, []).append(p.id)
            p = replace(
                p,
                agent_class=p.agent_class or tmpl.agent_class,
                provider=p.provider or tmpl.provider,
                agent_type=p.agent_type or tmpl.agent_type,
                operations=p.operations
                + tuple(
                    o
                    for o in tmpl.operations
                    if (o.name, o.interval) not in {(x.name, x.interval) for x in p.operations}
                ),
                meta_attributes=p.meta_attributes + tmpl.meta_attributes,
                instance_attributes=p.instance_attributes + tmpl.instance_attributes,
            )
        meta = _rsc_defaults(cfg.rsc_defaults, sets_by_id, p, evaluator)
        meta.update(parent_meta)
        meta.update(first_values(p.meta_attributes, sets_by_id))
        if cluster_maint or v.is_true(meta.get("maintenance")):
            meta["is-managed"] = "false"
        rscs[p.id] = Rsc(p.id, p, group, meta, _op_specs(p, op_defaults))
        rscs[p.id].utilization = first_values(p.utilization, sets_by_id)

    clones: dict[str, CloneInfo] = {}
    in_clone: dict[str, str] = {}

    def add_clone(r: Clone) -> None:
        cmeta = first_values(r.meta_attributes, sets_by_id)
        if r.legacy_master:
            cmeta.setdefault("promotable", "true")
        child = r.child
        kids = list(child.children) if isinstance(child, Group) else [child]
        info = clone_info(r.id, child.id, [k.id for k in kids], cmeta, len(nodes))
        # only OCF and fencing agents can tell unique instances apart
        if any(str(k.agent_class or "ocf") not in ("ocf", "stonith") for k in kids):
            info.unique = False
        clones[r.id] = info
        in_clone[child.id] = r.id
        gmeta = dict(cmeta)
        if isinstance(child, Group):
            gmeta.update(first_values(child.meta_attributes, sets_by_id))
        for k in kids:
            in_clone[k.id] = r.id
        for i in range(info.clone_max):
            rids = [f"{k.id}:{i}" for k in kids]
            info.instances.append(rids)
            gid = f"{child.id}:{i}" if isinstance(child, Group) else None
            if gid is not None:
                groups[gid] = rids
            for k, rid in zip(kids, rids, strict=True):
                add_prim(replace(k, id=rid), gmeta, gid)
                inst = rscs[rid]
                inst.clone = r.id
                inst.meta.setdefault("resource-stickiness", "1")

    for r in cfg.resources:
        if isinstance(r, Primitive):
            add_prim(r, {}, None)
            top.append(r.id)
        elif isinstance(r, Group):
            gmeta = first_values(r.meta_attributes, sets_by_id)
            groups[r.id] = [c.id for c in r.children]
            for c in r.children:
                add_prim(c, gmeta, r.id)
            top.append(r.id)
        elif isinstance(r, Clone):
            add_clone(r)
            top.append(r.id)

    for ns in cib.status.node_states:
        if ns.lrm is None:
            continue
        node_info = nodes.get(ns.uname or "") or by_id.get(ns.id or "")
        if node_info is None or not (
            node_info.online or node_info.unclean or node_info.maintenance
        ):
            continue
        for lr in ns.lrm.resources:
            rsc_opt = rscs.get(lr.id)
            base = strip_instance(lr.id)
            if base in in_clone and (rsc_opt is None or not clones[in_clone[base]].unique):
                cinfo = clones[in_clone[base]]
                active = _leaves_active(cinfo, base, rscs, node_info.name, list(lr.ops))
                rsc_opt = _clone_instance(cinfo, base, lr.id, node_info.name, rscs, active)
            if rsc_opt is None:
                rid = lr.id
                cid = in_clone.get(base)
                if cid is not None and not clones[cid].unique:  # every instance is in use
                    k = clones[cid].clone_max
                    while f"{base}:{k}" in rscs:
                        k += 1
                    rid = f"{base}:{k}"
                rsc_opt = Rsc(rid, None, None, dict(rsc_defaults), [], orphan=True, clone=cid)
                if rid != lr.id:
                    rsc_opt.clone_name = lr.id
                rscs[rid] = rsc_opt
                top.append(rid)
            kept, sticky = unexpired(rsc_opt, lr.ops, now)
            if sticky:
                rsc_opt.sticky_failures.add(node_info.name)
            _apply_history(rsc_opt, node_info.name, kept)
            if rsc_opt.prim is not None and not rsc_opt.orphan:
                found = changes(
                    rsc_opt.prim, lr, sets_by_id, evaluator, node_info.attrs, op_defaults
                )
                if found.any:
                    rsc_opt.changes[node_info.name] = found

    for rsc in rscs.values():
        _charge_container(rsc, rscs)
        _partial_migration(rsc)
        several = len(rsc.running) > 1 and rsc.clone is None
        if several and rsc.meta.get("multiple-active") == "block":  # left as found
            rsc.blocked |= set(rsc.running)
    for rsc in rscs.values():
        if any(nodes[n].maintenance for n in rsc.running):  # left alone on a node in maintenance
            rsc.meta["is-managed"] = "false"
        if rsc.clone is not None and clones[rsc.clone].promotable:
            for node, role in rsc.running.items():
                if role is Role.STARTED:
                    rsc.running[node] = Role.UNPROMOTED
        if rsc.stop_failed and not fencing:
            rsc.blocked |= rsc.stop_failed
        elif rsc.stop_failed:  # a stop that failed is recovered by fencing its node
            for node in sorted(rsc.stop_failed):
                if nodes[node].unclean is None:
                    nodes[node].unclean = f"{rsc.id} failed there"
    aliases: dict[str, list[str]] = dict(template_users)
    for tag in cfg.tags:
        aliases[tag.id] = list(tag.refs)
    have_quorum = cib.have_quorum if cib.have_quorum is not None else True
    return Cluster(
        cib,
        now,
        options,
        nodes,
        rscs,
        groups,
        top,
        have_quorum,
        rules_by_id,
        sets_by_id,
        aliases,
        clones,
        in_clone,
    )


def _partial_migration(rsc: Rsc) -> None:
    """A migration whose last step is missing: ``migrate_to`` done on the source
    (nothing after it there) and ``migrate_from`` done on the target leaves the
    resource running on the target, the source only to be stopped (dangling);
    a ``migrate_from`` that failed leaves it running, failed, on the source."""
    for source, hist in rsc.history.items():
        if source not in rsc.running or not hist:
            continue
        last = max(hist.values(), key=lambda o: o.call_id)
        target = last.migrate_target
        if last.operation != "migrate_to" or last.rc_code != 0 or not target:
            continue
        arrived = rsc.history.get(target, {}).get(("migrate_from", 0))
        if arrived is None or arrived.migrate_source != source:
            continue
        if arrived.rc_code == 0 and arrived.op_status == 0 and target in rsc.running:
            del rsc.running[source]
            rsc.dangling.add(source)
        elif arrived.rc_code != 0:
            rsc.failed.add(source)


def _charge_container(rsc: Rsc, rscs: dict[str, Rsc]) -> None:
    """A resource that runs inside another (its container) fails with it: its
    failure restarts the container there, and a stop that failed is done by
    stopping the container (it is then stopped, with no fencing)."""
    box = rscs.get(rsc.container or "")
    if box is None:
        return
    for node in sorted((rsc.failed & set(rsc.running)) | rsc.stop_failed):
        if node in box.running:
            box.restart_for.add(node)
    for node in sorted(rsc.stop_failed):
        rsc.running.pop(node, None)
        rsc.failed.discard(node)
    rsc.stop_failed.clear()


def _leaves_active(
    info: CloneInfo, base: str, rscs: dict[str, Rsc], node: str, ops: list[LrmRscOp]
) -> bool:
    """Whether a history leaves the resource active on ``node`` (read on a scratch copy)."""
    model = rscs[info.instances[0][info.members.index(base)]] if info.instances else None
    scratch = Rsc(base, None, None, model.meta if model else {}, model.ops if model else [])
    _apply_history(scratch, node, ops)
    return bool(scratch.running)


def _clone_instance(
    info: CloneInfo, base: str, lrm_id: str, node: str, rscs: dict[str, Rsc], active: bool
) -> Rsc | None:
    """The instance of ``info`` that a history entry ``lrm_id`` on ``node`` belongs to.

    An instance active on ``node`` (a cloned group's other member) takes it,
    else the first instance not active anywhere; none left: ``None`` (an orphan).
    A history that leaves the resource inactive goes to the instance it names,
    if that one is free (as Pacemaker's graphs show).
    """
    if info.unique:
        return None
    pos = info.members.index(base)
    inactive: Rsc | None = None
    exact = rscs.get(lrm_id)
    if not active and exact is not None and exact.clone == info.id and not exact.running:
        same = [r for inst in info.instances if lrm_id in inst for r in inst]
        if not any(rscs[r].running for r in same):
            return exact
    for inst in info.instances:
        where: set[str] = set()
        for rid in inst:
            where |= set(rscs[rid].running)
        rsc = rscs[inst[pos]]
        if where:
            if node in where and not rsc.running:
                inactive = None
                return _named(rsc, lrm_id)
        elif inactive is None:
            inactive = rsc
    return _named(inactive, lrm_id) if inactive is not None else None


def _named(rsc: Rsc, lrm_id: str) -> Rsc:
    if lrm_id != rsc.id:
        rsc.clone_name = lrm_id
    return rsc


def op_specs(prim: Primitive) -> list[OpSpec]:
    """The operations ``prim`` configures, as the history folding reads them."""
    return [_op_spec(o) for o in prim.operations]


def fold_history(rsc: Rsc, node: str, ops: Iterable[LrmRscOp]) -> None:
    """Fold one node's operation history of ``rsc`` into its state (role on
    ``node``, failed, stop failed, blocked, history by (task, interval)).

    The public face of the unpacking above, for readers of the status section
    other than the scheduler (``paceline status``)."""
    _apply_history(rsc, node, list(ops))
