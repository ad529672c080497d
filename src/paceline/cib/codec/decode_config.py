"""Decoding of ``<configuration>`` and its small sections (nodes, fencing
topology, tags, alerts, ACLs, defaults)."""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec.decode_constraints import decode_constraints
from paceline.cib.codec.decode_resources import decode_resources
from paceline.cib.codec.decode_rules import NvSetChildren, decode_nvset
from paceline.cib.codec.reader import Context, Reader, inner_comments, with_comments
from paceline.cib.model.config import (
    AclEntry,
    AclGroup,
    AclPermission,
    AclRole,
    AclTarget,
    Alert,
    AlertRecipient,
    AlertSelect,
    Configuration,
    FencingLevel,
    Node,
    Tag,
)
from paceline.cib.model.constraints import Constraint
from paceline.cib.model.enums import AclKind, NodeType
from paceline.cib.model.resources import Resource, Template
from paceline.cib.model.rules import NvSet, NvSetItem

_SECTIONS = (
    "crm_config",
    "nodes",
    "resources",
    "constraints",
    "rsc_defaults",
    "op_defaults",
    "fencing-topology",
    "tags",
    "alerts",
    "acls",
)


def decode_configuration(ctx: Context, el: etree._Element) -> Configuration:
    r = Reader(ctx, el)
    r.done()
    seen: set[str] = set()
    crm_config: tuple[NvSetItem, ...] = ()
    nodes: tuple[Node, ...] = ()
    resources: tuple[Resource, ...] = ()
    templates: tuple[Template, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    rsc_defaults: tuple[NvSetItem, ...] = ()
    op_defaults: tuple[NvSetItem, ...] = ()
    fencing: tuple[FencingLevel, ...] = ()
    fencing_comments: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    alerts: tuple[Alert, ...] = ()
    acls: tuple[AclEntry, ...] = ()
    for child in r.children():
        tag = str(child.tag)
        if tag not in _SECTIONS:
            raise r.unknown_child(child, "one of " + ", ".join(f"<{s}>" for s in _SECTIONS))
        if tag in seen:
            raise r.duplicate(child)
        seen.add(tag)
        if tag == "crm_config":
            crm_config = _nvsets(ctx, child, "cluster_property_set")
        elif tag == "nodes":
            nodes = _decode_nodes(ctx, child)
        elif tag == "resources":
            resources, templates = decode_resources(ctx, child)
        elif tag == "constraints":
            constraints = decode_constraints(ctx, child)
        elif tag == "rsc_defaults":
            rsc_defaults = _nvsets(ctx, child, "meta_attributes")
        elif tag == "op_defaults":
            op_defaults = _nvsets(ctx, child, "meta_attributes")
        elif tag == "fencing-topology":
            fencing = _decode_fencing(ctx, child)
            fencing_comments = inner_comments(child)
        elif tag == "tags":
            tags = _decode_tags(ctx, child)
        elif tag == "alerts":
            alerts = _decode_alerts(ctx, child)
        else:
            acls = _decode_acls(ctx, child)
    for required in ("crm_config", "nodes", "resources", "constraints"):
        if required not in seen:
            raise r.missing(f"a <{required}> section")
    return Configuration(
        crm_config,
        nodes,
        resources,
        templates,
        constraints,
        rsc_defaults,
        op_defaults,
        fencing,
        tags,
        alerts,
        acls,
        fencing_comments,
    )


def _nvsets(ctx: Context, el: etree._Element, tag: str) -> tuple[NvSetItem, ...]:
    r = Reader(ctx, el)
    r.done()
    out: list[NvSetItem] = []
    for child in r.only(tag):
        block = decode_nvset(ctx, child)
        if isinstance(block, NvSet):
            block = with_comments(block, inner_comments(child))
        out.append(block)
    return tuple(out)


def _decode_nodes(ctx: Context, el: etree._Element) -> tuple[Node, ...]:
    r = Reader(ctx, el)
    r.done()
    out: list[Node] = []
    for child in r.only("node"):
        n = Reader(ctx, child)
        node_id = n.req("id")
        uname = n.req("uname")
        node_type = n.opt_enum("type", NodeType, {"normal": NodeType.MEMBER})
        description = n.opt("description")
        score = n.opt_score("score")
        n.done()
        instance: list[NvSetItem] = []
        utilization: list[NvSetItem] = []
        for sub in n.children():
            if sub.tag == "instance_attributes":
                instance.append(decode_nvset(ctx, sub))
            elif sub.tag == "utilization":
                utilization.append(decode_nvset(ctx, sub))
            else:
                raise n.unknown_child(sub, "<instance_attributes> or <utilization>")
        node = Node(
            node_id, uname, node_type, description, score, tuple(instance), tuple(utilization)
        )
        out.append(with_comments(node, inner_comments(child)))
    return tuple(out)


def _decode_fencing(ctx: Context, el: etree._Element) -> tuple[FencingLevel, ...]:
    r = Reader(ctx, el)
    r.done()
    out: list[FencingLevel] = []
    for child in r.only("fencing-level"):
        f = Reader(ctx, child)
        level_id = f.req("id")
        index = f.req_int("index")
        devices = f.req("devices")
        level = FencingLevel(
            level_id,
            index,
            tuple(devices.split(",")),
            f.opt("target"),
            f.opt("target-pattern"),
            f.opt("target-attribute"),
            f.opt("target-value"),
        )
        f.done()
        f.no_children()
        out.append(level)
    return tuple(out)


def _decode_tags(ctx: Context, el: etree._Element) -> tuple[Tag, ...]:
    r = Reader(ctx, el)
    r.done()
    out: list[Tag] = []
    for child in r.only("tag"):
        t = Reader(ctx, child)
        tag_id = t.req("id")
        t.done()
        refs: list[str] = []
        for ref in t.only("obj_ref"):
            o = Reader(ctx, ref)
            refs.append(o.req("id"))
            o.done()
            o.no_children()
        tag = Tag(tag_id, tuple(refs))
        out.append(with_comments(tag, inner_comments(child)))
    return tuple(out)


def _decode_alerts(ctx: Context, el: etree._Element) -> tuple[Alert, ...]:
    r = Reader(ctx, el)
    r.done()
    out: list[Alert] = []
    for child in r.only("alert"):
        a = Reader(ctx, child)
        alert_id = a.req("id")
        path = a.req("path")
        description = a.opt("description")
        a.done()
        extras = NvSetChildren()
        select: AlertSelect | None = None
        recipients: list[AlertRecipient] = []
        for sub in a.children():
            if extras.take(ctx, sub):
                continue
            if sub.tag == "select":
                if select is not None:
                    raise a.duplicate(sub)
                select = _decode_select(ctx, sub)
            elif sub.tag == "recipient":
                recipients.append(_decode_recipient(ctx, sub))
            else:
                raise a.unknown_child(
                    sub, "<meta_attributes>, <instance_attributes>, <select> or <recipient>"
                )
        alert = Alert(
            alert_id,
            path,
            description,
            tuple(extras.meta),
            tuple(extras.instance),
            select,
            tuple(recipients),
        )
        out.append(with_comments(alert, inner_comments(child)))
    return tuple(out)


def _decode_recipient(ctx: Context, el: etree._Element) -> AlertRecipient:
    r = Reader(ctx, el)
    rec_id = r.req("id")
    value = r.req("value")
    description = r.opt("description")
    r.done()
    extras = NvSetChildren()
    for sub in r.children():
        if not extras.take(ctx, sub):
            raise r.unknown_child(sub, "<meta_attributes> or <instance_attributes>")
    return AlertRecipient(rec_id, value, description, tuple(extras.meta), tuple(extras.instance))


def _decode_select(ctx: Context, el: etree._Element) -> AlertSelect:
    r = Reader(ctx, el)
    r.done()
    attributes: tuple[tuple[str, str], ...] | None = None
    flags = {"select_fencing": False, "select_nodes": False, "select_resources": False}
    for sub in r.children():
        s = Reader(ctx, sub)
        s.done()
        if sub.tag in flags:
            if flags[str(sub.tag)]:
                raise r.duplicate(sub)
            flags[str(sub.tag)] = True
            s.no_children()
        elif sub.tag == "select_attributes":
            if attributes is not None:
                raise r.duplicate(sub)
            found: list[tuple[str, str]] = []
            for attr in s.only("attribute"):
                at = Reader(ctx, attr)
                found.append((at.req("id"), at.req("name")))
                at.done()
                at.no_children()
            attributes = tuple(found)
        else:
            raise r.unknown_child(
                sub, "<select_attributes>, <select_fencing>, <select_nodes> or <select_resources>"
            )
    return AlertSelect(
        attributes, flags["select_fencing"], flags["select_nodes"], flags["select_resources"]
    )


def _decode_acls(ctx: Context, el: etree._Element) -> tuple[AclEntry, ...]:
    """ACLs; the pacemaker-1.x forms (``acl_user``, ``role_ref``, ``read``/
    ``write``/``deny`` inside ``acl_role``) are upgraded to the 2.0 ones."""
    r = Reader(ctx, el)
    r.done()
    out: list[AclEntry] = []
    for child in r.children():
        a = Reader(ctx, child)
        if child.tag in ("acl_target", "acl_group", "acl_user"):
            entry_id = a.req("id")
            name = a.opt("name")
            a.done()
            roles: list[str] = []
            for sub in a.children():
                if sub.tag not in ("role", "role_ref"):
                    raise a.unknown_child(sub, "<role>")
                s = Reader(ctx, sub)
                roles.append(s.req("id"))
                s.done()
                s.no_children()
            who: AclEntry = (
                AclGroup(entry_id, tuple(roles), name)
                if child.tag == "acl_group"
                else AclTarget(entry_id, tuple(roles), name)
            )
            out.append(with_comments(who, inner_comments(child)))
        elif child.tag == "acl_role":
            role_id = a.req("id")
            description = a.opt("description")
            a.done()
            perms = [_decode_permission(ctx, a, sub) for sub in a.children()]
            role = AclRole(role_id, tuple(perms), description)
            out.append(with_comments(role, inner_comments(child)))
        else:
            raise r.unknown_child(child, "<acl_target>, <acl_group> or <acl_role>")
    return tuple(out)


def _decode_permission(ctx: Context, parent: Reader, el: etree._Element) -> AclPermission:
    r = Reader(ctx, el)
    if el.tag == "acl_permission":
        perm = AclPermission(
            r.req("id"),
            r.req_enum("kind", AclKind),
            r.opt("xpath"),
            r.opt("reference"),
            r.opt("object-type"),
            r.opt("attribute"),
            r.opt("description"),
        )
    elif el.tag in ("read", "write", "deny"):
        perm = AclPermission(
            r.req("id"),
            AclKind(str(el.tag)),
            r.opt("xpath"),
            r.opt("ref"),
            r.opt("tag"),
            r.opt("attribute"),
        )
    else:
        raise parent.unknown_child(el, "<acl_permission>")
    r.done()
    r.no_children()
    return perm
