"""A pacemaker-2.x CIB with names pacemaker-3.x rejects is upgraded on load,
as Pacemaker's upgrade-2.10.xsl does, with one note per change."""

from __future__ import annotations

import pytest
from cibtest import relaxng
from lxml import etree

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import SCHEMA, NvPair, NvSet, Primitive, find_resource, first_value
from paceline.cib.upgrade import needs_upgrade

# A rule-gated property set (pacemaker-2.x schemas reject rules there, but
# Pacemaker reads them without validation): its moved properties are dropped.
TIMED = b"""<cluster_property_set id="timed">
        <nvpair id="t-stick" name="default-resource-stickiness" value="5"/>
        <rule id="timed-rule">
          <expression id="timed-expr" attribute="#uname" operation="eq" value="n1"/>
        </rule>
      </cluster_property_set>"""
VALID_OLD = b"""<cib validate-with="pacemaker-2.10" epoch="5" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o-stonith" name="stonith_enabled" value="false"/>
        <nvpair id="o-stick" name="default-resource-stickiness" value="100"/>
        <nvpair id="o-timeout" name="default-action-timeout" value="60s"/>
        <nvpair id="o-votes" name="expected-quorum-votes" value="2"/>
        <nvpair id="o-stack" name="cluster-infrastructure" value="openais"/>
        <nvpair id="o-fail" name="default-resource-failure-stickiness" value="-INFINITY"/>
        <nvpair id="o-delay" name="transition_idle_timeout" value="60s"/>
        <nvpair id="o-keep" name="no-quorum-policy" value="ignore"/>
      </cluster_property_set>
      TIMED
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="web" class="ocf" provider="heartbeat" type="apache">
        <meta_attributes id="web-meta">
          <nvpair id="web-iso" name="isolation" value="docker"/>
          <nvpair id="web-rfs" name="resource-failure-stickiness" value="100"/>
        </meta_attributes>
        <operations>
          <op id="web-start" name="start" interval="0">
            <instance_attributes id="web-start-ia">
              <nvpair id="web-start-req" name="requires" value="fencing"/>
              <nvpair id="web-start-to" name="timeout" value="30s"/>
              <nvpair id="web-start-depth" name="OCF_CHECK_LEVEL" value="10"/>
            </instance_attributes>
          </op>
          <op id="web-mon" name="monitor" interval="10s">
            <meta_attributes id="web-mon-meta">
              <nvpair id="web-mon-req" name="requires" value="quorum"/>
            </meta_attributes>
          </op>
        </operations>
      </primitive>
      <primitive id="fence" class="stonith" type="fence_ipmilan">
        <instance_attributes id="fence-ia">
          <nvpair id="fence-cmd" name="pcmk_reboot_cmd" value="reboot"/>
        </instance_attributes>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
</cib>
"""
OLD = VALID_OLD.replace(b"TIMED", TIMED)


def test_sample_is_a_real_pacemaker_2_10_cib() -> None:
    sample = etree.fromstring(VALID_OLD.replace(b"TIMED", b""))
    assert relaxng("pacemaker-2.10").validate(sample)
    assert not relaxng(SCHEMA).validate(sample)


