"""Clones: instances, which history belongs to which instance, and where instances go.

A clone of a primitive ``P`` becomes ``clone-max`` primitives ``P:0``,
``P:1``, ...; a clone of a group ``G`` becomes groups ``G:0``, ... whose
members are ``M:0``, ... . The rest of the scheduler sees ordinary
primitives and groups, plus the ``CloneInfo`` that says which belong
together (for placement, probes and the clone's implicit orderings).

Anonymous clones share one history name per node (``P`` or any ``P:N``);
like Pacemaker, each history entry is given to the first instance that is
not yet active anywhere, and an action of an instance is named after the
history entry it was given (its ``clone_name``) or else after the instance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from paceline.scheduler import values as v

if TYPE_CHECKING:
    from paceline.scheduler.unpack import Cluster


@dataclass(slots=True)
class CloneInfo:
    id: str
    child: str  # the configured primitive or group id
    members: list[str]  # the child's primitive ids (one for a primitive)
    clone_max: int
    node_max: int
    unique: bool
    interleave: bool
    ordered: bool
    promotable: bool
    meta: dict[str, str]
    # instance number -> the primitive ids of that instance (in member order)
    instances: list[list[str]] = field(default_factory=list)

    def unit_id(self, i: int) -> str:
        """The id of instance ``i`` as a whole (``P:i`` or ``G:i``)."""
        return f"{self.child}:{i}"

    @property
    def all_rids(self) -> list[str]:
        return [rid for inst in self.instances for rid in inst]


def clone_info(
    cid: str, child: str, members: list[str], meta: dict[str, str], n_nodes: int
) -> CloneInfo:
    promotable = v.is_true(meta.get("promotable"))
    return CloneInfo(
        id=cid,
        child=child,
        members=members,
        clone_max=max(0, v.score(meta.get("clone-max"), n_nodes)),
        node_max=max(0, v.score(meta.get("clone-node-max"), 1)),
        unique=v.is_true(meta.get("globally-unique")),
        interleave=v.is_true(meta.get("interleave")),
        ordered=v.is_true(meta.get("ordered")),
        promotable=promotable,
        meta=meta,
    )


def strip_instance(rid: str) -> str:
    """``P:3`` -> ``P`` (an id without an instance number is returned as is)."""
    base, sep, num = rid.rpartition(":")
    return base if sep and num.isdigit() else rid


@dataclass(slots=True)
class Unit:
    """One clone instance as placement sees it: its primitives move together."""

    number: int
    rids: list[str]
    current: str | None


def clone_units(cluster: Cluster, info: CloneInfo) -> list[Unit]:
    """The instances in the order Pacemaker places them: active ones first."""
    units = []
    for i, rids in enumerate(info.instances):
        current = None
        for rid in rids:
            rsc = cluster.rscs[rid]
            if rsc.running and not (set(rsc.running) & rsc.failed):
                current = next(iter(rsc.running))
                break
        units.append(Unit(i, rids, current))
    return sorted(units, key=lambda u: (u.current is None, u.number))


def distribute(
    info: CloneInfo,
    units: list[Unit],
    tables: dict[int, dict[str, int]],
    parent: dict[str, int],
    available: Callable[[str], bool],
    count: dict[str, int],
) -> dict[int, str | None]:
    """Instance number -> node: first the active instances stay where they are
    (up to an even share per node), then the rest go to the best nodes with
    room (score, then fewest resources, then name); ``clone-max`` in all."""
    usable = [n for n, s in parent.items() if s >= 0 and available(n)]
    optimal = max(1, info.clone_max // len(usable)) if usable else 1
    per_node: dict[str, int] = dict.fromkeys(parent, 0)
    out: dict[int, str | None] = {}
    placed = 0

    def can_run(u: Unit, node: str) -> bool:
        s = tables[u.number].get(node, -v.INF)
        return available(node) and s >= 0 and per_node.get(node, 0) < info.node_max

    def take(u: Unit, node: str) -> None:
        nonlocal placed
        out[u.number] = node
        per_node[node] = per_node.get(node, 0) + 1
        placed += 1

    for u in units:
        if placed >= info.clone_max:
            break
        if u.current is not None and can_run(u, u.current) and per_node[u.current] < optimal:
            take(u, u.current)
    for u in units:
        if u.number in out:
            continue
        if placed >= info.clone_max:
            out[u.number] = None
            continue
        table = tables[u.number]
        nodes = [n for n in table if can_run(u, n)]
        if not nodes:
            out[u.number] = None
            continue
        nodes.sort(key=lambda n: (-table[n], count.get(n, 0) + per_node[n], n))
        take(u, nodes[0])
    return out


def probe_targets(
    cluster: Cluster, info: CloneInfo, nxt: dict[str, str | None]
) -> list[tuple[str, str]]:
    """(instance primitive, node) pairs to probe: a unique instance wherever it was
    never seen; an anonymous member once per node where no instance was seen,
    by the instance going there (else the first)."""
    out: list[tuple[str, str]] = []
    nodes = [n for n in sorted(cluster.nodes) if cluster.nodes[n].online]
    nodes = [n for n in nodes if not cluster.nodes[n].maintenance]
    for pos in range(len(info.members)):
        rids = [inst[pos] for inst in info.instances]
        if not rids:
            continue
        for node in nodes:
            if info.unique:
                out += [(r, node) for r in rids if node not in cluster.rscs[r].seen_on]
                continue
            if any(node in cluster.rscs[r].seen_on for r in rids):
                continue
            going = [r for r in rids if nxt.get(r) == node]
            out.append((going[0] if going else rids[0], node))
    return out
