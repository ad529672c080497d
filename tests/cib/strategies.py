"""Hypothesis strategies generating CIB models (resources, constraints, nvsets with rules)."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Any, TypeVar

from hypothesis import strategies as st

from paceline.cib.model import (
    AclGroup,
    AclKind,
    AclPermission,
    AclRole,
    AclTarget,
    Action,
    AgentClass,
    Alert,
    AlertRecipient,
    AlertSelect,
    BooleanOp,
    Bundle,
    BundleNetwork,
    Cib,
    Clone,
    Colocation,
    Configuration,
    Container,
    ContainerEngine,
    DateExpression,
    DateOp,
    DateSpec,
    Discovery,
    Duration,
    Expression,
    ExprOp,
    ExprType,
    FencingLevel,
    Group,
    Location,
    LossPolicy,
    Lrm,
    LrmResource,
    LrmRscOp,
    Node,
    NodeState,
    NodeType,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetRef,
    OnFail,
    Op,
    OpExpression,
    Order,
    OrderKind,
    PortMapping,
    Primitive,
    ResourceSet,
    ResourceSetRef,
    Role,
    RscExpression,
    Rule,
    RuleRef,
    Score,
    SetOrdering,
    Status,
    StorageMapping,
    Tag,
    Template,
    Ticket,
    TicketState,
    TransientAttributes,
    ValueSource,
)

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

ids = st.from_regex(r"[a-z][a-z0-9_.-]{0,8}", fullmatch=True)
# Attribute text, including characters that need escaping in XML.
texts = st.text(alphabet=st.sampled_from("abcXYZ019 -_:/.,;<>&\"'=\t\né→"), max_size=12)
scores = st.builds(Score, st.integers(-2_000_000, 2_000_000))
bools = st.booleans()
ints = st.integers(-5, 10**10)


def opt(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def enum(e: type[E]) -> st.SearchStrategy[E]:
    return st.sampled_from(list(e))


def tup(strategy: st.SearchStrategy[T], max_size: int = 3) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(strategy, max_size=max_size).map(tuple)


def tup1(strategy: st.SearchStrategy[T], max_size: int = 3) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(strategy, min_size=1, max_size=max_size).map(tuple)


# XML comments cannot hold "--" or end with "-".
comment_texts = tup(
    st.text(alphabet=st.sampled_from("ab #-é\n"), max_size=8).filter(
        lambda t: "--" not in t and not t.endswith("-")
    ),
    2,
)


def commented(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``strategy``'s objects with comments (only for the configuration objects
    that own the comments inside their element, see ``reader.inner_comments``)."""

    def with_comments(pair: tuple[Any, tuple[str, ...]]) -> Any:
        obj, comments = pair
        return obj if isinstance(obj, NvSetRef) else replace(obj, comments=comments)

    return st.tuples(strategy, comment_texts).map(with_comments)


expressions = st.builds(
    Expression, ids, texts, enum(ExprOp), opt(texts), opt(enum(ExprType)), opt(enum(ValueSource))
)
date_specs = st.builds(DateSpec, ids, hours=opt(texts), weekdays=opt(texts), moon=opt(texts))
durations = st.builds(Duration, ids, days=opt(texts), hours=opt(texts), moon=opt(texts))
date_expressions = st.builds(
    DateExpression, ids, enum(DateOp), opt(texts), opt(texts), opt(durations), opt(date_specs)
)
leaf_items = (
    expressions
    | date_expressions
    | st.builds(RscExpression, ids, opt(texts), opt(texts), opt(texts))
    | st.builds(OpExpression, ids, texts, opt(texts))
    | st.builds(RuleRef, ids)
)


def _rules(children: st.SearchStrategy[object]) -> st.SearchStrategy[Rule]:
    return st.builds(
        Rule,
        ids,
        tup1(children),
        opt(enum(BooleanOp)),
        opt(enum(Role)),
        opt(scores),
        opt(texts),
    )


