"""Decoding of nvsets and rules (shared by every section)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from lxml import etree

from paceline.cib.codec.reader import Context, Reader
from paceline.cib.model.enums import BooleanOp, DateOp, ExprOp, ExprType, Role, ValueSource
from paceline.cib.model.rules import (
    DateExpression,
    DateSpec,
    Duration,
    Expression,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetItem,
    NvSetRef,
    OpExpression,
    RscExpression,
    Rule,
    RuleItem,
    RuleRef,
)

LEGACY_ROLES = {"Master": Role.PROMOTED, "Slave": Role.UNPROMOTED}

# The attributes of <date_spec> and <duration> are the fields of the model.
_DATE_SPEC_FIELDS = tuple(f.name for f in fields(DateSpec) if f.name != "id")
_DURATION_FIELDS = tuple(f.name for f in fields(Duration) if f.name != "id")


def opt_role(r: Reader, name: str, *aliases: str) -> Role | None:
    return r.opt_enum(name, Role, LEGACY_ROLES, *aliases)


def decode_nvset(ctx: Context, el: etree._Element) -> NvSetItem:
    """``meta_attributes``/``instance_attributes``/``utilization``/``cluster_property_set``.

    The pre-1.0 form that wraps the pairs in ``<attributes>`` is unwrapped.
    """
    r = Reader(ctx, el)
    ref = r.ref()
    if ref is not None:
        return NvSetRef(ref)
    nvset_id = r.req("id")
    score = r.opt_score("score")
    r.done()
    pairs: list[NvPair | NvPairRef] = []
    rule: Rule | RuleRef | None = None
    for child in r.children():
        if child.tag == "nvpair":
            pairs.append(decode_nvpair(ctx, child))
        elif child.tag == "rule":
            if rule is not None:
                raise r.duplicate(child)
            rule = decode_rule(ctx, child)
        elif child.tag == "attributes":
            wrapper = Reader(ctx, child)
            wrapper.done()
            for pair in wrapper.only("nvpair"):
                pairs.append(decode_nvpair(ctx, pair))
        else:
            raise r.unknown_child(child, "<nvpair> or <rule>")
    return NvSet(nvset_id, tuple(pairs), rule, score)


@dataclass(slots=True)
class NvSetChildren:
    """The nvset children of a resource, op or alert, collected in document order."""

    meta: list[NvSetItem] = field(default_factory=list)
    instance: list[NvSetItem] = field(default_factory=list)
    utilization: list[NvSetItem] = field(default_factory=list)

    def take(self, ctx: Context, child: etree._Element, *, utilization: bool = False) -> bool:
        if child.tag == "meta_attributes":
            self.meta.append(decode_nvset(ctx, child))
        elif child.tag == "instance_attributes":
            self.instance.append(decode_nvset(ctx, child))
        elif utilization and child.tag == "utilization":
            self.utilization.append(decode_nvset(ctx, child))
        else:
            return False
        return True


def decode_nvpair(ctx: Context, el: etree._Element) -> NvPair | NvPairRef:
    r = Reader(ctx, el)
    ref = r.opt("id-ref")
    if ref is not None:
        name = r.opt("name")
        r.done()
        r.no_children()
        return NvPairRef(ref, name)
    pair = NvPair(r.req("id"), r.req("name"), r.opt("value"))
    r.done()
    r.no_children()
    return pair


def decode_rule(ctx: Context, el: etree._Element) -> Rule | RuleRef:
    r = Reader(ctx, el)
    ref = r.ref()
    if ref is not None:
        return RuleRef(ref)
    rule_id = r.req("id")
    boolean_op = r.opt_enum("boolean-op", BooleanOp)
    role = opt_role(r, "role")
    score = r.opt_score("score")
    score_attribute = r.opt("score-attribute", "score_attribute")
    r.done()
    items: list[RuleItem] = []
    for child in r.children():
        items.append(_decode_rule_item(ctx, r, child))
    if not items:
        raise r.missing("at least one expression")
    return Rule(rule_id, tuple(items), boolean_op, role, score, score_attribute)


def _decode_rule_item(ctx: Context, parent: Reader, el: etree._Element) -> RuleItem:
    tag = el.tag
    if tag == "rule":
        return decode_rule(ctx, el)
    r = Reader(ctx, el)
    item: RuleItem
    if tag == "expression":
        item = Expression(
            r.req("id"),
            r.req("attribute"),
            r.req_enum("operation", ExprOp),
            r.opt("value"),
            r.opt_enum("type", ExprType),
            r.opt_enum("value-source", ValueSource),
        )
        r.done()
        r.no_children()
        return item
    if tag == "date_expression":
        return _decode_date_expression(ctx, r)
    if tag == "rsc_expression":
        item = RscExpression(r.req("id"), r.opt("class"), r.opt("provider"), r.opt("type"))
    elif tag == "op_expression":
        item = OpExpression(r.req("id"), r.req("name"), r.opt("interval"))
    else:
        raise parent.unknown_child(
            el, "<expression>, <date_expression>, <rsc_expression>, <op_expression> or <rule>"
        )
    r.done()
    r.no_children()
    return item


def _decode_date_expression(ctx: Context, r: Reader) -> DateExpression:
    expr_id = r.req("id")
    operation = r.req_enum("operation", DateOp)
    start = r.opt("start")
    end = r.opt("end")
    r.done()
    duration: Duration | None = None
    spec: DateSpec | None = None
    for child in r.children():
        c = Reader(ctx, child)
        if child.tag == "duration":
            if duration is not None:
                raise r.duplicate(child)
            duration = Duration(c.req("id"), **{n: c.opt(n) for n in _DURATION_FIELDS})
        elif child.tag == "date_spec":
            if spec is not None:
                raise r.duplicate(child)
            spec = DateSpec(c.req("id"), **{n: c.opt(n) for n in _DATE_SPEC_FIELDS})
        else:
            raise r.unknown_child(child, "<duration> or <date_spec>")
        c.done()
        c.no_children()
    return DateExpression(expr_id, operation, start, end, duration, spec)
