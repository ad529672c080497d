"""The scheduler: from one CIB and a time, what the cluster must do.

``schedule(cib, now) -> Transition`` is pure and deterministic (DESIGN.md
rules 1-3, 6): it unpacks the status (roles, failures, node states),
places every resource, and derives the actions with their orderings and the
summary lines crm_simulate prints.
"""

from __future__ import annotations

from paceline.cib.model import Cib
from paceline.scheduler.place import Placer
from paceline.scheduler.plan import Act, Transition, build, to_dot
from paceline.scheduler.unpack import Cluster, unpack

__all__ = ["Act", "Cluster", "Transition", "schedule", "schedule_with_state", "to_dot", "unpack"]


def schedule(cib: Cib, now: int | None = None) -> Transition:
    """The transition for ``cib`` at ``now`` (epoch seconds; default: its execution-date)."""
    return schedule_with_state(cib, now)[1]


def schedule_with_state(cib: Cib, now: int | None = None) -> tuple[Cluster, Transition]:
    """``schedule`` plus the unpacked cluster state (for printing the status)."""
    cluster = unpack(cib, now)
    placer = Placer(cluster)
    placement = placer.run()
    return cluster, build(cluster, placement, placer.roles, placer.fence)
