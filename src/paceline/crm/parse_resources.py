"""The ``node``, ``primitive``, ``rsc_template``, ``group``, ``clone`` and ``ms`` statements."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paceline.cib.model import (
    AgentClass,
    Node,
    NodeType,
    NvPair,
    NvSet,
    NvSetItem,
    OnFail,
    Op,
    Primitive,
    Role,
    Template,
)
from paceline.crm.grammar import ATTR_LIST_KEYWORDS, Parser, parse_bool
from paceline.crm.lexer import Token
from paceline.crm.migrate import NoticeKind
from paceline.crm.statements import CloneDef, GroupDef, MonitorDef

__all__ = ["parse_clone", "parse_group", "parse_monitor", "parse_node", "parse_primitive"]

_NODE_ID_RE = re.compile(r"\$id=(.+)", re.IGNORECASE)
_NODE_ID_NEW_RE = re.compile(r"([^:\s]+):")
_UNAME_RE = re.compile(r"([^:]+)(?::(normal|member|ping|remote))?", re.IGNORECASE)
_OPERATIONS_ID_RE = re.compile(r"\$(id|id-ref)=(.+)", re.IGNORECASE)
_OP_ATTRIBUTES = (
    "interval",
    "timeout",
    "description",
    "start-delay",
    "interval-origin",
    "enabled",
    "record-pending",
    "role",
    "on-fail",
)


@dataclass
class _Blocks:
    """Attribute blocks of a resource, by element, in the order written."""

    instance_attributes: list[NvSetItem] = field(default_factory=list)
    meta_attributes: list[NvSetItem] = field(default_factory=list)
    utilization: list[NvSetItem] = field(default_factory=list)


_ELEMENTS = {
    "params": "instance_attributes",
    "meta": "meta_attributes",
    "utilization": "utilization",
    "attributes": "instance_attributes",
}


def _blocks(p: Parser, owner: str, allowed: tuple[str, ...], implicit: str | None) -> _Blocks:
    """``params ...`` / ``meta ...`` / ... lists; ``implicit`` names the list a bare
    ``name=value`` at the start belongs to (``primitive x Dummy state=1``)."""
    blocks = _Blocks()
    cursor = p.cursor
    first = True
    while not cursor.at_end():
        keyword = cursor.take_keyword(*allowed)
        if keyword is not None:
            element = _ELEMENTS[keyword.text.lower()]
        elif first and implicit is not None and not cursor.peek_keyword(*ATTR_LIST_KEYWORDS):
            element = _ELEMENTS[implicit]
        else:
            break
        first = False
        getattr(blocks, element).append(p.attr_list(owner, element))
    return blocks


def parse_node(p: Parser) -> Node:
    """``node [<id>:|$id=<id>] <uname>[:<type>] [description=] [attributes ...] [utilization ...]``."""
    cursor = p.cursor
    explicit: str | None = None
    id_token = cursor.peek()
    found = cursor.take_match(_NODE_ID_RE) or cursor.take_match(_NODE_ID_NEW_RE)
    if found is not None and id_token is not None:
        explicit = found.group(1)
    uname_token = cursor.peek()
    uname_found = cursor.expect_match(_UNAME_RE, "a node name, optionally :member or :remote")
    assert uname_token is not None
    uname = uname_found.group(1)
    node_type: NodeType | None = None
    if uname_found.group(2):
        word = uname_found.group(2).lower()
        if word == "normal":
            node_type = NodeType.MEMBER
            p.notice(
                NoticeKind.MODERNIZED,
                f"node {uname}: type normal written as member",
                "Pacemaker 2.0 renamed the node type normal to member",
                uname_token,
            )
        else:
            node_type = NodeType(word)
    # node ids are a namespace of their own (a remote node is named like its resource)
    node_id = explicit if explicit is not None else uname
    cursor.context = f"node {uname}"
    description = p.description()
    blocks = _blocks(p, uname, ("attributes", "utilization"), "attributes")
    cursor.finish("attributes or utilization")
    return Node(
        node_id,
        uname,
        type=node_type,
        description=description,
        instance_attributes=tuple(blocks.instance_attributes),
        utilization=tuple(blocks.utilization),
    )


def _agent(p: Parser, token: Token) -> tuple[AgentClass, str | None, str]:
    """``[<class>:[<provider>:]]<type>``; a bare type is ``ocf:heartbeat:<type>``."""
    parts = token.text.split(":")
    expected = "[class:[provider:]]type, e.g. ocf:heartbeat:IPaddr2 or lsb:apache2"
    if len(parts) > 3 or any(not part for part in parts):
        raise p.error("not a resource agent", token, expected)
    if len(parts) == 1:
        return AgentClass.OCF, "heartbeat", parts[0]
    try:
        agent_class = AgentClass(parts[0].lower())
    except ValueError:
        raise p.error(f"unknown agent class {parts[0]!r}", token, expected) from None
    if len(parts) == 2:
        if agent_class is AgentClass.OCF:
            return agent_class, "heartbeat", parts[1]
        return agent_class, None, parts[1]
    if agent_class is not AgentClass.OCF:
        raise p.error(f"agent class {agent_class.value} takes no provider", token, expected)
    return agent_class, parts[1], parts[2]


def parse_primitive(p: Parser, template: bool) -> Primitive | Template:
    """``primitive <id> {<agent>|@<template>} [description=] [params ...] [meta ...]
    [utilization ...] [operations $id=...] [op <name> <attr>=<value> ...] ...``."""
    cursor = p.cursor
    rsc_id = p.object_id("rsc_template" if template else "primitive", "a resource id")
    spec = cursor.take("a resource agent ([class:[provider:]]type) or @template")
    template_ref: str | None = None
    agent: tuple[AgentClass, str | None, str] | None = None
    if spec.text.startswith("@") and not template:
        template_ref = spec.text[1:]
        p.refer(template_ref, "rsc_template", spec)
    else:
        agent = _agent(p, spec)
    description = p.description()
    blocks = _Blocks()
    ops: list[Op] = []
    operations_id: str | None = None
    operations_ref: str | None = None
    op_prefix = rsc_id
    first = True
    while not cursor.at_end():
        if cursor.peek_keyword("op"):
            ops.append(_op(p, op_prefix))
        elif (keyword := cursor.take_keyword("operations")) is not None:
            spec_token = cursor.peek()
            found = cursor.expect_match(_OPERATIONS_ID_RE, "$id=<id> or $id-ref=<id>")
            assert spec_token is not None
            if found.group(1).lower() == "id":
                operations_id = p.claim(found.group(2), spec_token)
                op_prefix = operations_id
            else:
                operations_ref = found.group(2)
                p.refer(operations_ref, "operations", spec_token)
        elif (keyword := cursor.take_keyword("params", "meta", "utilization")) is not None:
            element = _ELEMENTS[keyword.text.lower()]
            getattr(blocks, element).append(p.attr_list(rsc_id, element))
        elif first and not cursor.peek_keyword(*ATTR_LIST_KEYWORDS):
            blocks.instance_attributes.append(p.attr_list(rsc_id, "instance_attributes"))
        else:
            break
        first = False
    cursor.finish("params, meta, utilization, operations or op")
    instance = tuple(blocks.instance_attributes)
    meta = tuple(blocks.meta_attributes)
    utilization = tuple(blocks.utilization)
    if template:
        assert agent is not None
        return Template(
            rsc_id,
            agent[0],
            agent[2],
            provider=agent[1],
            description=description,
            meta_attributes=meta,
            instance_attributes=instance,
            utilization=utilization,
            operations=tuple(ops),
            operations_id=operations_id,
            operations_ref=operations_ref,
        )
    agent_class, provider, agent_type = agent if agent is not None else (None, None, None)
    return Primitive(
        rsc_id,
        agent_class,
        provider,
        agent_type,
        template=template_ref,
        description=description,
        meta_attributes=meta,
        instance_attributes=instance,
        utilization=utilization,
        operations=tuple(ops),
        operations_id=operations_id,
        operations_ref=operations_ref,
    )


def _op(p: Parser, prefix: str) -> Op:
    """``op <name> [<attr>=<value> ...] [op_params ...] [op_meta ...]``; attributes
    that are not op attributes are the op's parameters (``OCF_CHECK_LEVEL=10``)."""
    cursor = p.cursor
    cursor.take("op")
    name, _ = p.identifier("an operation name (start, stop, monitor, ...)")
    attributes: dict[str, tuple[str, Token]] = {}
    extra: list[tuple[str, str]] = []
    while (token := cursor.peek()) is not None:
        if not token.quoted and token.text.lower() in ATTR_LIST_KEYWORDS:
            break
        key, sep, value = token.text.partition("=")
        if not sep or not key:
            raise p.error(
                f"op {name}: attribute without a value", token, "name=value, such as interval=10s"
            )
        cursor.pos += 1
        if key in _OP_ATTRIBUTES:
            if extra:
                raise p.error(f"{key} must come before the operation's parameters", token, None)
            attributes[key] = (value, token)
        else:
            extra.append((key, value))
    # crmsh prints an op's attributes as typed, a missing interval (0) last
    written = (*attributes, *(() if "interval" in attributes else ("interval",)))
    interval = attributes.pop("interval")[0] if "interval" in attributes else "0"
    op_id = p.ids.child(prefix, f"{name}-{interval}")
    instance: list[NvSetItem] = []
    meta: list[NvSetItem] = []
    if extra:
        set_id = p.ids.child(op_id, "instance_attributes")
        pairs = tuple(NvPair(p.ids.child(set_id, k), k, v) for k, v in extra)
        instance.append(NvSet(set_id, pairs))
    while (keyword := cursor.take_keyword("op_params", "op_meta")) is not None:
        if keyword.text.lower() == "op_params":
            instance.append(p.attr_list(op_id, "instance_attributes"))
        else:
            meta.append(p.attr_list(op_id, "meta_attributes"))
    return Op(
        op_id,
        name,
        interval,
        timeout=_text(attributes, "timeout"),
        description=_text(attributes, "description"),
        start_delay=_text(attributes, "start-delay"),
        interval_origin=_text(attributes, "interval-origin"),
        enabled=_boolean(p, attributes, "enabled"),
        record_pending=_boolean(p, attributes, "record-pending"),
        role=_role(p, attributes),
        on_fail=_on_fail(p, attributes),
        instance_attributes=tuple(instance),
        meta_attributes=tuple(meta),
        written=written,
    )


