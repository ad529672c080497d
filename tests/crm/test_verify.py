"""Unit tests of ``paceline.crm.verify``: wording, ids, ordering and helpers."""

from __future__ import annotations

import pytest
from test_verify_cases import CASES, CLONES, D12, FENCE, GROUP, NODES3, OFF, cib_xml

from paceline.cib.codec import decode_cib
from paceline.cib.model import Cib
from paceline.core.errors import ConfigError
from paceline.crm.verify import Finding, Severity, Verdict, parse_interval_ms, verdict, verify


def findings(**parts: str) -> tuple[Finding, ...]:
    return verify(decode_cib(cib_xml(**parts).encode(), file="t.xml"))


def by_check(found: tuple[Finding, ...], check: str) -> list[Finding]:
    return [f for f in found if f.check == check]


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("0", 0),
        ("10", 10_000),
        ("10s", 10_000),
        ("10sec", 10_000),
        ("500ms", 500),
        ("2min", 120_000),
        ("1h", 3_600_000),
        ("PT40S", 40_000),
        ("P10S", 10_000),
        ("PT1M30S", 90_000),
        ("P1D", 86_400_000),
        ("ten", None),
        ("10 parsecs", None),
    ],
)
def test_parse_interval_ms(text: str, ms: int | None) -> None:
    assert parse_interval_ms(text) == ms


def test_no_fencing_device_reports_crm_verify_three_lines() -> None:
    fencing = by_check(findings(props=""), "fencing")
    assert [f.message for f in fencing] == [
        "Resource start-up disabled since no STONITH resources have been defined",
        "Either configure some or disable STONITH with the stonith-enabled option",
        "NOTE: Clusters with shared data need STONITH to ensure data integrity",
    ]
    assert {f.severity for f in fencing} == {Severity.ERROR}


def test_a_fencing_device_silences_the_fencing_error() -> None:
    assert not by_check(findings(props="", resources=D12 + FENCE), "fencing")


def test_disabled_fencing_is_advice_that_keeps_the_verdict_clean() -> None:
    found = findings()
    [advice] = by_check(found, "fencing")
    assert advice.severity is Severity.ADVICE
    assert advice.hint is not None
    assert verdict(found) is Verdict.CLEAN


def test_errors_come_first() -> None:
    found = findings(
        props=OFF + '<nvpair id="opt-2" name="stonith-action" value="poweroff"/>',
        constraints='<rsc_order id="o1" first="nope" then="d1"/>',
    )
    severities = [f.severity for f in found]
    assert severities == sorted(severities, reverse=True)
    assert severities[0] is Severity.ERROR


def test_dangling_reference_names_the_constraint_and_the_id() -> None:
    [finding] = by_check(
        findings(constraints='<rsc_colocation id="c1" rsc="d1" with-rsc="nope" score="10"/>'),
        "dangling-reference",
    )
    assert finding.object_id == "c1"
    assert 'with-rsc references an unknown ID "nope"' in finding.message


def test_clone_child_reference_uses_pacemaker_wording_and_hint() -> None:
    [finding] = by_check(
        findings(
            resources=CLONES,
            constraints='<rsc_colocation id="x1" rsc="d1" with-rsc="c1" score="INFINITY"/>',
        ),
        "dangling-reference",
    )
    assert finding.message == "Ignoring constraint 'x1' because 'c1' is not a valid resource or tag"
    assert finding.hint is not None and "clone" in finding.hint


def test_order_loop_names_the_path_and_its_orders() -> None:
    [loop] = by_check(
        findings(
            resources=GROUP,
            constraints='<rsc_order id="o1" first="g2" then="g1"/>',
        ),
        "order-loop",
    )
    assert loop.message.startswith("Ordering loop: g1 then g2 then g1")
    assert "group g" in loop.message and "o1" in loop.message


def test_optional_orders_make_no_loop() -> None:
    found = findings(
        constraints='<rsc_order id="o1" first="d1" then="d2" kind="Optional"/>'
        '<rsc_order id="o2" first="d2" then="d1"/>'
    )
    assert not by_check(found, "order-loop")


