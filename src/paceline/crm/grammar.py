"""Pieces of the crm grammar shared by all statements: scores, roles,
attribute lists (``params``/``meta``/...), nvpairs and rules.

``Parser`` holds the state of one statement being read: the token cursor,
the id allocator, the notices and the references met so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from paceline.cib.model import (
    BooleanOp,
    DateExpression,
    DateOp,
    DateSpec,
    Duration,
    Expression,
    ExprOp,
    ExprType,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetItem,
    NvSetRef,
    Role,
    Rule,
    RuleItem,
    RuleRef,
    Score,
    ValueSource,
)
from paceline.cib.score import INFINITY_VALUE
from paceline.cib.values import parse_bool
from paceline.core.errors import ConfigError
from paceline.crm.cursor import Cursor
from paceline.crm.ids import IdAllocator
from paceline.crm.lexer import Token
from paceline.crm.migrate import ROLE_RENAMES, Notice, NoticeKind
from paceline.crm.statements import Reference

__all__ = ["ATTR_LIST_KEYWORDS", "Parser", "parse_bool"]

ATTR_LIST_KEYWORDS = (
    "params",
    "meta",
    "utilization",
    "operations",
    "op",
    "op_params",
    "op_meta",
    "rule",
    "attributes",
)
"""Words that end a list of name=value pairs."""

_SCORE_RE = re.compile(r"([^:]+):")
_NUMERIC_SCORE_RE = re.compile(r"[+-]?(inf|infinity|[0-9]+)", re.IGNORECASE)
_IDSPEC_RE = re.compile(r"\$(id|id-ref)=(.+)", re.IGNORECASE)
_NVPAIR_REF_RE = re.compile(r"@([^:]+)(?::(.+))?")
_NVPAIR_ID_RE = re.compile(r"\$([^:=]+):([^=]+)=(.*)")
_NVPAIR_RE = re.compile(r"([^=@$][^=]*)=(.*)")
_NVKEY_RE = re.compile(r"[^:=]+")
_ROLE_RE = re.compile(r"\$?role=(.+)", re.IGNORECASE)
_BINOP_RE = re.compile(r"(?:(string|integer|number|version):)?(lt|gt|lte|gte|eq|ne)", re.IGNORECASE)
_VALUE_SOURCE_RE = re.compile(r"([^\s{}]+)\{(\S+)\}")
_XML_ID_RE = re.compile(r"[^\W\d][\w.-]*")  # an XML NCName (the CIB's ID type)
_DESCRIPTION_RE = re.compile(r"description=(.*)", re.IGNORECASE | re.DOTALL)

_DATE_SPEC_FIELDS = tuple(f.name for f in fields(DateSpec) if f.name != "id")
_DURATION_FIELDS = tuple(f.name for f in fields(Duration) if f.name != "id")
_ROLE_NAMES = {role.value.lower(): role for role in Role}
_ROLE_NAMES.update({old.lower(): Role(new) for old, new in ROLE_RENAMES.items()})


@dataclass
class Parser:
    """State of one statement being parsed."""

    cursor: Cursor
    ids: IdAllocator
    notices: list[Notice] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    pair_lines: list[tuple[str, int]] = field(default_factory=list)

    # -- errors and bookkeeping ----------------------------------------
    def error(
        self, message: str, token: Token | None = None, expected: str | None = None
    ) -> ConfigError:
        return self.cursor.error(message, token=token, expected=expected)

    def notice(self, kind: NoticeKind, what: str, why: str, token: Token | None = None) -> None:
        where = self.cursor.where(token)
        context = self.cursor.context
        if context and not what.startswith(context):
            what = f"{context}: {what}"
        self.notices.append(Notice(kind, what, why, where.file, where.line))

    def refer(self, id_ref: str, what: str, token: Token) -> None:
        self.references.append(Reference(id_ref, what, self.cursor.where(token)))

    def check_id(self, ident: str, token: Token | None) -> str:
        """``ident`` if it is a valid XML id (the CIB's ID type), else an error."""
        if _XML_ID_RE.fullmatch(ident) is None:
            raise self.error(
                f"{ident!r} is not a valid id",
                token,
                "a letter or '_' first, then letters, digits, '_', '.' or '-'",
            )
        return ident

    def claim(self, ident: str, token: Token) -> str:
        """Record an id written in the text; an error if it is not an XML id or is taken."""
        self.check_id(ident, token)
        if not self.ids.claim(ident):
            raise self.error(f"id {ident!r} is already in use", token)
        return ident

    def identifier(self, expected: str) -> tuple[str, Token]:
        token = self.cursor.take(expected)
        if "=" in token.text or not token.text or token.text.endswith(":"):
            raise self.error("unexpected word", token, expected)
        return token.text, token

    def object_id(self, keyword: str, expected: str) -> str:
        """The id that opens a statement, claimed; later messages begin ``<keyword> <id>``."""
        ident, token = self.identifier(expected)
        self.cursor.context = f"{keyword} {ident}"
        return self.claim(ident, token)

    def description(self) -> str | None:
        """The value of a ``description=`` next, taken; None if there is none."""
        found = self.cursor.take_match(_DESCRIPTION_RE)
        return None if found is None else found.group(1)

    # -- scores and roles ----------------------------------------------
    def take_score(self) -> tuple[str, Token] | None:
        """A ``<score>:`` token: its text without the colon."""
        token = self.cursor.peek()
        if token is None or token.quoted:
            return None
        found = _SCORE_RE.fullmatch(token.text)
        if found is None:
            return None
        self.cursor.pos += 1
        return found.group(1), token

    def score_value(self, text: str, token: Token) -> Score | None:
        """The score ``text`` means, or None if it is an attribute name."""
        lowered = text.lower()
        if lowered == "mandatory":
            return Score(INFINITY_VALUE)
        if lowered == "advisory":
            return Score(0)
        if _NUMERIC_SCORE_RE.fullmatch(text) is None:
            return None
        if "inf" in lowered:
            return Score(-INFINITY_VALUE if text.startswith("-") else INFINITY_VALUE)
        return Score(int(text))

    def numeric_score(self, text: str, token: Token) -> Score:
        score = self.score_value(text, token)
        if score is None:
            raise self.error(
                f"{text!r} is not a score", token, "a number, inf, +inf or -inf followed by ':'"
            )
        return score

    def role(self, text: str, token: Token) -> Role:
        role = _ROLE_NAMES.get(text.lower())
        if role is None:
            raise self.error(
                f"unknown role {text!r}", token, "Started, Stopped, Promoted or Unpromoted"
            )
        if text.lower() in ("master", "slave"):
            self.notice(
                NoticeKind.MODERNIZED,
                f"role {text} written as {role.value}",
                "Pacemaker 2.1 renamed the roles Master/Slave to Promoted/Unpromoted",
                token,
            )
        return role

    # -- attribute lists -----------------------------------------------
    def attr_list(
        self, owner: str, element: str, *, terminators: tuple[str, ...] = ATTR_LIST_KEYWORDS
    ) -> NvSetItem:
        """``[$id=<id>|$id-ref=<id>] [<score>:] [rule ...] <name>=<value> ...``."""
        cursor = self.cursor
        set_id: str | None = None
        spec = cursor.peek()
        found = cursor.take_match(_IDSPEC_RE)
        if found is not None and spec is not None:
            if found.group(1).lower() == "id-ref":
                self.refer(found.group(2), element, spec)
                return NvSetRef(found.group(2))
            set_id = self.claim(found.group(2), spec)
        score: Score | None = None
        taken = self.take_score()
        if taken is not None:
            score = self.numeric_score(*taken)
        if set_id is None:
            set_id = self.ids.child(owner, element)
        rule = self.single_rule(set_id)
        pairs = self.nvpairs(set_id, terminators)
        return NvSet(set_id, pairs, rule=rule, score=score)

    def single_rule(self, owner: str) -> Rule | RuleRef | None:
        rules = self.rules(owner)
        if len(rules) > 1:
            raise self.error(
                "an attribute block takes one rule", None, "name=value pairs after the rule"
            )
        return rules[0] if rules else None

    def nvpairs(
        self, set_id: str, terminators: tuple[str, ...] = ATTR_LIST_KEYWORDS
    ) -> tuple[NvPair | NvPairRef, ...]:
        cursor = self.cursor
        pairs: list[NvPair | NvPairRef] = []
        while not cursor.at_end():
            token = cursor.peek()
            assert token is not None
            if not token.quoted and token.text.lower() in terminators:
                break
            if (found := _NVPAIR_REF_RE.fullmatch(token.text)) is not None and not token.quoted:
                cursor.pos += 1
                self.refer(found.group(1), "nvpair", token)
                pairs.append(NvPairRef(found.group(1), found.group(2)))
            elif (found := _NVPAIR_ID_RE.fullmatch(token.text)) is not None:
                cursor.pos += 1
                ident = self.claim(found.group(1), token)
                pairs.append(NvPair(ident, found.group(2), found.group(3)))
            elif (found := _NVPAIR_RE.fullmatch(token.text)) is not None:
                cursor.pos += 1
                name = found.group(1)
                self.pair_lines.append((name, token.line))
                pairs.append(NvPair(self.ids.child(set_id, name), name, found.group(2)))
            elif terminators and _NVKEY_RE.fullmatch(token.text) is not None:
                cursor.pos += 1
                pairs.append(NvPair(self.ids.child(set_id, token.text), token.text, None))
            else:
                break
        return tuple(pairs)

    # -- rules -----------------------------------------------------------
    def rules(self, owner: str) -> tuple[Rule | RuleRef, ...]:
        """``rule [$id=<id>|$id-ref=<id>] [$role=<role>] [<score>:] <expression>`` ..."""
        cursor = self.cursor
        rules: list[Rule | RuleRef] = []
        while cursor.take_keyword("rule") is not None:
            rule_id: str | None = None
            spec = cursor.peek()
            found = cursor.take_match(_IDSPEC_RE)
            role: Role | None = None
            if found is not None and spec is not None:
                if found.group(1).lower() == "id-ref":
                    self.refer(found.group(2), "rule", spec)
                    role_token = cursor.peek()
                    if cursor.take_match(_ROLE_RE) is not None:
                        raise self.error("a rule reference takes no role", role_token)
                    rules.append(RuleRef(found.group(2)))
                    continue
                rule_id = self.claim(found.group(2), spec)
            role_token = cursor.peek()
            role_found = cursor.take_match(_ROLE_RE)
            if role_found is not None and role_token is not None:
                role = self.role(role_found.group(1), role_token)
            if rule_id is None:
                rule_id = self.ids.child(owner, "rule")
            score: Score | None = Score(INFINITY_VALUE)
            score_attribute: str | None = None
            taken = self.take_score()
            if taken is not None:
                score = self.score_value(*taken)
                if score is None:
                    score_attribute = taken[0]
            boolean_op, items = self.rule_expression(rule_id)
            rules.append(
                Rule(
                    rule_id,
                    items,
                    boolean_op=boolean_op,
                    role=role,
                    score=score,
                    score_attribute=score_attribute,
                )
            )
        return tuple(rules)

    def rule_expression(self, rule_id: str) -> tuple[BooleanOp | None, tuple[RuleItem, ...]]:
        cursor = self.cursor
        items: list[RuleItem] = [self.simple_expression(rule_id)]
        boolean_op: BooleanOp | None = None
        while (token := cursor.take_keyword("and", "or")) is not None:
            op = BooleanOp(token.text.lower())
            if boolean_op is not None and op != boolean_op:
                raise self.error(
                    "a rule cannot mix 'and' and 'or'", token, f"{boolean_op.value}, or a new rule"
                )
            boolean_op = op
            items.append(self.simple_expression(rule_id))
        if boolean_op is BooleanOp.AND:
            boolean_op = None
        return boolean_op, tuple(items)

    def simple_expression(self, rule_id: str) -> RuleItem:
        cursor = self.cursor
        expected = "an expression: <attribute> <op> <value>, defined <attribute> or date ..."
        if cursor.take_keyword("date") is not None:
            return self.date_expression(rule_id)
        unary = cursor.take_keyword("defined", "not_defined")
        if unary is not None:
            attribute, _ = self.identifier("an attribute name")
            ident = self.ids.child(rule_id, "expression")
            return Expression(ident, attribute, ExprOp(unary.text.lower()))
        attribute, _ = self.identifier(expected)
        op_token = cursor.peek()
        found = cursor.expect_match(
            _BINOP_RE, "a comparison: lt, gt, lte, gte, eq or ne (optionally type:op)"
        )
        assert op_token is not None
        value_token = cursor.take("a value to compare with")
        ident = self.ids.child(rule_id, "expression")
        value = value_token.text
        source: ValueSource | None = None
        sourced = _VALUE_SOURCE_RE.fullmatch(value)
        if sourced is not None and not value_token.quoted:
            try:
                source = ValueSource(sourced.group(1))
            except ValueError:
                raise self.error(
                    f"unknown value source {sourced.group(1)!r}",
                    value_token,
                    "literal, param or meta",
                ) from None
            value = sourced.group(2)
        typ = ExprType(found.group(1).lower()) if found.group(1) else None
        return Expression(
            ident,
            attribute,
            ExprOp(found.group(2).lower()),
            value=value,
            type=typ,
            value_source=source,
        )

    def date_expression(self, rule_id: str) -> DateExpression:
        cursor = self.cursor
        op_token = cursor.take("lt, gt, in or spec")
        word = op_token.text.lower()
        ident = self.ids.child(rule_id, "expression")
        if word in ("lt", "gt"):
            value = cursor.take("a date").text
            if word == "lt":
                return DateExpression(ident, DateOp.LT, end=value)
            return DateExpression(ident, DateOp.GT, start=value)
        if word in ("in", "in_range"):
            values = self.keyed_values(("start", "end", *_DURATION_FIELDS), minimum=2)
            start = values.pop("start", None)
            end = values.pop("end", None)
            duration = None
            if values:
                duration = Duration(self.ids.child(ident, "duration"), **values)
            return DateExpression(ident, DateOp.IN_RANGE, start=start, end=end, duration=duration)
        if word in ("spec", "date_spec"):
            values = self.keyed_values(_DATE_SPEC_FIELDS, minimum=1)
            spec = DateSpec(self.ids.child(ident, "date_spec"), **values)
            return DateExpression(ident, DateOp.DATE_SPEC, date_spec=spec)
        raise self.error("unknown date operation", op_token, "lt, gt, in or spec")

    def keyed_values(self, keys: tuple[str, ...], minimum: int) -> dict[str, str]:
        cursor = self.cursor
        values: dict[str, str] = {}
        while (token := cursor.peek()) is not None:
            name, sep, value = token.text.partition("=")
            if not sep or name not in keys:
                break
            cursor.pos += 1
            values[name] = value
        if len(values) < minimum:
            raise self.error(
                "missing date fields", cursor.peek(), f"at least {minimum} of {', '.join(keys)}"
            )
        return values
