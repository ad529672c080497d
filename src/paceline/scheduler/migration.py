"""Live migration: a healthy ``allow-migrate`` primitive moving between two
live nodes goes by ``migrate_to`` on its node and ``migrate_from`` on the
new one, then the old copy's stop; its start there is a pseudo-action.

Orders bind the migration as they bind a start: what must start before
the resource starts also comes before its ``migrate_to`` (for a resource
that migrates too: its ``migrate_from``), and what stops before it stops
also comes before its ``migrate_to`` unless that one migrates as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paceline.scheduler import values as v

if TYPE_CHECKING:
    from paceline.scheduler.plan import Act, Plan
    from paceline.scheduler.unpack import Cluster


def can_migrate(cluster: Cluster, p: Plan, fenced: dict[str, str]) -> bool:
    """Whether the move planned in ``p`` is a live migration."""
    rsc = cluster.rscs[p.rid]
    if not v.is_true(rsc.meta.get("allow-migrate")) or rsc.prim is None:
        return False
    if rsc.clone is not None or not p.managed or p.failed or rsc.dangling:
        return False  # (an unfinished migration is finished by stop and start)
    if p.cur is None or p.nxt is None or p.cur == p.nxt or not (p.stop and p.start) or p.extra:
        return False
    src = cluster.nodes[p.cur]
    return src.online and not src.unclean and p.cur not in fenced and not p.reason


def order_edges(src: Act, dst: Act, migrating: dict[str, tuple[Act, Act]]) -> list[tuple[Act, Act]]:
    """The edges an ordering ``src`` before ``dst`` makes, migrations considered."""
    out = [(src, dst)]
    into = migrating.get(dst.rsc)
    if into is None or dst.task not in ("start", "stop"):
        return out
    mine = migrating.get(src.rsc)
    if dst.task == "start":
        first = mine[1] if mine is not None and src.task == "start" else src
        out.append((first, into[0]))
    elif mine is None:
        out.append((src, into[0]))
    return out
