"""``Cib`` -> XML, always as ``SCHEMA`` (pacemaker-3.9) with the modern names."""

from __future__ import annotations

from enum import StrEnum

from lxml import etree

from paceline.cib.model.cib import SCHEMA, Cib
from paceline.cib.model.config import (
    AclGroup,
    AclRole,
    AclTarget,
    Alert,
    AlertRecipient,
    Configuration,
)
from paceline.cib.model.constraints import (
    Colocation,
    Constraint,
    Location,
    Order,
    ResourceSetItem,
    ResourceSetRef,
    Ticket,
)
from paceline.cib.model.enums import OrderKind
from paceline.cib.model.resources import (
    Bundle,
    Clone,
    Group,
    Op,
    Primitive,
    Resource,
    Template,
)
from paceline.cib.model.rules import (
    DateExpression,
    Expression,
    NvPair,
    NvSetItem,
    NvSetRef,
    OpExpression,
    RscExpression,
    Rule,
    RuleRef,
)
from paceline.cib.model.status import LrmRscOp, NodeState, Status
from paceline.cib.score import Score

Value = str | int | bool | Score | StrEnum | None

_Sub = etree.SubElement


def _text(value: str | int | bool | Score | StrEnum) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _attrs(attrs: tuple[tuple[str, Value], ...]) -> dict[str, str]:
    return {name: _text(value) for name, value in attrs if value is not None}


def _el(parent: etree._Element, tag: str, *attrs: tuple[str, Value]) -> etree._Element:
    """A child ``<tag>`` of ``parent`` with the attributes that are not None, in order."""
    return _Sub(parent, tag, _attrs(attrs))


def encode_cib(cib: Cib) -> bytes:
    """The CIB as UTF-8 XML text (pretty printed, no XML declaration)."""
    return etree.tostring(cib_to_element(cib), pretty_print=True, encoding="UTF-8")


def cib_to_element(cib: Cib) -> etree._Element:
    root = etree.Element(
        "cib",
        _attrs(
            (
                ("crm_feature_set", cib.crm_feature_set),
                ("validate-with", schema_for(cib.configuration)),
                ("epoch", cib.epoch),
                ("num_updates", cib.num_updates),
                ("admin_epoch", cib.admin_epoch),
                ("cib-last-written", cib.cib_last_written),
                ("update-origin", cib.update_origin),
                ("update-client", cib.update_client),
                ("update-user", cib.update_user),
                ("have-quorum", cib.have_quorum),
                ("dc-uuid", cib.dc_uuid),
                ("execution-date", cib.execution_date),
                ("no-quorum-panic", cib.no_quorum_panic),
                ("remote-tls-port", cib.remote_tls_port),
                ("remote-clear-port", cib.remote_clear_port),
            )
        ),
    )
    root.append(configuration_to_element(cib.configuration))
    _status(root, cib.status)
    return root


def schema_for(cfg: Configuration) -> str:
    """``SCHEMA``, or ``none`` when the configuration holds a value that only an
    unvalidated CIB can have (an unknown order kind): so that what we write
    reads back the same, and Pacemaker's tools judge it as they did the original."""
    for c in cfg.constraints:
        if isinstance(c, Order) and isinstance(c.kind, str) and c.kind not in _ORDER_KINDS:
            return "none"
    return SCHEMA


_ORDER_KINDS = frozenset(OrderKind)