rules: st.SearchStrategy[Rule] = _rules(
    st.recursive(leaf_items, lambda inner: _rules(inner), max_leaves=6)
)
rule_items = rules | st.builds(RuleRef, ids)

nvpairs = st.builds(NvPair, ids, texts, opt(texts)) | st.builds(NvPairRef, ids, opt(texts))
nvsets = st.builds(NvSet, ids, tup(nvpairs, 4), opt(rule_items), opt(scores)) | st.builds(
    NvSetRef, ids
)
nvset_tuples = tup(nvsets, 2)

ops = st.builds(
    Op,
    ids,
    texts,
    texts,
    opt(texts),
    opt(texts),
    opt(texts),
    opt(texts),
    opt(bools),
    opt(bools),
    opt(enum(Role)),
    opt(enum(OnFail)),
    nvset_tuples,
    nvset_tuples,
)
_agent_primitives = st.builds(
    Primitive,
    ids,
    enum(AgentClass),
    opt(texts),
    texts,
    st.none(),
    opt(texts),
    nvset_tuples,
    nvset_tuples,
    nvset_tuples,
    tup(ops),
    opt(ids),
    opt(ids),
)
_template_primitives = st.builds(
    Primitive, ids, template=ids, meta_attributes=nvset_tuples, operations=tup(ops)
)
primitives = commented(_agent_primitives | _template_primitives)
templates = commented(
    st.builds(
        Template,
        ids,
        enum(AgentClass),
        texts,
        opt(texts),
        opt(texts),
        nvset_tuples,
        nvset_tuples,
        nvset_tuples,
        tup(ops),
    )
)
groups = commented(st.builds(Group, ids, tup1(primitives), opt(texts), nvset_tuples, nvset_tuples))
clones = commented(
    st.builds(Clone, ids, primitives | groups, opt(texts), nvset_tuples, nvset_tuples, bools)
)
containers = st.builds(
    Container,
    enum(ContainerEngine),
    texts,
    opt(ints),
    opt(ints),
    opt(ints),
    opt(texts),
    opt(texts),
    opt(texts),
)
port_mappings = st.builds(PortMapping, ids, opt(ints), opt(ints), opt(texts))
networks = st.builds(
    BundleNetwork, opt(texts), opt(ints), opt(texts), opt(ints), opt(bools), tup(port_mappings)
)
storage_mappings = st.builds(StorageMapping, ids, texts, opt(texts), opt(texts), opt(texts))
bundles = commented(
    st.builds(
        Bundle,
        ids,
        containers,
        opt(texts),
        nvset_tuples,
        nvset_tuples,
        opt(networks),
        opt(tup(storage_mappings)),
        opt(primitives),
    )
)
resources = primitives | groups | clones | bundles

resource_sets = st.builds(
    ResourceSet,
    ids,
    tup1(ids),
    opt(bools),
    opt(bools),
    opt(enum(SetOrdering)),
    opt(enum(Action)),
    opt(enum(Role)),
    opt(scores),
    opt(enum(OrderKind)),
) | st.builds(ResourceSetRef, ids)
set_tuples = tup1(resource_sets, 3)
lifetimes = tup(rule_items, 2)

