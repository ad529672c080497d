"""Older CIB forms are upgraded on load and written as pacemaker-3.9."""

from __future__ import annotations

from cibtest import relaxng
from lxml import etree

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import (
    SCHEMA,
    AclKind,
    AclPermission,
    AclRole,
    AclTarget,
    Clone,
    Colocation,
    NodeType,
    NvPair,
    NvSet,
    Order,
    Primitive,
    Role,
    Rule,
    Score,
    find_resource,
)

# A CIB in the pacemaker-1.0 schema (validated below against pacemaker-1.0.rng).
PACEMAKER_1_0 = b"""<cib validate-with="pacemaker-1.0" epoch="7" num_updates="2" admin_epoch="0"
     crm_feature_set="3.0.1" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="n1-id" uname="n1" type="normal"/>
    </nodes>
    <resources>
      <master id="ms-drbd">
        <meta_attributes id="ms-drbd-meta">
          <nvpair id="ms-drbd-meta-max" name="master-max" value="1"/>
        </meta_attributes>
        <primitive id="drbd" class="ocf" provider="linbit" type="drbd">
          <operations>
            <op id="drbd-mon-m" name="monitor" interval="10s" role="Master"/>
            <op id="drbd-mon-s" name="monitor" interval="20s" role="Slave" requires="nothing"/>
            <op id="drbd-start" name="start" interval="0" requires="fencing"/>
          </operations>
        </primitive>
      </master>
      <primitive id="fs" class="ocf" provider="heartbeat" type="Filesystem"/>
    </resources>
    <constraints>
      <rsc_colocation id="fs-on-master" rsc="fs" with-rsc="ms-drbd" with-rsc-role="Master"
          score="INFINITY"/>
      <rsc_colocation id="never-in-effect" rsc="fs" with-rsc="ms-drbd" score-attribute="x"/>
      <rsc_order id="promote-then-fs" first="ms-drbd" first-action="promote" then="fs"
          then-action="start" score="INFINITY"/>
      <rsc_location id="prefer" rsc="fs">
        <rule id="prefer-rule" score-attribute="pingd" role="Slave">
          <expression id="prefer-expr" attribute="pingd" operation="defined"/>
        </rule>
      </rsc_location>
    </constraints>
  </configuration>
  <status/>
</cib>
"""

# Heartbeat-2 era (before pacemaker-1.0) forms.
PRE_1_0 = b"""<cib validate-with="pacemaker-0.7" epoch="1" num_updates="0" admin_epoch="0"
     generated="true" ccm_transition="2">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources>
      <primitive id="a" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="a-ia">
          <attributes>
            <nvpair id="a-ia-x" name="x" value="1"/>
          </attributes>
        </instance_attributes>
      </primitive>
      <primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints>
      <rsc_colocation id="c" from="a" to="b" from_role="Started" to_role="Master" score="100"/>
      <rsc_order id="o-after" from="a" action="start" to="b" to_action="promote" type="after"/>
      <rsc_order id="o-before" from="a" to="b" type="before"/>
      <rsc_location id="l" rsc="a">
        <rule id="l-r" score_attribute="pingd">
          <expression id="l-r-e" attribute="pingd" operation="defined"/>
        </rule>
      </rsc_location>
    </constraints>
    <acls>
      <acl_user id="alice">
        <role_ref id="reader"/>
      </acl_user>
      <acl_role id="reader">
        <read id="reader-read" xpath="/cib"/>
        <deny id="reader-deny" tag="nodes" attribute="uname"/>
        <write id="reader-write" ref="a"/>
      </acl_role>
    </acls>
  </configuration>
  <status>
    <node_state id="n1" uname="n1">
      <lrm id="n1">
        <lrm_resources>
          <lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">
            <lrm_rsc_op id="a_start_0" operation="start" call-id="3" rc-code="0" op-status="0"
                interval="0" last_run="1000" last_rc_change="1000" exec_time="5" queue_time="0"/>
          </lrm_resource>
        </lrm_resources>
      </lrm>
    </node_state>
  </status>
</cib>
"""


