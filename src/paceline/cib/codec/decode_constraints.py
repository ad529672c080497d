"""Decoding of ``<constraints>``, including the pre-1.0 attribute names
(``rsc_colocation from/to``, ``rsc_order from/to/action/to_action/type``)."""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec.decode_rules import decode_rule, opt_role
from paceline.cib.codec.reader import Context, Reader, inner_comments, with_comments
from paceline.cib.model.constraints import (
    Colocation,
    Constraint,
    Location,
    Order,
    ResourceSet,
    ResourceSetItem,
    ResourceSetRef,
    Ticket,
)
from paceline.cib.model.enums import Action, Discovery, LossPolicy, OrderKind, SetOrdering
from paceline.cib.model.rules import Rule, RuleRef


def decode_constraints(ctx: Context, el: etree._Element) -> tuple[Constraint, ...]:
    r = Reader(ctx, el)
    r.done()
    out: list[Constraint] = []
    for child in r.children():
        tag = child.tag
        constraint: Constraint
        if tag == "rsc_location":
            constraint = _decode_location(ctx, child)
        elif tag == "rsc_colocation":
            constraint = _decode_colocation(ctx, child)
        elif tag == "rsc_order":
            constraint = _decode_order(ctx, child)
        elif tag == "rsc_ticket":
            constraint = _decode_ticket(ctx, child)
        else:
            raise r.unknown_child(
                child, "<rsc_location>, <rsc_colocation>, <rsc_order> or <rsc_ticket>"
            )
        out.append(with_comments(constraint, inner_comments(child)))
    return tuple(out)


def _decode_set(ctx: Context, el: etree._Element) -> ResourceSetItem:
    r = Reader(ctx, el)
    ref = r.ref()
    if ref is not None:
        return ResourceSetRef(ref)
    set_id = r.req("id")
    sequential = r.opt_bool("sequential")
    require_all = r.opt_bool("require-all")
    ordering = r.opt_enum("ordering", SetOrdering)
    action = r.opt_enum("action", Action)
    role = opt_role(r, "role")
    score = r.opt_score("score")
    kind = r.opt_enum("kind", OrderKind)
    r.done()
    refs: list[str] = []
    for child in r.only("resource_ref"):
        c = Reader(ctx, child)
        refs.append(c.req("id"))
        c.done()
        c.no_children()
    if not refs:
        raise r.missing("at least one <resource_ref>")
    return ResourceSet(
        set_id, tuple(refs), sequential, require_all, ordering, action, role, score, kind
    )


def _sets_rules_lifetime(
    ctx: Context, r: Reader, *, rules: bool = False, lifetime: bool = True
) -> tuple[tuple[ResourceSetItem, ...], tuple[Rule | RuleRef, ...], tuple[Rule | RuleRef, ...]]:
    """The children of a constraint: resource sets, and (where allowed)
    placement rules and the rules of a ``<lifetime>``."""
    allowed = ["<resource_set>"] + ["<rule>"] * rules + ["<lifetime>"] * lifetime
    sets: list[ResourceSetItem] = []
    found_rules: list[Rule | RuleRef] = []
    lifetime_rules: list[Rule | RuleRef] = []
    for child in r.children():
        if child.tag == "resource_set":
            sets.append(_decode_set(ctx, child))
        elif child.tag == "rule" and rules:
            found_rules.append(decode_rule(ctx, child))
        elif child.tag == "lifetime" and lifetime:
            lr = Reader(ctx, child)
            lr.done()
            lifetime_rules.extend(decode_rule(ctx, rule) for rule in lr.only("rule"))
        else:
            raise r.unknown_child(child, " or ".join(allowed))
    return tuple(sets), tuple(found_rules), tuple(lifetime_rules)


