"""``show``: a configuration as crm text, laid out as Debian 12's crmsh 4.4 lays it out.

Layout rules (learned by running ``crm configure show`` on Pacemaker's
scheduler inputs):

- one statement per object; each clause (attribute block, op, rule, nvpair
  of a property block) on its own line, lines joined by `` \\`` + newline +
  TAB;
- objects sorted by kind (node, rsc_template, primitive, bundle, group,
  ms, clone, tag, constraints, rsc_ticket + fencing_topology, property,
  rsc_defaults, op_defaults, ACLs, alert) then by id; location,
  colocation and order share one rank, as do rsc_ticket and
  fencing_topology;
- values quoted only when they hold something beyond letters, digits,
  ``_``, ``.`` and ``-``; ``ocf:heartbeat:X`` is shown as ``X``; scores
  ``INFINITY`` as ``inf``, and a rule's ``INFINITY`` score not at all;
- ids the crm shell makes up are not shown; a property block's id is;
- an object crm syntax cannot carry is shown as ``xml <...>``
  (``paceline.crm.expressible`` decides, ``paceline.crm.xmlform`` renders);
- an object's comments come as ``#`` lines before it (an XML comment without
  a leading ``#`` gets ``# ``), or inside its ``xml <...>`` form.

Where crmsh 4.4 has a quirk we keep it (``operations  $id-ref=`` with two
spaces, ``_rsc_set_`` before a set constraint of at most two resources);
where it has a bug that loses data we do not: a block referenced by
``$id-ref`` is shown with its ``$id=``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from fnmatch import fnmatchcase

from paceline.cib.model import (
    AclGroup,
    AclRole,
    AclTarget,
    Alert,
    Bundle,
    Clone,
    Colocation,
    Configuration,
    DateExpression,
    DateOp,
    Expression,
    ExprType,
    FencingLevel,
    Group,
    Location,
    Node,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetItem,
    NvSetRef,
    Op,
    Order,
    Primitive,
    ResourceSet,
    ResourceSetItem,
    Rule,
    RuleItem,
    RuleRef,
    Score,
    Template,
    Ticket,
    ValueSource,
)
from paceline.cib.model.attributes import (
    CONTAINER,
    NETWORK,
    PORT_MAPPING,
    STORAGE_MAPPING,
    AttrTable,
)
from paceline.crm.acl import format_permission
from paceline.crm.expressible import (
    CONSTRAINT_KINDS,
    blocks_ok,
    fencing_needs_xml,
    needs_xml,
    rule_ok,
)
from paceline.crm.walk import walk
from paceline.crm.xmlform import fencing_to_xml, section_to_xml, to_xml

__all__ = ["format_configuration", "format_objects", "quote"]

_NOQUOTES_RE = re.compile(r"[\w.-]+")
_BREAK = " \\\n\t"

_RANK = {
    "node": 0,
    "rsc_template": 1,
    "primitive": 2,
    "bundle": 3,
    "group": 4,
    "ms": 5,
    "clone": 6,
    "tag": 8,
    "location": 9,
    "colocation": 9,
    "order": 9,
    "rsc_ticket": 10,
    "fencing_topology": 10,
    "property": 11,
    "rsc_defaults": 12,
    "op_defaults": 13,
    "role": 14,
    "acl_target": 15,
    "acl_group": 15,
    "alert": 16,
}


def quote(value: str) -> str:
    """A value as crm shows it: bare if it is a plain word, else in double quotes."""
    if _NOQUOTES_RE.fullmatch(value):
        return value
    return '"' + value.replace('"', '\\"') + '"'


def _pair(name: str, value: str | None) -> str:
    return name if value is None else f"{name}={quote(value)}"


def _score(score: Score) -> str:
    return str(score).replace("INFINITY", "inf")


@dataclass(frozen=True, slots=True)
class _Refs:
    """Ids that something refers to by id-ref (they must stay visible)."""

    sets: frozenset[str]
    rules: frozenset[str]


def _collect_refs(config: Configuration) -> _Refs:
    sets: set[str] = set()
    rules: set[str] = set()
    for item in walk(config):
        if isinstance(item, NvSetRef):
            sets.add(item.id_ref)
        elif isinstance(item, RuleRef):
            rules.add(item.id_ref)
    return _Refs(frozenset(sets), frozenset(rules))


@dataclass(frozen=True, slots=True)
class _Printed:
    kind: str
    id: str
    text: str
    comments: tuple[str, ...] = ()

    def shown(self) -> str:
        """The statement after its comment lines (an ``xml`` statement holds
        its comments inside, as crmsh shows it)."""
        if self.text.startswith("xml "):
            return self.text
        return "".join(line + "\n" for line in comment_lines(self.comments)) + self.text


def comment_lines(comments: Iterable[str]) -> list[str]:
    """The ``#`` lines that show comments: each stripped, with ``# `` before it
    unless it starts with ``#`` (as crmsh 4.4 shows an XML comment); a comment
    of several lines gives one ``#`` line for each line that is not blank."""
    lines: list[str] = []
    for comment in comments:
        for line in comment.split("\n"):
            text = line.strip()
            if text:
                lines.append(text if text.startswith("#") else f"# {text}")
    return lines