def written_is_valid(data: bytes) -> bytes:
    out = encode_cib(decode_cib(data))
    schema = relaxng(SCHEMA)
    assert schema.validate(etree.fromstring(out)), str(schema.error_log.last_error)
    return out


def test_sample_is_a_real_pacemaker_1_0_cib() -> None:
    assert relaxng("pacemaker-1.0").validate(etree.fromstring(PACEMAKER_1_0))


def test_pacemaker_1_0_upgraded() -> None:
    cib = decode_cib(PACEMAKER_1_0)
    cfg = cib.configuration
    assert cib.source_schema == "pacemaker-1.0"
    assert cfg.nodes[0].type is NodeType.MEMBER
    ms = cfg.resources[0]
    assert isinstance(ms, Clone) and ms.legacy_master
    drbd = ms.child
    assert isinstance(drbd, Primitive)
    assert [op.role for op in drbd.operations] == [Role.PROMOTED, Role.UNPROMOTED, None]
    # The start op's ``requires`` moves to the resource's meta attributes;
    # the monitor's is dropped (as upgrade-2.10.xsl does).
    assert drbd.meta_attributes == (
        NvSet(
            "drbd-meta_attributes-requires",
            (NvPair("drbd-meta_attributes-requires-requires", "requires", "fencing"),),
        ),
    )
    assert cfg.constraints[1] == Colocation("never-in-effect", rsc="fs", with_rsc="ms-drbd")
    col = cfg.constraints[0]
    assert isinstance(col, Colocation) and col.with_rsc_role is Role.PROMOTED
    rule = cfg.constraints[3].rules[0]  # type: ignore[union-attr]
    assert isinstance(rule, Rule)
    assert rule.role is Role.UNPROMOTED and rule.score_attribute == "pingd"
    out = written_is_valid(PACEMAKER_1_0)
    assert b"Master" not in out.replace(b"<master", b"").replace(b"</master", b"")
    assert b'with-rsc-role="Promoted"' in out


def test_pre_1_0_forms_upgraded() -> None:
    cib = decode_cib(PRE_1_0)
    cfg = cib.configuration
    a = find_resource(cfg, "a")
    assert isinstance(a, Primitive)
    assert a.instance_attributes == (NvSet("a-ia", (NvPair("a-ia-x", "x", "1"),)),)
    col, after, before, loc = cfg.constraints
    assert col == Colocation(
        "c",
        score=Score(100),
        rsc="a",
        with_rsc="b",
        rsc_role=Role.STARTED,
        with_rsc_role=Role.PROMOTED,
    )
    # "a after b": b first.
    assert isinstance(after, Order)
    assert (after.first, after.first_action, after.then, after.then_action) == (
        "b",
        "promote",
        "a",
        "start",
    )
    assert isinstance(before, Order) and (before.first, before.then) == ("a", "b")
    rule = loc.rules[0]  # type: ignore[union-attr]
    assert isinstance(rule, Rule) and rule.score_attribute == "pingd"
    assert cfg.acls == (
        AclTarget("alice", ("reader",)),
        AclRole(
            "reader",
            (
                AclPermission("reader-read", AclKind.READ, xpath="/cib"),
                AclPermission("reader-deny", AclKind.DENY, object_type="nodes", attribute="uname"),
                AclPermission("reader-write", AclKind.WRITE, reference="a"),
            ),
        ),
    )
    op = cib.status.node_states[0].lrm.resources[0].ops[0]  # type: ignore[union-attr]
    assert (op.last_run, op.last_rc_change, op.exec_time, op.queue_time) == (1000, 1000, 5, 0)
    written_is_valid(PRE_1_0)
    assert decode_cib(encode_cib(cib)) == cib


def test_bundle_masters_is_promoted_max() -> None:
    data = b"""<cib validate-with="pacemaker-2.8" epoch="1" num_updates="0" admin_epoch="0">
      <configuration><crm_config/><nodes/><resources>
        <bundle id="b"><docker image="img" replicas="2" masters="1"/></bundle>
      </resources><constraints/></configuration></cib>"""
    assert relaxng("pacemaker-2.8").validate(etree.fromstring(data))
    out = written_is_valid(data)
    assert b'promoted-max="1"' in out and b"masters" not in out
