"""Whether crm syntax can say everything about an object.

crm text has no words for some of what a CIB may hold (an order's
``require-all``, a colocation's ``influence``, a scored property block, a
rule over resource or op expressions or with date fields crmsh 4.4's syntax
lacks (``minutes``, ``yeardays``), two plain resource sets in a row,
which would read back as one). Such objects are shown as ``xml <...>``
statements instead, as crmsh does, so that nothing is lost.
"""

from __future__ import annotations

import re

from paceline.cib.model import (
    BooleanOp,
    Bundle,
    Clone,
    Colocation,
    DateExpression,
    Expression,
    FencingLevel,
    Group,
    Location,
    Node,
    NvSetItem,
    NvSetRef,
    Order,
    OrderKind,
    Primitive,
    ResourceSet,
    ResourceSetItem,
    Rule,
    RuleRef,
    Template,
    Ticket,
)

__all__ = [
    "CONSTRAINT_KINDS",
    "CRMSH_DATE_FIELDS",
    "blocks_ok",
    "fencing_needs_xml",
    "needs_xml",
    "rule_ok",
]

CONSTRAINT_KINDS: dict[type, str] = {
    Location: "location",
    Colocation: "colocation",
    Order: "order",
    Ticket: "rsc_ticket",
}
_PLAIN_VALUE_RE = re.compile(r"[^\s\"']+")


def rule_ok(rule: Rule | RuleRef | None) -> bool:
    """Whether crm syntax can carry this rule (plain and date expressions only;
    ``or`` needs two of them to be written at all)."""
    if not isinstance(rule, Rule):
        return True
    if rule.boolean_op is BooleanOp.OR and len(rule.expressions) < 2:
        return False
    for item in rule.expressions:
        if isinstance(item, Expression):
            if item.value is not None and not _PLAIN_VALUE_RE.fullmatch(item.value):
                return False
        elif not isinstance(item, DateExpression) or not _date_ok(item):
            return False
    return True


CRMSH_DATE_FIELDS = frozenset(
    {"hours", "monthdays", "weekdays", "yearsdays", "months", "weeks", "years", "weekyears"}
    | {"moon"}
)
"""The ``date spec`` and duration fields crm syntax has words for (crmsh 4.4's
list: ``minutes``, ``seconds``, ``yeardays`` and ``days`` are not in it, so
crmsh reads ``yeardays=1`` after ``date spec`` as a parameter of the block, and
shows such an expression as xml)."""


def _date_ok(expression: DateExpression) -> bool:
    for part in (expression.date_spec, expression.duration):
        if part is None:
            continue
        for name in part.__dataclass_fields__:
            if name != "id" and getattr(part, name) is not None and name not in CRMSH_DATE_FIELDS:
                return False
    return True


def blocks_ok(blocks: tuple[NvSetItem, ...]) -> bool:
    return all(isinstance(b, NvSetRef) or rule_ok(b.rule) for b in blocks)


def _set_ok(item: ResourceSetItem, kind: str) -> bool:
    if not isinstance(item, ResourceSet):
        return False
    if item.ordering is not None or item.score is not None or item.kind is not None:
        return False
    return item.role is None if kind == "order" else item.action is None


def needs_xml(obj: object) -> bool:
    """Whether ``obj`` holds something crm syntax cannot say (it is shown as ``xml``)."""
    if isinstance(obj, Primitive | Template):
        ops_ok = all(
            blocks_ok(op.instance_attributes) and blocks_ok(op.meta_attributes)
            for op in obj.operations
        )
        return not (
            ops_ok
            and blocks_ok(obj.instance_attributes)
            and blocks_ok(obj.meta_attributes)
            and blocks_ok(obj.utilization)
        )
    if isinstance(obj, Node):
        return obj.score is not None or not (
            blocks_ok(obj.instance_attributes) and blocks_ok(obj.utilization)
        )
    if isinstance(obj, Group | Clone | Bundle):
        return not (blocks_ok(obj.instance_attributes) and blocks_ok(obj.meta_attributes))
    if isinstance(obj, Location | Colocation | Order | Ticket):
        kind = CONSTRAINT_KINDS[type(obj)]
        if not all(_set_ok(item, kind) for item in obj.resource_sets):
            return True
        if _sets_would_merge(obj.resource_sets, kind):
            return True
        if isinstance(obj, Location):
            return bool(obj.lifetime) or not all(rule_ok(r) for r in obj.rules)
        if isinstance(obj, Colocation):
            return obj.score is None or obj.influence is not None or bool(obj.lifetime)
        if isinstance(obj, Order):
            return (
                obj.require_all is not None
                or bool(obj.lifetime)
                or (obj.kind is not None and not isinstance(obj.kind, OrderKind))
            )
    return False


def _sets_would_merge(items: tuple[ResourceSetItem, ...], kind: str) -> bool:
    """Two plain sets in a row with the same role/action read back as one set."""
    previous: tuple[object, ...] | None = None
    for item in items:
        if not isinstance(item, ResourceSet):
            return False
        plain = item.sequential in (None, True) and item.require_all in (None, True)
        qualifier = item.action if kind == "order" else item.role
        current = (qualifier,) if plain else None
        if current is not None and current == previous:
            return True
        previous = current
    return False


def fencing_needs_xml(levels: tuple[FencingLevel, ...]) -> bool:
    """Levels crm syntax would renumber (indexes not 1, 2, ... per target) need xml."""
    indexes: dict[tuple[str | None, ...], list[int]] = {}
    for level in levels:
        key = (level.target, level.target_pattern, level.target_attribute, level.target_value)
        indexes.setdefault(key, []).append(level.index)
    return any(sorted(found) != list(range(1, len(found) + 1)) for found in indexes.values())
