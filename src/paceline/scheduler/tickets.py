"""Tickets: resources that may run (or be promoted) only while a ticket is granted.

For every primitive a ``rsc_ticket`` covers (groups and clones are taken
member by member): with the ticket not granted, a running resource meets
the ``loss-policy`` (stop: banned everywhere; demote: its Promoted role is
banned, or it is stopped; fence: banned and its nodes fenced; freeze: left
as it is, unmanaged), a stopped one may not start; with the ticket in
standby it is stopped or demoted. A Promoted-role dependency bans the
promotion whenever the ticket is not granted or is in standby.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from paceline.cib.model import LossPolicy, ResourceSet, Role, Ticket
from paceline.scheduler import values as v

if TYPE_CHECKING:
    from paceline.scheduler.place import Placer

INF = v.INF


def _rsc_ids(placer: Placer, con: Ticket) -> Iterator[tuple[str, Role | None]]:
    """The primitives a ticket constraint covers, each with the role it binds."""
    from paceline.scheduler.place import expand

    role = con.rsc_role if con.rsc_role is not Role.STOPPED else None
    if con.rsc:
        for rid in expand(placer.c, con.rsc):
            yield rid, role
    for item in con.resource_sets:
        if isinstance(item, ResourceSet):
            set_role = item.role if item.role not in (None, Role.STOPPED) else role
            for ref in item.resources:
                for rid in expand(placer.c, ref):
                    yield rid, set_role


def apply_tickets(placer: Placer) -> None:
    """Ban, demote, freeze or fence what depends on tickets that are not granted."""
    c = placer.c
    states = {t.id: t for t in (c.cib.status.tickets or ())}
    for con in c.cib.configuration.constraints:
        if not isinstance(con, Ticket):
            continue
        state = states.get(con.ticket)
        granted = bool(state is not None and state.granted)
        standby = bool(state is not None and state.standby)
        if granted and not standby:
            continue
        policy = con.loss_policy or LossPolicy.STOP
        for rid, role in _rsc_ids(placer, con):
            rsc = c.rscs[rid]
            if role is Role.PROMOTED:
                placer.no_promote.add(rid)
            ban = role is not Role.PROMOTED or policy is LossPolicy.STOP
            if not granted and rsc.running:
                matches = role is None or role in rsc.running.values()
                if policy is LossPolicy.FREEZE:
                    if matches:
                        rsc.meta["is-managed"] = "false"
                    continue
                if policy is LossPolicy.FENCE:
                    if not matches:
                        continue
                    for node in rsc.running:
                        placer.fence.setdefault(node, "deadman ticket was lost")
                    ban = True
            if ban:
                for node in placer.base[rid]:
                    placer.base[rid][node] = -INF