def configuration_to_element(cfg: Configuration) -> etree._Element:
    el = etree.Element("configuration")
    crm_config = _Sub(el, "crm_config")
    _nvsets(crm_config, "cluster_property_set", cfg.crm_config)
    nodes = _Sub(el, "nodes")
    for node in cfg.nodes:
        n = _el(
            nodes,
            "node",
            ("id", node.id),
            ("uname", node.uname),
            ("type", node.type),
            ("description", node.description),
            ("score", node.score),
        )
        _nvsets(n, "instance_attributes", node.instance_attributes)
        _nvsets(n, "utilization", node.utilization)
    resources = _Sub(el, "resources")
    for template in cfg.templates:
        _primitive(resources, template)
    for rsc in cfg.resources:
        _resource(resources, rsc)
    constraints = _Sub(el, "constraints")
    for constraint in cfg.constraints:
        _constraint(constraints, constraint)
    if cfg.fencing_topology:
        topo = _Sub(el, "fencing-topology")
        for level in cfg.fencing_topology:
            _el(
                topo,
                "fencing-level",
                ("id", level.id),
                ("target", level.target),
                ("target-pattern", level.target_pattern),
                ("target-attribute", level.target_attribute),
                ("target-value", level.target_value),
                ("index", level.index),
                ("devices", ",".join(level.devices)),
            )
    if cfg.rsc_defaults:
        _nvsets(_Sub(el, "rsc_defaults"), "meta_attributes", cfg.rsc_defaults)
    if cfg.op_defaults:
        _nvsets(_Sub(el, "op_defaults"), "meta_attributes", cfg.op_defaults)
    if cfg.alerts:
        alerts = _Sub(el, "alerts")
        for alert in cfg.alerts:
            _alert(alerts, alert)
    if cfg.tags:
        tags = _Sub(el, "tags")
        for tag in cfg.tags:
            t = _el(tags, "tag", ("id", tag.id))
            for ref in tag.refs:
                _el(t, "obj_ref", ("id", ref))
    if cfg.acls:
        acls = _Sub(el, "acls")
        for entry in cfg.acls:
            if isinstance(entry, AclRole):
                role = _el(acls, "acl_role", ("id", entry.id), ("description", entry.description))
                for perm in entry.permissions:
                    _el(
                        role,
                        "acl_permission",
                        ("id", perm.id),
                        ("kind", perm.kind),
                        ("xpath", perm.xpath),
                        ("reference", perm.reference),
                        ("object-type", perm.object_type),
                        ("attribute", perm.attribute),
                        ("description", perm.description),
                    )
            else:
                tag_name = "acl_group" if isinstance(entry, AclGroup) else "acl_target"
                assert isinstance(entry, AclGroup | AclTarget)
                who = _el(acls, tag_name, ("id", entry.id), ("name", entry.name))
                for role_id in entry.roles:
                    _el(who, "role", ("id", role_id))
    return el


# -- nvsets and rules --------------------------------------------------------


def _nvsets(parent: etree._Element, tag: str, sets: tuple[NvSetItem, ...]) -> None:
    for nvset in sets:
        if isinstance(nvset, NvSetRef):
            _el(parent, tag, ("id-ref", nvset.id_ref))
            continue
        el = _el(parent, tag, ("id", nvset.id), ("score", nvset.score))
        if nvset.rule is not None:
            _rule(el, nvset.rule)
        for pair in nvset.nvpairs:
            if isinstance(pair, NvPair):
                _el(el, "nvpair", ("id", pair.id), ("name", pair.name), ("value", pair.value))
            else:
                _el(el, "nvpair", ("id-ref", pair.id_ref), ("name", pair.name))


def _rule(parent: etree._Element, rule: Rule | RuleRef) -> None:
    if isinstance(rule, RuleRef):
        _el(parent, "rule", ("id-ref", rule.id_ref))
        return
    el = _el(
        parent,
        "rule",
        ("id", rule.id),
        ("score", rule.score),
        ("score-attribute", rule.score_attribute),
        ("boolean-op", rule.boolean_op),
        ("role", rule.role),
    )
    for item in rule.expressions:
        if isinstance(item, Rule | RuleRef):
            _rule(el, item)
        elif isinstance(item, Expression):
            _el(
                el,
                "expression",
                ("id", item.id),
                ("attribute", item.attribute),
                ("operation", item.operation),
                ("value", item.value),
                ("type", item.type),
                ("value-source", item.value_source),
            )
        elif isinstance(item, DateExpression):
            d = _el(
                el,
                "date_expression",
                ("id", item.id),
                ("operation", item.operation),
                ("start", item.start),
                ("end", item.end),
            )
            for sub_tag, sub in (("duration", item.duration), ("date_spec", item.date_spec)):
                if sub is not None:
                    _el(d, sub_tag, *((name, getattr(sub, name)) for name in sub.__slots__))
        elif isinstance(item, RscExpression):
            _el(
                el,
                "rsc_expression",
                ("id", item.id),
                ("class", item.agent_class),
                ("provider", item.provider),
                ("type", item.agent_type),
            )
        else:
            assert isinstance(item, OpExpression)
            _el(
                el,
                "op_expression",
                ("id", item.id),
                ("name", item.name),
                ("interval", item.interval),
            )


# -- resources ----------------------------------------------------------------


def _resource(parent: etree._Element, rsc: Resource) -> None:
    if isinstance(rsc, Primitive):
        _primitive(parent, rsc)
    elif isinstance(rsc, Group):
        _group(parent, rsc)
    elif isinstance(rsc, Clone):
        el = _el(
            parent,
            "master" if rsc.legacy_master else "clone",
            ("id", rsc.id),
            ("description", rsc.description),
        )
        _extras(el, rsc.meta_attributes, rsc.instance_attributes)
        if isinstance(rsc.child, Primitive):
            _primitive(el, rsc.child)
        else:
            _group(el, rsc.child)
    else:
        _bundle(parent, rsc)