def _text(attributes: dict[str, tuple[str, Token]], key: str) -> str | None:
    found = attributes.get(key)
    return None if found is None else found[0]


def _boolean(p: Parser, attributes: dict[str, tuple[str, Token]], key: str) -> bool | None:
    found = attributes.get(key)
    if found is None:
        return None
    value = parse_bool(found[0])
    if value is None:
        raise p.error(f"{key} must be a boolean", found[1], "true or false")
    return value


def _role(p: Parser, attributes: dict[str, tuple[str, Token]]) -> Role | None:
    found = attributes.get("role")
    return None if found is None else p.role(found[0], found[1])


def _on_fail(p: Parser, attributes: dict[str, tuple[str, Token]]) -> OnFail | None:
    found = attributes.get("on-fail")
    if found is None:
        return None
    try:
        return OnFail(found[0])
    except ValueError:
        choices = ", ".join(item.value for item in OnFail)
        raise p.error(f"unknown on-fail {found[0]!r}", found[1], choices) from None


def _children_end(token: Token) -> bool:
    return "=" in token.text or (not token.quoted and token.text.lower() in ("params", "meta"))


def parse_group(p: Parser) -> GroupDef:
    """``group <id> <rsc> [<rsc> ...] [description=] [meta ...] [params ...]``."""
    cursor = p.cursor
    group_id = p.object_id("group", "a group id")
    children: list[str] = []
    while (token := cursor.peek()) is not None and not _children_end(token):
        cursor.pos += 1
        if token.text in children:
            raise p.error(f"{token.text} is listed twice in the group", token)
        children.append(token.text)
        p.refer(token.text, "group member", token)
    if not children:
        raise p.error("a group needs members", cursor.peek(), "resource ids")
    description = p.description()
    blocks = _blocks(p, group_id, ("params", "meta"), "params")
    cursor.finish("meta or params")
    return GroupDef(
        group_id,
        tuple(children),
        description,
        tuple(blocks.meta_attributes),
        tuple(blocks.instance_attributes),
    )


