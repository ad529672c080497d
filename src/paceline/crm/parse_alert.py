"""The ``alert`` statement.

``alert <id> <path> [description=] [attributes ...] [meta ...]
[select nodes|fencing|resources|attributes { <name> ... } ...]
[to [{] <path> [attributes ...] [meta ...] [}]] ...``

Recipients are numbered ``<id>-recipient-1``, ``-2``... as crmsh numbers them.
"""

from __future__ import annotations

from paceline.cib.model import Alert, AlertRecipient, AlertSelect, NvSetItem
from paceline.crm.grammar import Parser

__all__ = ["parse_alert"]

_TERMINATORS = ("attributes", "meta", "to", "select", "}")
_SELECTORS = ("nodes", "fencing", "resources", "attributes")


def _sets(p: Parser, owner: str) -> tuple[list[NvSetItem], list[NvSetItem]]:
    instance: list[NvSetItem] = []
    meta: list[NvSetItem] = []
    while (keyword := p.cursor.take_keyword("attributes", "meta")) is not None:
        if keyword.text.lower() == "attributes":
            instance.append(p.attr_list(owner, "instance_attributes", terminators=_TERMINATORS))
        else:
            meta.append(p.attr_list(owner, "meta_attributes", terminators=_TERMINATORS))
    return instance, meta


def _select(p: Parser, alert_id: str, current: AlertSelect | None) -> AlertSelect:
    cursor = p.cursor
    flags = {"nodes": False, "fencing": False, "resources": False}
    attributes: list[tuple[str, str]] | None = None
    if current is not None:
        flags = {"nodes": current.nodes, "fencing": current.fencing, "resources": current.resources}
        attributes = None if current.attributes is None else list(current.attributes)
    while (token := cursor.take_keyword(*_SELECTORS)) is not None:
        word = token.text.lower()
        if word != "attributes":
            flags[word] = True
            continue
        if cursor.take_keyword("{") is None:
            cursor.pos -= 1  # 'attributes' starts an attribute list, not a selector
            break
        attributes = attributes or []
        while (name := cursor.peek()) is not None and name.text != "}":
            cursor.pos += 1
            attributes.append((p.ids.new(alert_id), name.text))
        if cursor.take_keyword("}") is None:
            raise p.error("unmatched '{'", token, "} after the attribute names")
    return AlertSelect(
        attributes=None if attributes is None else tuple(attributes),
        fencing=flags["fencing"],
        nodes=flags["nodes"],
        resources=flags["resources"],
    )


def parse_alert(p: Parser) -> Alert:
    cursor = p.cursor
    alert_id = p.object_id("alert", "an alert id")
    path = cursor.take("the path of the alert agent").text
    description = p.description()
    instance, meta = _sets(p, alert_id)
    select: AlertSelect | None = None
    recipients: list[AlertRecipient] = []
    while not cursor.at_end():
        if cursor.peek_keyword("attributes", "meta"):
            more_instance, more_meta = _sets(p, alert_id)
            instance += more_instance
            meta += more_meta
        elif cursor.take_keyword("select") is not None:
            select = _select(p, alert_id, select)
        elif (to := cursor.take_keyword("to")) is not None:
            braced = cursor.take_keyword("{")
            value = cursor.take("the recipient (a path or address)").text
            rid = p.claim(f"{alert_id}-recipient-{len(recipients) + 1}", to)
            r_description = p.description()
            r_instance, r_meta = _sets(p, rid)
            if braced is not None and cursor.take_keyword("}") is None:
                raise p.error("unmatched '{'", braced, "} after the recipient")
            recipients.append(
                AlertRecipient(rid, value, r_description, tuple(r_meta), tuple(r_instance))
            )
        else:
            raise p.error("unexpected word", cursor.peek(), "attributes, meta, select or to")
    return Alert(
        alert_id,
        path,
        description,
        tuple(meta),
        tuple(instance),
        select,
        tuple(recipients),
    )