def _extras(
    el: etree._Element, meta: tuple[NvSetItem, ...], instance: tuple[NvSetItem, ...]
) -> None:
    _nvsets(el, "instance_attributes", instance)
    _nvsets(el, "meta_attributes", meta)


def _primitive(parent: etree._Element, rsc: Primitive | Template) -> None:
    """A ``<primitive>``, or a ``<template>`` (same body, no ``template`` attribute)."""
    is_primitive = isinstance(rsc, Primitive)
    el = _el(
        parent,
        "primitive" if is_primitive else "template",
        ("id", rsc.id),
        ("class", rsc.agent_class),
        ("provider", rsc.provider),
        ("type", rsc.agent_type),
        ("template", rsc.template if isinstance(rsc, Primitive) else None),
        ("description", rsc.description),
    )
    _extras(el, rsc.meta_attributes, rsc.instance_attributes)
    _nvsets(el, "utilization", rsc.utilization)
    if rsc.operations or rsc.operations_id is not None or rsc.operations_ref is not None:
        ops = _el(el, "operations", ("id", rsc.operations_id), ("id-ref", rsc.operations_ref))
        for op in rsc.operations:
            _op(ops, op)


def _op(parent: etree._Element, op: Op) -> None:
    el = _el(
        parent,
        "op",
        ("id", op.id),
        ("name", op.name),
        ("interval", op.interval),
        ("timeout", op.timeout),
        ("description", op.description),
        ("start-delay", op.start_delay),
        ("interval-origin", op.interval_origin),
        ("enabled", op.enabled),
        ("record-pending", op.record_pending),
        ("role", op.role),
        ("on-fail", op.on_fail),
    )
    _extras(el, op.meta_attributes, op.instance_attributes)


def _group(parent: etree._Element, rsc: Group) -> None:
    el = _el(parent, "group", ("id", rsc.id), ("description", rsc.description))
    _extras(el, rsc.meta_attributes, rsc.instance_attributes)
    for child in rsc.children:
        _primitive(el, child)


def _bundle(parent: etree._Element, rsc: Bundle) -> None:
    el = _el(parent, "bundle", ("id", rsc.id), ("description", rsc.description))
    c = rsc.container
    _el(
        el,
        str(c.engine),
        ("image", c.image),
        ("replicas", c.replicas),
        ("replicas-per-host", c.replicas_per_host),
        ("promoted-max", c.promoted_max),
        ("run-command", c.run_command),
        ("network", c.network),
        ("options", c.options),
    )
    if rsc.network is not None:
        n = rsc.network
        net = _el(
            el,
            "network",
            ("ip-range-start", n.ip_range_start),
            ("control-port", n.control_port),
            ("host-interface", n.host_interface),
            ("host-netmask", n.host_netmask),
            ("add-host", n.add_host),
        )
        for pm in n.port_mappings:
            _el(
                net,
                "port-mapping",
                ("id", pm.id),
                ("port", pm.port),
                ("internal-port", pm.internal_port),
                ("range", pm.range),
            )
    if rsc.storage is not None:
        storage = _Sub(el, "storage")
        for sm in rsc.storage:
            _el(
                storage,
                "storage-mapping",
                ("id", sm.id),
                ("source-dir", sm.source_dir),
                ("source-dir-root", sm.source_dir_root),
                ("target-dir", sm.target_dir),
                ("options", sm.options),
            )
    _extras(el, rsc.meta_attributes, rsc.instance_attributes)
    if rsc.primitive is not None:
        _primitive(el, rsc.primitive)


# -- constraints --------------------------------------------------------------


