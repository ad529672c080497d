"""Promotable clones: which placed instances are promoted.

An instance's promotion score on its node is its agent's ``master-NAME``
node attribute, plus location constraints for the Promoted role, plus
colocations with the clone's Promoted role; the best instances (score
>= 0) are promoted, up to ``promoted-max`` in all and
``promoted-node-max`` per node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paceline.cib.model import Role
from paceline.scheduler import values as v
from paceline.scheduler.clones import CloneInfo, strip_instance

if TYPE_CHECKING:
    from paceline.scheduler.place import Placer

INF = v.INF


def promoted_max(info: CloneInfo) -> tuple[int, int]:
    m = info.meta
    total = v.score(m.get("promoted-max", m.get("master-max")), 1)
    per_node = v.score(m.get("promoted-node-max", m.get("master-node-max")), 1)
    return total, per_node


def attribute_score(placer: Placer, info: CloneInfo, rid: str, node: str) -> int | None:
    """The ``master-NAME`` node attribute for primitive ``rid`` on ``node``
    (``None``: not set, or not to be used there)."""
    c = placer.c
    rsc = c.rscs[rid]
    counts = not info.unique and _anonymous_counts(placer, info, rid, node)
    if not counts and (rsc.running or rsc.seen_on) and node not in rsc.seen_on:
        return None
    if placer.base[rid].get(node, -INF) < 0:
        return None
    attrs = c.nodes[node].attrs
    names = [rsc.clone_name or rid]
    if not info.unique:
        names.append(strip_instance(rid))
    for name in names:
        if f"master-{name}" in attrs:
            return v.score(attrs[f"master-{name}"], 0)
    return None


def _anonymous_counts(placer: Placer, info: CloneInfo, rid: str, node: str) -> bool:
    """An anonymous instance's score on ``node`` counts when it is the one active
    there, or when none is active there and some instance was probed there."""
    pos = next(i for i, inst in enumerate(info.instances) if rid in inst)
    col = info.instances[pos].index(rid)
    same = [placer.c.rscs[inst[col]] for inst in info.instances]
    for r in same:
        if node in r.running:
            return r.id == rid
    return any(node in r.seen_on for r in same)


def instance_score(placer: Placer, info: CloneInfo, rids: list[str], node: str) -> int | None:
    """The promotion score of one instance on its node (``None``: it cannot be promoted)."""
    total: int | None = None
    for rid in rids:
        s = attribute_score(placer, info, rid, node)
        if s is not None:
            total = s if total is None else v.add(total, s)
        extra = placer.promo.get(rid, {}).get(node)
        if extra is not None:
            total = extra if total is None else v.add(total, extra)
    for co in placer.with_primary.get(info.id, ()):
        if co.dep_role is not Role.PROMOTED:
            continue
        pnodes = placer.nodes_of(co.primary, co.pri_role)
        here = node in pnodes
        if co.score >= INF and not here:
            return None
        if co.score <= -INF and here:
            return None
        if here:
            total = v.add(total or 0, co.score)
    for co in placer.with_dependent.get(info.id, ()):
        if co.pri_role is not Role.PROMOTED or co.dependent in placer.c.clones:
            continue
        dnode = placer.assigned.get(co.dependent)
        if dnode == node:
            total = v.add(total or 0, co.score)
    return total


def promote(placer: Placer, info: CloneInfo) -> None:
    """Set ``placer.roles`` for every placed instance of ``info``."""
    total, per_node = promoted_max(info)
    ranked: list[tuple[int, int, int, str]] = []
    for i, rids in enumerate(info.instances):
        node = placer.assigned.get(rids[0])
        if node is None:
            continue
        for rid in rids:
            placer.roles[rid] = Role.UNPROMOTED
        s = instance_score(placer, info, rids, node)
        rsc = placer.c.rscs[rids[0]]
        if any(r in placer.no_promote for r in rids):
            continue
        if s is None or s < 0 or not rsc.managed or rsc.target_role == "unpromoted":
            continue
        if rsc.target_role == "slave":
            continue
        was = any(r is Role.PROMOTED for r in rsc.running.values())
        ranked.append((-s, 0 if was else 1, i, node))
    ranked.sort()
    count: dict[str, int] = {}
    promoted = 0
    for _, _, i, node in ranked:
        if promoted >= total or count.get(node, 0) >= per_node:
            continue
        count[node] = count.get(node, 0) + 1
        promoted += 1
        for rid in info.instances[i]:
            placer.roles[rid] = Role.PROMOTED
