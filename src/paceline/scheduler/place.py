"""Placement: node scores per resource and the choice of one node each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from paceline.cib.model import Colocation, Location, Role, Rule, RuleRef
from paceline.scheduler import values as v
from paceline.scheduler.clones import Unit, clone_units, distribute, strip_instance
from paceline.scheduler.promote import promote
from paceline.scheduler.rules import Evaluator
from paceline.scheduler.sets import colocation_pairs
from paceline.scheduler.tickets import apply_tickets
from paceline.scheduler.unpack import Cluster, Rsc
from paceline.scheduler.utilization import amounts, fits, order_nodes

INF = v.INF


@dataclass(slots=True)
class Coloc:
    id: str
    dependent: str
    primary: str
    score: int
    attribute: str
    influence: bool
    dep_role: Role | None = None
    pri_role: Role | None = None

    @property
    def placement(self) -> bool:
        """Whether it moves the dependent (a promoted-role dependent only changes promotion)."""
        return self.dep_role not in (Role.PROMOTED, Role.UNPROMOTED)


def expand(cluster: Cluster, rid: str | None) -> list[str]:
    """A resource id as primitives (a group is its children)."""
    if rid is None:
        return []
    if rid in cluster.groups:
        return list(cluster.groups[rid])
    cid = clone_of(cluster, rid)
    if cid is not None:
        return cluster.clones[cid].all_rids
    if rid in cluster.aliases:
        return [m for r in cluster.aliases[rid] for m in expand(cluster, r)]
    if rid in cluster.rscs:
        return [rid]
    return []


def clone_of(cluster: Cluster, rid: str | None) -> str | None:
    """The clone id that ``rid`` names (the clone itself or its configured child)."""
    if rid is None:
        return None
    if rid in cluster.clones:
        return rid
    cid = cluster.in_clone.get(rid)
    if cid is not None and cluster.clones[cid].child == rid:
        return cid
    return None


def first_member(cluster: Cluster, rid: str | None) -> str | None:
    """The primitive a colocation with ``rid`` binds (a clone stands for itself)."""
    cid = clone_of(cluster, rid)
    if cid is not None:
        return cid
    members = expand(cluster, rid)
    return members[0] if members else None


def colocations(cluster: Cluster) -> list[Coloc]:
    out: list[Coloc] = []
    for gid, members in cluster.groups.items():
        for a, b in pairwise(members):
            out.append(Coloc(f"{gid}-internal", b, a, INF, "#uname", True))
    for c in cluster.cib.configuration.constraints:
        if not isinstance(c, Colocation):
            continue
        if c.resource_sets:
            s = c.score.value if c.score is not None else 0
            attr = c.node_attribute or "#uname"
            influence = v.is_true(c.influence, True)
            for pair in colocation_pairs(c.resource_sets, cluster.aliases):
                for dep in _bound(cluster, pair.first):
                    for pri in _bound(cluster, pair.then):
                        out.append(
                            Coloc(
                                c.id, dep, pri, s, attr, influence, pair.first_role, pair.then_role
                            )
                        )
            continue
        s = c.score.value if c.score is not None else 0
        dep_role = c.rsc_role if c.rsc_role in (Role.PROMOTED, Role.UNPROMOTED) else None
        pri_role = c.with_rsc_role if c.with_rsc_role in (Role.PROMOTED, Role.UNPROMOTED) else None
        attr = c.node_attribute or "#uname"
        influence = v.is_true(c.influence, True)
        for dep in _bound(cluster, c.rsc):
            for pri in _bound(cluster, c.with_rsc):
                out.append(Coloc(c.id, dep, pri, s, attr, influence, dep_role, pri_role))
    return out


def _bound(cluster: Cluster, rid: str | None) -> list[str]:
    """What a colocation of ``rid`` binds: one resource, or each a template or tag names."""
    if rid is not None and rid in cluster.aliases and rid not in cluster.rscs:
        out = [first_member(cluster, r) for r in cluster.aliases[rid]]
        return [r for r in out if r is not None]
    one = first_member(cluster, rid)
    return [one] if one is not None else []


class Placer:
    def __init__(self, cluster: Cluster) -> None:
        self.c = cluster
        self.ev = Evaluator(cluster.now, cluster.rules_by_id)
        self.node_names = sorted(cluster.nodes)
        self.base: dict[str, dict[str, int]] = {}
        self.assigned: dict[str, str | None] = {}
        self.count: dict[str, int] = dict.fromkeys(self.node_names, 0)
        self.colocs = colocations(cluster)
        self.with_primary: dict[str, list[Coloc]] = {}
        self.with_dependent: dict[str, list[Coloc]] = {}
        for co in self.colocs:
            self.with_primary.setdefault(co.dependent, []).append(co)
            self.with_dependent.setdefault(co.primary, []).append(co)
        self._in_progress: set[str] = set()
        self.clone_nodes: dict[str, set[str]] = {}
        self.strategy = cluster.option("placement-strategy", "default")
        self.left = {n: amounts(i.capacity) for n, i in cluster.nodes.items()}
        self.plain: dict[str, dict[str, int]] = {}  # base scores before stickiness
        self.work: dict[str, dict[str, int]] = {}  # scores with the primaries applied
        self.promo: dict[str, dict[str, int]] = {}  # promoted-role location scores
        self.roles: dict[str, Role] = {}  # the next role of promotable instances
        self.no_promote: set[str] = set()  # instances that may not be promoted
        self.fence: dict[str, str] = {}  # nodes to fence -> why

    # -- base scores -------------------------------------------------------
    def available(self, node: str) -> bool:
        n = self.c.nodes[node]
        return n.online and not (n.standby or n.shutdown or n.unclean or n.maintenance)

    def base_scores(self) -> None:
        c = self.c
        symmetric = v.is_true(c.options.get("symmetric-cluster"), True)
        for rid in c.rscs:
            self.base[rid] = dict.fromkeys(self.node_names, 0) if symmetric else {}
        for con in c.cib.configuration.constraints:
            if isinstance(con, Location):
                self.location(con)
        health = node_health(c)
        for rid, rsc in c.rscs.items():
            if v.is_true(rsc.meta.get("allow-unhealthy-nodes")):
                continue
            for node, h in health.items():
                if h and node in self.base[rid]:
                    self.base[rid][node] = v.add(self.base[rid][node], h)
        threshold = v.score(c.options.get("migration-threshold"), INF)
        fillers: dict[str, list[str]] = {}  # container -> what runs inside it
        for rid, rsc in c.rscs.items():
            if rsc.container in c.rscs:
                fillers.setdefault(rsc.container, []).append(rid)
        for rid, rsc in c.rscs.items():
            scores = self.base[rid]
            thr = v.score(rsc.meta.get("migration-threshold"), threshold)
            timeout = v.interval_ms(rsc.meta.get("failure-timeout")) // 1000
            keys = [rid]
            if rsc.clone is not None:
                keys += [rsc.clone_name or rid, strip_instance(rid)]
            for name, info in c.nodes.items():
                key = next((k for k in keys if k in info.failcounts), rid)
                fc = info.failcounts.get(key, 0) if name not in rsc.ignored_failures else 0
                for f in fillers.get(rid, ()):  # a container counts the failures inside it
                    fc = v.add(fc, info.failcounts.get(f, 0))
                if fc and timeout and info.last_failure.get(key, 0) + timeout <= c.now:
                    fc = 0
                if thr > 0 and fc >= thr:
                    scores[name] = -INF
                if not self.available(name) or rsc.fatal or name in rsc.banned:
                    scores[name] = -INF
        apply_tickets(self)
        for node in self.fence:  # a node a ticket loss fences runs nothing
            for scores in self.base.values():
                if node in scores:
                    scores[node] = -INF
        for rid, rsc in c.rscs.items():
            scores = self.base[rid]
            self.plain[rid] = dict(scores)
            if rsc.managed:
                for node in rsc.running:
                    if node in scores and scores[node] > -INF:
                        scores[node] = v.add(scores[node], rsc.stickiness)
                    elif node not in scores:
                        pass

    def location(self, con: Location) -> None:
        c = self.c
        if con.role is Role.UNPROMOTED:
            return
        table = self.promo if con.role is Role.PROMOTED else self.base
        targets: list[str] = []
        if con.rsc:
            targets = expand(c, con.rsc)
        elif con.rsc_pattern:
            try:
                rx = re.compile(con.rsc_pattern)
            except re.error:
                return
            for rid in c.top:
                if rx.search(rid):
                    targets += expand(c, rid)
        if not targets:
            return
        if con.node is not None:
            if con.node not in c.nodes:
                return
            s = con.score.value if con.score is not None else 0
            for rid in targets:
                self._add(table, rid, con.node, s)
            return
        for rule in con.rules:
            r = rule
            if isinstance(r, RuleRef):
                resolved = c.rules_by_id.get(r.id_ref)
                if resolved is None:
                    continue
                r = resolved
            assert isinstance(r, Rule)
            if r.role is Role.UNPROMOTED:
                continue
            rtable = self.promo if r.role is Role.PROMOTED else table
            for name, info in c.nodes.items():
                if not self.ev.rule(r, info.attrs):
                    continue
                if r.score is not None:
                    s = r.score.value
                elif r.score_attribute:
                    s = v.score(info.attrs.get(r.score_attribute), 0)
                else:
                    s = 0
                for rid in targets:
                    self._add(rtable, rid, name, s)

    @staticmethod
    def _add(table: dict[str, dict[str, int]], rid: str, node: str, s: int) -> None:
        scores = table.setdefault(rid, {})
        scores[node] = v.add(scores[node], s) if node in scores else s

    # -- assignment --------------------------------------------------------
    def dependent_table(self, rid: str, factor: float, seen: set[str]) -> dict[str, int]:
        table = dict(self.work.get(rid, self.base[rid]))
        for co in self.with_dependent.get(rid, ()):
            self._influence(table, co, seen, co.score / INF)
        return {n: _scale(s, factor) for n, s in table.items()} if factor != 1 else table

    def _influence(
        self,
        table: dict[str, int],
        co: Coloc,
        seen: set[str],
        depth: float,
        positive: bool = False,
    ) -> None:
        """Fold a dependent's preferences into its primary's ``table`` (scaled by
        the colocation score; by attribute value for a node-attribute colocation)."""
        d = co.dependent
        if d in seen or d in self.assigned or d in self.c.clones or not co.influence:
            return
        sub = self.dependent_table(d, depth, seen | {d})
        if co.attribute != "#uname":
            attrs = {n: self.c.nodes[n].attrs.get(co.attribute) for n in self.node_names}
            best: dict[str | None, int] = {}
            for n, sc in sub.items():
                key = attrs.get(n)
                if key is not None:
                    best[key] = max(best.get(key, -INF), sc)
            sub = {n: best.get(attrs[n], -INF) for n in self.node_names}
        if positive:  # only what the dependent wants, not what it must avoid
            sub = {n: sc for n, sc in sub.items() if sc >= 0}
        self._merge(table, sub, co.score / INF)

    @staticmethod
    def _merge(table: dict[str, int], sub: dict[str, int], factor: float) -> None:
        work = dict(table)
        for n, s in sub.items():
            if n in work:
                work[n] = v.add(work[n], _scale(s, factor))
        if any(s >= 0 for s in work.values()) or not any(s >= 0 for s in table.values()):
            table.update(work)

    def assign(self, rid: str) -> str | None:
        if rid in self.assigned:
            return self.assigned[rid]
        if rid in self._in_progress:
            return None
        if rid in self.c.clones:
            self.assign_clone(rid)
            return None
        rsc = self.c.rscs[rid]
        if rsc.clone is not None and not rsc.orphan:
            self.assign_clone(rsc.clone)
            return self.assigned.get(rid)
        self._in_progress.add(rid)
        # each primary is placed first, and binds this one at once (its
        # other primaries then see where it can still go)
        work = self.work.setdefault(rid, dict(self.base[rid]))
        for co in self.with_primary.get(rid, ()):
            self.assign(co.primary)
            self.apply_primary(work, co)
        scores = dict(work)
        for co in self.with_dependent.get(rid, ()):
            self._influence(scores, co, {rid}, 1.0)
        chosen = self.choose(rsc, scores)
        self.assigned[rid] = chosen
        if chosen is not None:
            self.take(rid, chosen)
        self._in_progress.discard(rid)
        return chosen

    def nodes_of(self, rid: str, role: Role | None = None) -> set[str]:
        """Where ``rid`` (a primitive or a clone, in ``role`` if given) was placed."""
        if rid in self.c.clones:
            if role not in (Role.PROMOTED, Role.UNPROMOTED):
                return self.clone_nodes.get(rid, set())
            out = set()
            for inst in self.c.clones[rid].instances:
                node = self.assigned.get(inst[0])
                if node is not None and (self.roles.get(inst[0]) is Role.PROMOTED) == (
                    role is Role.PROMOTED
                ):
                    out.add(node)
            return out
        node = self.assigned.get(rid)
        return {node} if node is not None else set()

    def apply_primary(self, scores: dict[str, int], co: Coloc) -> None:
        if not co.placement:
            return
        pnodes = self.nodes_of(co.primary, co.pri_role)
        attr = co.attribute
        if not pnodes:
            if co.score >= INF:
                for n in scores:
                    scores[n] = -INF
            return
        pvals = {self.c.nodes[p].attrs.get(attr) for p in pnodes} - {None}
        for n in scores:
            same = self.c.nodes[n].attrs.get(attr) in pvals
            if co.score >= INF:
                if not same:
                    scores[n] = -INF
            elif co.score <= -INF:
                if same:
                    scores[n] = -INF
            elif same:
                scores[n] = v.add(scores[n], co.score)

    def choose(self, rsc: Rsc, scores: dict[str, int]) -> str | None:
        if not rsc.managed:
            for node in rsc.running:
                return node
            return None
        if rsc.orphan or rsc.target_role == "stopped":
            return None
        candidates = [n for n, s in scores.items() if s >= 0 and self.available(n)]
        if self.strategy != "default":
            need = self.need(rsc)
            candidates = [n for n in candidates if fits(need, self.left[n])]
        if not candidates:
            return None
        if self.strategy == "default":
            # best score, then fewest resources, then where it runs, then name
            candidates.sort(key=lambda n: (-scores[n], self.count[n], n not in rsc.running, n))
            return candidates[0]
        best = order_nodes(candidates, scores, self.count, rsc.running, self.strategy, self.left)
        return best[0]

    def need(self, rsc: Rsc) -> dict[str, int]:
        """What placing ``rsc`` takes from a node (a group's first member: the whole group)."""
        members = [rsc.id]
        if rsc.group is not None and self.c.groups[rsc.group][0] == rsc.id:
            members = [m for m in self.c.groups[rsc.group] if m not in self.assigned]
        total: dict[str, int] = {}
        for m in members:
            for k, n in amounts(self.c.rscs[m].utilization).items():
                total[k] = total.get(k, 0) + n
        return total

    def take(self, rid: str, node: str) -> None:
        """Count ``rid`` on ``node`` and take its utilization from what is left there."""
        self.count[node] += 1
        if self.strategy != "default":
            left = self.left[node]
            for k, n in amounts(self.c.rscs[rid].utilization).items():
                left[k] = left.get(k, 0) - n

    # -- clones ------------------------------------------------------------
    def assign_clone(self, cid: str) -> None:
        """Place every instance of clone ``cid`` (Pacemaker's instance distribution)."""
        if cid in self.clone_nodes or cid in self._in_progress:
            return
        self._in_progress.add(cid)
        info = self.c.clones[cid]
        for co in self.with_primary.get(cid, ()):
            self.assign(co.primary)
        units = clone_units(self.c, info)
        tables = {u.number: self.unit_table(u, cid, self.base) for u in units}
        parent = self.unit_table(units[0], cid, self.plain) if units else {}
        chosen = distribute(info, units, tables, parent, self.available, self.count)
        nodes: set[str] = set()
        for u in units:
            node = chosen.get(u.number)
            first = self.c.rscs[u.rids[0]]
            if not first.managed:
                for rid in u.rids:
                    self.assigned[rid] = next(iter(self.c.rscs[rid].running), None)
                continue
            for rid in u.rids:
                rsc = self.c.rscs[rid]
                ok = node is not None and rsc.target_role != "stopped"
                ok = ok and node is not None and self.base[rid].get(node, -INF) > -INF
                self.assigned[rid] = node if ok else None
                if not ok:
                    node = None
                elif node is not None:
                    self.take(rid, node)
            if node is not None:
                nodes.add(node)
        self.clone_nodes[cid] = nodes
        if info.promotable:
            promote(self, info)
        self._in_progress.discard(cid)

    def unit_table(self, u: Unit, cid: str, base: dict[str, dict[str, int]]) -> dict[str, int]:
        """One instance's node scores: its members', its dependents' and its primaries'."""
        table = dict.fromkeys(self.node_names, 0)
        for rid in u.rids:
            for n in self.node_names:
                table[n] = v.add(table[n], base[rid].get(n, -INF))
        for co in self.with_dependent.get(cid, ()):  # a clone's instances are not banned
            self._influence(table, co, set(), 1.0, positive=True)  # by its dependents
        for co in self.with_primary.get(cid, ()):
            self.apply_primary(table, co)
        return table

    def run(self) -> dict[str, str | None]:
        self.base_scores()
        order = sorted(
            range(len(self.c.top)), key=lambda i: -self.c.rscs[self._first(self.c.top[i])].priority
        )
        for i in order:
            for rid in expand(self.c, self.c.top[i]):
                self.assign(rid)
        for rid in self.c.rscs:
            self.assign(rid)
        return self.assigned

    def _first(self, rid: str) -> str:
        members = expand(self.c, rid)
        return members[0] if members else rid


def node_health(cluster: Cluster) -> dict[str, int]:
    """node -> the score its ``#health*`` attributes give every resource there,
    by ``node-health-strategy`` (none, migrate-on-red, only-green, progressive,
    custom) and the ``node-health-red/yellow/green`` options."""
    strategy = cluster.option("node-health-strategy", "none")
    if strategy not in ("migrate-on-red", "only-green", "progressive", "custom"):
        return {}
    colors = {"red": -INF, "yellow": 0, "green": 0}
    if strategy == "only-green":
        colors["yellow"] = -INF
    elif strategy in ("progressive", "custom"):
        for color, default in (("red", -INF), ("yellow", 0), ("green", 0)):
            colors[color] = v.score(cluster.options.get(f"node-health-{color}"), default)
    out: dict[str, int] = {}
    for name, info in cluster.nodes.items():
        total = 0
        for attr, value in info.attrs.items():
            if not attr.startswith("#health"):
                continue
            word = value.strip().lower()
            if word in colors:
                total = v.add(total, colors[word])
            elif strategy in ("progressive", "custom"):
                total = v.add(total, v.score(value, 0))
        out[name] = total
    return out


def _scale(s: int, factor: float) -> int:
    if factor == 1:
        return s
    if s >= INF or s <= -INF:
        return int(s * factor) if abs(factor) < 1 else (INF if s * factor > 0 else -INF)
    return int(s * factor)
