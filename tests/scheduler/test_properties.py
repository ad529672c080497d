"""Property tests of the scheduler on generated CIBs (hypothesis).

For random clusters (nodes online, offline or in standby; primitives, a
group, a clone; locations, colocations, orders; a status section with
resources running here and there):

- the same input gives the same transition, also with the status
  section's operation entries shuffled;
- nothing is placed on a node that is offline, in standby, or has a
  -INFINITY location for it;
- the members of a group that run are on one node;
- a primitive outside clones runs on at most one node after the transition;
- the graph has no cycle, every edge joins actions of the graph, and a
  resource's stop comes before its start elsewhere.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paceline.cib.codec import decode_cib
from paceline.scheduler import Transition, schedule_with_state, to_dot
from paceline.scheduler.unpack import Cluster


@dataclass
class Spec:
    nodes: list[tuple[str, str]]  # (name, online|offline|standby)
    prims: list[str]
    group: list[str]
    clone: bool
    locations: list[tuple[str, str, str]]  # (rsc, node, score)
    colocations: list[tuple[str, str, str]]
    orders: list[tuple[str, str]]
    running: dict[str, list[str]] = field(default_factory=dict)  # rsc -> nodes
    seed: int = 0


SCORES = st.sampled_from(["-INFINITY", "INFINITY", "100", "-100", "0", "5"])


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n_nodes = draw(st.integers(2, 4))
    states = draw(
        st.lists(
            st.sampled_from(["online", "online", "offline", "standby"]),
            min_size=n_nodes,
            max_size=n_nodes,
        )
    )
    nodes = [(f"n{i}", states[i]) for i in range(n_nodes)]
    prims = [f"r{i}" for i in range(draw(st.integers(1, 5)))]
    group = [f"g{i}" for i in range(draw(st.integers(0, 3)))]
    clone = draw(st.booleans())
    names = prims + (["grp"] if group else []) + (["cl"] if clone else [])
    node_names = [n for n, _ in nodes]
    locations = draw(
        st.lists(st.tuples(st.sampled_from(names), st.sampled_from(node_names), SCORES), max_size=4)
    )
    pairs = st.tuples(st.sampled_from(names), st.sampled_from(names)).filter(lambda p: p[0] != p[1])
    colocations = [(a, b, s) for (a, b), s in draw(st.lists(st.tuples(pairs, SCORES), max_size=3))]
    orders = draw(st.lists(pairs, max_size=3))
    running: dict[str, list[str]] = {}
    for rid in prims + group:
        where = draw(st.lists(st.sampled_from(node_names), max_size=1))
        running[rid] = where
    if clone:
        running["c"] = draw(st.lists(st.sampled_from(node_names), unique=True, max_size=n_nodes))
    return Spec(
        nodes,
        prims,
        group,
        clone,
        locations,
        colocations,
        orders,
        running,
        draw(st.integers(0, 2**16)),
    )


def _prim(rid: str) -> str:
    return (
        f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<operations><op id="{rid}-m" name="monitor" interval="10s"/></operations></primitive>'
    )


def _ops(rid: str, shuffle: random.Random | None) -> str:
    ops = [
        f'<lrm_rsc_op id="{rid}_monitor_0" operation="monitor" call-id="1" rc-code="7" '
        f'op-status="0" interval="0" transition-key="1:1:7:x"/>',
        f'<lrm_rsc_op id="{rid}_start_0" operation="start" call-id="2" rc-code="0" '
        f'op-status="0" interval="0" transition-key="2:1:0:x"/>',
        f'<lrm_rsc_op id="{rid}_monitor_10000" operation="monitor" call-id="3" rc-code="0" '
        f'op-status="0" interval="10000" transition-key="3:1:0:x"/>',
    ]
    if shuffle is not None:
        shuffle.shuffle(ops)
    return "".join(ops)


def to_xml(spec: Spec, shuffle: bool = False) -> bytes:
    rng = random.Random(spec.seed) if shuffle else None
    res = [_prim(r) for r in spec.prims]
    if spec.group:
        res.append('<group id="grp">' + "".join(_prim(m) for m in spec.group) + "</group>")
    if spec.clone:
        res.append(f'<clone id="cl">{_prim("c")}</clone>')
    cons = [
        f'<rsc_location id="l{i}" rsc="{r}" node="{n}" score="{s}"/>'
        for i, (r, n, s) in enumerate(spec.locations)
    ]
    cons += [
        f'<rsc_colocation id="c{i}" rsc="{a}" with-rsc="{b}" score="{s}"/>'
        for i, (a, b, s) in enumerate(spec.colocations)
    ]
    cons += [
        f'<rsc_order id="o{i}" first="{a}" then="{b}"/>' for i, (a, b) in enumerate(spec.orders)
    ]
    nodes = "".join(
        f'<node id="{n}" uname="{n}">'
        + (
            f'<instance_attributes id="{n}-a"><nvpair id="{n}-s" name="standby" value="on"/>'
            "</instance_attributes>"
            if state == "standby"
            else ""
        )
        + "</node>"
        for n, state in spec.nodes
    )
    status = []
    for n, state in spec.nodes:
        if state == "offline":
            status.append(
                f'<node_state id="{n}" uname="{n}" in_ccm="false" crmd="offline" join="down" '
                'expected="down"/>'
            )
            continue
        lrm = [
            f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            + _ops(rid, rng)
            + "</lrm_resource>"
            for rid, where in spec.running.items()
            if n in where
        ]
        status.append(
            f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
            f'expected="member"><lrm id="{n}"><lrm_resources>{"".join(lrm)}</lrm_resources>'
            "</lrm></node_state>"
        )
    return (
        '<cib validate-with="pacemaker-3.7" admin_epoch="0" epoch="1" num_updates="0" '
        'have-quorum="1"><configuration><crm_config><cluster_property_set id="o">'
        '<nvpair id="o-s" name="stonith-enabled" value="false"/></cluster_property_set>'
        f"</crm_config><nodes>{nodes}</nodes><resources>{''.join(res)}</resources>"
        f"<constraints>{''.join(cons)}</constraints></configuration>"
        f"<status>{''.join(status)}</status></cib>"
    ).encode()


def _schedule(data: bytes) -> tuple[Cluster, Transition]:
    return schedule_with_state(decode_cib(data, file="generated.xml"))


def _reaches(t: Transition) -> dict[str, set[str]]:
    succ: dict[str, set[str]] = {}
    for a, b in t.edges:
        succ.setdefault(a.key, set()).add(b.key)
    reach: dict[str, set[str]] = {}
    for start in succ:
        seen: set[str] = set()
        todo = list(succ[start])
        while todo:
            k = todo.pop()
            if k not in seen:
                seen.add(k)
                todo += succ.get(k, ())
        reach[start] = seen
    return reach


PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(specs())
def test_same_input_same_transition(spec: Spec) -> None:
    _, first = _schedule(to_xml(spec))
    _, again = _schedule(to_xml(spec))
    _, shuffled = _schedule(to_xml(spec, shuffle=True))
    assert first.summary == again.summary == shuffled.summary
    assert to_dot(first) == to_dot(again) == to_dot(shuffled)


@PROPS
@given(specs())
def test_placement_respects_nodes_and_bans(spec: Spec) -> None:
    cluster, t = _schedule(to_xml(spec))
    state = dict(spec.nodes)
    banned = {(r, n) for r, n, s in spec.locations if s == "-INFINITY"}
    for rid, node in t.placement.items():
        if node is None:
            continue
        assert state[node] == "online", (rid, node)
        rsc = cluster.rscs[rid]
        top = (rsc.clone and "cl") or (rsc.group and "grp") or rid
        assert (top, node) not in banned, (rid, node)


@PROPS
@given(specs())
def test_groups_together_and_one_node_each(spec: Spec) -> None:
    cluster, t = _schedule(to_xml(spec))
    placed = {t.placement.get(m) for m in spec.group} - {None}
    assert len(placed) <= 1
    # a placement is one node per primitive; a clone's instances differ in node
    clone_nodes = [t.placement.get(r) for r in cluster.rscs if r.startswith("c:")]
    clone_nodes = [n for n in clone_nodes if n is not None]
    assert len(clone_nodes) == len(set(clone_nodes))


@PROPS
@given(specs())
def test_graph_is_acyclic_and_closed(spec: Spec) -> None:
    _, t = _schedule(to_xml(spec))
    keys = {a.key for a in t.actions}
    for a, b in t.edges:
        assert a.key in keys and b.key in keys, (a.key, b.key)
    reach = _reaches(t)
    for k, later in reach.items():
        assert k not in later, f"cycle through {k}"
    for a in t.actions:
        if a.task != "stop" or a.cancel:
            continue
        for b in t.actions:
            if b.rsc == a.rsc and b.task == "start" and b.node != a.node:
                assert b.key in reach.get(a.key, set()), (a.key, b.key)
