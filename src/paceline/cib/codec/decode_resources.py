"""Decoding of ``<resources>``: primitives, templates, groups, clones, bundles."""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec.decode_rules import NvSetChildren, opt_role
from paceline.cib.codec.reader import Context, Reader, inner_comments, with_comments
from paceline.cib.model.attributes import CONTAINER, NETWORK, PORT_MAPPING, STORAGE_MAPPING
from paceline.cib.model.enums import AgentClass, ContainerEngine, OnFail
from paceline.cib.model.resources import (
    Bundle,
    BundleNetwork,
    Clone,
    Container,
    Group,
    Op,
    PortMapping,
    Primitive,
    Resource,
    StorageMapping,
    Template,
)
from paceline.cib.model.rules import NvPair, NvSet, NvSetItem

# Nested resources that own their comments (see ``reader.inner_comments``).
_PRIMITIVE = frozenset({"primitive"})
_CLONED = frozenset({"primitive", "group"})


def decode_resources(
    ctx: Context, el: etree._Element
) -> tuple[tuple[Resource, ...], tuple[Template, ...]]:
    r = Reader(ctx, el)
    r.done()
    resources: list[Resource] = []
    templates: list[Template] = []
    for child in r.children():
        if child.tag == "template":
            templates.append(_decode_template(ctx, child))
        else:
            resources.append(decode_resource(ctx, r, child))
    return tuple(resources), tuple(templates)


def decode_resource(ctx: Context, parent: Reader, el: etree._Element) -> Resource:
    tag = el.tag
    if tag == "primitive":
        return decode_primitive(ctx, el)
    if tag == "group":
        return _decode_group(ctx, el)
    if tag in ("clone", "master"):
        return _decode_clone(ctx, el)
    if tag == "bundle":
        return _decode_bundle(ctx, el)
    raise parent.unknown_child(
        el, "<primitive>, <group>, <clone>, <master>, <bundle> or <template>"
    )


def _agent_class(r: Reader) -> AgentClass | None:
    return r.opt_enum("class", AgentClass)


def decode_primitive(ctx: Context, el: etree._Element) -> Primitive:
    r = Reader(ctx, el)
    rsc_id = r.req("id")
    agent_class = _agent_class(r)
    provider = r.opt("provider")
    agent_type = r.opt("type")
    template = r.opt("template")
    description = r.opt("description")
    r.done()
    if template is None and (agent_class is None or agent_type is None):
        raise r.missing("class and type, or template")
    body = _decode_body(ctx, r, rsc_id)
    rsc = Primitive(rsc_id, agent_class, provider, agent_type, template, description, *body)
    return with_comments(rsc, inner_comments(el))


def _decode_template(ctx: Context, el: etree._Element) -> Template:
    r = Reader(ctx, el)
    rsc_id = r.req("id")
    agent_class = _agent_class(r)
    agent_type = r.opt("type")
    provider = r.opt("provider")
    description = r.opt("description")
    r.done()
    if agent_class is None or agent_type is None:
        raise r.missing("class and type")
    body = _decode_body(ctx, r, rsc_id)
    rsc = Template(rsc_id, agent_class, agent_type, provider, description, *body)
    return with_comments(rsc, inner_comments(el))


_Body = tuple[
    tuple[NvSetItem, ...],
    tuple[NvSetItem, ...],
    tuple[NvSetItem, ...],
    tuple[Op, ...],
    str | None,
    str | None,
]


def _decode_body(ctx: Context, r: Reader, rsc_id: str) -> _Body:
    """The children of a primitive or template: (meta, instance, utilization,
    ops, operations id, operations id-ref)."""
    extras = NvSetChildren()
    ops: tuple[Op, ...] = ()
    ops_id: str | None = None
    ops_ref: str | None = None
    seen_ops = False
    for child in r.children():
        if extras.take(ctx, child, utilization=True):
            continue
        if child.tag != "operations":
            raise r.unknown_child(
                child, "<meta_attributes>, <instance_attributes>, <utilization> or <operations>"
            )
        if seen_ops:
            raise r.duplicate(child)
        seen_ops = True
        ops, ops_id, ops_ref, requires = _decode_operations(ctx, child)
        if requires is not None:
            # Pacemaker < 3.0 allowed ``requires`` on an op; its upgrade
            # (upgrade-2.10.xsl) moves the one of a start or promote op to
            # the resource's meta attributes and drops the others.
            set_id = f"{rsc_id}-meta_attributes-requires"
            pair = NvPair(f"{set_id}-requires", "requires", requires)
            extras.meta.append(NvSet(set_id, (pair,)))
    return (
        tuple(extras.meta),
        tuple(extras.instance),
        tuple(extras.utilization),
        ops,
        ops_id,
        ops_ref,
    )


def _decode_operations(
    ctx: Context, el: etree._Element
) -> tuple[tuple[Op, ...], str | None, str | None, str | None]:
    r = Reader(ctx, el)
    ops_id = r.opt("id")
    ops_ref = r.opt("id-ref")
    r.done()
    ops: list[Op] = []
    requires: str | None = None
    for child in r.only("op"):
        op, op_requires = _decode_op(ctx, child)
        ops.append(op)
        if requires is None and op.name in ("start", "promote"):
            requires = op_requires
    return tuple(ops), ops_id, ops_ref, requires