class _Printer:
    def __init__(self, config: Configuration, obscure: tuple[str, ...] = ()) -> None:
        self.config = config
        self.refs = _collect_refs(config)
        self.obscure = obscure

    def nvpair(self, pair: NvPair | NvPairRef) -> str:
        if isinstance(pair, NvPairRef):
            return f"@{pair.id_ref}:{pair.name}" if pair.name is not None else f"@{pair.id_ref}"
        value = pair.value
        if value is not None and any(fnmatchcase(pair.name, glob) for glob in self.obscure):
            value = "******"
        return _pair(pair.name, value)

    # -- objects --------------------------------------------------------
    def objects(self) -> Iterator[_Printed]:
        cfg = self.config
        for node in cfg.nodes:
            text = to_xml(node) if node.score is not None else self.node(node)
            yield _Printed("node", node.id, text, node.comments)
        for template in cfg.templates:
            text = to_xml(template) if needs_xml(template) else self.primitive(template)
            yield _Printed("rsc_template", template.id, text, template.comments)
        for rsc in cfg.resources:
            yield from self.resource(rsc)
        for tag in cfg.tags:
            yield _Printed("tag", tag.id, " ".join(["tag", tag.id, *tag.refs]), tag.comments)
        for c in cfg.constraints:
            yield replace(self.constraint(c), comments=c.comments)
        if cfg.fencing_topology:
            levels = cfg.fencing_topology
            text = fencing_to_xml(levels) if fencing_needs_xml(levels) else self.fencing()
            comments = cfg.fencing_topology_comments
            yield _Printed("fencing_topology", "fencing_topology", text, comments)
        for kind, section, blocks in (
            ("property", "crm_config", cfg.crm_config),
            ("rsc_defaults", "rsc_defaults", cfg.rsc_defaults),
            ("op_defaults", "op_defaults", cfg.op_defaults),
        ):
            for block in blocks:
                if isinstance(block, NvSetRef):
                    yield _Printed(kind, block.id_ref, f"{kind} $id-ref={block.id_ref}")
                elif block.score is not None or not rule_ok(block.rule):
                    yield _Printed(kind, block.id, section_to_xml(section, (block,)))
                else:
                    text = self.properties(kind, block)
                    yield _Printed(kind, block.id, text, block.comments)
        for alert in cfg.alerts:
            yield _Printed("alert", alert.id, self.alert(alert), alert.comments)
        for entry in cfg.acls:
            yield replace(self.acl(entry), comments=entry.comments)

    def resource(self, rsc: Primitive | Group | Clone | Bundle) -> Iterator[_Printed]:
        kind = _resource_kind(rsc)
        if needs_xml(rsc):
            yield _Printed(kind, rsc.id, to_xml(rsc))
        elif isinstance(rsc, Bundle):
            yield _Printed(kind, rsc.id, self.bundle(rsc), rsc.comments)
            if rsc.primitive is not None:
                yield from self.resource(rsc.primitive)
        elif isinstance(rsc, Primitive):
            yield _Printed(kind, rsc.id, self.primitive(rsc), rsc.comments)
        else:
            children = rsc.children if isinstance(rsc, Group) else (rsc.child,)
            lines = [" ".join([kind, rsc.id, *(c.id for c in children)])]
            self.description(lines, rsc.description)
            lines.extend(self.block("params", s) for s in rsc.instance_attributes)
            lines.extend(self.block("meta", s) for s in rsc.meta_attributes)
            yield _Printed(kind, rsc.id, _BREAK.join(lines), rsc.comments)
            for child in children:
                yield from self.resource(child)

    def bundle(self, rsc: Bundle) -> str:
        lines = [f"bundle {rsc.id}"]
        self.description(lines, rsc.description)
        lines.extend(self.block("meta", s) for s in rsc.meta_attributes)
        lines.extend(self.block("params", s) for s in rsc.instance_attributes)
        c = rsc.container
        lines.append(_words(c.engine.value, *_table_pairs(c, CONTAINER)))
        net = rsc.network
        if net is not None:
            words = [_words("network", *_table_pairs(net, NETWORK))]
            words.extend(
                _words("port-mapping", *_table_pairs(m, PORT_MAPPING)) for m in net.port_mappings
            )
            lines.append(" ".join(words))
        if rsc.storage is not None:
            words = ["storage"]
            words.extend(
                _words("storage-mapping", *_table_pairs(m, STORAGE_MAPPING)) for m in rsc.storage
            )
            lines.append(" ".join(words))
        if rsc.primitive is not None:
            lines.append(f"primitive {rsc.primitive.id}")
        return _BREAK.join(lines)

    def description(self, lines: list[str], description: str | None) -> None:
        if description:
            lines.append(_pair("description", description))

    def node(self, node: Node) -> str:
        head = "node"
        if node.id != node.uname:
            head += f" {node.id}:" if _NOQUOTES_RE.fullmatch(node.id) else f' $id="{node.id}"'
        head += f" {node.uname}"
        if node.type is not None:
            head += f":{node.type.value}"
        lines = [head]
        self.description(lines, node.description)
        lines.extend(self.block("attributes", s) for s in node.instance_attributes)
        lines.extend(self.block("utilization", s) for s in node.utilization)
        return _BREAK.join(lines)

    def primitive(self, rsc: Primitive | Template) -> str:
        kind = "rsc_template" if isinstance(rsc, Template) else "primitive"
        if isinstance(rsc, Primitive) and rsc.template is not None:
            spec = f"@{rsc.template}"
        else:
            spec = _agent(rsc)
        lines = [f"{kind} {rsc.id} {spec}"]
        self.description(lines, rsc.description)
        lines.extend(self.block("params", s) for s in rsc.instance_attributes)
        lines.extend(self.block("meta", s) for s in rsc.meta_attributes)
        lines.extend(self.block("utilization", s) for s in rsc.utilization)
        head = ""
        if rsc.operations_id is not None:
            head = f"$id={rsc.operations_id}"
        if rsc.operations_ref is not None:
            head = f"{head} $id-ref={rsc.operations_ref}"
        if head:
            lines.append(f"operations {head}")
        for op in rsc.operations:
            lines.append(self.op(op))
        return _BREAK.join(lines)

    def op(self, op: Op) -> str:
        pairs: list[tuple[str, str | None]] = [
            ("interval", op.interval),
            ("timeout", op.timeout),
            ("description", op.description),
            ("start-delay", op.start_delay),
            ("interval-origin", op.interval_origin),
            ("enabled", _bool(op.enabled)),
            ("record-pending", _bool(op.record_pending)),
            ("role", None if op.role is None else op.role.value),
            ("on-fail", None if op.on_fail is None else op.on_fail.value),
        ]
        words = [f"op {op.name}"]
        words.extend(_pair(name, value) for name, value in pairs if value is not None)
        lines = [" ".join(words)]
        lines.extend(self.block("op_params", s) for s in op.instance_attributes)
        lines.extend(self.block("op_meta", s) for s in op.meta_attributes)
        return _BREAK.join(lines)

    # -- attribute blocks, rules ----------------------------------------
    def block(self, keyword: str, block: NvSetItem) -> str:
        words = [keyword]
        if isinstance(block, NvSetRef):
            words.append(f"$id-ref={block.id_ref}")
            return " ".join(words)
        if block.id in self.refs.sets:
            words.append(_pair("$id", block.id))
        if block.score is not None:
            words.append(f"{_score(block.score)}:")
        if block.rule is not None:
            words.append(f"rule {self.rule(block.rule)}")
        words.extend(self.nvpair(pair) for pair in block.nvpairs)
        return " ".join(words)

    def rule(self, rule: Rule | RuleRef) -> str:
        if isinstance(rule, RuleRef):
            return _pair("$id-ref", rule.id_ref)
        words: list[str] = []
        if rule.id in self.refs.rules:
            words.append(_pair("$id", rule.id))
        if rule.role is not None:
            words.append(_pair("$role", rule.role.value))
        if rule.score is not None and not rule.score.is_infinity:
            words.append(f"{_score(rule.score)}:")
        elif rule.score is None and rule.score_attribute is not None:
            words.append(f"{rule.score_attribute}:")
        op = rule.boolean_op.value if rule.boolean_op is not None else "and"
        words.append(f" {op} ".join(_expression(item) for item in rule.expressions))
        return " ".join(words)

    # -- constraints ------------------------------------------------------
    def constraint(self, c: Location | Colocation | Order | Ticket) -> _Printed:
        if needs_xml(c):
            return _Printed(CONSTRAINT_KINDS[type(c)], c.id, to_xml(c))
        if isinstance(c, Location):
            return _Printed("location", c.id, self.location(c))
        if isinstance(c, Colocation):
            col = _sets(c.resource_sets, "colocation") or [
                _ref(c.rsc, c.rsc_role),
                _ref(c.with_rsc, c.with_rsc_role),
            ]
            if c.node_attribute is not None:
                col.append(f"node-attribute={c.node_attribute}")
            score = "" if c.score is None else f"{_score(c.score)}: "
            return _Printed("colocation", c.id, f"colocation {c.id} {score}{' '.join(col)}")
        if isinstance(c, Order):
            col = _sets(c.resource_sets, "order") or [
                _ref(c.first, c.first_action),
                _ref(c.then, c.then_action),
            ]
            if c.symmetrical is not None:
                col.append(f"symmetrical={_bool(c.symmetrical)}")
            kind = "" if c.kind is None else str(c.kind)
            score = _score(c.score) if c.score is not None else kind
            prefix = f"{score}: " if score else ""
            return _Printed("order", c.id, f"order {c.id} {prefix}{' '.join(col)}")
        col = _sets(c.resource_sets, "rsc_ticket") or [_ref(c.rsc, c.rsc_role)]
        if c.loss_policy is not None:
            col.append(f"loss-policy={c.loss_policy.value}")
        return _Printed("rsc_ticket", c.id, f"rsc_ticket {c.id} {c.ticket}: {' '.join(col)}")

    def location(self, c: Location) -> str:
        if c.rsc is not None:
            rsc = c.rsc
        elif c.rsc_pattern is not None:
            rsc = f"/{c.rsc_pattern}/"
        else:
            rsc = "{ " + " ".join(_sets(c.resource_sets, "location")) + " }"
        head = f"location {c.id} {rsc}"
        if c.role is not None:
            head += f" role={c.role.value}"
        if c.resource_discovery is not None:
            head += f" resource-discovery={c.resource_discovery.value}"
        if c.node is not None:
            score = "" if c.score is None else _score(c.score)
            head += f" {score}: {c.node}"
        lines = [head]
        lines.extend(f"rule {self.rule(rule)}" for rule in c.rules)
        return _BREAK.join(lines)

    def fencing(self) -> str:
        levels: dict[tuple[str | None, ...], list[FencingLevel]] = {}
        for level in self.config.fencing_topology:
            if level.target_pattern is not None:
                key: tuple[str | None, ...] = (None, level.target_pattern)
            elif level.target_attribute is not None:
                key = (level.target_attribute, level.target_value)
            else:
                key = (level.target,)
            levels.setdefault(key, []).append(level)
        rendered = {
            key: " ".join(",".join(lv.devices) for lv in sorted(group, key=lambda lv: lv.index))
            for key, group in levels.items()
        }
        unames = {(node.uname,) for node in self.config.nodes}
        if len(set(rendered.values())) == 1 and set(rendered) == unames:
            return "fencing_topology " + next(iter(rendered.values()))
        lines = ["fencing_topology"]
        for key, devices in rendered.items():
            if len(key) == 1:
                target = f"{key[0]}:"
            elif key[0] is None:
                target = f"pattern:{key[1]}"
            else:
                target = f"attr:{key[0]}={key[1]}"
            lines.append(f"{target} {devices}")
        return _BREAK.join(lines)

    def acl(self, entry: AclRole | AclTarget | AclGroup) -> _Printed:
        if isinstance(entry, AclRole):
            lines = [f"role {entry.id}"]
            self.description(lines, entry.description)
            lines.extend(format_permission(p, quote) for p in entry.permissions)
            return _Printed("role", entry.id, _BREAK.join(lines))
        kind = "acl_target" if isinstance(entry, AclTarget) else "acl_group"
        if entry.name is not None:  # crm syntax has no word for it
            return _Printed(kind, entry.id, to_xml(entry))
        return _Printed(kind, entry.id, _BREAK.join([f"{kind} {entry.id}", *entry.roles]))

    def alert(self, alert: Alert) -> str:
        blocks = (alert.instance_attributes, alert.meta_attributes)
        if not all(blocks_ok(b) for b in blocks) or not all(
            blocks_ok(r.instance_attributes) and blocks_ok(r.meta_attributes)
            for r in alert.recipients
        ):
            return to_xml(alert)
        lines = [f"alert {alert.id} {quote(alert.path)}"]
        self.description(lines, alert.description)
        lines.extend(self.block("attributes", s) for s in alert.instance_attributes)
        lines.extend(self.block("meta", s) for s in alert.meta_attributes)
        select = alert.select
        if select is not None:
            words = ["select"]
            words.extend(
                name
                for name, on in (
                    ("nodes", select.nodes),
                    ("fencing", select.fencing),
                    ("resources", select.resources),
                )
                if on
            )
            if select.attributes is not None:
                words.extend(["attributes", "{", *(name for _, name in select.attributes), "}"])
            lines.append(" ".join(words))
        for recipient in alert.recipients:
            words = ["to", quote(recipient.value)]
            if recipient.description:
                words.append(_pair("description", recipient.description))
            words.extend(self.block("attributes", s) for s in recipient.instance_attributes)
            words.extend(self.block("meta", s) for s in recipient.meta_attributes)
            lines.append(" ".join(words))
        return _BREAK.join(lines)

    def properties(self, kind: str, block: NvSet) -> str:
        head = f"{block.id}:" if _NOQUOTES_RE.fullmatch(block.id) else f'$id="{block.id}"'
        lines = [f"{kind} {head}"]
        if block.rule is not None:
            lines.append(f"rule {self.rule(block.rule)}")
        lines.extend(self.nvpair(pair) for pair in block.nvpairs)
        return _BREAK.join(lines)


