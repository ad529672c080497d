"""Writing the status section: the counterpart of ``decode_status``."""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec.encode_rules import encode_nvsets
from paceline.cib.codec.writer import add, sub
from paceline.cib.model.status import Lrm, LrmRscOp, NodeState, Status


def encode_status(root: etree._Element, status: Status) -> None:
    el = sub(root, "status")
    for state in status.node_states:
        _node_state(el, state)
    for lrm in status.orphan_lrms:
        _lrm(el, lrm)
    if status.tickets is not None:
        tickets = sub(el, "tickets")
        for t in status.tickets:
            add(
                tickets,
                "ticket_state",
                ("id", t.id),
                ("granted", t.granted),
                ("last-granted", t.last_granted),
                ("standby", t.standby),
                *t.attributes,
            )


def _node_state(parent: etree._Element, s: NodeState) -> None:
    el = add(
        parent,
        "node_state",
        ("id", s.id),
        ("uname", s.uname),
        ("in_ccm", s.in_ccm),
        ("crmd", s.crmd),
        ("crm-debug-origin", s.crm_debug_origin),
        ("join", s.join),
        ("expected", s.expected),
        ("shutdown", s.shutdown),
        ("clear_shutdown", s.clear_shutdown),
        ("ha", s.ha),
        ("remote_node", s.remote_node),
        ("node_fenced", s.node_fenced),
        ("node_in_maintenance", s.node_in_maintenance),
    )
    if s.transient_attributes is not None:
        ta = add(el, "transient_attributes", ("id", s.transient_attributes.id))
        encode_nvsets(ta, "instance_attributes", s.transient_attributes.instance_attributes)
        encode_nvsets(ta, "utilization", s.transient_attributes.utilization)
    if s.lrm is not None:
        _lrm(el, s.lrm)


def _lrm(parent: etree._Element, lrm_state: Lrm) -> None:
    lrm = add(parent, "lrm", ("id", lrm_state.id), ("uname", lrm_state.uname))
    resources = add(lrm, "lrm_resources", ("id", lrm_state.resources_id))
    for rsc in lrm_state.resources:
        r = add(
            resources,
            "lrm_resource",
            ("id", rsc.id),
            ("type", rsc.agent_type),
            ("class", rsc.agent_class),
            ("provider", rsc.provider),
            ("container", rsc.container),
            ("shutdown-lock", None if rsc.shutdown_lock is None else str(rsc.shutdown_lock)),
        )
        for op in rsc.ops:
            _lrm_op(r, op)


def _lrm_op(parent: etree._Element, op: LrmRscOp) -> None:
    add(
        parent,
        "lrm_rsc_op",
        ("id", op.id),
        ("operation_key", op.operation_key),
        ("operation", op.operation),
        ("crm-debug-origin", op.crm_debug_origin),
        ("crm_feature_set", op.crm_feature_set),
        ("transition-key", op.transition_key),
        ("transition-magic", op.transition_magic),
        ("exit-reason", op.exit_reason),
        ("on_node", op.on_node),
        ("call-id", op.call_id),
        ("rc-code", op.rc_code),
        ("op-status", op.op_status),
        ("interval", op.interval),
        ("last-run", op.last_run),
        ("last-rc-change", op.last_rc_change),
        ("exec-time", op.exec_time),
        ("queue-time", op.queue_time),
        ("op-digest", op.op_digest),
        ("op-force-restart", op.op_force_restart),
        ("op-restart-digest", op.op_restart_digest),
        ("op-secure-params", op.op_secure_params),
        ("op-secure-digest", op.op_secure_digest),
        ("migrate_source", op.migrate_source),
        ("migrate_target", op.migrate_target),
        ("migrate_from", op.migrate_from),
    )
