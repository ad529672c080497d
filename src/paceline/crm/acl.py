"""ACL statements: ``role``, ``acl_target`` (alias ``user``) and ``acl_group``.

``role <id> [description=] (read|write|deny) [<perm-id>:] [description=] <spec> ... ...``
where a spec is ``xpath:<xpath>``, ``ref:<id>``, ``type:<element>`` [``attr:<name>``],
or a shortcut that stands for an xpath, as crmsh writes them:
``meta:<rsc>[:<name>]``, ``params:<rsc>[:<name>]``, ``utilization:<rsc>``,
``location:<rsc>``, ``property[:<name>]``, ``nodeattr[:<name>]``,
``nodeutil[:<node>]``, ``node[:<node>]``, ``status``, ``cib``.
``acl_target <id> <role> ...`` and ``acl_group <id> <role> ...`` give roles.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from paceline.cib.model import AclGroup, AclKind, AclPermission, AclRole, AclTarget
from paceline.crm.grammar import Parser
from paceline.crm.lexer import Token

__all__ = ["SHORTCUTS", "format_permission", "parse_group", "parse_role", "parse_target"]

SHORTCUTS: dict[str, tuple[str, ...]] = {
    "meta": ("//primitive[@id='@@']/meta_attributes", "/nvpair[@name='@@']"),
    "params": ("//primitive[@id='@@']/instance_attributes", "/nvpair[@name='@@']"),
    "utilization": ("//primitive[@id='@@']/utilization",),
    "location": ("//rsc_location[@id='cli-prefer-@@' and @rsc='@@']",),
    "property": ("//crm_config/cluster_property_set", "/nvpair[@name='@@']"),
    "nodeattr": ("//nodes/node/instance_attributes", "/nvpair[@name='@@']"),
    "nodeutil": ("//nodes/node/utilization", "[@uname='@@']"),
    "node": ("//nodes/node", "[@uname='@@']"),
    "status": ("/cib/status",),
    "cib": ("/cib",),
}
"""crmsh's xpath shortcuts: each part's ``@@`` takes one ``:``-separated argument."""

_SPECS = {
    "xpath": "xpath",
    "ref": "reference",
    "reference": "reference",
    "tag": "object_type",
    "type": "object_type",
    "attr": "attribute",
    "attribute": "attribute",
}
_KINDS = tuple(kind.value for kind in AclKind)
_PERM_ID_RE = re.compile(r"([\w.-]+):")


def _expand(p: Parser, token: Token, name: str, args: list[str]) -> str:
    """The xpath a shortcut stands for: each ``@@`` part takes the next argument;
    parts after the last argument are left out (``meta:rsc`` is the whole block)."""
    parts = SHORTCUTS[name]
    holes = sum("@@" in part for part in parts)
    if len(args) > holes:
        raise p.error(f"too many arguments to {name}", token, f"at most {holes}")
    if holes and parts[0].count("@@") and not args:
        raise p.error(f"{name} needs an argument", token, f"{name}:<id>")
    xpath = ""
    remaining = list(args)
    for part in parts:
        if "@@" not in part:
            xpath += part
        elif remaining:
            xpath += part.replace("@@", remaining.pop(0))
        else:
            break
    return xpath


def _permission(p: Parser, role_id: str, kind: Token) -> list[AclPermission]:
    cursor = p.cursor
    explicit: str | None = None
    id_token = cursor.peek()
    if (found := cursor.take_match(_PERM_ID_RE)) is not None and id_token is not None:
        if found.group(1) not in SHORTCUTS and found.group(1) not in _SPECS:
            explicit = p.claim(found.group(1), id_token)
        else:
            cursor.pos -= 1
    description = p.description()
    specs: dict[str, str] = {}
    while (token := cursor.peek()) is not None and not cursor.peek_keyword(*_KINDS):
        name, _, value = token.text.partition(":")
        if name in _SPECS and value:
            specs[_SPECS[name]] = value
        elif name in SHORTCUTS:
            specs["xpath"] = _expand(p, token, name, value.split(":") if value else [])
        else:
            break
        cursor.pos += 1
    if not specs:
        raise p.error(
            f"{kind.text} needs what it applies to",
            cursor.peek(),
            "xpath:, ref:, type: or a shortcut",
        )
    if "attribute" in specs and "object_type" not in specs:
        raise p.error("attr: needs type:", kind, "type:<element> attr:<name>")
    out: list[AclPermission] = []
    for target in ("xpath", "reference", "object_type"):
        if target not in specs:
            continue
        ident = explicit if explicit is not None and not out else p.ids.new(role_id)
        attribute = specs.get("attribute") if target == "object_type" else None
        out.append(
            AclPermission(
                ident,
                AclKind(kind.text.lower()),
                xpath=specs.get("xpath") if target == "xpath" else None,
                reference=specs.get("reference") if target == "reference" else None,
                object_type=specs.get("object_type") if target == "object_type" else None,
                attribute=attribute,
                description=description,
            )
        )
    return out


def parse_role(p: Parser) -> AclRole:
    cursor = p.cursor
    role_id = p.object_id("role", "a role id")
    description = p.description()
    permissions: list[AclPermission] = []
    while (kind := cursor.take_keyword(*_KINDS)) is not None:
        permissions.extend(_permission(p, role_id, kind))
    cursor.finish("read, write or deny")
    return AclRole(role_id, tuple(permissions), description)


def _roles(p: Parser) -> tuple[str, ...]:
    roles: list[str] = []
    while not p.cursor.at_end():
        name, token = p.identifier("a role id")
        name = name.removeprefix("role:")
        p.refer(name, "acl role", token)
        roles.append(name)
    return tuple(roles)


def parse_target(p: Parser) -> AclTarget:
    ident = p.object_id("acl_target", "a user name")
    return AclTarget(ident, _roles(p))


def parse_group(p: Parser) -> AclGroup:
    ident = p.object_id("acl_group", "a group name")
    return AclGroup(ident, _roles(p))


def _shortcut(xpath: str) -> str | None:
    """``meta:rsc:attr`` and the like for an xpath one of the shortcuts makes."""
    for name, parts in SHORTCUTS.items():
        patterns = [re.escape(part).replace("@@", r"([a-zA-Z_][a-zA-Z0-9_.-]*)") for part in parts]
        for count in range(1, len(patterns) + 1):
            found = re.fullmatch("".join(patterns[:count]), xpath)
            if found is not None:
                args = list(dict.fromkeys(found.groups()))
                return ":".join([name, *args])
    return None


def format_permission(permission: AclPermission, quote: Callable[[str], str]) -> str:
    """A permission as crmsh 4.4 shows it (``quote`` quotes a value that needs it)."""
    words = [permission.kind.value]
    if permission.description:
        words.append(f"description={quote(permission.description)}")
    if permission.xpath is not None:
        words.append(_shortcut(permission.xpath) or f"xpath:{quote(permission.xpath)}")
    if permission.reference is not None:
        words.append(f"ref:{permission.reference}")
    if permission.attribute is not None:
        words.append(f"attr:{permission.attribute}")
    if permission.object_type is not None:
        words.append(f"type:{permission.object_type}")
    return " ".join(words)
