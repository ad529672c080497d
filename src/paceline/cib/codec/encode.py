"""``Cib`` -> XML, always as ``SCHEMA`` (pacemaker-3.9) with the modern names."""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec.encode_rules import encode_nvsets, encode_rule
from paceline.cib.codec.encode_status import encode_status
from paceline.cib.codec.writer import add, attrs, comment, sub, table_items
from paceline.cib.index import index_of
from paceline.cib.model.attributes import CONTAINER, NETWORK, PORT_MAPPING, STORAGE_MAPPING
from paceline.cib.model.cib import SCHEMA, Cib
from paceline.cib.model.config import (
    AclEntry,
    AclGroup,
    AclRole,
    AclTarget,
    Alert,
    AlertRecipient,
    Configuration,
    Node,
    Tag,
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
from paceline.cib.model.rules import NvSetItem, Rule, RuleRef


def encode_cib(cib: Cib) -> bytes:
    """The CIB as UTF-8 XML text (pretty printed, no XML declaration)."""
    return etree.tostring(cib_to_element(cib), pretty_print=True, encoding="UTF-8")


def cib_to_element(cib: Cib) -> etree._Element:
    root = etree.Element(
        "cib",
        attrs(
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
    encode_status(root, cib.status)
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
    crm_config = sub(el, "crm_config")
    encode_nvsets(crm_config, "cluster_property_set", cfg.crm_config)
    nodes = sub(el, "nodes")
    for node in cfg.nodes:
        _node(nodes, node)
    resources = sub(el, "resources")
    for template in cfg.templates:
        _primitive(resources, template)
    for rsc in cfg.resources:
        _resource(resources, rsc)
    constraints = sub(el, "constraints")
    for constraint in cfg.constraints:
        _constraint(constraints, constraint)
    if cfg.fencing_topology or cfg.fencing_topology_comments:
        topo = sub(el, "fencing-topology")
        comment(topo, cfg.fencing_topology_comments)
        for level in cfg.fencing_topology:
            add(
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
        encode_nvsets(sub(el, "rsc_defaults"), "meta_attributes", cfg.rsc_defaults)
    if cfg.op_defaults:
        encode_nvsets(sub(el, "op_defaults"), "meta_attributes", cfg.op_defaults)
    if cfg.alerts:
        alerts = sub(el, "alerts")
        for alert in cfg.alerts:
            _alert(alerts, alert)
    if cfg.tags:
        tags = sub(el, "tags")
        for tag in cfg.tags:
            _tag(tags, tag)
    if cfg.acls:
        acls = sub(el, "acls")
        for entry in cfg.acls:
            _acl(acls, entry)
    return el


def _node(parent: etree._Element, node: Node) -> None:
    n = add(
        parent,
        "node",
        ("id", node.id),
        ("uname", node.uname),
        ("type", node.type),
        ("description", node.description),
        ("score", node.score),
    )
    comment(n, node.comments)
    encode_nvsets(n, "instance_attributes", node.instance_attributes)
    encode_nvsets(n, "utilization", node.utilization)


def _tag(parent: etree._Element, tag: Tag) -> None:
    t = add(parent, "tag", ("id", tag.id))
    comment(t, tag.comments)
    for ref in tag.refs:
        add(t, "obj_ref", ("id", ref))


def _acl(acls: etree._Element, entry: AclEntry) -> None:
    if isinstance(entry, AclRole):
        role = add(acls, "acl_role", ("id", entry.id), ("description", entry.description))
        comment(role, entry.comments)
        for perm in entry.permissions:
            add(
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
        who = add(acls, tag_name, ("id", entry.id), ("name", entry.name))
        comment(who, entry.comments)
        for role_id in entry.roles:
            add(who, "role", ("id", role_id))


def object_element(cfg: Configuration, ident: str) -> etree._Element | None:
    """The element of the configuration object ``ident`` (a node by id or name,
    a resource at any depth, a template, constraint, property block, tag,
    alert or ACL entry), encoded alone, as ``configuration_to_element`` would
    write it; None if no object has that id. ``show xml ID`` encodes only
    the objects asked for."""
    index = index_of(cfg)
    scratch = etree.Element("scratch")
    rsc = index.resource_or_template(ident)
    constraint = index.constraints.get(ident)
    node = index.node(ident)
    if isinstance(rsc, Template):
        _primitive(scratch, rsc)
    elif rsc is not None:
        _resource(scratch, rsc)
    elif constraint is not None:
        _constraint(scratch, constraint)
    elif node is not None:
        _node(scratch, node)
    else:
        _other_object(scratch, cfg, ident)
    return scratch[0] if len(scratch) else None


def _other_object(scratch: etree._Element, cfg: Configuration, ident: str) -> None:
    for name, blocks in (
        ("cluster_property_set", cfg.crm_config),
        ("meta_attributes", cfg.rsc_defaults),
        ("meta_attributes", cfg.op_defaults),
    ):
        block = next((b for b in blocks if getattr(b, "id", None) == ident), None)
        if block is not None:
            encode_nvsets(scratch, name, (block,))
            return
    tag = next((t for t in cfg.tags if t.id == ident), None)
    if tag is not None:
        _tag(scratch, tag)
        return
    alert = next((a for a in cfg.alerts if a.id == ident), None)
    if alert is not None:
        _alert(scratch, alert)
        return
    acl = next((a for a in cfg.acls if a.id == ident), None)
    if acl is not None:
        _acl(scratch, acl)


# -- resources ----------------------------------------------------------------


def _resource(parent: etree._Element, rsc: Resource) -> None:
    if isinstance(rsc, Primitive):
        _primitive(parent, rsc)
    elif isinstance(rsc, Group):
        _group(parent, rsc)
    elif isinstance(rsc, Clone):
        el = add(
            parent,
            "master" if rsc.legacy_master else "clone",
            ("id", rsc.id),
            ("description", rsc.description),
        )
        comment(el, rsc.comments)
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
    encode_nvsets(el, "instance_attributes", instance)
    encode_nvsets(el, "meta_attributes", meta)


def _primitive(parent: etree._Element, rsc: Primitive | Template) -> None:
    """A ``<primitive>``, or a ``<template>`` (same body, no ``template`` attribute)."""
    is_primitive = isinstance(rsc, Primitive)
    el = add(
        parent,
        "primitive" if is_primitive else "template",
        ("id", rsc.id),
        ("class", rsc.agent_class),
        ("provider", rsc.provider),
        ("type", rsc.agent_type),
        ("template", rsc.template if isinstance(rsc, Primitive) else None),
        ("description", rsc.description),
    )
    comment(el, rsc.comments)
    _extras(el, rsc.meta_attributes, rsc.instance_attributes)
    encode_nvsets(el, "utilization", rsc.utilization)
    if rsc.operations or rsc.operations_id is not None or rsc.operations_ref is not None:
        ops = add(el, "operations", ("id", rsc.operations_id), ("id-ref", rsc.operations_ref))
        for op in rsc.operations:
            _op(ops, op)


def _op(parent: etree._Element, op: Op) -> None:
    el = add(
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
    el = add(parent, "group", ("id", rsc.id), ("description", rsc.description))
    comment(el, rsc.comments)
    _extras(el, rsc.meta_attributes, rsc.instance_attributes)
    for child in rsc.children:
        _primitive(el, child)


def _bundle(parent: etree._Element, rsc: Bundle) -> None:
    el = add(parent, "bundle", ("id", rsc.id), ("description", rsc.description))
    comment(el, rsc.comments)
    add(el, str(rsc.container.engine), *table_items(rsc.container, CONTAINER))
    if rsc.network is not None:
        net = add(el, "network", *table_items(rsc.network, NETWORK))
        for pm in rsc.network.port_mappings:
            add(net, "port-mapping", *table_items(pm, PORT_MAPPING))
    if rsc.storage is not None:
        storage = sub(el, "storage")
        for sm in rsc.storage:
            add(storage, "storage-mapping", *table_items(sm, STORAGE_MAPPING))
    _extras(el, rsc.meta_attributes, rsc.instance_attributes)
    if rsc.primitive is not None:
        _primitive(el, rsc.primitive)


# -- constraints --------------------------------------------------------------


def _constraint(parent: etree._Element, c: Constraint) -> None:
    if isinstance(c, Location):
        el = add(
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
            encode_rule(el, rule)
        _lifetime(el, c.lifetime)
    elif isinstance(c, Colocation):
        el = add(
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
        el = add(
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
        el = add(
            parent,
            "rsc_ticket",
            ("id", c.id),
            ("ticket", c.ticket),
            ("rsc", c.rsc),
            ("rsc-role", c.rsc_role),
            ("loss-policy", c.loss_policy),
        )
        _sets(el, c.resource_sets)
    comment(el, c.comments)


def _lifetime(parent: etree._Element, rules: tuple[Rule | RuleRef, ...]) -> None:
    if rules:
        el = sub(parent, "lifetime")
        for rule in rules:
            encode_rule(el, rule)


def _sets(parent: etree._Element, sets: tuple[ResourceSetItem, ...]) -> None:
    for s in sets:
        if isinstance(s, ResourceSetRef):
            add(parent, "resource_set", ("id-ref", s.id_ref))
            continue
        el = add(
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
            add(el, "resource_ref", ("id", ref))


def _alert(parent: etree._Element, alert: Alert) -> None:
    el = add(
        parent, "alert", ("id", alert.id), ("description", alert.description), ("path", alert.path)
    )
    comment(el, alert.comments)
    _extras(el, alert.meta_attributes, alert.instance_attributes)
    if alert.select is not None:
        sel = sub(el, "select")
        if alert.select.attributes is not None:
            attrs = sub(sel, "select_attributes")
            for attr_id, name in alert.select.attributes:
                add(attrs, "attribute", ("id", attr_id), ("name", name))
        for flag, tag in (
            (alert.select.fencing, "select_fencing"),
            (alert.select.nodes, "select_nodes"),
            (alert.select.resources, "select_resources"),
        ):
            if flag:
                sub(sel, tag)
    for rec in alert.recipients:
        _recipient(el, rec)


def _recipient(parent: etree._Element, rec: AlertRecipient) -> None:
    el = add(
        parent,
        "recipient",
        ("id", rec.id),
        ("description", rec.description),
        ("value", rec.value),
    )
    _extras(el, rec.meta_attributes, rec.instance_attributes)
