"""Name/value sets (``nvpair`` blocks) and the rules that gate them or place resources."""

from __future__ import annotations

from dataclasses import dataclass

from paceline.cib.model.enums import BooleanOp, DateOp, ExprOp, ExprType, Role, ValueSource
from paceline.cib.score import Score


@dataclass(frozen=True, slots=True)
class NvPair:
    """``<nvpair id= name= value=>``; ``value`` None means the attribute is absent."""

    id: str
    name: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class NvPairRef:
    """``<nvpair id-ref= [name=]>``: reuse the value of another nvpair."""

    id_ref: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Expression:
    """``<expression>``: compare a node attribute (or a resource param/meta)."""

    id: str
    attribute: str
    operation: ExprOp
    value: str | None = None
    type: ExprType | None = None
    value_source: ValueSource | None = None


@dataclass(frozen=True, slots=True)
class DateSpec:
    """``<date_spec>``: cron-like ranges such as ``hours="9-16"``; each field is text."""

    id: str
    years: str | None = None
    months: str | None = None
    monthdays: str | None = None
    hours: str | None = None
    minutes: str | None = None
    seconds: str | None = None
    yeardays: str | None = None
    weekyears: str | None = None
    weeks: str | None = None
    weekdays: str | None = None
    moon: str | None = None
    yearsdays: str | None = None


@dataclass(frozen=True, slots=True)
class Duration:
    """``<duration>`` of an ``in_range`` date expression."""

    id: str
    years: str | None = None
    months: str | None = None
    weeks: str | None = None
    days: str | None = None
    hours: str | None = None
    minutes: str | None = None
    seconds: str | None = None
    monthdays: str | None = None
    weekdays: str | None = None
    yearsdays: str | None = None
    weekyears: str | None = None
    moon: str | None = None


@dataclass(frozen=True, slots=True)
class DateExpression:
    """``<date_expression>``; ``start``/``end`` are ISO 8601 text as written."""

    id: str
    operation: DateOp
    start: str | None = None
    end: str | None = None
    duration: Duration | None = None
    date_spec: DateSpec | None = None


@dataclass(frozen=True, slots=True)
class RscExpression:
    """``<rsc_expression>``: matches resources by agent (rsc/op defaults rules)."""

    id: str
    agent_class: str | None = None
    provider: str | None = None
    agent_type: str | None = None


@dataclass(frozen=True, slots=True)
class OpExpression:
    """``<op_expression>``: matches operations by name and interval (op_defaults rules)."""

    id: str
    name: str
    interval: str | None = None


@dataclass(frozen=True, slots=True)
class RuleRef:
    """``<rule id-ref=>``."""

    id_ref: str


@dataclass(frozen=True, slots=True)
class Rule:
    """``<rule>``: sub-expressions combined by ``boolean_op`` (absent means ``and``).

    ``score``/``score_attribute`` matter in location constraints; ``role`` is
    the rule's role filter (legacy names already mapped).
    """

    id: str
    expressions: tuple[RuleItem, ...]
    boolean_op: BooleanOp | None = None
    role: Role | None = None
    score: Score | None = None
    score_attribute: str | None = None


RuleItem = Expression | DateExpression | RscExpression | OpExpression | Rule | RuleRef


@dataclass(frozen=True, slots=True)
class NvSet:
    """A block of nvpairs: ``meta_attributes``, ``instance_attributes``,
    ``utilization`` or ``cluster_property_set`` (the element name comes from
    the field that holds it). Pairs keep their document order.
    """

    id: str
    nvpairs: tuple[NvPair | NvPairRef, ...] = ()
    rule: Rule | RuleRef | None = None
    score: Score | None = None
    comments: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        """The value of the first nvpair called ``name`` (ignores references)."""
        for pair in self.nvpairs:
            if isinstance(pair, NvPair) and pair.name == name:
                return pair.value
        return None


@dataclass(frozen=True, slots=True)
class NvSetRef:
    """A block that reuses another one by ``id-ref``."""

    id_ref: str


NvSetItem = NvSet | NvSetRef