def _constraint(parent: etree._Element, c: Constraint) -> None:
    if isinstance(c, Location):
        el = _el(
            parent,
            "rsc_location",
            ("id", c.id),
            ("rsc", c.rsc),
            ("rsc-pattern", c.rsc_pattern),
            ("role", c.role),
            ("score", c.score),
            ("node", c.node),
            ("resource-discovery", c.resource_discovery),
        )
        _sets(el, c.resource_sets)
        for rule in c.rules:
            _rule(el, rule)
        _lifetime(el, c.lifetime)
    elif isinstance(c, Colocation):
        el = _el(
            parent,
            "rsc_colocation",
            ("id", c.id),
            ("score", c.score),
            ("rsc", c.rsc),
            ("with-rsc", c.with_rsc),
            ("rsc-role", c.rsc_role),
            ("with-rsc-role", c.with_rsc_role),
            ("node-attribute", c.node_attribute),
            ("influence", c.influence),
        )
        _sets(el, c.resource_sets)
        _lifetime(el, c.lifetime)
    elif isinstance(c, Order):
        el = _el(
            parent,
            "rsc_order",
            ("id", c.id),
            ("first", c.first),
            ("first-action", c.first_action),
            ("then", c.then),
            ("then-action", c.then_action),
            ("kind", c.kind),
            ("score", c.score),
            ("symmetrical", c.symmetrical),
            ("require-all", c.require_all),
        )
        _sets(el, c.resource_sets)
        _lifetime(el, c.lifetime)
    else:
        assert isinstance(c, Ticket)
        el = _el(
            parent,
            "rsc_ticket",
            ("id", c.id),
            ("ticket", c.ticket),
            ("rsc", c.rsc),
            ("rsc-role", c.rsc_role),
            ("loss-policy", c.loss_policy),
        )
        _sets(el, c.resource_sets)


def _lifetime(parent: etree._Element, rules: tuple[Rule | RuleRef, ...]) -> None:
    if rules:
        el = _Sub(parent, "lifetime")
        for rule in rules:
            _rule(el, rule)


def _sets(parent: etree._Element, sets: tuple[ResourceSetItem, ...]) -> None:
    for s in sets:
        if isinstance(s, ResourceSetRef):
            _el(parent, "resource_set", ("id-ref", s.id_ref))
            continue
        el = _el(
            parent,
            "resource_set",
            ("id", s.id),
            ("sequential", s.sequential),
            ("require-all", s.require_all),
            ("ordering", s.ordering),
            ("action", s.action),
            ("role", s.role),
            ("score", s.score),
            ("kind", s.kind),
        )
        for ref in s.resources:
            _el(el, "resource_ref", ("id", ref))


def _alert(parent: etree._Element, alert: Alert) -> None:
    el = _el(
        parent, "alert", ("id", alert.id), ("description", alert.description), ("path", alert.path)
    )
    _extras(el, alert.meta_attributes, alert.instance_attributes)
    if alert.select is not None:
        sel = _Sub(el, "select")
        if alert.select.attributes is not None:
            attrs = _Sub(sel, "select_attributes")
            for attr_id, name in alert.select.attributes:
                _el(attrs, "attribute", ("id", attr_id), ("name", name))
        for flag, tag in (
            (alert.select.fencing, "select_fencing"),
            (alert.select.nodes, "select_nodes"),
            (alert.select.resources, "select_resources"),
        ):
            if flag:
                _Sub(sel, tag)
    for rec in alert.recipients:
        _recipient(el, rec)


def _recipient(parent: etree._Element, rec: AlertRecipient) -> None:
    el = _el(
        parent,
        "recipient",
        ("id", rec.id),
        ("description", rec.description),
        ("value", rec.value),
    )
    _extras(el, rec.meta_attributes, rec.instance_attributes)


# -- status -------------------------------------------------------------------


def _status(root: etree._Element, status: Status) -> None:
    el = _Sub(root, "status")
    for state in status.node_states:
        _node_state(el, state)
    if status.tickets is not None:
        tickets = _Sub(el, "tickets")
        for t in status.tickets:
            _el(
                tickets,
                "ticket_state",
                ("id", t.id),
                ("granted", t.granted),
                ("last-granted", t.last_granted),
                ("standby", t.standby),
            )


def _node_state(parent: etree._Element, s: NodeState) -> None:
    el = _el(
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
        ta = _el(el, "transient_attributes", ("id", s.transient_attributes.id))
        _nvsets(ta, "instance_attributes", s.transient_attributes.instance_attributes)
    if s.lrm is not None:
        lrm = _el(el, "lrm", ("id", s.lrm.id), ("uname", s.lrm.uname))
        resources = _el(lrm, "lrm_resources", ("id", s.lrm.resources_id))
        for rsc in s.lrm.resources:
            r = _el(
                resources,
                "lrm_resource",
                ("id", rsc.id),
                ("type", rsc.agent_type),
                ("class", rsc.agent_class),
                ("provider", rsc.provider),
                ("container", rsc.container),
            )
            for op in rsc.ops:
                _lrm_op(r, op)


def _lrm_op(parent: etree._Element, op: LrmRscOp) -> None:
    _el(
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