def _resource_kind(rsc: Primitive | Group | Clone | Bundle) -> str:
    if isinstance(rsc, Clone):
        return "ms" if rsc.legacy_master else "clone"
    return type(rsc).__name__.lower()


def _agent(rsc: Primitive | Template) -> str:
    if rsc.provider == "heartbeat" or (rsc.agent_class is None and rsc.provider is None):
        return rsc.agent_type or ""
    parts = [rsc.agent_class.value if rsc.agent_class is not None else None, rsc.provider]
    return "".join(f"{part}:" for part in parts if part) + (rsc.agent_type or "")


def _words(keyword: str, *pairs: tuple[str, object]) -> str:
    """``keyword name=value ...`` for the pairs whose value is set."""
    words = [keyword]
    words.extend(_pair(name, str(value)) for name, value in pairs if value is not None)
    return " ".join(words)


def _table_pairs(obj: object, table: AttrTable) -> tuple[tuple[str, object], ...]:
    """``obj``'s attributes in ``table`` as crm (keyword, value) pairs, in crm's order."""
    pairs: list[tuple[str, object]] = []
    for a in table.by_print_order():
        value = getattr(obj, a.field)
        pairs.append((a.crm, _bool(value) if isinstance(value, bool) else value))
    return tuple(pairs)


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _expression(item: RuleItem) -> str:
    if isinstance(item, Expression):
        op = item.operation.value
        if item.type is not None and item.type is not ExprType.STRING:
            op = f"{item.type.value}:{op}"
        if not item.value:
            return f"{op} {item.attribute}"
        if item.value_source is None or item.value_source is ValueSource.LITERAL:
            return f"{item.attribute} {op} {item.value}"
        return f"{item.attribute} {op} {item.value_source.value}{{{item.value}}}"
    if isinstance(item, DateExpression):
        return _date(item)
    raise ValueError(f"no crm syntax for {type(item).__name__}")