locations = st.one_of(
    st.builds(
        Location,
        ids,
        rsc=ids,
        role=opt(enum(Role)),
        score=scores,
        node=texts,
        resource_discovery=opt(enum(Discovery)),
    ),
    st.builds(
        Location,
        ids,
        rsc_pattern=texts,
        rules=tup1(rule_items, 2),
        lifetime=lifetimes,
    ),
    st.builds(Location, ids, resource_sets=set_tuples, score=scores, node=texts),
)
colocations = st.one_of(
    st.builds(
        Colocation,
        ids,
        opt(scores),
        ids,
        ids,
        opt(enum(Role)),
        opt(enum(Role)),
        opt(texts),
        opt(texts),
        lifetime=lifetimes,
    ),
    st.builds(Colocation, ids, opt(scores), resource_sets=set_tuples),
)
orders = st.one_of(
    st.builds(
        Order,
        ids,
        ids,
        ids,
        opt(enum(Action)),
        opt(enum(Action)),
        opt(enum(OrderKind)),
        opt(scores),
        opt(bools),
        opt(bools),
        lifetime=lifetimes,
    ),
    st.builds(Order, ids, kind=opt(enum(OrderKind)), resource_sets=set_tuples),
)
tickets = st.one_of(
    st.builds(Ticket, ids, texts, ids, opt(enum(Role)), opt(enum(LossPolicy))),
    st.builds(Ticket, ids, texts, resource_sets=set_tuples),
)
constraints = commented(locations | colocations | orders | tickets)

nodes = commented(
    st.builds(
        Node, ids, texts, opt(enum(NodeType)), opt(texts), opt(scores), nvset_tuples, nvset_tuples
    )
)
fencing_levels = st.builds(
    FencingLevel, ids, st.integers(1, 9), tup1(ids), opt(texts), opt(texts), opt(texts), opt(texts)
)
alerts = commented(
    st.builds(
        Alert,
        ids,
        texts,
        opt(texts),
        nvset_tuples,
        nvset_tuples,
        opt(st.builds(AlertSelect, opt(tup(st.tuples(ids, texts))), bools, bools, bools)),
        tup(st.builds(AlertRecipient, ids, texts, opt(texts), nvset_tuples, nvset_tuples)),
    )
)
acl_entries = commented(
    st.one_of(
        st.builds(AclTarget, ids, tup(ids), opt(texts)),
        st.builds(AclGroup, ids, tup(ids), opt(texts)),
        st.builds(
            AclRole,
            ids,
            tup(
                st.builds(
                    AclPermission,
                    ids,
                    enum(AclKind),
                    opt(texts),
                    opt(ids),
                    opt(texts),
                    opt(texts),
                    opt(texts),
                )
            ),
            opt(texts),
        ),
    )
)

configurations = st.builds(
    Configuration,
    crm_config=tup(commented(nvsets), 2),
    nodes=tup(nodes),
    resources=tup(resources, 4),
    templates=tup(templates, 1),
    constraints=tup(constraints, 4),
    rsc_defaults=tup(commented(nvsets), 2),
    op_defaults=tup(commented(nvsets), 2),
    fencing_topology=tup(fencing_levels, 2),
    fencing_topology_comments=comment_texts,
    tags=tup(commented(st.builds(Tag, ids, tup(ids)))),
    alerts=tup(alerts, 1),
    acls=tup(acl_entries, 2),
)

lrm_ops = st.builds(
    LrmRscOp,
    ids,
    texts,
    ints,
    ints,
    ints,
    ints,
    opt(texts),
    last_run=opt(ints),
    exec_time=opt(ints),
    op_digest=opt(texts),
    exit_reason=opt(texts),
)
node_states = st.builds(
    NodeState,
    opt(ids),
    opt(texts),
    opt(texts),
    opt(texts),
    opt(texts),
    opt(texts),
    transient_attributes=opt(st.builds(TransientAttributes, ids, nvset_tuples)),
    lrm=opt(
        st.builds(
            Lrm,
            ids,
            tup(st.builds(LrmResource, ids, texts, texts, opt(texts), opt(ids), tup(lrm_ops))),
            opt(texts),
            opt(ids),
        )
    ),
)
statuses = st.builds(
    Status,
    tup(node_states, 2),
    opt(tup(st.builds(TicketState, ids, opt(bools), opt(ints), opt(bools)))),
)
cibs = st.builds(
    Cib,
    configurations,
    statuses,
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    opt(texts),
    opt(bools),
    opt(texts),
    opt(texts),
)
