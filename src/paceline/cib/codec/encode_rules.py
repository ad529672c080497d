"""Writing nvsets and rules (shared by every section): the counterpart of ``decode_rules``."""

from __future__ import annotations

from lxml import etree

from paceline.cib.codec.writer import add, comment
from paceline.cib.model.rules import (
    DateExpression,
    Expression,
    NvPair,
    NvSetItem,
    NvSetRef,
    OpExpression,
    RscExpression,
    Rule,
    RuleRef,
)


def encode_nvsets(parent: etree._Element, tag: str, sets: tuple[NvSetItem, ...]) -> None:
    for nvset in sets:
        if isinstance(nvset, NvSetRef):
            add(parent, tag, ("id-ref", nvset.id_ref))
            continue
        el = add(parent, tag, ("id", nvset.id), ("score", nvset.score))
        comment(el, nvset.comments)
        if nvset.rule is not None:
            encode_rule(el, nvset.rule)
        for pair in nvset.nvpairs:
            if isinstance(pair, NvPair):
                add(el, "nvpair", ("id", pair.id), ("name", pair.name), ("value", pair.value))
            else:
                add(el, "nvpair", ("id-ref", pair.id_ref), ("name", pair.name))


def encode_rule(parent: etree._Element, rule: Rule | RuleRef) -> None:
    if isinstance(rule, RuleRef):
        add(parent, "rule", ("id-ref", rule.id_ref))
        return
    el = add(
        parent,
        "rule",
        ("id", rule.id),
        ("score", rule.score),
        ("score-attribute", rule.score_attribute),
        ("boolean-op", rule.boolean_op),
        ("role", rule.role),
    )
    for item in rule.expressions:
        if isinstance(item, Rule | RuleRef):
            encode_rule(el, item)
        elif isinstance(item, Expression):
            add(
                el,
                "expression",
                ("id", item.id),
                ("attribute", item.attribute),
                ("operation", item.operation),
                ("value", item.value),
                ("type", item.type),
                ("value-source", item.value_source),
            )
        elif isinstance(item, DateExpression):
            d = add(
                el,
                "date_expression",
                ("id", item.id),
                ("operation", item.operation),
                ("start", item.start),
                ("end", item.end),
            )
            for sub_tag, sub in (("duration", item.duration), ("date_spec", item.date_spec)):
                if sub is not None:
                    add(d, sub_tag, *((name, getattr(sub, name)) for name in sub.__slots__))
        elif isinstance(item, RscExpression):
            add(
                el,
                "rsc_expression",
                ("id", item.id),
                ("class", item.agent_class),
                ("provider", item.provider),
                ("type", item.agent_type),
            )
        else:
            assert isinstance(item, OpExpression)
            add(
                el,
                "op_expression",
                ("id", item.id),
                ("name", item.name),
                ("interval", item.interval),
            )
