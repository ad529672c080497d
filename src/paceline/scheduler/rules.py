"""Evaluating rules (node attribute and date expressions) for one node at one time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from paceline.cib.model import (
    BooleanOp,
    DateExpression,
    DateOp,
    DateSpec,
    Expression,
    ExprOp,
    ExprType,
    OpExpression,
    RscExpression,
    Rule,
    RuleItem,
    RuleRef,
)


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _int(text: str) -> float | None:
    m = re.match(r"\s*[+-]?\d+", text)
    return float(int(m.group(0))) if m else None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def _compare(left: str, right: str, kind: ExprType | None) -> int | None:
    if kind in (ExprType.INTEGER, ExprType.NUMBER) or (
        kind is None and _num(left) is not None and _num(right) is not None
    ):
        # integers are read as strtoll does (``3.6`` is 3); unreadable: as text
        read = _int if kind is ExprType.INTEGER else _num
        a, b = read(left), read(right)
        if a is not None and b is not None:
            return (a > b) - (a < b)
    if kind is ExprType.VERSION:
        va, vb = _version(left), _version(right)
        return (va > vb) - (va < vb)
    return (left > right) - (left < right)


def expression(expr: Expression, attrs: Mapping[str, str]) -> bool:
    value = attrs.get(expr.attribute)
    op = expr.operation
    if op is ExprOp.DEFINED:
        return value is not None
    if op is ExprOp.NOT_DEFINED:
        return value is None
    if value is None or expr.value is None:
        return op is ExprOp.NE and value is None
    if op in (ExprOp.EQ, ExprOp.NE) and expr.type is None:
        eq = value == expr.value
        return eq if op is ExprOp.EQ else not eq
    c = _compare(value, expr.value, expr.type)
    if c is None:
        return False
    return {
        ExprOp.LT: c < 0,
        ExprOp.GT: c > 0,
        ExprOp.LTE: c <= 0,
        ExprOp.GTE: c >= 0,
        ExprOp.EQ: c == 0,
        ExprOp.NE: c != 0,
    }[op]


def parse_date(text: str) -> dt.datetime | None:
    t = text.strip().replace(" ", "T")
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return dt.datetime.strptime(t, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    try:
        d = dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=dt.UTC)


def _in_ranges(value: int, spec: str | None) -> bool:
    if spec is None:
        return True
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            lo, _, hi = part.partition("-")
            if lo.strip().isdigit() and hi.strip().isdigit() and int(lo) <= value <= int(hi):
                return True
        elif part.isdigit() and int(part) == value:
            return True
    return False


def date_spec(spec: DateSpec, now: dt.datetime) -> bool:
    iso = now.isocalendar()
    return (
        _in_ranges(now.year, spec.years)
        and _in_ranges(now.month, spec.months)
        and _in_ranges(now.day, spec.monthdays)
        and _in_ranges(now.hour, spec.hours)
        and _in_ranges(now.minute, spec.minutes)
        and _in_ranges(now.second, spec.seconds)
        and _in_ranges(now.timetuple().tm_yday, spec.yeardays)
        and _in_ranges(iso[1], spec.weeks)
        and _in_ranges(iso[0], spec.weekyears)
        and _in_ranges(iso[2], spec.weekdays)
    )


def _add_duration(start: dt.datetime, expr: DateExpression) -> dt.datetime:
    d = expr.duration
    assert d is not None

    def n(v: str | None) -> int:
        return int(v) if v and v.strip().lstrip("-").isdigit() else 0

    months = n(d.years) * 12 + n(d.months)
    year, month = divmod(start.month - 1 + months, 12)
    base = start
    if months:
        day = min(start.day, 28)
        base = start.replace(year=start.year + year, month=month + 1, day=day)
    return base + dt.timedelta(
        weeks=n(d.weeks),
        days=n(d.days),
        hours=n(d.hours),
        minutes=n(d.minutes),
        seconds=n(d.seconds),
    )


def date_expression(expr: DateExpression, now: dt.datetime) -> bool:
    start = parse_date(expr.start) if expr.start else None
    end = parse_date(expr.end) if expr.end else None
    if expr.operation is DateOp.GT:
        return start is not None and now > start
    if expr.operation is DateOp.LT:
        return end is not None and now < end
    if expr.operation is DateOp.DATE_SPEC:
        return expr.date_spec is not None and date_spec(expr.date_spec, now)
    if end is None and start is not None and expr.duration is not None:
        end = _add_duration(start, expr)
    if start is not None and now < start:
        return False
    return not (end is not None and now > end)


class Evaluator:
    """Evaluates rules against node attributes at time ``now`` (epoch seconds)."""

    def __init__(self, now: int, rules_by_id: Mapping[str, Rule]) -> None:
        self.now = dt.datetime.fromtimestamp(now, dt.UTC)
        self.rules_by_id = rules_by_id

    def rule(self, rule: Rule | RuleRef, attrs: Mapping[str, str]) -> bool:
        if isinstance(rule, RuleRef):
            target = self.rules_by_id.get(rule.id_ref)
            return target is not None and self.rule(target, attrs)
        if not rule.expressions:
            return True
        results = (self.item(e, attrs) for e in rule.expressions)
        if rule.boolean_op is BooleanOp.OR:
            return any(results)
        return all(results)

    def item(self, item: RuleItem, attrs: Mapping[str, str]) -> bool:
        if isinstance(item, Expression):
            return expression(item, attrs)
        if isinstance(item, DateExpression):
            return date_expression(item, self.now)
        if isinstance(item, (Rule, RuleRef)):
            return self.rule(item, attrs)
        return isinstance(item, (RscExpression, OpExpression))
