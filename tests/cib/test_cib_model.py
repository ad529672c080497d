"""Navigation helpers of the model, on a corpus CIB and on hand-built ones."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from cibtest import CORPUS

from paceline.cib.codec import decode_cib
from paceline.cib.model import (
    AgentClass,
    Bundle,
    Clone,
    Configuration,
    Container,
    ContainerEngine,
    Group,
    Location,
    Node,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetRef,
    Primitive,
    Score,
    Template,
    find_constraint,
    find_node,
    find_resource,
    first_value,
    parent_of,
    primitives,
    property_value,
    walk_resources,
)


def prim(rsc_id: str) -> Primitive:
    return Primitive(rsc_id, AgentClass.OCF, "heartbeat", "Dummy")


CFG = Configuration(
    crm_config=(
        NvSetRef("shared"),
        NvSet("opts", (NvPairRef("x"), NvPair("opts-1", "stonith-enabled", "false"))),
        NvSet("later", (NvPair("later-1", "stonith-enabled", "true"),)),
    ),
    nodes=(Node("1", "alpha"), Node("beta", "2")),
    resources=(
        Group("g", (prim("a"), prim("b"))),
        Clone("c", Group("cg", (prim("d"),))),
        Bundle("bu", Container(ContainerEngine.PODMAN, "img"), primitive=prim("e")),
        prim("f"),
    ),
    templates=(Template("t", AgentClass.OCF, "Dummy", "heartbeat"),),
    constraints=(Location("loc", rsc="f", score=Score(5), node="alpha"),),
)


def test_walk_is_depth_first_in_document_order() -> None:
    walked = [
        (rsc.id, parent.id if parent else None) for rsc, parent in walk_resources(CFG.resources)
    ]
    assert walked == [
        ("g", None),
        ("a", "g"),
        ("b", "g"),
        ("c", None),
        ("cg", "c"),
        ("d", "cg"),
        ("bu", None),
        ("e", "bu"),
        ("f", None),
    ]
    assert [p.id for p in primitives(CFG)] == ["a", "b", "d", "e", "f"]


def test_find_and_parent() -> None:
    assert find_resource(CFG, "d") == prim("d")
    assert isinstance(find_resource(CFG, "t"), Template)
    assert find_resource(CFG, "zzz") is None
    assert parent_of(CFG, "d") == CFG.resources[1].child  # type: ignore[union-attr]
    assert parent_of(CFG, "e") is CFG.resources[2]
    assert parent_of(CFG, "f") is None
    assert find_constraint(CFG, "loc") is CFG.constraints[0]
    assert find_constraint(CFG, "nope") is None


def test_find_node_prefers_uname() -> None:
    assert find_node(CFG, "alpha") == Node("1", "alpha")
    # "2" is beta's uname, not alpha's id... and "1" is only an id.
    assert find_node(CFG, "2") == Node("beta", "2")
    assert find_node(CFG, "1") == Node("1", "alpha")
    assert find_node(CFG, "gamma") is None


def test_first_value_skips_references() -> None:
    assert property_value(CFG, "stonith-enabled") == "false"
    assert first_value(CFG.crm_config, "absent") is None
    assert CFG.crm_config[1].get("stonith-enabled") == "false"  # type: ignore[union-attr]


def test_model_is_immutable_and_hashable() -> None:
    with pytest.raises(FrozenInstanceError):
        CFG.nodes[0].uname = "x"  # type: ignore[misc]
    assert hash(CFG) == hash(Configuration(**{f: getattr(CFG, f) for f in CFG.__slots__}))


def test_corpus_cib_navigation() -> None:
    cib = decode_cib((CORPUS / "bundle-order-fencing.xml").read_bytes())
    ids = [rsc.id for rsc, _ in walk_resources(cib.configuration.resources)]
    assert len(ids) == len(set(ids))
    for rsc_id in ids:
        found = find_resource(cib.configuration, rsc_id)
        assert found is not None and found.id == rsc_id