def _decode_op(ctx: Context, el: etree._Element) -> tuple[Op, str | None]:
    r = Reader(ctx, el)
    op_id = r.req("id")
    name = r.req("name")
    interval = r.req("interval")
    timeout = r.opt("timeout")
    description = r.opt("description")
    start_delay = r.opt("start-delay")
    interval_origin = r.opt("interval-origin")
    enabled = r.opt_bool("enabled")
    record_pending = r.opt_bool("record-pending")
    role = opt_role(r, "role")
    on_fail = r.opt_enum("on-fail", OnFail)
    requires = r.opt("requires")
    r.done()
    extras = NvSetChildren()
    for child in r.children():
        if not extras.take(ctx, child):
            raise r.unknown_child(child, "<meta_attributes> or <instance_attributes>")
    op = Op(
        op_id,
        name,
        interval,
        timeout,
        description,
        start_delay,
        interval_origin,
        enabled,
        record_pending,
        role,
        on_fail,
        tuple(extras.meta),
        tuple(extras.instance),
    )
    return op, requires


def _decode_group(ctx: Context, el: etree._Element) -> Group:
    r = Reader(ctx, el)
    rsc_id = r.req("id")
    description = r.opt("description")
    r.done()
    extras = NvSetChildren()
    children: list[Primitive] = []
    for child in r.children():
        if extras.take(ctx, child):
            continue
        if child.tag != "primitive":
            raise r.unknown_child(child, "<primitive>, <meta_attributes> or <instance_attributes>")
        children.append(decode_primitive(ctx, child))
    if not children:
        raise r.missing("at least one <primitive>")
    group = Group(rsc_id, tuple(children), description, tuple(extras.meta), tuple(extras.instance))
    return with_comments(group, inner_comments(el, _PRIMITIVE))


def _decode_clone(ctx: Context, el: etree._Element) -> Clone:
    r = Reader(ctx, el)
    rsc_id = r.req("id")
    description = r.opt("description")
    r.done()
    extras = NvSetChildren()
    child_rsc: Primitive | Group | None = None
    for child in r.children():
        if extras.take(ctx, child):
            continue
        if child.tag not in ("primitive", "group"):
            raise r.unknown_child(
                child, "<primitive>, <group>, <meta_attributes> or <instance_attributes>"
            )
        if child_rsc is not None:
            raise r.duplicate(child)
        child_rsc = (
            decode_primitive(ctx, child) if child.tag == "primitive" else _decode_group(ctx, child)
        )
    if child_rsc is None:
        raise r.missing("a <primitive> or <group>")
    clone = Clone(
        rsc_id,
        child_rsc,
        description,
        tuple(extras.meta),
        tuple(extras.instance),
        legacy_master=el.tag == "master",
    )
    return with_comments(clone, inner_comments(el, _CLONED))


def _decode_bundle(ctx: Context, el: etree._Element) -> Bundle:
    r = Reader(ctx, el)
    rsc_id = r.req("id")
    description = r.opt("description")
    r.done()
    extras = NvSetChildren()
    container: Container | None = None
    network: BundleNetwork | None = None
    storage: tuple[StorageMapping, ...] | None = None
    primitive: Primitive | None = None
    for child in r.children():
        if extras.take(ctx, child):
            continue
        tag = child.tag
        if tag in ("docker", "rkt", "podman"):
            if container is not None:
                raise r.duplicate(child)
            container = _decode_container(ctx, child)
        elif tag == "network":
            if network is not None:
                raise r.duplicate(child)
            network = _decode_network(ctx, child)
        elif tag == "storage":
            if storage is not None:
                raise r.duplicate(child)
            storage = _decode_storage(ctx, child)
        elif tag == "primitive":
            if primitive is not None:
                raise r.duplicate(child)
            primitive = decode_primitive(ctx, child)
        else:
            raise r.unknown_child(
                child, "<docker>, <rkt>, <podman>, <network>, <storage> or <primitive>"
            )
    if container is None:
        raise r.missing("a <docker>, <rkt> or <podman> element")
    bundle = Bundle(
        rsc_id,
        container,
        description,
        tuple(extras.meta),
        tuple(extras.instance),
        network,
        storage,
        primitive,
    )
    return with_comments(bundle, inner_comments(el, _PRIMITIVE))


def _decode_container(ctx: Context, el: etree._Element) -> Container:
    r = Reader(ctx, el)
    container = Container(ContainerEngine(str(el.tag)), **r.table(CONTAINER))
    r.done()
    r.no_children()
    return container


def _decode_network(ctx: Context, el: etree._Element) -> BundleNetwork:
    r = Reader(ctx, el)
    own = r.table(NETWORK)
    r.done()
    mappings: list[PortMapping] = []
    for child in r.only("port-mapping"):
        c = Reader(ctx, child)
        mappings.append(PortMapping(**c.table(PORT_MAPPING)))
        c.done()
        c.no_children()
    return BundleNetwork(**own, port_mappings=tuple(mappings))


def _decode_storage(ctx: Context, el: etree._Element) -> tuple[StorageMapping, ...]:
    r = Reader(ctx, el)
    r.done()
    mappings: list[StorageMapping] = []
    for child in r.only("storage-mapping"):
        c = Reader(ctx, child)
        mappings.append(StorageMapping(**c.table(STORAGE_MAPPING)))
        c.done()
        c.no_children()
    return tuple(mappings)
