"""Hand-made CIBs, each with the verdict Debian's crm_verify 2.1.5 gives it.

The verdicts were recorded by running ``crm_verify -x`` on each case;
``test_verify_crmsh.py`` re-checks every recording against the real binary,
and the test here checks ``paceline.crm.verify`` against the recordings (so
it runs where Pacemaker is not installed).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from paceline.cib.codec import decode_cib
from paceline.core.errors import ConfigError
from paceline.crm.verify import Verdict, verdict, verify

OFF = '<nvpair id="opt-1" name="stonith-enabled" value="false"/>'
NODES2 = '<node id="1" uname="node1"/><node id="2" uname="node2"/>'
NODES3 = NODES2 + '<node id="3" uname="node3"/>'
D12 = (
    '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>'
    '<primitive id="d2" class="ocf" provider="pacemaker" type="Dummy"/>'
)
GROUP = (
    '<group id="g"><primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/>'
    '<primitive id="g2" class="ocf" provider="pacemaker" type="Dummy"/></group>'
)
CLONES = (
    '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>'
    '<clone id="cl"><primitive id="c1" class="ocf" provider="pacemaker" type="Dummy"/></clone>'
    '<clone id="cg"><group id="gg">'
    '<primitive id="gc1" class="ocf" provider="pacemaker" type="Dummy"/></group></clone>'
)
RUNNING_D1 = (
    '<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" '
    'expected="member"><lrm id="1"><lrm_resources>'
    '<lrm_resource id="d1" class="ocf" provider="pacemaker" type="Dummy">'
    '<lrm_rsc_op id="d1_last_0" operation_key="d1_start_0" operation="start" '
    'crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" '
    'transition-key="1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
    'transition-magic="0:0;1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
    'call-id="5" rc-code="0" op-status="0" interval="0" on_node="node1"/>'
    "</lrm_resource></lrm_resources></lrm></node_state>"
    '<node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" '
    'expected="member"/>'
)
TEMPLATE = '<template id="tp" class="ocf" provider="pacemaker" type="Dummy"/>'
FENCE = '<primitive id="f1" class="stonith" type="fence_dummy"/>'


def cib_xml(
    props: str = OFF,
    nodes: str = NODES2,
    resources: str = D12,
    constraints: str = "",
    extra: str = "",
    root: str = "",
    status: str = "",
) -> str:
    return (
        f'<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" '
        f'num_updates="0" admin_epoch="0"{root}>\n'
        "  <configuration>\n"
        f'    <crm_config><cluster_property_set id="cib-bootstrap-options">{props}'
        "</cluster_property_set></crm_config>\n"
        f"    <nodes>{nodes}</nodes>\n"
        f"    <resources>{resources}</resources>\n"
        f"    <constraints>{constraints}</constraints>{extra}\n"
        "  </configuration>\n"
        f"  <status>{status}</status>\n"
        "</cib>\n"
    )


@dataclass(frozen=True)
class Case:
    name: str
    xml: str
    crm_verify: Verdict  # what crm_verify -x said (recorded; re-checked by the crmsh test)
    check: str | None = None  # the finding's check name we expect (None: no finding needed)


def _case(name: str, expected: Verdict, check: str | None = None, **parts: str) -> Case:
    return Case(name, cib_xml(**parts), expected, check)


CLEAN, WARNING, ERROR = Verdict.CLEAN, Verdict.WARNING, Verdict.ERROR

CASES: tuple[Case, ...] = (
    _case("stonith-disabled", CLEAN, "fencing"),
    _case("no-stonith-device", ERROR, "fencing", props=""),
    _case("stonith-device-unseen-nodes", WARNING, "unseen-node", props="", resources=D12 + FENCE),
    _case(
        "startup-fencing-off",
        CLEAN,
        props='<nvpair id="opt-1" name="startup-fencing" value="false"/>',
        resources=D12 + FENCE,
    ),
    _case("fencing-no-nodes", CLEAN, props="", nodes="", resources=D12 + FENCE),
    _case(
        "fencing-device-from-a-template",
        CLEAN,
        props="",
        nodes="",
        resources=D12 + '<template id="ft" class="stonith" type="fence_dummy"/>'
        '<primitive id="f1" template="ft"/>',
    ),
    _case(
        "watchdog-counts-as-fencing",
        CLEAN,
        props='<nvpair id="opt-1" name="have-watchdog" value="true"/>',
        nodes="",
    ),
    _case(
        "quorate-unseen-nodes",
        WARNING,
        "unseen-node",
        props="",
        resources=D12 + FENCE,
        root=' have-quorum="1"',
    ),
    _case(
        "colocation-dangling",
        ERROR,
        "dangling-reference",
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="nope" score="INFINITY"/>',
    ),
    _case(
        "order-dangling",
        ERROR,
        "dangling-reference",
        constraints='<rsc_order id="o1" first="nope" then="d1"/>',
    ),
    _case(
        "location-dangling",
        ERROR,
        "dangling-reference",
        constraints='<rsc_location id="l1" rsc="nope" node="node1" score="100"/>',
    ),
    _case(
        "set-dangling",
        ERROR,
        "dangling-reference",
        constraints='<rsc_order id="o1"><resource_set id="s1"><resource_ref id="d1"/>'
        '<resource_ref id="zz"/></resource_set></rsc_order>',
    ),
    _case(
        "reference-to-a-node-id",
        ERROR,
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="1" score="INFINITY"/>',
    ),
    _case(
        "colocation-with-clone-child",
        ERROR,
        "dangling-reference",
        resources=CLONES,
        constraints='<rsc_colocation id="x1" rsc="d1" with-rsc="c1" score="INFINITY"/>',
    ),
    _case(
        "order-with-clone-child",
        ERROR,
        "dangling-reference",
        resources=CLONES,
        constraints='<rsc_order id="x1" first="c1" then="d1"/>',
    ),
    _case(
        "location-of-clone-child",
        ERROR,
        "dangling-reference",
        resources=CLONES,
        constraints='<rsc_location id="x1" rsc="c1" node="node1" score="10"/>',
    ),
    _case(
        "colocation-with-cloned-group",
        ERROR,
        "dangling-reference",
        resources=CLONES,
        constraints='<rsc_colocation id="x1" rsc="d1" with-rsc="gg" score="INFINITY"/>',
    ),
    _case(
        "set-with-clone-child",
        ERROR,
        "dangling-reference",
        resources=CLONES,
        constraints='<rsc_order id="x1"><resource_set id="s1"><resource_ref id="c1"/>'
        '<resource_ref id="d1"/></resource_set></rsc_order>',
    ),
    _case(
        "location-of-group-member",
        CLEAN,
        resources=GROUP,
        constraints='<rsc_location id="l1" rsc="g1" node="node1" score="100"/>',
    ),
    _case(
        "colocation-with-an-unused-template",
        ERROR,
        "dangling-reference",
        resources=D12 + TEMPLATE,
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="tp" score="INFINITY"/>',
    ),
    _case(
        "colocation-with-a-used-template",
        CLEAN,
        resources=D12 + TEMPLATE + '<primitive id="d3" template="tp"/>',
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="tp" score="INFINITY"/>',
    ),
    _case(
        "ticket-for-a-clone-child",
        ERROR,
        "dangling-reference",
        resources=CLONES,
        constraints='<rsc_ticket id="t1" ticket="T" rsc="c1"/>',
    ),
    _case(
        "colocation-with-a-bundle-primitive",
        ERROR,
        "dangling-reference",
        resources=D12 + '<bundle id="b1"><docker image="img"/>'
        '<primitive id="bp" class="ocf" provider="pacemaker" type="Dummy"/></bundle>',
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="bp" score="INFINITY"/>',
    ),
    _case(
        "colocation-with-tag",
        CLEAN,
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="t1" score="INFINITY"/>',
        extra='<tags><tag id="t1"><obj_ref id="d2"/></tag></tags>',
    ),
    _case(
        "bad-location-score",
        ERROR,
        constraints='<rsc_location id="l1" rsc="d1" node="node1" score="lots"/>',
    ),
    _case(
        "bad-colocation-score",
        ERROR,
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="d2" score="abc"/>',
    ),
    _case(
        "duplicate-id",
        ERROR,
        constraints='<rsc_colocation id="opt-1" rsc="d1" with-rsc="d2" score="INFINITY"/>',
    ),
    _case(
        "duplicate-primitive",
        ERROR,
        resources='<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>' * 2,
    ),
    _case(
        "duplicate-op",
        ERROR,
        "duplicate-op",
        resources='<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy">'
        '<operations><op id="m1" name="monitor" interval="10s"/>'
        '<op id="m2" name="monitor" interval="10"/></operations></primitive>',
    ),
    _case(
        "order-kind-invalid",
        ERROR,
        constraints='<rsc_order id="o1" first="d2" then="d1" kind="Bogus"/>',
    ),
    _case(
        "influence-invalid",
        ERROR,
        "influence",
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="d2" score="INFINITY" '
        'influence="maybe"/>',
    ),
    _case(
        "target-role-invalid",
        ERROR,
        "target-role",
        resources='<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy">'
        '<meta_attributes id="m"><nvpair id="m1" name="target-role" value="Sideways"/>'
        "</meta_attributes></primitive>",
    ),
    _case("unknown-agent-class", ERROR, resources='<primitive id="d1" class="bogus" type="D"/>'),
    _case(
        "unknown-element",
        ERROR,
        constraints='<rsc_frobnicate id="x"/>',
    ),
    _case(
        "deprecated-property",
        ERROR,
        "deprecated-property",
        props=OFF + '<nvpair id="opt-2" name="default-resource-stickiness" value="100"/>',
    ),
    _case(
        "stonith-action-poweroff",
        WARNING,
        "deprecated-property",
        props=OFF + '<nvpair id="opt-2" name="stonith-action" value="poweroff"/>',
    ),
    _case(
        "group-ordered-false",
        WARNING,
        "deprecated-meta",
        resources='<group id="g"><meta_attributes id="gm"><nvpair id="gm1" name="ordered" '
        'value="false"/></meta_attributes>'
        '<primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/></group>',
    ),
    _case(
        "legacy-master-element",
        CLEAN,
        "deprecated-master",
        resources='<master id="ms"><meta_attributes id="ms-m"><nvpair id="ms-m1" '
        'name="notify" value="true"/></meta_attributes>'
        '<primitive id="s" class="ocf" provider="pacemaker" type="Stateful"/></master>',
    ),
    _case(
        "no-quorum-ignore-three-nodes",
        CLEAN,
        "no-quorum-policy",
        props=OFF + '<nvpair id="opt-2" name="no-quorum-policy" value="ignore"/>',
        nodes=NODES3,
    ),
    _case(
        "order-loop",
        CLEAN,
        "order-loop",
        constraints='<rsc_order id="o1" first="d1" then="d2"/>'
        '<rsc_order id="o2" first="d2" then="d1"/>',
    ),
    _case(
        "order-loop-through-group",
        CLEAN,
        "order-loop",
        resources=GROUP,
        constraints='<rsc_order id="o1" first="g2" then="g1"/>',
    ),
    _case(
        "colocation-contradiction",
        CLEAN,
        "impossible-constraint",
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="d2" score="INFINITY"/>'
        '<rsc_colocation id="c2" rsc="d1" with-rsc="d2" score="-INFINITY"/>',
    ),
    _case(
        "banned-everywhere",
        CLEAN,
        "impossible-constraint",
        constraints='<rsc_location id="l1" rsc="d1" node="node1" score="-INFINITY"/>'
        '<rsc_location id="l2" rsc="d1" node="node2" score="-INFINITY"/>',
    ),
    _case(
        "location-unknown-node",
        CLEAN,
        "unknown-node",
        constraints='<rsc_location id="l1" rsc="d1" node="node9" score="100"/>',
    ),
    _case(
        "fencing-level-unknown-device",
        CLEAN,
        "fencing-topology",
        extra='<fencing-topology><fencing-level id="fl1" target="node1" index="1" '
        'devices="nodev"/></fencing-topology>',
    ),
    _case(
        "stop-on-fail-stop",
        CLEAN,
        "on-fail",
        resources='<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy">'
        '<operations><op id="s1" name="stop" interval="0" on-fail="stop"/></operations>'
        "</primitive>",
    ),
    _case(
        "promoted-role-outside-a-promotable-clone",
        ERROR,
        "target-role",
        resources='<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy">'
        '<meta_attributes id="m"><nvpair id="m1" name="target-role" value="Unpromoted"/>'
        "</meta_attributes></primitive>",
    ),
    _case(
        "promoted-role-in-a-promotable-clone",
        CLEAN,
        resources='<clone id="pc"><meta_attributes id="pcm"><nvpair id="pcm1" '
        'name="promotable" value="true"/></meta_attributes>'
        '<primitive id="s1" class="ocf" provider="pacemaker" type="Stateful">'
        '<meta_attributes id="m"><nvpair id="m1" name="target-role" value="Promoted"/>'
        "</meta_attributes></primitive></clone>",
    ),
    _case(
        "clone-of-group-ordered-false",
        WARNING,
        "deprecated-meta",
        resources='<clone id="cg"><meta_attributes id="cgm"><nvpair id="cgm1" name="ordered" '
        'value="false"/></meta_attributes><group id="gg">'
        '<primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/></group></clone>',
    ),
    _case(
        "two-templates-colocated",
        ERROR,
        "impossible-constraint",
        resources='<template id="t1" class="ocf" provider="pacemaker" type="Dummy"/>'
        '<template id="t2" class="ocf" provider="pacemaker" type="Dummy"/>'
        '<primitive id="p1" template="t1"/><primitive id="p2" template="t2"/>',
        constraints='<rsc_colocation id="c1" rsc="t1" with-rsc="t2" score="INFINITY"/>',
    ),
    _case(
        "stop-on-fail-stop-of-a-running-resource",
        ERROR,
        "on-fail",
        resources='<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy">'
        '<operations><op id="s1" name="stop" interval="0" on-fail="stop"/></operations>'
        "</primitive>",
        root=' have-quorum="1"',
        status=RUNNING_D1,
    ),
    _case(
        "acl-target-named-like-a-resource",
        CLEAN,
        extra='<acls><acl_role id="r1"><acl_permission id="p1" kind="read" xpath="/cib"/>'
        '</acl_role><acl_target id="d1"><role id="r1"/></acl_target></acls>',
    ),
    _case(
        "interval-not-a-duration",
        CLEAN,
        "op-interval",
        resources='<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy">'
        '<operations><op id="m1" name="monitor" interval="ten"/></operations></primitive>',
    ),
    _case(
        "clean-pair",
        CLEAN,
        constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="d2" score="INFINITY"/>'
        '<rsc_order id="o1" first="d2" then="d1"/>',
    ),
)
# Fencing asked for while it is disabled (stonith-enabled=false in OFF).
ONLINE1 = (
    '<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>'
)
MON_FENCE = (
    '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"><operations>'
    '<op id="d1-mon" name="monitor" interval="10s" on-fail="fence"/></operations></primitive>'
)


def _requires(value: str) -> str:
    return (
        f'<meta_attributes id="g-meta"><nvpair id="g-req" name="requires" value="{value}"/>'
        "</meta_attributes>"
    )


FENCING_CASES: tuple[Case, ...] = (
    _case("on-fail-fence-no-fencing", ERROR, "on-fail-fence", resources=MON_FENCE, status=ONLINE1),
    _case("on-fail-fence-nothing-scheduled", CLEAN, "on-fail-fence", resources=MON_FENCE),
    _case(
        "on-fail-fence-op-defaults",
        ERROR,
        "on-fail-fence",
        resources=D12,
        status=ONLINE1,
        extra='<op_defaults><meta_attributes id="od"><nvpair id="od1" name="on-fail" '
        'value="fence"/></meta_attributes></op_defaults>',
    ),
    _case(
        "on-fail-fence-with-fencing",
        WARNING,
        props="",
        resources=MON_FENCE + FENCE,
        status=ONLINE1,
    ),
    _case(
        "requires-fencing-no-fencing",
        WARNING,
        "requires-fencing",
        resources=GROUP.replace('<group id="g">', '<group id="g">' + _requires("fencing")),
    ),
    _case(
        "requires-unfencing-no-fencing",
        WARNING,
        "requires-fencing",
        resources=GROUP.replace('<group id="g">', '<group id="g">' + _requires("unfencing")),
    ),
    _case(
        "requires-fencing-from-rsc-defaults",
        WARNING,
        "requires-fencing",
        extra=f"<rsc_defaults>{_requires('fencing')}</rsc_defaults>",
    ),
    _case(
        "requires-quorum-no-fencing",
        CLEAN,
        resources=GROUP.replace('<group id="g">', '<group id="g">' + _requires("quorum")),
    ),
)
TRUNCATED = Case("truncated", cib_xml()[:300], ERROR)
ALL_CASES = (*CASES, *FENCING_CASES, TRUNCATED)


def our_verdict(case: Case) -> tuple[Verdict, set[str]]:
    """Our verdict and the checks that fired (a decode error is an error verdict)."""
    try:
        cib = decode_cib(case.xml.encode(), file=f"{case.name}.xml")
    except ConfigError:
        return Verdict.ERROR, {"decode"}
    findings = verify(cib)
    return verdict(findings), {f.check for f in findings}


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_verdict_matches_crm_verify_recording(case: Case) -> None:
    ours, checks = our_verdict(case)
    assert ours is case.crm_verify
    if case.check is not None:
        assert case.check in checks
