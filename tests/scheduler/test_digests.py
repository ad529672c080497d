"""Operation digests: a changed definition restarts, reloads or re-monitors a resource.

Small CIBs whose status was recorded with some parameters, scheduled with
the configuration saying others. The digests are the ones Pacemaker
records (the empty set's is in hundreds of corpus entries).
"""

from __future__ import annotations

from paceline.cib.codec import decode_cib
from paceline.scheduler import schedule
from paceline.scheduler.digests import params_digest

EMPTY = "f2317cad3d54cec5d7d7aa7d0bf35cf8"  # Pacemaker's digest of no parameters


def _cib(
    params: dict[str, str],
    start: str,
    monitor: str | None = None,
    extra: str = "",
    agent: str = 'class="ocf" provider="pacemaker" type="Dummy"',
    failcount: bool = False,
) -> bytes:
    nv = "".join(f'<nvpair id="p-{k}" name="{k}" value="{v}"/>' for k, v in params.items())
    mon = monitor or params_digest({**params, "CRM_meta_timeout": "20000"})
    fails = (
        '<transient_attributes id="1"><instance_attributes id="st-1">'
        '<nvpair id="fc" name="fail-count-A" value="1"/></instance_attributes>'
        "</transient_attributes>"
        if failcount
        else ""
    )
    return f"""<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.0">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o-st" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources>
      <primitive id="A" class="ocf" provider="pacemaker" type="Dummy">
        <instance_attributes id="A-ia">{nv}</instance_attributes>
        <operations><op id="A-mon" name="monitor" interval="10s"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      {fails}
      <lrm id="1"><lrm_resources>
        <lrm_resource id="A" {agent}>
          <lrm_rsc_op id="A_last_0" operation_key="A_start_0" operation="start"
            transition-key="1:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0"
            op-digest="{start}" {extra}/>
          <lrm_rsc_op id="A_monitor_10000" operation_key="A_monitor_10000" operation="monitor"
            transition-key="2:1:0:x" call-id="3" rc-code="0" op-status="0" interval="10000"
            op-digest="{mon}"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
  </status>
</cib>""".encode()


def _run(xml: bytes) -> tuple[list[str], set[str]]:
    t = schedule(decode_cib(xml))
    return [" ".join(s.split()) for s in t.summary], {a.key for a in t.actions}


def test_digest_form_is_pacemakers() -> None:
    assert params_digest({}) == EMPTY
    # from the corpus (params-1): ip only, and with the monitor's timeout
    assert params_digest({"ip": "127.0.0.11"}) == "fd54394d262d771b8cb48f31f8df7242"
    with_timeout = {"ip": "127.0.0.11", "CRM_meta_timeout": "20000"}
    assert params_digest(with_timeout) == "6d0c707e8887b775eee00abb63b80a67"


def test_unchanged_definition_does_nothing() -> None:
    summary, actions = _run(_cib({"state": "a"}, params_digest({"state": "a"})))
    assert summary == [] and actions == set()


def test_changed_parameter_restarts() -> None:
    summary, actions = _run(_cib({"state": "b"}, params_digest({"state": "a"})))
    assert summary == ["Restart A ( node1 ) due to resource definition change"]
    assert {"A_stop_0 node1", "A_start_0 node1", "A_monitor_10000 node1"} <= actions


def test_reloadable_parameter_reloads_and_clears_the_fail_count() -> None:
    # "state" forces a restart; "other" changed, "state" did not
    extra = f'op-force-restart=" state " op-restart-digest="{params_digest({"state": "a"})}"'
    xml = _cib(
        {"state": "a", "other": "2"},
        params_digest({"state": "a", "other": "1"}),
        extra=extra,
        failcount=True,
    )
    summary, actions = _run(xml)
    assert summary == ["Reload A ( node1 )"]
    assert actions == {
        "A_reload-agent_0 node1",
        "A_monitor_10000 node1",
        "A_clear_failcount_0 node1",
    }


def test_restart_parameter_changed_restarts_despite_reload() -> None:
    extra = f'op-force-restart=" state " op-restart-digest="{params_digest({"state": "a"})}"'
    xml = _cib({"state": "b"}, params_digest({"state": "a"}), extra=extra)
    summary, _ = _run(xml)
    assert summary == ["Restart A ( node1 ) due to resource definition change"]


def test_changed_monitor_runs_again_alone() -> None:
    params = {"state": "a"}
    old_monitor = params_digest({**params, "CRM_meta_timeout": "30000"})
    summary, actions = _run(_cib(params, params_digest(params), monitor=old_monitor))
    assert summary == [] and actions == {"A_monitor_10000 node1"}


def test_blanked_secret_is_judged_by_the_secure_digest() -> None:
    # the saved CIB says passwd="****"; the agent ran with the real one
    params = {"login": "admin", "passwd": "****"}
    extra = f'op-secure-params=" passwd " op-secure-digest="{params_digest({"login": "admin"})}"'
    xml = _cib(params, params_digest({"login": "admin", "passwd": "s3cret"}), extra=extra)
    summary, _ = _run(xml)
    assert summary == []


def test_history_of_another_agent_restarts_and_is_deleted() -> None:
    params = {"state": "a"}
    xml = _cib(params, params_digest(params), agent='class="lsb" type="Dummy"')
    summary, actions = _run(xml)
    assert summary == ["Restart A ( node1 ) due to resource definition change"]
    assert "A_delete_0 node1" in actions
