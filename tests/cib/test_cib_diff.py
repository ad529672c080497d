"""Configuration diffs: by id, per section, empty exactly when equal."""

from __future__ import annotations

from dataclasses import replace

from cibtest import CORPUS
from hypothesis import HealthCheck, given, settings
from strategies import configurations

from paceline.cib.codec import decode_cib
from paceline.cib.diff import Change, ChangeKind, diff_configurations
from paceline.cib.model import (
    AgentClass,
    Configuration,
    Group,
    NvPair,
    NvSet,
    NvSetRef,
    Primitive,
)

CFG = decode_cib((CORPUS / "bundle-order-fencing.xml").read_bytes()).configuration


def test_no_change() -> None:
    assert diff_configurations(CFG, CFG) == ()
    same = decode_cib((CORPUS / "bundle-order-fencing.xml").read_bytes()).configuration
    assert diff_configurations(CFG, same) == ()


def test_added_removed_changed() -> None:
    first, second, *rest = CFG.constraints
    new = replace(
        CFG,
        constraints=(first, *rest),
        crm_config=(*CFG.crm_config, NvSet("extra", (NvPair("extra-1", "x", "1"),))),
        nodes=(replace(CFG.nodes[0], description="rack 1"), *CFG.nodes[1:]),
    )
    assert diff_configurations(CFG, new) == (
        Change(ChangeKind.ADDED, "crm_config", "extra"),
        Change(ChangeKind.CHANGED, "nodes", CFG.nodes[0].id),
        Change(ChangeKind.REMOVED, "constraints", second.id),
    )
    assert str(Change(ChangeKind.REMOVED, "constraints", "c1")) == "constraints: removed c1"


def test_change_inside_a_group_is_a_change_of_the_group() -> None:
    group = Group("g", (_prim("a"), _prim("b")))
    old = Configuration(resources=(group,))
    inner = replace(group.children[1], description="now described")
    new = Configuration(resources=(replace(group, children=(group.children[0], inner)),))
    assert diff_configurations(old, new) == (Change(ChangeKind.CHANGED, "resources", "g"),)


def test_reordered() -> None:
    new = replace(CFG, resources=tuple(reversed(CFG.resources)))
    assert len(CFG.resources) > 1
    assert diff_configurations(CFG, new) == (Change(ChangeKind.REORDERED, "resources"),)


def test_references_are_keyed_by_target() -> None:
    old = Configuration(rsc_defaults=(NvSetRef("a"),))
    new = Configuration(rsc_defaults=(NvSetRef("b"),))
    assert diff_configurations(old, new) == (
        Change(ChangeKind.REMOVED, "rsc_defaults", "id-ref=a"),
        Change(ChangeKind.ADDED, "rsc_defaults", "id-ref=b"),
    )


def _prim(rsc_id: str) -> Primitive:
    return Primitive(rsc_id, AgentClass.OCF, "heartbeat", "Dummy")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configurations, configurations)
def test_empty_exactly_when_equal(a: Configuration, b: Configuration) -> None:
    assert diff_configurations(a, a) == ()
    assert (diff_configurations(a, b) == ()) == (a == b)
