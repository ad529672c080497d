"""Decoding of ``<status>``: node states, transient attributes, operation history, tickets."""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec.decode_rules import decode_nvset
from paceline.cib.codec.reader import Context, Reader
from paceline.cib.model.rules import NvSetItem
from paceline.cib.model.status import (
    Lrm,
    LrmResource,
    LrmRscOp,
    NodeState,
    Status,
    TicketState,
    TransientAttributes,
)


def decode_status(ctx: Context, el: etree._Element) -> Status:
    r = Reader(ctx, el)
    r.done()
    states: list[NodeState] = []
    tickets: tuple[TicketState, ...] | None = None
    orphans: list[Lrm] = []
    for child in r.children():
        if child.tag == "node_state":
            states.append(_decode_node_state(ctx, child))
        elif child.tag == "lrm":
            orphans.append(_decode_lrm(ctx, child))
        elif child.tag == "tickets":
            if tickets is not None:
                raise r.duplicate(child)
            tickets = _decode_tickets(ctx, child)
        else:
            raise r.unknown_child(child, "<node_state>, <tickets> or <lrm>")
    return Status(tuple(states), tickets, tuple(orphans))


def _decode_node_state(ctx: Context, el: etree._Element) -> NodeState:
    r = Reader(ctx, el)
    fields = dict(
        id=r.opt("id"),
        uname=r.opt("uname"),
        in_ccm=r.opt("in_ccm"),
        crmd=r.opt("crmd"),
        join=r.opt("join"),
        expected=r.opt("expected"),
        crm_debug_origin=r.opt("crm-debug-origin"),
        shutdown=r.opt("shutdown"),
        clear_shutdown=r.opt("clear_shutdown"),
        ha=r.opt("ha"),
        remote_node=r.opt("remote_node"),
        node_fenced=r.opt("node_fenced"),
        node_in_maintenance=r.opt("node_in_maintenance"),
    )
    r.done()
    transient: TransientAttributes | None = None
    lrm: Lrm | None = None
    for child in r.children():
        if child.tag == "transient_attributes":
            if transient is not None:
                raise r.duplicate(child)
            transient = _decode_transient(ctx, child)
        elif child.tag == "lrm":
            if lrm is not None:
                raise r.duplicate(child)
            lrm = _decode_lrm(ctx, child)
        else:
            raise r.unknown_child(child, "<transient_attributes> or <lrm>")
    return NodeState(**fields, transient_attributes=transient, lrm=lrm)


def _decode_transient(ctx: Context, el: etree._Element) -> TransientAttributes:
    r = Reader(ctx, el)
    attrs_id = r.req("id")
    r.done()
    sets: list[NvSetItem] = []
    utilization: list[NvSetItem] = []
    for child in r.children():
        if child.tag == "instance_attributes":
            sets.append(decode_nvset(ctx, child))
        elif child.tag == "utilization":
            utilization.append(decode_nvset(ctx, child))
        else:
            raise r.unknown_child(child, "<instance_attributes> or <utilization>")
    return TransientAttributes(attrs_id, tuple(sets), tuple(utilization))


def _decode_lrm(ctx: Context, el: etree._Element) -> Lrm:
    r = Reader(ctx, el)
    lrm_id = r.req("id")
    uname = r.opt("uname")
    r.done()
    resources: list[LrmResource] = []
    resources_id: str | None = None
    seen = False
    for child in r.only("lrm_resources"):
        if seen:
            raise r.duplicate(child)
        seen = True
        rr = Reader(ctx, child)
        resources_id = rr.opt("id")
        rr.done()
        for rsc in rr.only("lrm_resource"):
            resources.append(_decode_lrm_resource(ctx, rsc))
    return Lrm(lrm_id, tuple(resources), uname, resources_id)


def _decode_lrm_resource(ctx: Context, el: etree._Element) -> LrmResource:
    r = Reader(ctx, el)
    rsc_id = r.req("id")
    agent_class = r.req("class")
    agent_type = r.req("type")
    provider = r.opt("provider")
    container = r.opt("container")
    shutdown_lock = r.opt_int("shutdown-lock")
    r.done()
    ops: list[LrmRscOp] = []
    for child in r.only("lrm_rsc_op"):
        ops.append(_decode_op(ctx, child))
    return LrmResource(
        rsc_id, agent_class, agent_type, provider, container, tuple(ops), shutdown_lock
    )


def _decode_op(ctx: Context, el: etree._Element) -> LrmRscOp:
    r = Reader(ctx, el)
    op = LrmRscOp(
        id=r.req("id"),
        operation=r.req("operation"),
        call_id=r.req_int("call-id"),
        rc_code=r.req_int("rc-code"),
        op_status=r.req_int("op-status"),
        interval=r.req_int("interval"),
        operation_key=r.opt("operation_key"),
        crm_feature_set=r.opt("crm_feature_set"),
        transition_key=r.opt("transition-key"),
        transition_magic=r.opt("transition-magic"),
        crm_debug_origin=r.opt("crm-debug-origin"),
        last_run=r.opt_int("last-run", "last_run"),
        last_rc_change=r.opt_int("last-rc-change", "last_rc_change"),
        exec_time=r.opt_int("exec-time", "exec_time"),
        queue_time=r.opt_int("queue-time", "queue_time"),
        op_digest=r.opt("op-digest"),
        op_force_restart=r.opt("op-force-restart"),
        op_restart_digest=r.opt("op-restart-digest"),
        op_secure_params=r.opt("op-secure-params"),
        op_secure_digest=r.opt("op-secure-digest"),
        exit_reason=r.opt("exit-reason"),
        on_node=r.opt("on_node"),
        migrate_source=r.opt("migrate_source"),
        migrate_target=r.opt("migrate_target"),
        migrate_from=r.opt("migrate_from"),
    )
    r.done()
    r.no_children()
    return op


def _decode_tickets(ctx: Context, el: etree._Element) -> tuple[TicketState, ...]:
    r = Reader(ctx, el)
    r.done()
    out: list[TicketState] = []
    for child in r.only("ticket_state"):
        t = Reader(ctx, child)
        ticket_id = t.req("id")
        granted = t.opt_bool("granted")
        last_granted = t.opt_int("last-granted")
        standby = t.opt_bool("standby")
        # Any other attribute is the ticket's own (crm_ticket --set-attr).
        others: list[tuple[str, str]] = []
        for name in child.attrib:
            value = t.opt(str(name))
            if value is not None:
                others.append((str(name), value))
        t.done()
        t.no_children()
        out.append(TicketState(ticket_id, granted, last_granted, standby, tuple(others)))
    return tuple(out)