def test_unordered_group_makes_no_loop() -> None:
    group = GROUP.replace(
        '<group id="g">',
        '<group id="g"><meta_attributes id="gm">'
        '<nvpair id="gm1" name="ordered" value="false"/></meta_attributes>',
    )
    found = findings(resources=group, constraints='<rsc_order id="o1" first="g2" then="g1"/>')
    assert not by_check(found, "order-loop")


def test_no_quorum_ignore_is_fine_with_two_nodes() -> None:
    props = OFF + '<nvpair id="opt-2" name="no-quorum-policy" value="ignore"/>'
    assert not by_check(findings(props=props), "no-quorum-policy")
    assert by_check(findings(props=props, nodes=NODES3), "no-quorum-policy")


def test_missing_agents_are_advice_from_the_predicate() -> None:
    cib = decode_cib(cib_xml().encode(), file="t.xml")
    installed = {"ocf:pacemaker:Dummy"}
    assert not by_check(verify(cib, agent_exists=installed.__contains__), "agent-missing")
    missing = by_check(verify(cib, agent_exists=lambda spec: False), "agent-missing")
    assert {f.object_id for f in missing} == {"d1", "d2"}
    assert all(f.severity is Severity.ADVICE for f in missing)


def test_monitor_duplicates_only_count_for_recurring_ops() -> None:
    resources = (
        '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"><operations>'
        '<op id="s1" name="start" interval="0" timeout="20s"/>'
        '<op id="s2" name="start" interval="0s" timeout="30s"/></operations></primitive>'
    )
    assert not by_check(findings(resources=resources), "duplicate-op")


def test_empty_cib_has_only_the_fencing_errors() -> None:
    found = verify(Cib())
    assert {f.check for f in found} == {"fencing"}
    assert verdict(found) is Verdict.ERROR


def test_legacy_clone_meta_names_are_advice() -> None:
    resources = (
        '<clone id="pc"><meta_attributes id="pcm">'
        '<nvpair id="pcm1" name="promotable" value="true"/>'
        '<nvpair id="pcm2" name="master-max" value="1"/></meta_attributes>'
        '<primitive id="s1" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
    )
    [finding] = by_check(findings(resources=resources), "deprecated-meta")
    assert finding.severity is Severity.ADVICE
    assert "master-max" in finding.message and finding.hint == "write promoted-max"


def test_order_loop_follows_the_order_direction() -> None:
    three = D12 + '<primitive id="d0" class="ocf" provider="pacemaker" type="Dummy"/>'
    found = findings(
        resources=three,
        constraints='<rsc_order id="o1" first="d2" then="d0"/>'
        '<rsc_order id="o2" first="d0" then="d1"/>'
        '<rsc_order id="o3" first="d1" then="d2"/>',
    )
    [loop] = by_check(found, "order-loop")
    assert loop.message.startswith("Ordering loop: d0 then d1 then d2 then d0 (o1, o2, o3)")


def test_two_separate_loops_are_both_reported() -> None:
    four = D12 + (
        '<primitive id="d3" class="ocf" provider="pacemaker" type="Dummy"/>'
        '<primitive id="d4" class="ocf" provider="pacemaker" type="Dummy"/>'
    )
    found = findings(
        resources=four,
        constraints='<rsc_order id="o1" first="d1" then="d2"/>'
        '<rsc_order id="o2" first="d2" then="d1"/>'
        '<rsc_order id="o3" first="d3" then="d4"/>'
        '<rsc_order id="o4" first="d4" then="d3"/>',
    )
    assert {f.object_id for f in by_check(found, "order-loop")} == {"d1", "d3"}


def test_every_finding_of_the_hand_made_cases_has_a_hint() -> None:
    for case in CASES:
        try:
            cib = decode_cib(case.xml.encode(), file=f"{case.name}.xml")
        except ConfigError:
            continue  # schema errors: the decoder's message says what is expected
        for finding in verify(cib):
            assert finding.hint, (case.name, finding.message)
