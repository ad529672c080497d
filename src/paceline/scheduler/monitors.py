"""Recurring operations beyond a resource's own monitors: cancels and Stopped-role monitors.

- A recurring monitor still active in a node's history but no longer
  configured (removed or disabled), or of a resource in maintenance, is
  cancelled (``Cancel rsc_monitor_I node``).
- A monitor with ``role=Stopped`` watches that the resource is *not*
  running: it runs on every online node where the resource will not run
  (after the probe and the stop there), and is cancelled before the
  resource starts where it had been watching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from paceline.cib.model import Role
from paceline.scheduler import values as v

if TYPE_CHECKING:
    from paceline.scheduler.plan import Act, Plan
    from paceline.scheduler.unpack import Cluster

MakeAct = Callable[..., "Act"]


def _active(op: object) -> bool:
    return op is not None and getattr(op, "op_status", 0) != 1 and getattr(op, "call_id", 0) >= 0


def extra_monitors(
    cluster: Cluster,
    plans: dict[str, Plan],
    act: MakeAct,
    cancel: MakeAct,
    edges: list[tuple[Act, Act]],
    starts: dict[str, Act],
    stops: dict[str, Act],
    probes: dict[str, list[Act]],
    extra_stops: dict[tuple[str, str], Act],
) -> None:
    """Add the cancels and Stopped-role monitors of every resource."""

    def stop_on(rid: str, node: str) -> Act | None:
        if rid in stops and stops[rid].node == node:
            return stops[rid]
        return extra_stops.get((rid, node))

    cluster_maint = v.is_true(cluster.options.get("maintenance-mode"))
    online = [n for n in cluster.nodes if cluster.nodes[n].online]
    for rid, rsc in cluster.rscs.items():
        p = plans[rid]
        maint = cluster_maint or v.is_true(rsc.meta.get("maintenance"))
        configured = {o.interval for o in rsc.ops if o.name == "monitor" and o.enabled}
        for node, hist in rsc.history.items():
            if node not in rsc.running or not cluster.nodes[node].online:
                continue
            for (task, interval), op in hist.items():
                if task != "monitor" or interval <= 0 or not _active(op):
                    continue
                if interval in configured and not maint and not cluster.nodes[node].maintenance:
                    continue
                stop = stop_on(rid, node)
                if rsc.orphan and stop is not None:
                    continue  # its history goes with it
                c = cancel(rid, interval, node)
                if stop is not None:
                    edges.append((stop, c))
        if maint or rsc.orphan or rsc.blocked:
            continue
        for spec in rsc.ops:
            if spec.name != "monitor" or spec.role is not Role.STOPPED or not spec.enabled:
                continue
            # an unmanaged resource: only the watch where it runs is cancelled
            nodes = online if p.managed else [n for n in online if n == p.nxt]
            for node in nodes:
                if cluster.nodes[node].maintenance:
                    continue
                last = rsc.history.get(node, {}).get(("monitor", spec.interval))
                if p.nxt == node:
                    if _active(last):
                        c = cancel(rid, spec.interval, node)
                        if rid in starts:
                            edges.append((c, starts[rid]))
                    continue
                # watching (rc 7, not running) and nothing stops there: it stays
                fine = _active(last) and getattr(last, "rc_code", 7) == 7
                stop = stop_on(rid, node)
                if fine and stop is None:
                    continue
                mon = act(rid, "monitor", spec.interval, node)
                for probe in probes.get(rid, ()):
                    if probe.node == node:
                        edges.append((probe, mon))
                if stop is not None:
                    edges.append((stop, mon))
