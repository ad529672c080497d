"""paceline.cib.index and paceline.cib.walk: one index per configuration with
lookups by id and parent links, and one generic walk."""

from __future__ import annotations

from pathlib import Path

import pytest

from paceline.cib.codec import decode_cib
from paceline.cib.index import CibIndex, constrained, index_of
from paceline.cib.model import (
    Bundle,
    Clone,
    Colocation,
    Configuration,
    Group,
    Location,
    Node,
    NvPair,
    NvSet,
    Op,
    Order,
    Primitive,
    ResourceSet,
    Rule,
    Tag,
    Template,
    find_constraint,
    find_node,
    find_resource,
    parent_of,
)
from paceline.cib.model.enums import AgentClass, ContainerEngine
from paceline.cib.model.resources import Container
from paceline.cib.walk import all_ids, walk, walk_resources, xml_ids
from shared_paths import CORPUS

rule = Rule(id="r1", expressions=())
mon = Op(id="a-mon", name="monitor", interval="10s")
CFG = Configuration(
    crm_config=(NvSet(id="props", nvpairs=(NvPair(id="p1", name="stonith-enabled", value="0"),)),),
    nodes=(Node(id="1", uname="n1"), Node(id="2", uname="n2")),
    resources=(
        Group(id="g", children=(Primitive(id="a", operations=(mon,)), Primitive(id="b"))),
        Clone(id="cl", child=Group(id="cg", children=(Primitive(id="c"),))),
        Bundle(
            id="bu",
            container=Container(engine=ContainerEngine.PODMAN, image="x"),
            primitive=Primitive(id="d"),
        ),
    ),
    templates=(
        Template(
            id="t",
            agent_class=AgentClass.OCF,
            agent_type="Dummy",
            operations=(Op(id="t-mon", name="monitor", interval="5s"),),
        ),
    ),
    constraints=(
        Colocation(id="col", score=None, rsc="a", with_rsc="cl"),
        Order(id="ord", resource_sets=(ResourceSet(id="set", resources=("b", "c", "b")),)),
        Location(id="loc", rsc="d", node=None, score=None, rules=(rule,)),
    ),
    tags=(Tag(id="tg", refs=("a",)),),
)


def test_lookups_by_id_reach_every_depth() -> None:
    ix = index_of(CFG)
    assert set(ix.resources) == {"g", "a", "b", "cl", "cg", "c", "bu", "d"}
    assert {k: v.id for k, v in ix.parents.items()} == {
        "a": "g", "b": "g", "cg": "cl", "c": "cg", "d": "bu",
    }  # fmt: skip
    assert ix.top("c").id == "cl" and ix.top("g").id == "g"
    assert [p.id for p in ix.ancestors("c")] == ["cg", "cl"]
    assert ix.templates["t"].agent_type == "Dummy"
    assert set(ix.constraints) == {"col", "ord", "loc"}
    assert ix.resource_sets["set"].resources == ("b", "c", "b")
    assert ix.nvsets["props"].nvpairs[0].name == "stonith-enabled"  # type: ignore[union-attr]
    assert ix.rules["r1"] is rule
    assert ix.ops["a-mon"] is mon and ix.op_owner["a-mon"].id == "a"
    assert ix.op_owner["t-mon"].id == "t"
    assert ix.tags["tg"].refs == ("a",)
    assert ix.node("n2") is ix.nodes["2"] and ix.node("1") is ix.nodes_by_uname["n1"]
    assert ix.resource_or_template("t") is CFG.templates[0]
    assert ix.resource_or_template("nope") is None


def test_the_resources_a_constraint_names_and_back() -> None:
    ix = index_of(CFG)
    assert constrained(CFG.constraints[0]) == ["a", "cl"]
    assert constrained(CFG.constraints[1]) == ["b", "c", "b"]
    assert [c.id for c in ix.constraints_on("b")] == ["ord"]  # named twice, listed once
    assert [c.id for c in ix.constraints_on("cl")] == ["col"]
    assert [c.id for c in ix.constraints_on("d")] == ["loc"]
    assert ix.constraints_on("g") == ()


def test_built_once_per_configuration_object() -> None:
    ix = index_of(CFG)
    assert index_of(CFG) is ix
    other = Configuration(resources=(Primitive(id="z"),))
    assert index_of(other) is not ix and set(index_of(other).resources) == {"z"}
    equal_copy = Configuration(resources=(Primitive(id="z"),))
    assert index_of(equal_copy).resources.keys() == {"z"}


def test_model_lookups_answer_from_the_index() -> None:
    assert find_resource(CFG, "c") is CFG.resources[1].child.children[0]  # type: ignore[union-attr]
    assert find_resource(CFG, "t") is CFG.templates[0]
    assert find_resource(CFG, "nope") is None
    assert parent_of(CFG, "d") is CFG.resources[2]
    assert parent_of(CFG, "g") is None
    assert find_constraint(CFG, "ord") is CFG.constraints[1]
    assert find_node(CFG, "n1") is CFG.nodes[0] and find_node(CFG, "2") is CFG.nodes[1]


def test_duplicate_ids_and_plain_text_node_ids() -> None:
    cfg = Configuration(
        nodes=(Node(id="a", uname="n1"),),  # a node id is not an XML ID
        resources=(Primitive(id="a"), Group(id="g", children=(Primitive(id="x"),))),
        templates=(Template(id="x", agent_class=AgentClass.OCF, agent_type="Dummy"),),
    )
    ix = CibIndex.build(cfg)
    assert ix.duplicate_ids == ("x",)
    assert "a" in ix.all_ids
    assert list(all_ids(cfg)).count("a") == 2 and list(xml_ids(cfg)).count("a") == 1


def test_walk_is_depth_first_in_field_order() -> None:
    ids = [getattr(o, "id", None) for o in walk(CFG.resources[1])]
    assert ids == ["cl", "cg", "c"]
    assert [(r.id, p and p.id) for r, p in walk_resources(CFG.resources)][:4] == [
        ("g", None), ("a", "g"), ("b", "g"), ("cl", None),
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["bundle-order-fencing.xml", "clone-anon-failcount.xml"])
def test_index_of_corpus_cibs_matches_a_plain_walk(name: str) -> None:
    path: Path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    cfg = decode_cib(path.read_bytes(), file=str(path)).configuration
    ix = index_of(cfg)
    assert list(ix.resources) == [r.id for r, _ in walk_resources(cfg.resources)]
    for rsc_id in ix.resources:
        assert find_resource(cfg, rsc_id) is ix.resources[rsc_id]
    for c in cfg.constraints:
        for ref in constrained(c):
            assert c in ix.constraints_on(ref)
