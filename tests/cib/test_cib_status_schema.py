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
