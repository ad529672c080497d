"""Actions, their ordering, the transition summary and the graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from paceline.cib.model import Action as CAction
from paceline.cib.model import LrmRscOp, Order, OrderKind, Role
from paceline.scheduler import values as v
from paceline.scheduler.acyclic import break_cycles
from paceline.scheduler.clones import probe_targets
from paceline.scheduler.fencing import fence_action
from paceline.scheduler.migration import can_migrate, order_edges
from paceline.scheduler.monitors import extra_monitors
from paceline.scheduler.notify import notifications
from paceline.scheduler.place import INF, clone_of, colocations, expand
from paceline.scheduler.sets import order_pairs
from paceline.scheduler.unpack import Cluster, Rsc


@dataclass(frozen=True, slots=True, order=True)
class Act:
    """One action of the graph: ``rsc_task_interval node`` as Pacemaker names it."""

    rsc: str
    task: str
    interval: int
    node: str | None
    pseudo: bool = False
    cancel: bool = False  # cancelling the recurring operation ``task``/``interval``

    @property
    def key(self) -> str:
        base = f"{self.rsc}_{self.task}_{self.interval}" if self.rsc else self.task
        if self.cancel:
            base = f"Cancel {base}"
        return f"{base} {self.node}" if self.node else base


@dataclass(slots=True)
class Transition:
    """What the cluster must do: actions, orderings (before, after) and summary lines."""

    actions: list[Act] = field(default_factory=list)
    edges: list[tuple[Act, Act]] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    placement: dict[str, str | None] = field(default_factory=dict)


@dataclass(slots=True)
class Plan:
    rid: str
    cur: str | None
    nxt: str | None
    failed: bool
    managed: bool
    stop: bool = False
    start: bool = False
    reason: str = ""
    blocked_start: bool = False
    extra: list[str] = field(default_factory=list)
    unrunnable: bool = False
    promotable: bool = False
    cur_role: Role | None = None
    nxt_role: Role | None = None
    promote: bool = False
    demote: bool = False
    migrate: bool = False
    blocked_stop: bool = False  # a stop that cannot happen (unclean node not fenced)
    reload: bool = False  # reloaded in place (only reloadable parameters changed)


@dataclass(slots=True)
class Ord:
    first: str
    first_action: str
    then: str
    then_action: str
    mandatory: bool
    restart: bool = True  # a start of first restarts a running then (not a whole clone)
    any_of: tuple[str, ...] | None = None  # then waits for any of these (a clone, a set)
    minimum: int = 1  # how many of any_of must run (a clone's clone-min)


def orders(cluster: Cluster, where: dict[str, str | None]) -> list[Ord]:
    """Every ordering between primitives (``where``: the node of each, to pair
    interleaved clone instances)."""
    out: list[Ord] = []
    for members in cluster.groups.values():
        for a, b in pairwise(members):
            out.append(Ord(a, "start", b, "start", True))
            out.append(Ord(b, "stop", a, "stop", True))
    for c in cluster.cib.configuration.constraints:
        if not isinstance(c, Order):
            continue
        known = c.kind in tuple(OrderKind)
        if c.kind is not None and known:
            mandatory = c.kind == OrderKind.MANDATORY
        else:
            mandatory = c.score is None or c.score.value > 0
        serialize = c.kind == OrderKind.SERIALIZE
        symmetrical = c.symmetrical if c.symmetrical is not None else not serialize
        if c.resource_sets:
            for pair in order_pairs(c.resource_sets, c.first_action, cluster.aliases):
                any_of = None
                if pair.any_of is not None:
                    any_of = tuple(r for x in pair.any_of for r in expand(cluster, x))
                _order(
                    cluster,
                    where,
                    out,
                    pair.first,
                    pair.first_action,
                    pair.then,
                    pair.then_action,
                    mandatory,
                    symmetrical,
                    any_of,
                )
            continue
        fa = str(c.first_action or CAction.START)
        ta = str(c.then_action or c.first_action or CAction.START)
        if c.first and c.then:
            _order(
                cluster,
                where,
                out,
                c.first,
                fa,
                c.then,
                ta,
                mandatory,
                symmetrical,
                None,
                c.require_all,
            )
    return out


_INVERSE = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote"}


def _order(
    cluster: Cluster,
    where: dict[str, str | None],
    out: list[Ord],
    first: str,
    fa: str,
    then: str,
    ta: str,
    mandatory: bool,
    symmetrical: bool,
    any_of: tuple[str, ...] | None,
    require_all: bool | None = None,
) -> None:
    """The primitive orderings of ``first fa`` then ``then ta`` (and the inverse)."""
    if fa not in _INVERSE or ta not in _INVERSE:
        return
    firsts = expand(cluster, first)
    thens = expand(cluster, then)
    fc, tc = clone_of(cluster, first), clone_of(cluster, then)
    interleave = fc is not None and tc is not None and cluster.clones[tc].interleave
    if require_all is False:
        interleave = False
    plain = (tc is None and fc is None) or interleave
    # a clone's instance starting restarts a primitive after it, not a group or clone
    restart = plain or (fc is not None and tc is None and then not in cluster.groups)
    minimum = 1
    if any_of is None and fc is not None and not interleave:
        any_of = tuple(cluster.clones[fc].all_rids)
        if require_all is not False:
            minimum = max(1, v.score(cluster.clones[fc].meta.get("clone-min"), 0))
    for a in firsts:
        for b in thens:
            if interleave and (where.get(a) is None or where.get(a) != where.get(b)):
                continue
            out.append(Ord(a, fa, b, ta, mandatory, restart, any_of, minimum))
            if symmetrical:
                out.append(Ord(b, _INVERSE[ta], a, _INVERSE[fa], mandatory, plain))


def build(
    cluster: Cluster,
    placement: dict[str, str | None],
    roles: dict[str, Role] | None = None,
    fence: dict[str, str] | None = None,
) -> Transition:
    roles = roles or {}
    fenced = fence_nodes(cluster, fence or {})
    plans: dict[str, Plan] = {}
    for rid, rsc in cluster.rscs.items():
        running = list(rsc.running)
        cur = running[0] if running else None
        nxt = placement.get(rid)
        failed = bool(set(running) & rsc.failed)
        p = Plan(rid, cur, nxt, failed, rsc.managed)
        if len(running) > 1 and p.managed:
            # multiply active: stopped everywhere, started again where it goes;
            # the summary words it from the first node it runs on
            p.extra = [n for n in running if n != cur]
            p.stop = True
            p.start = nxt is not None
        elif p.managed:
            p.stop = cur is not None and (cur != nxt or failed)
            p.start = nxt is not None and (cur != nxt or failed)
            redefined = rsc.changes.get(cur) if cur is not None and cur == nxt else None
            if redefined is not None and not p.stop:
                if redefined.restart:
                    p.stop = p.start = True
                    p.reason = "due to resource definition change"
                p.reload = redefined.reload
            if cur is not None and cur == nxt and cur in rsc.restart_for:
                p.stop = p.start = True  # a resource inside it failed
        p.promotable = rsc.clone is not None and cluster.clones[rsc.clone].promotable
        if p.promotable:
            p.cur_role = rsc.running.get(p.cur) if p.cur is not None else None
            p.nxt_role = roles.get(rid, Role.UNPROMOTED)
        plans[rid] = p
    where = {rid: p.nxt or p.cur for rid, p in plans.items()}
    ords = orders(cluster, where)
    policy = cluster.option("no-quorum-policy", "stop")
    if not cluster.have_quorum and policy in ("stop", "freeze", "demote", "suicide"):
        for p in plans.values():
            if not p.managed or not _needs_quorum(cluster.rscs[p.rid]):
                continue
            if policy != "freeze" and p.cur is not None and (p.stop or p.nxt is not None):
                p.stop, p.nxt, p.start = True, None, False
                p.reason = "due to no quorum"
            elif p.start and (p.cur is None or policy != "freeze"):
                p.start = False
                p.blocked_start = True
                p.reason = "due to no quorum"
    for rid, rsc in cluster.rscs.items():
        p = plans[rid]
        # on an unclean node that cannot be fenced, nothing can stop (or move)
        host = cluster.nodes.get(p.cur or "")
        if host is not None and host.unclean and p.cur not in fenced and p.managed and p.stop:
            p.blocked_stop, p.start, p.unrunnable = True, False, True
            p.reason = p.reason or "due to node availability"
            continue
        if p.cur is not None and p.cur in rsc.blocked:
            p.managed = False
            p.start = p.stop = False
            p.unrunnable = True
    # a stop that must wait for a blocked resource's stop is blocked too
    changed = True
    while changed:
        changed = False
        for o in ords:
            if not o.mandatory or o.first_action != "stop" or o.then_action != "stop":
                continue
            a, b = plans.get(o.first), plans.get(o.then)
            if a is None or b is None or not a.unrunnable or a.cur is None:
                continue
            if b.managed and b.stop and b.cur is not None and not b.blocked_stop:
                b.blocked_stop, b.start, b.unrunnable = True, False, True
                b.reason = b.reason or "due to node availability"
                changed = True
    # unrunnable starts: a mandatory first that cannot start blocks its then
    changed = True
    while changed:
        changed = False
        for o in ords:
            if not o.mandatory or o.first_action != "start" or o.then_action != "start":
                continue
            a, b = plans.get(o.first), plans.get(o.then)
            if a is None or b is None or not b.managed or b.nxt is None or b.blocked_start:
                continue
            if o.any_of is not None:
                up = sum(1 for r in o.any_of if r in plans and _runs(plans[r]))
                if up >= o.minimum:
                    continue
            first = cluster.rscs[a.rid]
            # a resource active on several nodes and blocked there stays up as it is
            stays = len(first.running) > 1 and a.cur in first.blocked
            if not _runs(a) and not stays:
                b.start = False
                b.blocked_start = b.cur is None
                b.stop = b.cur is not None
                if b.stop:
                    b.nxt = None
                b.reason = f"due to unrunnable {o.first} start"
                changed = True
    for p in plans.values():
        p.migrate = can_migrate(cluster, p, fenced)
    # implied restarts (a migration restarts nothing)
    changed = True
    while changed:
        changed = False
        for o in ords:
            if not o.mandatory:
                continue
            a, b = plans.get(o.first), plans.get(o.then)
            if a is None or b is None:
                continue
            if o.first_action == "start" and o.then_action == "start":
                if (
                    o.restart
                    and b.managed
                    and a.start
                    and not a.migrate
                    and b.nxt is not None
                    and b.cur == b.nxt
                    and not b.start
                ):
                    b.start = b.stop = True
                    b.reason = f"due to required {a.rid} start"
                    changed = True
            elif (
                # o.first stops before o.then stops: o.then stopping forces o.first to stop
                o.first_action == "stop"
                and o.then_action == "stop"
                and a.managed
                and b.stop
                and not b.migrate
                and o.restart
                and a.cur is not None
                and not a.stop
            ):
                a.stop = True
                if a.nxt is not None and a.nxt == a.cur:
                    a.start = True
                    a.reason = f"due to required {b.rid} stop"
                changed = True

    for p in plans.values():
        if p.promotable and p.managed:
            if p.nxt is None or (not p.start and p.cur != p.nxt):
                p.nxt_role = None
            p.demote = p.cur_role is Role.PROMOTED and (p.stop or p.nxt_role is not Role.PROMOTED)
            p.promote = p.nxt_role is Role.PROMOTED and (p.start or p.cur_role is not Role.PROMOTED)

    changed = True
    while changed:  # what must start after a resource that restarts cannot migrate
        changed = False
        for o in ords:
            a, b = plans.get(o.first), plans.get(o.then)
            if a is None or b is None or not b.migrate or not o.mandatory:
                continue
            if o.first_action == "start" and a.stop and a.start and not a.migrate:
                b.migrate = False
                changed = True

    t = Transition(placement=dict(placement))
    acts: dict[tuple[str, str, int, str | None], Act] = {}
    migrating: dict[str, tuple[Act, Act]] = {}  # action name -> (migrate_to, migrate_from)

    def act(rid: str, task: str, interval: int, node: str | None) -> Act:
        rsc = cluster.rscs.get(rid)
        name = rsc.action_name if rsc is not None else rid
        key = (name, task, interval, node)
        a = acts.get(key)
        if a is None:
            # what ran on a node being fenced stops with the fencing
            implied = node in fenced and task in ("stop", "demote")
            a = Act(name, task, interval, node, pseudo=implied)
            acts[key] = a
        return a

    def cancel(rid: str, interval: int, node: str | None) -> Act:
        name = cluster.rscs[rid].action_name
        key = (f"Cancel {name}", "monitor", interval, node)
        a = acts.get(key)
        if a is None:
            a = acts[key] = Act(name, "monitor", interval, node, cancel=True)
        return a

    starts: dict[str, Act] = {}
    stops: dict[str, Act] = {}
    reloads: dict[str, Act] = {}
    promotes: dict[str, Act] = {}
    demotes: dict[str, Act] = {}
    by_task = {"start": starts, "stop": stops, "promote": promotes, "demote": demotes}
    extra_stops: dict[tuple[str, str], Act] = {}  # a multiply active resource's other stops
    for rid in cluster.rscs:
        p = plans[rid]
        if p.stop and p.cur is not None and not p.blocked_stop:
            stops[rid] = act(rid, "stop", 0, p.cur)
        pending = p.cur in cluster.rscs[rid].pending_start
        if p.start and p.nxt is not None:
            starts[rid] = act(rid, "start", 0, p.nxt)
        elif p.managed and p.cur is not None and p.cur == p.nxt and pending:
            starts[rid] = act(rid, "start", 0, p.cur)  # not done yet: it stays in the graph
        if p.migrate and p.cur is not None and p.nxt is not None:
            name = cluster.rscs[rid].action_name
            start = acts[(name, "start", 0, p.nxt)] = Act(name, "start", 0, p.nxt, pseudo=True)
            starts[rid] = start
            to, frm = act(rid, "migrate_to", 0, p.cur), act(rid, "migrate_from", 0, p.nxt)
            migrating[name] = (to, frm)
            t.edges += [(to, frm), (frm, stops[rid]), (frm, start)]
        extra = [act(rid, "stop", 0, n) for n in p.extra] if p.managed else []
        if p.managed:  # a migration's source left running: stopped (no summary line)
            extra += [act(rid, "stop", 0, n) for n in sorted(cluster.rscs[rid].dangling)]
        extra_stops.update({(rid, e.node): e for e in extra if e.node is not None})
        if rid in stops and rid in starts:
            t.edges.append((stops[rid], starts[rid]))
        for e in extra:
            if rid in starts:
                t.edges.append((e, starts[rid]))
        if p.demote and p.cur is not None:
            demotes[rid] = act(rid, "demote", 0, p.cur)
            if rid in stops:
                t.edges.append((demotes[rid], stops[rid]))
        if p.promote and p.nxt is not None:
            promotes[rid] = act(rid, "promote", 0, p.nxt)
            if rid in starts:
                t.edges.append((starts[rid], promotes[rid]))
        if p.reload and not p.stop and p.cur is not None:
            reloads[rid] = act(rid, "reload-agent", 0, p.cur)
    _definition_changes(cluster, plans, act, t.edges, starts, stops, fenced)
    # probes
    probes: dict[str, list[Act]] = {}
    for rid, rsc in cluster.rscs.items():
        if rsc.orphan or rsc.clone is not None or rsc.container in cluster.rscs:
            continue  # (what runs inside a container is known from the container)
        for name in sorted(cluster.nodes):
            info = cluster.nodes[name]
            if not info.online or info.maintenance or name in rsc.seen_on:
                continue
            probes.setdefault(rid, []).append(act(rid, "monitor", 0, name))
    # recurring monitors (an unmanaged resource is still watched where it runs)
    cluster_maint = v.is_true(cluster.options.get("maintenance-mode"))
    for rid, rsc in cluster.rscs.items():
        p = plans[rid]
        watched = not rsc.managed and not _in_maintenance(cluster, rsc, cluster_maint)
        if p.nxt is None or not (p.managed or (watched and not rsc.blocked)):
            continue
        if not p.start and p.cur != p.nxt:
            continue
        hist = rsc.history.get(p.nxt, {})
        after = promotes.get(rid) or demotes.get(rid) or starts.get(rid) or reloads.get(rid)
        changed_role = rid in promotes or rid in demotes
        rerun = rsc.changes[p.nxt].monitors if p.nxt in rsc.changes else set()
        for op in rsc.ops:
            if op.name != "monitor" or op.interval <= 0 or not op.enabled:
                continue
            if not _role_matches(op.role, p.nxt_role if p.promotable else None):
                if (
                    changed_role
                    and not p.start
                    and _was_running(hist.get(("monitor", op.interval)))
                ):
                    stale = cancel(rid, op.interval, p.nxt)
                    if after is not None:
                        t.edges.append((stale, after))
                continue
            if not p.start and not changed_role and ("monitor", op.interval) in hist:
                last = hist[("monitor", op.interval)]
                if op.interval in rerun or rid in reloads:
                    pass  # its definition changed (or the resource reloads): again
                elif last.rc_code in (0, 8) or last.op_status == -1:
                    continue
            mon = act(rid, "monitor", op.interval, p.nxt)
            if after is not None:
                t.edges.append((after, mon))
    # orders between resources, carried through actions that are not needed
    succ: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for o in ords:
        succ.setdefault((o.first, o.first_action), []).append((o.then, o.then_action))

    def present(key: tuple[str, str]) -> Act | None:
        table = by_task.get(key[1])
        return table.get(key[0]) if table is not None else None

    going = {rid: p.nxt for rid, p in plans.items()}
    for cinfo in cluster.clones.values():
        for rid, pnode in probe_targets(cluster, cinfo, going):
            probes.setdefault(rid, []).append(act(rid, "monitor", 0, pnode))
    extra_monitors(cluster, plans, act, cancel, t.edges, starts, stops, probes, extra_stops)
    # an orphan's history is deleted once it is stopped, its fail counts cleared first
    for rid, rsc in cluster.rscs.items():
        # (an anonymous clone's surplus history is not an orphan's)
        if not rsc.orphan or (rsc.clone is not None and not cluster.clones[rsc.clone].unique):
            continue
        for node in rsc.history:
            if cluster.nodes[node].online and node not in fenced:
                wipe = act(rid, "delete", 0, node)
                if rid in stops:
                    t.edges.append((stops[rid], wipe))
        for node, info in cluster.nodes.items():
            if info.online and info.failcounts.get(rsc.action_name, 0) > 0:
                clear = act(rid, "clear_failcount", 0, node)
                if rid in stops:
                    t.edges.append((clear, stops[rid]))
    for rid in probes:
        probed = cluster.rscs.get(rid)
        if probed is not None and probed.clone is not None:
            targets = cluster.clones[probed.clone].all_rids
        else:
            targets = [rid]
        succ.setdefault((rid, "probe"), []).extend((x, "start") for x in targets)
    # a probe of an order's first comes before any stop of its then (found
    # active unexpectedly, the first would need the then stopped)
    then_of: dict[str, list[str]] = {}
    for o in ords:
        if o.mandatory and o.first_action == "start" and o.then_action == "start":
            then_of.setdefault(o.first, []).append(o.then)
    for rid in probes:
        reached: set[str] = set()
        todo = list(then_of.get(rid, ()))
        while todo:
            later = todo.pop()
            if later not in reached:
                reached.add(later)
                todo += then_of.get(later, ())
        succ.setdefault((rid, "probe"), []).extend((r, "stop") for r in sorted(reached))
    for src_key in list(succ):
        if src_key[1] == "probe":
            sources = probes[src_key[0]]
        else:
            one = present(src_key)
            if one is None:
                continue
            sources = [one]
        seen: set[tuple[str, str]] = set()
        stack = list(succ[src_key])
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            dst = present(k)
            if dst is not None:
                for src in sources:
                    t.edges += order_edges(src, dst, migrating)
            elif src_key[1] != "probe":  # a probe orders only its own start
                stack.extend(succ.get(k, ()))
    for cinfo in cluster.clones.values():
        if cinfo.promotable:
            rids = cinfo.all_rids
            ranks = [demotes, stops, starts, promotes]
            for lo, hi in ((0, 1), (0, 3), (2, 3)):
                firsts = [ranks[lo][r] for r in rids if r in ranks[lo]]
                thens = [ranks[hi][r] for r in rids if r in ranks[hi]]
                t.edges.extend((a, b) for a in firsts for b in thens)
    monitors = [a for a in acts.values() if a.task == "monitor" and a.interval and not a.cancel]
    for cinfo in cluster.clones.values():

        def pseudo(task: str, op: str, cid: str = cinfo.id) -> Act:
            key = (cid, task, 0, None)
            found = acts.get(key)
            if found is None:
                found = acts[key] = Act(cid, task, 0, None, pseudo=True)
            return found

        def real(rid: str, task: str, node: str) -> Act:
            return act(rid, task, 0, node)

        notifications(cluster, cinfo, plans, by_task, monitors, pseudo, real, t.edges)
    if cluster.option("placement-strategy", "default") != "default":
        # capacity is freed before it is taken again: stops before starts on a node
        loads = [r for r, x in cluster.rscs.items() if x.utilization]
        for r in loads:
            if r not in stops:
                continue
            for q in loads:
                if q in starts and starts[q].node == stops[r].node and q != r:
                    t.edges.append((stops[r], starts[q]))
    # what must not run with another leaves a node before the other arrives
    for co in colocations(cluster):
        if co.score > -INF:
            continue
        for leaving, arriving in ((co.dependent, co.primary), (co.primary, co.dependent)):
            for gone in expand(cluster, leaving):
                for come in expand(cluster, arriving):
                    if gone in stops and come in starts and stops[gone].node == starts[come].node:
                        t.edges.append((stops[gone], starts[come]))
    for cinfo in cluster.clones.values():
        if cinfo.ordered:  # instances start one after another, and stop in reverse
            rids = cinfo.all_rids
            ups = [starts[r] for r in rids if r in starts]
            downs = [stops[r] for r in reversed(rids) if r in stops]
            t.edges += list(pairwise(ups)) + list(pairwise(downs))
    together = list(cluster.groups.values()) + [i.all_rids for i in cluster.clones.values()]
    for members in together:
        for m in members:
            for n in members:
                if m in stops and n in starts:
                    t.edges.append((stops[m], starts[n]))
    # fencing: before what stopped with it, and before every start and promote
    shots: list[Act] = []
    devices = {r.action_name for r in cluster.rscs.values() if r.agent.startswith("stonith:")}
    for name in [n for n in cluster.nodes if n in fenced]:  # one at a time, in node order
        shot = act("", f"stonith '{fence_action(cluster.options)}'", 0, name)
        if shots:
            t.edges.append((shots[-1], shot))
        shots.append(shot)
        for x in list(acts.values()):
            if x.node == name and x.pseudo and x.rsc not in devices:
                t.edges.append((shot, x))
        for table in (starts, promotes):
            for rid, x in table.items():
                # x fencing device waits only where its state is unknown
                rsc = cluster.rscs[rid]
                if rsc.agent.startswith("stonith:") and _known_on(cluster, rid, name):
                    continue
                t.edges.append((shot, x))
    # shutdown, unless something that cannot stop stays on the node
    stuck = {p.cur for p in plans.values() if p.unrunnable and p.cur is not None}
    for name, info in sorted(cluster.nodes.items()):
        if info.shutdown and info.online and name not in stuck:
            sd = act("", "do_shutdown", 0, name)
            for s in stops.values():
                if s.node == name:
                    t.edges.append((s, sd))
    unique = list(dict.fromkeys(t.edges))
    rank = {e: (e[0].rsc != e[1].rsc, e[0].key, e[1].key) for e in unique}
    t.edges = break_cycles(unique, rank)
    t.actions = sorted(acts.values(), key=lambda a: a.key)
    t.summary = [
        f"Fence ({fence_action(cluster.options)}) {n} '{why}'" for n, why in sorted(fenced.items())
    ] + summary(cluster, plans)
    return t


def _definition_changes(
    cluster: Cluster,
    plans: dict[str, Plan],
    act: Callable[[str, str, int, str | None], Act],
    edges: list[tuple[Act, Act]],
    starts: dict[str, Act],
    stops: dict[str, Act],
    fenced: dict[str, str],
) -> None:
    """The cleanups a changed definition or an expired failure needs: a
    history recorded for another agent is deleted (after the stop there,
    before the start there), and a fail count on a node where the definition
    changed or whose failures expired is cleared."""
    for rid, rsc in cluster.rscs.items():
        timeout = v.interval_ms(rsc.meta.get("failure-timeout")) // 1000
        for node, info in cluster.nodes.items():
            if not timeout or not info.online or node in rsc.sticky_failures:
                continue
            name = rsc.action_name
            if info.failcounts.get(name, 0) <= 0 or rsc.orphan:
                continue
            if info.last_failure.get(name, 0) + timeout <= cluster.now:
                act(rid, "clear_failcount", 0, node)
        for node, ch in rsc.changes.items():
            info = cluster.nodes[node]
            if not info.online or node in fenced or not plans[rid].managed:
                continue
            if ch.agent and not info.shutdown:
                wipe = act(rid, "delete", 0, node)
                if rid in stops and stops[rid].node == node:
                    edges.append((stops[rid], wipe))
                if rid in starts and starts[rid].node == node:
                    edges.append((wipe, starts[rid]))
            if (ch.restart or ch.reload or ch.monitors) and info.failcounts.get(
                rsc.action_name, 0
            ) > 0:
                act(rid, "clear_failcount", 0, node)


def _in_maintenance(cluster: Cluster, rsc: Rsc, cluster_maint: bool) -> bool:
    """Whether ``rsc`` is left alone by maintenance (its own, its node's or the cluster's)."""
    if cluster_maint or v.is_true(rsc.meta.get("maintenance")):
        return True
    return any(cluster.nodes[n].maintenance for n in rsc.running)


def _needs_quorum(rsc: Rsc) -> bool:
    """Whether a resource may only run with quorum (not with ``requires=nothing``)."""
    return rsc.meta.get("requires") != "nothing"


def fence_nodes(cluster: Cluster, extra: dict[str, str]) -> dict[str, str]:
    """The nodes this transition fences, with why: unclean ones (when the
    cluster may fence) and those ``extra`` names."""
    out: dict[str, str] = {}
    if not cluster.stonith_enabled:
        return out
    can = cluster.have_quorum or cluster.option("no-quorum-policy", "stop") == "ignore"
    for name, info in cluster.nodes.items():
        if info.unclean and can:
            out[name] = info.unclean
    for name, why in extra.items():
        if can or cluster.nodes[name].online:
            out.setdefault(name, why)
    return out


def _known_on(cluster: Cluster, rid: str, node: str) -> bool:
    """Whether the state of ``rid`` (any instance, for a clone) on ``node`` is known."""
    rsc = cluster.rscs[rid]
    if rsc.clone is None:
        return node in rsc.seen_on
    return any(node in cluster.rscs[r].seen_on for r in cluster.clones[rsc.clone].all_rids)


def _role_matches(op_role: Role | None, role: Role | None) -> bool:
    """Whether a recurring operation for ``op_role`` runs in ``role`` (None: not promotable)."""
    if op_role in (Role.PROMOTED, Role.UNPROMOTED):
        return role is op_role
    return op_role is not Role.STOPPED and role is not Role.PROMOTED


def _was_running(op: LrmRscOp | None) -> bool:
    return op is not None and (op.rc_code in (0, 8) or op.op_status == -1)


def _runs(p: Plan) -> bool:
    """Whether the resource of ``p`` will be running after the transition."""
    return p.nxt is not None and not p.unrunnable and not p.blocked_start


def summary(cluster: Cluster, plans: dict[str, Plan]) -> list[str]:
    lines: list[str] = []
    for rid in cluster.rscs:
        p = plans[rid]
        if not p.managed:
            continue
        line = _line(p)
        if line:
            lines.append(line)
        if not p.start:
            lines += [f"Stop       {p.rid}\t( {n} )  due to node availability" for n in p.extra]
    return lines


def _line(p: Plan) -> str | None:
    """The summary line of one resource, as crm_simulate words it."""
    cur_role = p.cur_role or Role.STARTED
    nxt_role = p.nxt_role or Role.STARTED
    need_role = p.promotable and (
        cur_role in (Role.UNPROMOTED, Role.PROMOTED) or nxt_role is Role.PROMOTED
    )
    if p.blocked_start and p.nxt and not p.start and p.cur is None:
        return f"Start      {p.rid}\t( {p.nxt} )  {p.reason} (blocked)"
    if p.cur is None and p.start and p.nxt:
        if need_role and nxt_role is Role.PROMOTED:
            return f"Promote    {p.rid}\t( Stopped -> Promoted {p.nxt} )"
        return f"Start      {p.rid}\t( {p.nxt} )"
    if p.cur is not None and p.blocked_stop:
        return f"Stop       {p.rid}\t( {p.cur} )  {p.reason} (blocked)"
    if p.cur is not None and p.stop and not p.start:
        where = f"{cur_role} {p.cur}" if need_role else p.cur
        return f"Stop       {p.rid}\t( {where} )  {p.reason or 'due to node availability'}"
    if p.cur is not None and p.start and p.nxt is not None:
        if p.cur != p.nxt:
            verb = "Recover" if p.failed else "Migrate" if p.migrate else "Move"
            if cur_role is not nxt_role:
                detail = f"{cur_role} {p.cur} -> {nxt_role} {p.nxt}"
            elif need_role:
                detail = f"{p.cur} -> {p.nxt} {cur_role}"
            else:
                detail = f"{p.cur} -> {p.nxt}"
            return f"{verb:<10} {p.rid}\t( {detail} )"
        where = f"{cur_role} {p.cur}" if need_role else p.cur
        if cur_role is not nxt_role:
            verb = "Promote" if nxt_role is Role.PROMOTED else "Demote"
            return f"{verb:<10} {p.rid}\t( {cur_role} -> {nxt_role} {p.cur} )"
        if p.failed:
            return f"Recover    {p.rid}\t( {where} )"
        return f"Restart    {p.rid}\t( {where} )  {p.reason}".rstrip()
    if p.cur is not None and p.reload and not p.stop:
        return f"Reload     {p.rid}\t( {p.cur} )"
    if p.cur is not None and (p.promote or p.demote):
        verb = "Promote" if p.promote else "Demote"
        return f"{verb:<10} {p.rid}\t( {cur_role} -> {nxt_role} {p.cur} )"
    return None


def to_dot(t: Transition) -> str:
    lines = ['digraph "g" {']
    for a, b in sorted(set(t.edges), key=lambda e: (e[0].key, e[1].key)):
        lines.append(f'"{a.key}" -> "{b.key}" [ style = bold]')
    for a in t.actions:
        color = "orange" if a.pseudo else "black"
        lines.append(f'"{a.key}" [ style=bold color="green" fontcolor="{color}"]')
    lines.append("}")
    return "\n".join(lines) + "\n"