def parse_clone(p: Parser, legacy_master: bool) -> CloneDef:
    """``clone <id> <rsc> [description=] [meta ...] [params ...]`` (``ms`` likewise)."""
    cursor = p.cursor
    clone_id = p.object_id("ms" if legacy_master else "clone", "a clone id")
    child, child_token = p.identifier("the id of the resource to clone")
    p.refer(child, "cloned resource", child_token)
    description = p.description()
    blocks = _blocks(p, clone_id, ("params", "meta"), "params")
    cursor.finish("meta or params")
    return CloneDef(
        clone_id,
        child,
        description,
        tuple(blocks.meta_attributes),
        tuple(blocks.instance_attributes),
        legacy_master,
    )


def parse_monitor(p: Parser) -> MonitorDef:
    """``monitor <rsc>[:<role>] <interval>[:<timeout>]``."""
    cursor = p.cursor
    target = cursor.take("<rsc>[:<role>]")
    rsc, _, role_text = target.text.partition(":")
    cursor.context = f"monitor {rsc}"
    role = p.role(role_text, target) if role_text else None
    timing = cursor.take("<interval>[:<timeout>]")
    interval, _, timeout = timing.text.partition(":")
    if not interval:
        raise p.error("missing interval", timing, "<interval>[:<timeout>] such as 60s:30s")
    cursor.finish("nothing after the interval")
    p.refer(rsc, "monitored resource", target)
    op = Op(
        p.ids.child(rsc, f"monitor-{interval}"), "monitor", interval, timeout or None, role=role
    )
    return MonitorDef(rsc, op)