def _decode_location(ctx: Context, el: etree._Element) -> Location:
    r = Reader(ctx, el)
    loc_id = r.req("id")
    rsc = r.opt("rsc")
    rsc_pattern = r.opt("rsc-pattern")
    role = opt_role(r, "role")
    score = r.opt_score("score")
    node = r.opt("node")
    discovery = r.opt_enum("resource-discovery", Discovery)
    r.done()
    sets, rules, lifetime = _sets_rules_lifetime(ctx, r, rules=True)
    if rsc is None and rsc_pattern is None and not sets:
        raise r.missing("rsc, rsc-pattern or a <resource_set>")
    if node is None and not rules:
        raise r.missing("node and score, or a <rule>")
    return Location(loc_id, rsc, rsc_pattern, sets, role, score, node, rules, lifetime, discovery)


def _decode_colocation(ctx: Context, el: etree._Element) -> Colocation:
    r = Reader(ctx, el)
    col_id = r.req("id")
    score = r.opt_score("score")
    # Pre-1.0: from/to and from_role/to_role meant rsc/with-rsc.
    rsc = r.opt("rsc", "from")
    with_rsc = r.opt("with-rsc", "to")
    rsc_role = opt_role(r, "rsc-role", "from_role")
    with_rsc_role = opt_role(r, "with-rsc-role", "to_role")
    node_attribute = r.opt("node-attribute")
    influence = r.opt("influence")
    # Allowed before pacemaker-3.0 but never in effect; the upgrade drops them.
    r.drop("score-attribute", "score-attribute-mangle")
    r.done()
    sets, _rules, lifetime = _sets_rules_lifetime(ctx, r)
    if (rsc is None or with_rsc is None) and not sets:
        raise r.missing("rsc and with-rsc, or a <resource_set>")
    return Colocation(
        col_id,
        score,
        rsc,
        with_rsc,
        rsc_role,
        with_rsc_role,
        node_attribute,
        influence,
        sets,
        lifetime,
    )


def _decode_order(ctx: Context, el: etree._Element) -> Order:
    r = Reader(ctx, el)
    order_id = r.req("id")
    first = r.opt("first")
    then = r.opt("then")
    first_action = r.opt_enum("first-action", Action)
    then_action = r.opt_enum("then-action", Action)
    if first is None and then is None:
        first, then, first_action, then_action = _legacy_order(r)
    kind: OrderKind | str | None
    if ctx.unvalidated:
        kind = r.opt("kind")
        if kind is not None and kind in OrderKind.__members__.values():
            kind = OrderKind(kind)
    else:
        kind = r.opt_enum("kind", OrderKind)
    score = r.opt_score("score")
    symmetrical = r.opt_bool("symmetrical")
    require_all = r.opt_bool("require-all")
    r.done()
    sets, _rules, lifetime = _sets_rules_lifetime(ctx, r)
    if (first is None or then is None) and not sets:
        raise r.missing("first and then, or a <resource_set>")
    return Order(
        order_id,
        first,
        then,
        first_action,
        then_action,
        kind,
        score,
        symmetrical,
        require_all,
        sets,
        lifetime,
    )


def _legacy_order(
    r: Reader,
) -> tuple[str | None, str | None, Action | None, Action | None]:
    """Pre-1.0 ``from``/``to``: ``from`` happens ``type`` (default after) ``to``."""
    src = r.opt("from")
    dst = r.opt("to")
    action = r.opt_enum("action", Action)
    to_action = r.opt_enum("to_action", Action)
    order_type = r.opt("type")
    if src is None or dst is None:
        return None, None, None, None
    if order_type in (None, "after"):
        return dst, src, to_action, action
    if order_type == "before":
        return src, dst, action, to_action
    raise r.ctx.error(
        r.el,
        "bad value for 'type' of <rsc_order>",
        field="rsc_order/@type",
        text=order_type,
        expected="before or after",
    )


def _decode_ticket(ctx: Context, el: etree._Element) -> Ticket:
    r = Reader(ctx, el)
    ticket_id = r.req("id")
    ticket = r.req("ticket")
    rsc = r.opt("rsc")
    rsc_role = opt_role(r, "rsc-role")
    loss_policy = r.opt_enum("loss-policy", LossPolicy)
    r.done()
    sets, _rules, _lifetime = _sets_rules_lifetime(ctx, r, lifetime=False)
    if rsc is None and not sets:
        raise r.missing("rsc or a <resource_set>")
    return Ticket(ticket_id, ticket, rsc, rsc_role, loss_policy, sets)
