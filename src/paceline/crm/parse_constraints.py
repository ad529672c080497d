"""The ``location``, ``colocation``, ``order`` and ``rsc_ticket`` statements, with resource sets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeVar

from paceline.cib.model import (
    Action,
    Colocation,
    Discovery,
    Location,
    LossPolicy,
    Order,
    OrderKind,
    ResourceSet,
    ResourceSetItem,
    Role,
    Ticket,
)
from paceline.crm.grammar import Parser, parse_bool
from paceline.crm.lexer import Token
from paceline.crm.migrate import NoticeKind

__all__ = ["parse_colocation", "parse_location", "parse_order", "parse_ticket"]

_PATTERN_RE = re.compile(r"/(.+)/")
_ATTR_RE = re.compile(r"\$?(role|resource-discovery)=(.+)", re.IGNORECASE)
_NODE_ATTRIBUTE_RE = re.compile(r"node-attribute=(.+)", re.IGNORECASE)
_SYMMETRICAL_RE = re.compile(r"symmetrical=(.+)", re.IGNORECASE)
_LOSS_POLICY_RE = re.compile(r"loss-policy=(.+)", re.IGNORECASE)
_KIND_RE = re.compile(r"(mandatory|optional|serialize):", re.IGNORECASE)
_TICKET_RE = re.compile(r"([^:]+):")
_OPEN = ("(", "[")
_CLOSE = {")": "(", "]": "["}
_ACTIONS = {action.value: action for action in Action}


def parse_location(p: Parser) -> Location:
    """``location <id> <rsc>|/<pattern>/|{ <set> } [role=] [resource-discovery=]
    (<score>: <node> | rule ... [rule ...])``."""
    cursor = p.cursor
    loc_id = p.object_id("location", "a constraint id")
    rsc: str | None = None
    pattern: str | None = None
    sets: tuple[ResourceSetItem, ...] = ()
    if (found := cursor.take_match(_PATTERN_RE)) is not None:
        pattern = found.group(1)
    elif (brace := cursor.take_keyword("{")) is not None:
        tokens: list[Token] = []
        while (token := cursor.peek()) is not None and token.text != "}":
            tokens.append(cursor.take("}"))
        if cursor.take_keyword("}") is None:
            raise p.error("unmatched '{'", brace, "} after the resources")
        if not tokens:
            raise p.error("empty resource set", brace, "resources between { and }")
        sets = _resource_sets(p, loc_id, tokens, "role")
    else:
        rsc, rsc_token = p.identifier("a resource id, /pattern/ or { resources }")
        p.refer(rsc, "constrained resource", rsc_token)
    role: Role | None = None
    discovery: Discovery | None = None
    while (token := cursor.peek()) is not None and (found := _ATTR_RE.fullmatch(token.text)):
        cursor.pos += 1
        if found.group(1).lower() == "role":
            role = p.role(found.group(2), token)
        else:
            discovery = _enum(p, Discovery, found.group(2), token, "resource-discovery")
    score_taken = p.take_score()
    if score_taken is not None:
        score = p.numeric_score(*score_taken)
        node, _ = p.identifier("a node name after the score")
        if (token := cursor.peek()) is not None and (found := _ATTR_RE.fullmatch(token.text)):
            cursor.pos += 1  # the old place of role=, after the node
            if found.group(1).lower() == "role" and role is None:
                role = p.role(found.group(2), token)
            else:
                raise p.error("unexpected word", token, "nothing after the node")
        cursor.finish("nothing after the node")
        return Location(
            loc_id,
            rsc=rsc,
            rsc_pattern=pattern,
            resource_sets=sets,
            role=role,
            score=score,
            node=node,
            resource_discovery=discovery,
        )
    rules = p.rules(loc_id)
    if not rules:
        raise p.error("missing placement", cursor.peek(), "<score>: <node> or rule ...")
    cursor.finish("another rule")
    return Location(
        loc_id,
        rsc=rsc,
        rsc_pattern=pattern,
        resource_sets=sets,
        role=role,
        rules=rules,
        resource_discovery=discovery,
    )


def parse_colocation(p: Parser) -> Colocation:
    """``colocation <id> <score>: <rsc>[:<role>] <with-rsc>[:<role>] [node-attribute=]``
    or with resource sets."""
    cursor = p.cursor
    col_id = p.object_id("colocation", "a constraint id")
    taken = p.take_score()
    if taken is None:
        raise p.error("missing score", cursor.peek(), "<score>: such as inf: or 100:")
    score = p.numeric_score(*taken)
    tail = cursor.take_last_match(_NODE_ATTRIBUTE_RE)
    node_attribute = None if tail is None else tail.group(1)
    if _is_simple(cursor.tokens[cursor.pos :], 2):
        (rsc, rsc_role), (with_rsc, with_role) = _simple_roles(p, 2)
        return Colocation(
            col_id,
            score=score,
            rsc=rsc,
            with_rsc=with_rsc,
            rsc_role=rsc_role,
            with_rsc_role=with_role,
            node_attribute=node_attribute,
        )
    sets = _resource_sets(p, col_id, _needs_tokens(p, "<rsc>[:<role>] <rsc>[:<role>]"), "role")
    return Colocation(col_id, score=score, node_attribute=node_attribute, resource_sets=sets)


def parse_order(p: Parser) -> Order:
    """``order <id> [<kind>:|<score>:] <first>[:<action>] <then>[:<action>] [symmetrical=]``
    or with resource sets."""
    cursor = p.cursor
    order_id = p.object_id("order", "a constraint id")
    kind: OrderKind | None = None
    kind_token = cursor.peek()
    if (found := cursor.take_match(_KIND_RE)) is not None:
        kind = OrderKind(found.group(1).capitalize())
    elif (taken := p.take_score()) is not None:
        score = p.score_value(*taken)
        if score is None:
            raise p.error(
                f"unknown order kind {taken[0]!r}",
                taken[1],
                "Mandatory:, Optional:, Serialize: or a score such as inf:",
            )
        kind = OrderKind.OPTIONAL if score.value == 0 else OrderKind.MANDATORY
        p.notice(
            NoticeKind.MODERNIZED,
            f"score {taken[0]} written as kind {kind.value}",
            "the score of an order is deprecated; its kind says the same",
            kind_token,
        )
    symmetrical: bool | None = None
    tail_token = cursor.tokens[-1] if len(cursor.tokens) > cursor.pos else None
    tail = cursor.take_last_match(_SYMMETRICAL_RE)
    if tail is not None:
        symmetrical = parse_bool(tail.group(1))
        if symmetrical is None:
            raise p.error("symmetrical must be a boolean", tail_token, "true or false")
    if _is_simple(cursor.tokens[cursor.pos :], 2):
        (first, first_action), (then, then_action) = _simple_actions(p)
        return Order(
            order_id,
            first=first,
            then=then,
            first_action=first_action,
            then_action=then_action,
            kind=kind,
            symmetrical=symmetrical,
        )
    sets = _resource_sets(
        p, order_id, _needs_tokens(p, "<first>[:<action>] <then>[:<action>]"), "action"
    )
    return Order(order_id, kind=kind, symmetrical=symmetrical, resource_sets=sets)


def parse_ticket(p: Parser) -> Ticket:
    """``rsc_ticket <id> <ticket>: <rsc>[:<role>] ... [loss-policy=]``."""
    cursor = p.cursor
    ticket_id = p.object_id("rsc_ticket", "a constraint id")
    ticket = cursor.expect_match(_TICKET_RE, "<ticket>: the ticket name and a colon").group(1)
    tail_token = cursor.tokens[-1] if len(cursor.tokens) > cursor.pos else None
    tail = cursor.take_last_match(_LOSS_POLICY_RE)
    loss: LossPolicy | None = None
    if tail is not None and tail_token is not None:
        loss = _enum(p, LossPolicy, tail.group(1), tail_token, "loss-policy")
    if _is_simple(cursor.tokens[cursor.pos :], 1):
        ((rsc, role),) = _simple_roles(p, 1)
        return Ticket(ticket_id, ticket, rsc=rsc, rsc_role=role, loss_policy=loss)
    sets = _resource_sets(p, ticket_id, _needs_tokens(p, "<rsc>[:<role>]"), "role")
    return Ticket(ticket_id, ticket, loss_policy=loss, resource_sets=sets)


def _needs_tokens(p: Parser, expected: str) -> list[Token]:
    tokens = p.cursor.rest()
    if not tokens:
        raise p.error("missing resources", None, expected)
    return tokens


def _is_simple(tokens: list[Token], count: int) -> bool:
    return len(tokens) == count and not any(
        t.text[:1] in _OPEN or t.text[-1:] in _CLOSE or "=" in t.text for t in tokens
    )


def _split_ref(p: Parser, token: Token) -> tuple[str, str | None]:
    parts = token.text.split(":")
    if len(parts) > 2 or not parts[0]:
        raise p.error("not a resource reference", token, "<rsc> or <rsc>:<role|action>")
    p.refer(parts[0], "constrained resource", token)
    return parts[0], (parts[1] if len(parts) == 2 else None)


def _simple_roles(p: Parser, count: int) -> list[tuple[str, Role | None]]:
    refs = []
    for _ in range(count):
        token = p.cursor.take("<rsc>[:<role>]")
        rsc, qualifier = _split_ref(p, token)
        refs.append((rsc, None if qualifier is None else p.role(qualifier, token)))
    return refs


def _action(p: Parser, text: str, token: Token) -> Action:
    action = _ACTIONS.get(text.lower())
    if action is None:
        raise p.error(f"unknown action {text!r}", token, "start, stop, promote or demote")
    return action


def _simple_actions(p: Parser) -> list[tuple[str, Action | None]]:
    refs = []
    for _ in range(2):
        token = p.cursor.take("<rsc>[:<action>]")
        rsc, qualifier = _split_ref(p, token)
        refs.append((rsc, None if qualifier is None else _action(p, qualifier, token)))
    return refs


@dataclass
class _SetBuilder:
    """The set being read: members, their common role/action, bracket state."""

    members: list[str] = field(default_factory=list)
    qualifier: str | None = None
    sequential: bool = True
    require_all: bool = True
    opened: Token | None = None


def _split_brackets(tokens: list[Token]) -> list[Token]:
    """``(a`` and ``b)`` are ``(``, ``a`` and ``b``, ``)``."""
    out: list[Token] = []
    for token in tokens:
        text = token.text
        if len(text) > 1 and text[0] in _OPEN and not token.quoted:
            out.append(Token(text[0], token.line, token.column))
            out.append(Token(text[1:], token.line, token.column + 1))
        elif len(text) > 1 and text[-1] in _CLOSE and not token.quoted:
            out.append(Token(text[:-1], token.line, token.column))
            out.append(Token(text[-1], token.line, token.column + len(text) - 1))
        else:
            out.append(token)
    return out


def _resource_sets(
    p: Parser, owner: str, raw: list[Token], attr: str
) -> tuple[ResourceSetItem, ...]:
    """Members grouped in sets: brackets open unordered sets (``( )`` sequential=false,
    ``[ ]`` also require-all=false); a change of role/action starts a new set."""
    sets: list[ResourceSetItem] = []
    current = _SetBuilder()

    def save() -> None:
        if not current.members:
            return
        qualifier = current.qualifier
        role: Role | None = None
        action: Action | None = None
        if qualifier is not None:
            if attr == "role":
                role = Role(qualifier)
            else:
                action = Action(qualifier)
        sets.append(
            ResourceSet(
                p.ids.new(owner),
                tuple(current.members),
                sequential=None if current.sequential else False,
                require_all=None if current.require_all else False,
                role=role,
                action=action,
            )
        )
        current.members = []
        current.qualifier = None

    for token in _split_brackets(raw):
        text = token.text
        if text == "_rsc_set_":
            continue
        if text in _OPEN:
            if current.opened is not None:
                raise p.error("cannot nest resource sets", token, "a closing bracket first")
            save()
            current.opened = token
            current.sequential = False
            current.require_all = text != "["
            continue
        if text in _CLOSE:
            if current.opened is None:
                raise p.error("unmatched closing bracket", token)
            if current.opened.text != _CLOSE[text]:
                raise p.error("mismatched closing bracket", token, _closing(current.opened.text))
            if not current.members:
                raise p.error("empty resource set", token, "resources inside the brackets")
            save()
            current.opened = None
            current.sequential = True
            current.require_all = True
            continue
        if "=" in text:
            name, _, value = text.partition("=")
            flag = parse_bool(value)
            if name not in ("sequential", "require-all"):
                raise p.error(f"unknown set attribute {name!r}", token, "sequential or require-all")
            if flag is None:
                raise p.error(f"{name} must be a boolean", token, "true or false")
            if name == "sequential":
                current.sequential = flag
            else:
                current.require_all = flag
            continue
        rsc, qualifier = _split_ref(p, token)
        canonical: str | None = None
        if qualifier is not None:
            canonical = (
                p.role(qualifier, token).value
                if attr == "role"
                else _action(p, qualifier, token).value
            )
        if canonical != current.qualifier and current.members:
            save()
        current.qualifier = canonical
        current.members.append(rsc)
    if current.opened is not None:
        raise p.error("unmatched opening bracket", current.opened, _closing(current.opened.text))
    save()
    return tuple(sets)


def _closing(opening: str) -> str:
    return "')'" if opening == "(" else "']'"


_E = TypeVar("_E", Discovery, LossPolicy)


def _enum(p: Parser, enum: type[_E], text: str, token: Token, what: str) -> _E:
    try:
        return enum(text.lower())
    except ValueError:
        choices = ", ".join(item.value for item in enum)
        raise p.error(f"unknown {what} {text!r}", token, choices) from None
