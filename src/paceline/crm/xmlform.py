"""``xml <...>`` statements: objects crm syntax cannot express, written as CIB XML.

The crm shell falls back to ``xml`` for an object its syntax cannot carry
(an order with ``require-all``, a colocation with ``influence``, a scored
property block, a bundle...). ``to_xml`` renders a model object that way;
``from_xml`` reads such a statement back through the CIB codec, so nothing
of a configuration is lost between ``show`` and ``load``.
"""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec import cib_from_element, configuration_to_element, parse_element
from paceline.cib.model import (
    AclGroup,
    AclRole,
    AclTarget,
    Alert,
    Bundle,
    Clone,
    Colocation,
    Configuration,
    FencingLevel,
    Group,
    Location,
    Node,
    NvSetItem,
    Order,
    Primitive,
    Template,
    Ticket,
)
from paceline.core.errors import ConfigError

__all__ = ["XmlObject", "from_xml", "to_xml"]

XmlObject = (
    Node
    | Primitive
    | Template
    | Group
    | Clone
    | Bundle
    | Location
    | Colocation
    | Order
    | Ticket
    | Alert
    | AclRole
    | AclTarget
    | AclGroup
)

_SECTION_OF_TAG = {
    "node": "nodes",
    "primitive": "resources",
    "template": "resources",
    "group": "resources",
    "clone": "resources",
    "master": "resources",
    "bundle": "resources",
    "rsc_location": "constraints",
    "rsc_colocation": "constraints",
    "rsc_order": "constraints",
    "rsc_ticket": "constraints",
    "cluster_property_set": "crm_config",
    "tag": "tags",
    "alert": "alerts",
    "acl_role": "acls",
    "acl_target": "acls",
    "acl_user": "acls",
    "acl_group": "acls",
    "rsc_defaults": None,
    "op_defaults": None,
    "fencing-topology": None,
}


def _render(el: etree._Element) -> str:
    text = etree.tostring(el, pretty_print=True, encoding="unicode")
    lines = [line for line in text.split("\n") if line]
    return "xml " + " \\\n".join(lines)


def to_xml(obj: XmlObject) -> str:
    """The ``xml <...>`` statement for one object (a container with its children)."""
    if isinstance(obj, Node):
        cfg = Configuration(nodes=(obj,))
    elif isinstance(obj, Template):
        cfg = Configuration(templates=(obj,))
    elif isinstance(obj, Primitive | Group | Clone | Bundle):
        cfg = Configuration(resources=(obj,))
    elif isinstance(obj, Location | Colocation | Order | Ticket):
        cfg = Configuration(constraints=(obj,))
    elif isinstance(obj, Alert):
        cfg = Configuration(alerts=(obj,))
    else:
        cfg = Configuration(acls=(obj,))
    root = configuration_to_element(cfg)
    found = root.xpath("./*/*[@id=$ident]", ident=obj.id)
    assert isinstance(found, list) and found and isinstance(found[0], etree._Element)
    return _render(found[0])


def section_to_xml(section: str, blocks: tuple[NvSetItem, ...]) -> str:
    """A property block as XML: ``crm_config`` blocks bare, defaults in their wrapper."""
    cfg = Configuration(**{section: blocks})  # type: ignore[arg-type]
    root = configuration_to_element(cfg)
    el = root.find(section)
    assert el is not None
    if section == "crm_config":
        return _render(el[0])
    return _render(el)


def fencing_to_xml(levels: tuple[FencingLevel, ...]) -> str:
    root = configuration_to_element(Configuration(fencing_topology=levels))
    el = root.find("fencing-topology")
    assert el is not None
    return _render(el)


def from_xml(text: str, *, file: str | None, line: int) -> Configuration:
    """Read the XML of an ``xml`` statement (starting on ``line``) as a configuration
    holding just that object; errors name the line in the file."""
    try:
        el = parse_element(text, file=file)
    except ConfigError as err:
        raise _shift(err, file, line) from None
    tag = str(el.tag)
    if tag == "meta_attributes":
        raise ConfigError(
            "xml: a bare <meta_attributes> does not say whether it is rsc_defaults or op_defaults",
            file=file,
            line=line,
            text=f"<{tag}>",
            expected="<rsc_defaults><meta_attributes ...>...</rsc_defaults> (or <op_defaults>)",
        )
    if tag not in _SECTION_OF_TAG:
        raise ConfigError(
            f"xml: <{tag}> is not a configuration object",
            file=file,
            line=line,
            text=f"<{tag}>",
            expected="<primitive>, <rsc_order>, <node>, <bundle>, <rsc_defaults>, ...",
        )
    root = etree.fromstring(
        '<cib validate-with="pacemaker-3.9" admin_epoch="0" epoch="0" num_updates="0">'
        "<configuration><crm_config/><nodes/><resources/><constraints/></configuration></cib>"
    )
    configuration = root[0]
    section_name = _SECTION_OF_TAG[tag]
    if section_name is None:
        configuration.append(el)
    else:
        section = configuration.find(section_name)
        if section is None:
            section = etree.SubElement(configuration, section_name)
        section.append(el)
    try:
        return cib_from_element(root, file=file).configuration
    except ConfigError as err:
        raise _shift(err, file, line) from None


def _shift(err: ConfigError, file: str | None, line: int) -> ConfigError:
    """The error with its line counted from the start of the file, not of the XML."""
    return ConfigError(
        err.message,
        file=file,
        line=line + (err.line - 1 if err.line is not None else 0),
        column=err.column,
        field=err.field,
        text=err.text,
        expected=err.expected,
    )