def _date(item: DateExpression) -> str:
    words = ["date"]
    if item.operation is DateOp.LT:
        return f"date lt {quote(item.end or '')}"
    if item.operation is DateOp.GT:
        return f"date gt {quote(item.start or '')}"
    words.append("in" if item.operation is DateOp.IN_RANGE else "spec")
    if item.operation is DateOp.IN_RANGE:
        words.extend(_pair(n, v) for n, v in (("start", item.start), ("end", item.end)) if v)
    for sub in (item.duration, item.date_spec):
        if sub is None:
            continue
        for f in fields(sub):
            value = getattr(sub, f.name)
            if f.name != "id" and value is not None:
                words.append(_pair(f.name, value))
    return " ".join(words)


def _ref(rsc: str | None, qualifier: object) -> str:
    name = rsc or ""
    if qualifier is None:
        return name
    return f"{name}:{getattr(qualifier, 'value', qualifier)}"


def _sets(items: tuple[ResourceSetItem, ...], kind: str) -> list[str]:
    """A constraint's sets in crm syntax (empty list if it has none)."""
    col: list[str] = []
    count = 0
    sequential: bool | None = None
    require_all: bool | None = None
    for item in items:
        if not isinstance(item, ResourceSet):
            raise ValueError("resource set references have no crm syntax")
        sequential, require_all = item.sequential, item.require_all
        if require_all is False:
            col.append("[")
        elif sequential is False:
            col.append("(")
        qualifier = item.action if kind == "order" else item.role
        col.extend(_ref(member, qualifier) for member in item.resources)
        count += len(item.resources)
        if require_all is False:
            if sequential in (None, True):
                col.append("sequential=true")
            col.append("]")
        elif sequential is False:
            col.append(")")
    if not items:
        return col
    plain = sequential in (None, True) and require_all in (None, True)
    ticket = kind == "rsc_ticket"
    if kind != "location" and ((plain and not ticket and count <= 2) or (ticket and count <= 1)):
        col.insert(0, "_rsc_set_")
    return col


def _sorted(printed: Iterable[_Printed]) -> list[_Printed]:
    return sorted(printed, key=lambda p: (_RANK.get(p.kind, 1000), p.id))


def format_objects(
    config: Configuration, ids: Iterable[str] | None = None, *, obscure: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """``(id, statement)`` of each object, in ``show`` order; only ``ids`` if given;
    values of parameters whose name matches a glob in ``obscure`` show as ``******``."""
    wanted = None if ids is None else set(ids)
    printed = _Printer(config, obscure).objects()
    return [(p.id, p.shown()) for p in _sorted(printed) if wanted is None or p.id in wanted]


def format_configuration(
    config: Configuration, ids: Iterable[str] | None = None, *, obscure: tuple[str, ...] = ()
) -> str:
    """The whole ``show`` text (each statement ends with a newline)."""
    return "".join(text + "\n" for _, text in format_objects(config, ids, obscure=obscure))
