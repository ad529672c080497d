"""Actions, their ordering, the transition summary and the graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from paceline.cib.model import Action as CAction
from paceline.cib.model import Order, OrderKind, Role
from paceline.scheduler.clones import probe_targets
from paceline.scheduler.place import expand
from paceline.scheduler.unpack import Cluster


@dataclass(frozen=True, slots=True, order=True)
class Act:
    """One action of the graph: ``rsc_task_interval node`` as Pacemaker names it."""

    rsc: str
    task: str
    interval: int
    node: str | None
    pseudo: bool = False

    @property
    def key(self) -> str:
        base = f"{self.rsc}_{self.task}_{self.interval}" if self.rsc else self.task
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


@dataclass(slots=True)
class Ord:
    first: str
    first_action: str
    then: str
    then_action: str
    mandatory: bool


def orders(cluster: Cluster) -> list[Ord]:
    out: list[Ord] = []
    for members in cluster.groups.values():
        for a, b in pairwise(members):
            out.append(Ord(a, "start", b, "start", True))
            out.append(Ord(b, "stop", a, "stop", True))
    for c in cluster.cib.configuration.constraints:
        if not isinstance(c, Order) or c.resource_sets:
            continue
        fa = str(c.first_action or CAction.START)
        ta = str(c.then_action or c.first_action or CAction.START)
        if fa not in ("start", "stop") or ta not in ("start", "stop"):
            continue
        if c.kind is not None:
            mandatory = c.kind == OrderKind.MANDATORY
        else:
            mandatory = c.score is None or c.score.value > 0
        serialize = c.kind == OrderKind.SERIALIZE
        symmetrical = c.symmetrical if c.symmetrical is not None else not serialize
        firsts = expand(cluster, c.first)
        thens = expand(cluster, c.then)
        for a in firsts:
            for b in thens:
                out.append(Ord(a, fa, b, ta, mandatory))
                if symmetrical:
                    inv = {"start": "stop", "stop": "start"}
                    out.append(Ord(b, inv[ta], a, inv[fa], mandatory))
    return out


def build(cluster: Cluster, placement: dict[str, str | None]) -> Transition:
    plans: dict[str, Plan] = {}
    for rid, rsc in cluster.rscs.items():
        running = list(rsc.running)
        cur = running[0] if running else None
        if cur is not None and placement.get(rid) in running:
            cur = placement[rid]
        nxt = placement.get(rid)
        failed = cur is not None and cur in rsc.failed
        p = Plan(rid, cur, nxt, failed, rsc.managed)
        if len(running) > 1 and p.managed:
            p.extra = [n for n in running if n != cur]
            if nxt is not None and nxt in running:
                p.extra = [n for n in running if n != nxt]
                p.cur = p.extra.pop(0)
            p.stop = True
            p.start = nxt is not None
        elif p.managed:
            p.stop = cur is not None and (cur != nxt or failed)
            p.start = nxt is not None and (cur != nxt or failed)
        plans[rid] = p
    ords = orders(cluster)
    policy = cluster.option("no-quorum-policy", "stop")
    if not cluster.have_quorum and policy in ("stop", "freeze", "demote", "suicide"):
        for p in plans.values():
            if not p.managed:
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
        if p.cur is not None and p.cur in rsc.blocked:
            p.managed = False
            p.start = p.stop = False
            p.unrunnable = True
    # unrunnable starts: a mandatory first that cannot start blocks its then
    changed = True
    while changed:
        changed = False
        for o in ords:
            if not o.mandatory or o.first_action != "start" or o.then_action != "start":
                continue
            a, b = plans.get(o.first), plans.get(o.then)
            if a is None or b is None or not b.managed or not b.start:
                continue
            if a.nxt is None or a.unrunnable or a.blocked_start:
                b.start = False
                b.blocked_start = b.cur is None
                b.stop = b.cur is not None
                if b.stop:
                    b.nxt = None
                b.reason = f"due to unrunnable {o.first} start"
                changed = True
    # implied restarts
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
                if b.managed and a.start and b.nxt is not None and b.cur == b.nxt and not b.start:
                    b.start = b.stop = True
                    b.reason = f"due to required {a.rid} start"
                    changed = True
            elif (
                # o.first stops before o.then stops: o.then stopping forces o.first to stop
                o.first_action == "stop"
                and o.then_action == "stop"
                and a.managed
                and b.stop
                and a.cur is not None
                and not a.stop
            ):
                a.stop = True
                if a.nxt is not None and a.nxt == a.cur:
                    a.start = True
                    a.reason = f"due to required {b.rid} stop"
                changed = True

    t = Transition(placement=dict(placement))
    acts: dict[tuple[str, str, int, str | None], Act] = {}

    def act(rid: str, task: str, interval: int, node: str | None) -> Act:
        rsc = cluster.rscs.get(rid)
        name = rsc.action_name if rsc is not None else rid
        key = (name, task, interval, node)
        a = acts.get(key)
        if a is None:
            a = Act(name, task, interval, node)
            acts[key] = a
        return a

    starts: dict[str, Act] = {}
    stops: dict[str, Act] = {}
    for rid in cluster.rscs:
        p = plans[rid]
        if p.stop and p.cur is not None:
            stops[rid] = act(rid, "stop", 0, p.cur)
        if p.start and p.nxt is not None:
            starts[rid] = act(rid, "start", 0, p.nxt)
        extra = [act(rid, "stop", 0, n) for n in p.extra] if p.managed else []
        if rid in stops and rid in starts:
            t.edges.append((stops[rid], starts[rid]))
        for e in extra:
            if rid in starts:
                t.edges.append((e, starts[rid]))
    # probes
    probes: dict[str, list[Act]] = {}
    for rid, rsc in cluster.rscs.items():
        if rsc.orphan or rsc.clone is not None:
            continue
        for name in sorted(cluster.nodes):
            info = cluster.nodes[name]
            if not info.online or info.maintenance or name in rsc.seen_on:
                continue
            probes.setdefault(rid, []).append(act(rid, "monitor", 0, name))
    # recurring monitors
    for rid, rsc in cluster.rscs.items():
        p = plans[rid]
        if p.nxt is None or not p.managed:
            continue
        if not p.start and p.cur != p.nxt:
            continue
        hist = rsc.history.get(p.nxt, {})
        for op in rsc.ops:
            if op.name != "monitor" or op.interval <= 0 or not op.enabled:
                continue
            if op.role not in (None, Role.STARTED):
                continue
            if not p.start and ("monitor", op.interval) in hist:
                last = hist[("monitor", op.interval)]
                if last.rc_code == 0 or last.op_status == -1:
                    continue
            mon = act(rid, "monitor", op.interval, p.nxt)
            if rid in starts:
                t.edges.append((starts[rid], mon))
    # orders between resources, carried through actions that are not needed
    succ: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for o in ords:
        succ.setdefault((o.first, o.first_action), []).append((o.then, o.then_action))

    def present(key: tuple[str, str]) -> Act | None:
        return (starts if key[1] == "start" else stops).get(key[0])

    going = {rid: p.nxt for rid, p in plans.items()}
    for cinfo in cluster.clones.values():
        for rid, where in probe_targets(cluster, cinfo, going):
            probes.setdefault(rid, []).append(act(rid, "monitor", 0, where))
    for rid in probes:
        probed = cluster.rscs.get(rid)
        if probed is not None and probed.clone is not None:
            targets = cluster.clones[probed.clone].all_rids
        else:
            targets = [rid]
        succ.setdefault((rid, "probe"), []).extend((x, "start") for x in targets)
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
                t.edges.extend((src, dst) for src in sources)
            else:
                stack.extend(succ.get(k, ()))
    together = list(cluster.groups.values()) + [i.all_rids for i in cluster.clones.values()]
    for members in together:
        for m in members:
            for n in members:
                if m in stops and n in starts:
                    t.edges.append((stops[m], starts[n]))
    # shutdown
    for name, info in sorted(cluster.nodes.items()):
        if info.shutdown and info.online:
            sd = act("", "do_shutdown", 0, name)
            for s in stops.values():
                if s.node == name:
                    t.edges.append((s, sd))
    t.actions = sorted(acts.values(), key=lambda a: a.key)
    t.summary = summary(cluster, plans)
    return t


def summary(cluster: Cluster, plans: dict[str, Plan]) -> list[str]:
    lines: list[str] = []
    for rid in cluster.rscs:
        p = plans[rid]
        if not p.managed:
            continue
        line = _line(p)
        if line:
            lines.append(line)
        for n in p.extra:
            lines.append(f"Stop       {p.rid}\t( {n} )  due to node availability")
    return lines


def _line(p: Plan) -> str | None:
    if p.blocked_start and p.nxt and not p.start and p.cur is None:
        return f"Start      {p.rid}\t( {p.nxt} )  {p.reason} (blocked)"
    if p.cur is None and p.start and p.nxt:
        return f"Start      {p.rid}\t( {p.nxt} )"
    if p.cur is not None and p.stop and not p.start:
        return f"Stop       {p.rid}\t( {p.cur} )  {p.reason or 'due to node availability'}"
    if p.cur is not None and p.start and p.nxt is not None:
        if p.cur != p.nxt:
            verb = "Recover" if p.failed else "Move"
            return f"{verb:<10} {p.rid}\t( {p.cur} -> {p.nxt} )"
        if p.failed:
            return f"Recover    {p.rid}\t( {p.cur} )"
        return f"Restart    {p.rid}\t( {p.cur} )  {p.reason}".rstrip()
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
