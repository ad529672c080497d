"""crm configure text to statements: ``parse(text, file)``.

Each statement is read by the function for its keyword; ids the text does not
give are made as the crm shell makes them (``paceline.crm.ids``). Errors are
``ConfigError`` naming file, line and column, the offending word and what was
expected there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from paceline.cib.model import FencingLevel, NvSet, NvSetRef, Tag
from paceline.core.errors import ConfigError
from paceline.crm import acl, lexer
from paceline.crm.build import flatten
from paceline.crm.cursor import Cursor
from paceline.crm.grammar import Parser
from paceline.crm.ids import IdAllocator
from paceline.crm.migrate import Notice, NoticeKind
from paceline.crm.parse_alert import parse_alert
from paceline.crm.parse_bundle import parse_bundle
from paceline.crm.parse_constraints import (
    parse_colocation,
    parse_location,
    parse_order,
    parse_ticket,
)
from paceline.crm.parse_resources import (
    parse_clone,
    parse_group,
    parse_monitor,
    parse_node,
    parse_primitive,
)
from paceline.crm.statements import (
    Definition,
    FencingDef,
    PropertiesDef,
    Section,
    Statement,
    StatementKind,
    Where,
    ids_of,
    with_comments,
)
from paceline.crm.xmlform import from_xml

__all__ = ["DEFAULT_SET_IDS", "named", "parse", "parse_raw", "parse_statement"]

DEFAULT_SET_IDS = {
    Section.CRM_CONFIG: "cib-bootstrap-options",
    Section.RSC_DEFAULTS: "rsc-options",
    Section.OP_DEFAULTS: "op-options",
}

_SET_ID_RE = re.compile(r"\$id=(.+)", re.IGNORECASE)
_SET_ID_NEW_RE = re.compile(r"([\w.-]+):")
_SET_REF_RE = re.compile(r"\$id-ref=(.+)", re.IGNORECASE)
_TARGET_ATTR_RE = re.compile(r"attr:([\w-]+)=([\w-]+)", re.IGNORECASE)
_TARGET_PATTERN_RE = re.compile(r"pattern:(.+)", re.IGNORECASE)
_TARGET_RE = re.compile(r"([^:]+):")
_TAG_RE = re.compile(r"([a-zA-Z_][^\s:]*):?")

_SECTIONS = {
    "property": (Section.CRM_CONFIG, StatementKind.PROPERTY),
    "rsc_defaults": (Section.RSC_DEFAULTS, StatementKind.RSC_DEFAULTS),
    "op_defaults": (Section.OP_DEFAULTS, StatementKind.OP_DEFAULTS),
}


def parse(text: str, file: str | None = None, *, taken_ids: Iterable[str] = ()) -> list[Statement]:
    """Parse crm configure text into statements, in the order written.

    ``taken_ids`` are ids already used in the CIB the statements will go to,
    so that made-up ids do not collide with them. Raises ``ConfigError``
    (with file, line and column) on the first error.
    """
    return parse_raw(lexer.tokenize(text, file), taken_ids=taken_ids)


def parse_raw(
    raws: Iterable[lexer.Statement],
    *,
    taken_ids: Iterable[str] = (),
    ids: IdAllocator | None = None,
) -> list[Statement]:
    """:func:`parse` of text the lexer has already cut into statements; ``ids``
    (instead of ``taken_ids``): the allocator to make ids with."""
    if ids is None:
        ids = IdAllocator(taken_ids)
    out: list[Statement] = []
    for raw in raws:
        if raw.tokens[0].text == "xml" and len(raw.tokens) == 2 and raw.tokens[1].quoted:
            out.extend(_xml_statements(raw, ids))
        else:
            out.append(_statement(raw, ids))
    return out


def _xml_statements(raw: lexer.Statement, ids: IdAllocator) -> list[Statement]:
    """``xml <element .../>``: the objects the element holds (a group and its members...)."""
    body = raw.tokens[1]
    where = Where(raw.file, raw.tokens[0].line, raw.tokens[0].column)
    config = from_xml(body.text, file=raw.file, line=body.line)
    statements = []
    comments, notices = storable_comments(raw)  # they go with the first object
    for statement in flatten(config):
        for ident in dict.fromkeys(ids_of(statement)):
            own_namespace = (StatementKind.FENCING_TOPOLOGY, StatementKind.NODE)
            if statement.kind in own_namespace and ident == statement.id:
                continue
            if not ids.claim(ident) and not isinstance(statement.definition, PropertiesDef):
                raise ConfigError(
                    f"xml: id {ident!r} is already in use",
                    file=where.file,
                    line=where.line,
                    column=where.column,
                    text=ident,
                )
        definition = with_comments(statement.definition, comments)
        statements.append(
            replace(
                statement,
                definition=definition,
                where=where,
                comments=comments,
                notices=notices,
            )
        )
        comments, notices = (), ()
    return statements


def named(raws: Iterable[lexer.Statement]) -> set[str]:
    """A cheap guess, from the words alone, at the ids and node names statements
    define: the word after the keyword (``$id=``, ``id:`` and ``:type`` taken
    off) and, for property blocks, the default block ids. A caller that needs
    it exact checks the guess against what :func:`parse_raw` returns."""
    out: set[str] = set()
    for raw in raws:
        keyword = raw.tokens[0].text.lower()
        if keyword in _SECTIONS:
            out.add(DEFAULT_SET_IDS[_SECTIONS[keyword][0]])
        for token in raw.tokens[1:3]:
            word = token.text
            found = _SET_ID_RE.fullmatch(word)
            if found is not None:
                out.add(found.group(1))
                continue
            out.add(word.rstrip(":"))
            out.add(word.split(":", 1)[0])
    return out


def parse_statement(
    text: str, file: str | None = None, *, taken_ids: Iterable[str] = ()
) -> Statement:
    """Parse exactly one statement (``primitive vip IPaddr2 params ip=...``)."""
    statements = parse(text, file, taken_ids=taken_ids)
    if len(statements) != 1:
        raise ConfigError(
            f"expected one statement, got {len(statements)}",
            file=file,
            line=statements[1].where.line if len(statements) > 1 else None,
        )
    return statements[0]


def storable_comments(raw: lexer.Statement) -> tuple[tuple[str, ...], tuple[Notice, ...]]:
    """The comment lines before ``raw`` as the CIB can hold them: an XML comment
    cannot contain ``--`` nor end with ``-``, so those are spaced out (and said)."""
    kept: list[str] = []
    notices: list[Notice] = []
    for text in raw.comments:
        storable = text
        while "--" in storable:
            storable = storable.replace("--", "- -")
        if storable.endswith("-"):
            storable += " "
        if storable != text:
            notices.append(
                Notice(
                    NoticeKind.SUBSTITUTED,
                    f"comment {text!r} stored as {storable!r}",
                    "an XML comment cannot hold '--' or end with '-'",
                    raw.file,
                    raw.line,
                )
            )
        kept.append(storable)
    return tuple(kept), tuple(notices)


def _statement(raw: lexer.Statement, ids: IdAllocator) -> Statement:
    cursor = Cursor(raw)
    keyword_token = cursor.take("a statement")
    keyword = keyword_token.text.lower()
    p = Parser(cursor, ids)
    reader = _READERS.get(keyword)
    if reader is None:
        raise p.error(f"unknown statement {keyword_token.text!r}", keyword_token, _KNOWN)
    kind, definition, ident = reader(p)
    comments, changed = storable_comments(raw)
    return Statement(
        kind,
        ident,
        with_comments(definition, comments),
        cursor.where(keyword_token),
        comments=comments,
        references=tuple(p.references),
        notices=(*changed, *p.notices),
        pair_lines=tuple(p.pair_lines),
    )


_Read = tuple[StatementKind, Definition, str]


def _node(p: Parser) -> _Read:
    node = parse_node(p)
    return StatementKind.NODE, node, node.id


def _primitive(p: Parser) -> _Read:
    rsc = parse_primitive(p, template=False)
    return StatementKind.PRIMITIVE, rsc, rsc.id


def _template(p: Parser) -> _Read:
    rsc = parse_primitive(p, template=True)
    return StatementKind.RSC_TEMPLATE, rsc, rsc.id


def _group(p: Parser) -> _Read:
    group = parse_group(p)
    return StatementKind.GROUP, group, group.id


def _clone(p: Parser) -> _Read:
    clone = parse_clone(p, legacy_master=False)
    return StatementKind.CLONE, clone, clone.id


def _ms(p: Parser) -> _Read:
    clone = parse_clone(p, legacy_master=True)
    return StatementKind.MS, clone, clone.id


def _location(p: Parser) -> _Read:
    loc = parse_location(p)
    return StatementKind.LOCATION, loc, loc.id


def _colocation(p: Parser) -> _Read:
    col = parse_colocation(p)
    return StatementKind.COLOCATION, col, col.id


def _order(p: Parser) -> _Read:
    order = parse_order(p)
    return StatementKind.ORDER, order, order.id


def _ticket(p: Parser) -> _Read:
    ticket = parse_ticket(p)
    return StatementKind.RSC_TICKET, ticket, ticket.id


def _properties(keyword: str) -> Callable[[Parser], _Read]:
    section, kind = _SECTIONS[keyword]

    def read(p: Parser) -> _Read:
        """``property [<set-id>:|$id=<set-id>|$id-ref=<id>] [rule ...] <name>=<value> ...``."""
        cursor = p.cursor
        cursor.context = keyword
        spec = cursor.peek()
        set_id: str | None = None
        if (found := cursor.take_match(_SET_REF_RE)) is not None and spec is not None:
            p.refer(found.group(1), keyword, spec)
            cursor.finish("nothing after $id-ref")
            return kind, PropertiesDef(section, NvSetRef(found.group(1))), found.group(1)
        found = cursor.take_match(_SET_ID_RE) or cursor.take_match(_SET_ID_NEW_RE)
        if found is not None:
            set_id = p.check_id(found.group(1), spec)
        if set_id is None:
            set_id = DEFAULT_SET_IDS[section]
        p.ids.claim(set_id)  # repeated blocks merge: a second claim is no error
        cursor.context = f"{keyword} {set_id}"
        rule = p.single_rule(set_id)
        pairs = p.nvpairs(set_id)
        cursor.finish("name=value pairs")
        return kind, PropertiesDef(section, NvSet(set_id, pairs, rule=rule)), set_id

    return read


def _fencing(p: Parser) -> _Read:
    """``fencing_topology [<target>: | attr:<n>=<v> | pattern:<re>] <dev>[,<dev>] ...``."""
    cursor = p.cursor
    cursor.context = "fencing_topology"
    levels: list[FencingLevel] = []
    untargeted: list[tuple[str, ...]] = []
    target: tuple[str | None, str | None, str | None, str | None] | None = None
    counters: dict[tuple[str | None, str | None, str | None, str | None], int] = {}
    while (token := cursor.peek()) is not None:
        cursor.pos += 1
        if (found := _TARGET_ATTR_RE.fullmatch(token.text)) is not None:
            target = (None, None, found.group(1), found.group(2))
        elif (found := _TARGET_PATTERN_RE.fullmatch(token.text)) is not None:
            target = (None, found.group(1), None, None)
        elif (found := _TARGET_RE.fullmatch(token.text)) is not None:
            target = (found.group(1), None, None, None)
        else:
            devices = tuple(token.text.split(","))
            if any(not device for device in devices):
                raise p.error("empty device name", token, "<device>[,<device>...]")
            if target is None:
                if levels:
                    raise p.error("devices without a target", token, "<target>: first")
                untargeted.append(devices)
                continue
            if untargeted:
                raise p.error("mixed targeted and untargeted levels", token)
            index = counters.get(target, 0) + 1
            counters[target] = index
            if index > 9:
                raise p.error("more than 9 fencing levels for one target", token, "at most 9")
            levels.append(
                FencingLevel(
                    p.ids.new("fencing"),
                    index,
                    devices,
                    target=target[0],
                    target_pattern=target[1],
                    target_attribute=target[2],
                    target_value=target[3],
                )
            )
    # a bare 'fencing_topology' is how crmsh shows an empty topology: no levels
    return (
        StatementKind.FENCING_TOPOLOGY,
        FencingDef(tuple(levels), tuple(untargeted)),
        "fencing_topology",
    )


def _bundle(p: Parser) -> _Read:
    bundle = parse_bundle(p)
    return StatementKind.BUNDLE, bundle, bundle.id


def _monitor(p: Parser) -> _Read:
    monitor = parse_monitor(p)
    return StatementKind.MONITOR, monitor, monitor.op.id


def _role(p: Parser) -> _Read:
    role = acl.parse_role(p)
    return StatementKind.ROLE, role, role.id


def _acl_target(p: Parser) -> _Read:
    target = acl.parse_target(p)
    return StatementKind.ACL_TARGET, target, target.id


def _acl_group(p: Parser) -> _Read:
    group = acl.parse_group(p)
    return StatementKind.ACL_GROUP, group, group.id


def _alert(p: Parser) -> _Read:
    alert = parse_alert(p)
    return StatementKind.ALERT, alert, alert.id


def _tag(p: Parser) -> _Read:
    """``tag <tag>[:] <rsc> [<rsc> ...]``."""
    cursor = p.cursor
    token = cursor.peek()
    found = cursor.expect_match(_TAG_RE, "a tag name")
    assert token is not None
    tag_id = p.claim(found.group(1), token)
    cursor.context = f"tag {tag_id}"
    refs: list[str] = []
    while (member := cursor.peek()) is not None:
        cursor.pos += 1
        refs.append(member.text)
        p.refer(member.text, "tagged object", member)
    if not refs:
        raise p.error("a tag needs members", None, "resource or constraint ids")
    return StatementKind.TAG, Tag(tag_id, tuple(refs)), tag_id


_READERS: dict[str, Callable[[Parser], _Read]] = {
    "node": _node,
    "primitive": _primitive,
    "rsc_template": _template,
    "group": _group,
    "clone": _clone,
    "ms": _ms,
    "master": _ms,
    "location": _location,
    "colocation": _colocation,
    "collocation": _colocation,
    "order": _order,
    "rsc_ticket": _ticket,
    "property": _properties("property"),
    "rsc_defaults": _properties("rsc_defaults"),
    "op_defaults": _properties("op_defaults"),
    "fencing_topology": _fencing,
    "fencing-topology": _fencing,
    "tag": _tag,
    "alert": _alert,
    "monitor": _monitor,
    "bundle": _bundle,
    "role": _role,
    "acl_target": _acl_target,
    "user": _acl_target,
    "acl_group": _acl_group,
}
_ALIASES = {"collocation", "master", "fencing-topology", "user"}
_KNOWN = ", ".join(sorted(set(_READERS) - _ALIASES))
KEYWORDS: tuple[str, ...] = (*_READERS, "xml")
"""Every word that opens a statement (aliases included): the CLI's configure keywords."""
ALIASES = frozenset(_ALIASES)
