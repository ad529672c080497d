"""Status content Pacemaker's schema and scheduler accept that the model once
refused: ``lrm_resource/@shutdown-lock`` (written by a shutdown lock)."""

from __future__ import annotations

from paceline.cib.codec import decode_cib, encode_cib

XML = b"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes><resources/>
  <constraints/></configuration>
  <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member"
      expected="member"><lrm id="1"><lrm_resources>
    <lrm_resource id="d" class="ocf" provider="pacemaker" type="Dummy" shutdown-lock="1590000000">
      <lrm_rsc_op id="d_last_0" operation_key="d_stop_0" operation="stop" call-id="3"
          rc-code="0" op-status="0" interval="0" on_node="n1"/>
    </lrm_resource></lrm_resources></lrm></node_state></status></cib>"""


def test_shutdown_lock_loads_and_round_trips() -> None:
    cib = decode_cib(XML, file="t.xml")
    (state,) = cib.status.node_states
    assert state.lrm is not None and state.lrm.resources[0].shutdown_lock == 1590000000
    written = encode_cib(cib)
    assert b'shutdown-lock="1590000000"' in written
    assert decode_cib(written, file="w.xml") == cib


ORPHAN = b"""<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
  <status>
    <node_state id="1" uname="n1"><transient_attributes id="1">
      <utilization id="status-1-u"><nvpair id="status-1-u-cpu" name="cpu" value="2"/></utilization>
    </transient_attributes></node_state>
    <lrm id="n2"><lrm_resources/></lrm>
    <tickets><ticket_state id="tA" granted="true" owner="site-a" note=""/></tickets>
  </status></cib>"""


def test_status_content_pacemaker_writes_beyond_the_corpus_round_trips() -> None:
    """An ``<lrm>`` directly inside ``<status>`` (in Pacemaker's own test
    inputs), transient utilization (``attrd_updater -z``) and the free ticket
    attributes of ``crm_ticket --set-attr`` load and come back."""
    cib = decode_cib(ORPHAN, file="t.xml")
    assert [lrm.id for lrm in cib.status.orphan_lrms] == ["n2"]
    (state,) = cib.status.node_states
    assert state.transient_attributes is not None
    assert state.transient_attributes.utilization[0].id == "status-1-u"
    assert cib.status.tickets is not None
    assert cib.status.tickets[0].attributes == (("owner", "site-a"), ("note", ""))
    written = encode_cib(cib)
    assert b'owner="site-a"' in written and b'<utilization id="status-1-u">' in written
    assert decode_cib(written, file="w.xml") == cib