def test_upgrade_applies_the_tables() -> None:
    cib = decode_cib(OLD)
    cfg = cib.configuration
    props = cfg.crm_config[0]
    assert isinstance(props, NvSet)
    assert [(p.name, p.value) for p in props.nvpairs if isinstance(p, NvPair)] == [
        ("stonith-enabled", "false"),
        ("cluster-delay", "60s"),
        ("no-quorum-policy", "ignore"),
    ]
    timed = cfg.crm_config[1]
    assert isinstance(timed, NvSet) and timed.nvpairs == () and timed.rule is not None
    assert first_value(cfg.rsc_defaults, "resource-stickiness") == "100"
    assert first_value(cfg.rsc_defaults, "migration-threshold") == "1"
    assert first_value(cfg.op_defaults, "timeout") == "60s"
    web = find_resource(cfg, "web")
    assert isinstance(web, Primitive)
    assert first_value(web.meta_attributes, "target-role") == "Stopped"
    assert first_value(web.meta_attributes, "resource-failure-stickiness") is None
    assert first_value(web.meta_attributes, "requires") == "fencing"
    start, monitor = web.operations
    assert first_value(start.instance_attributes, "OCF_CHECK_LEVEL") == "10"
    assert first_value(start.instance_attributes, "timeout") is None
    assert first_value(start.meta_attributes, "timeout") == "30s"
    assert first_value(monitor.meta_attributes, "requires") is None
    fence = find_resource(cfg, "fence")
    assert isinstance(fence, Primitive)
    assert first_value(fence.instance_attributes, "pcmk_reboot_action") == "reboot"
    notes = "\n".join(cib.upgrade_notes)
    for expected in (
        "crm_config: stonith_enabled renamed stonith-enabled=false",
        "crm_config: default-resource-stickiness moved to rsc_defaults as resource-stickiness=100",
        "crm_config: expected-quorum-votes dropped",
        "crm_config: default-resource-stickiness dropped (it was under a rule",
        "resource web op web-mon: requires dropped",
        "pcmk_reboot_cmd renamed pcmk_reboot_action=reboot",
    ):
        assert expected in notes
    assert len(cib.upgrade_notes) == 15


def test_upgraded_cib_is_valid_3_9_and_stable() -> None:
    cib = decode_cib(OLD)
    written = encode_cib(cib)
    schema = relaxng(SCHEMA)
    assert schema.validate(etree.fromstring(written)), str(schema.error_log.last_error)
    again = decode_cib(written)
    assert again == cib
    assert again.upgrade_notes == ()


def test_ids_of_new_blocks_do_not_clash() -> None:
    data = OLD.replace(
        b"<constraints/>",
        b"<constraints/>\n<rsc_defaults><meta_attributes "
        b'id="cib-bootstrap-options-rsc_defaults"/></rsc_defaults>',
    )
    cib = decode_cib(data)
    ids = [s.id for s in cib.configuration.rsc_defaults if isinstance(s, NvSet)]
    assert ids == ["cib-bootstrap-options-rsc_defaults", "cib-bootstrap-options-rsc_defaults-2"]


def test_current_schemas_are_not_upgraded() -> None:
    data = OLD.replace(b"pacemaker-2.10", b"pacemaker-3.0")
    cib = decode_cib(data)
    assert cib.upgrade_notes == ()
    assert first_value(cib.configuration.crm_config, "stonith_enabled") == "false"


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (None, True),
        ("pacemaker-1.0", True),
        ("pacemaker-2.10", True),
        ("transitional-0.6", True),
        ("pacemaker-3.0", False),
        ("pacemaker-3.9", False),
        ("pacemaker-next", False),
        ("none", False),
    ],
)
def test_needs_upgrade(schema: str | None, expected: bool) -> None:
    assert needs_upgrade(schema) is expected


def test_what_pacemaker_keeps_and_how_values_match() -> None:
    """As upgrade-2.10.xsl: dc-version and a current stack stay; values match
    exactly, case included, so ``-infinity`` is not ``-INFINITY``."""
    data = VALID_OLD.replace(b"TIMED", b"").replace(
        b'<nvpair id="o-keep"',
        b'<nvpair id="o-dc" name="dc-version" value="1.1.24"/>\n'
        b'<nvpair id="o-stack2" name="cluster-infrastructure" value="corosync"/>\n'
        b'<nvpair id="o-fail2" name="default_resource_failure_stickiness" value="-infinity"/>\n'
        b'<nvpair id="o-keep"',
    )
    cib = decode_cib(data)
    cfg = cib.configuration
    assert first_value(cfg.crm_config, "dc-version") == "1.1.24"
    assert first_value(cfg.crm_config, "cluster-infrastructure") == "corosync"
    assert first_value(cfg.crm_config, "default_resource_failure_stickiness") is None
    assert first_value(cfg.rsc_defaults, "migration-threshold") == "1"
    assert any(
        n.startswith("crm_config: default_resource_failure_stickiness dropped")
        for n in cib.upgrade_notes
    )
