"""``paceline status`` on hand-made CIBs: each line crm_mon would print."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from paceline.cib.codec import decode_cib
from paceline.cli.main import main
from paceline.monitor import TextOptions, render_text, render_xml, snapshot
from paceline.monitor.text import format_time, readable_ms

NODES = """
<node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3"/>
"""


def cib_xml(resources: str, status: str, *, props: str = "", nodes: str = NODES) -> str:
    return f"""<cib epoch="3" num_updates="1" admin_epoch="0" validate-with="pacemaker-3.7"
 have-quorum="1" dc-uuid="1" cib-last-written="Fri Jul 13 13:51:00 2012"
 update-client="cibadmin" update-origin="n1">
<configuration><crm_config><cluster_property_set id="opts">
<nvpair id="o1" name="stonith-enabled" value="false"/>
<nvpair id="o2" name="cluster-infrastructure" value="corosync"/>
<nvpair id="o3" name="dc-version" value="2.1.5"/>{props}
</cluster_property_set></crm_config>
<nodes>{nodes}</nodes><resources>{resources}</resources><constraints/></configuration>
<status>{status}</status></cib>"""


def node_state(uid: str, name: str, lrm: str = "", attrs: str = "", online: bool = True) -> str:
    state = (
        'in_ccm="true" crmd="online" join="member" expected="member"'
        if online
        else 'in_ccm="false" crmd="offline" join="down" expected="down"'
    )
    trans = (
        f'<transient_attributes id="{uid}"><instance_attributes id="ta-{uid}">{attrs}'
        "</instance_attributes></transient_attributes>"
        if attrs
        else ""
    )
    return (
        f'<node_state id="{uid}" uname="{name}" {state}>{trans}'
        f'<lrm id="{uid}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>'
    )


def op(rsc: str, task: str, rc: int = 0, call: int = 1, interval: int = 0, expect: int = 0) -> str:
    return (
        f'<lrm_rsc_op id="{rsc}_{task}_{interval}" operation_key="{rsc}_{task}_{interval}" '
        f'operation="{task}" call-id="{call}" rc-code="{rc}" op-status="0" interval="{interval}" '
        f'transition-key="1:1:{expect}:x" last-rc-change="1342187460" exec-time="142"/>'
    )


def lrm(rsc: str, *ops: str, agent: str = "Dummy") -> str:
    return (
        f'<lrm_resource id="{rsc}" class="ocf" provider="pacemaker" type="{agent}">'
        + "".join(ops)
        + "</lrm_resource>"
    )


def dummy(rid: str, meta: str = "") -> str:
    m = f'<meta_attributes id="{rid}-meta">{meta}</meta_attributes>' if meta else ""
    return f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{m}</primitive>'


def render(xml: str, **kw: bool) -> str:
    return render_text(snapshot(decode_cib(xml), 1_700_000_000), TextOptions(**kw))


def test_summary_nodes_and_primitives() -> None:
    xml = cib_xml(
        dummy("a") + dummy("b"),
        node_state("1", "n1", lrm("a", op("a", "start", call=2)))
        + node_state("2", "n2", lrm("b", op("b", "start")))
        + node_state("3", "n3", online=False),
    )
    text = render(xml)
    assert text == (
        "Cluster Summary:\n"
        "  * Stack: corosync\n"
        "  * Current DC: n1 (version 2.1.5) - partition with quorum\n"
        "  * Last updated: Tue Nov 14 22:13:20 2023\n"
        "  * Last change:  Fri Jul 13 13:51:00 2012 via cibadmin on n1\n"
        "  * 3 nodes configured\n"
        "  * 2 resource instances configured\n"
        "\n"
        "Node List:\n"
        "  * Online: [ n1 n2 ]\n"
        "  * OFFLINE: [ n3 ]\n"
        "\n"
        "Active Resources:\n"
        "  * a\t(ocf:pacemaker:Dummy):\t Started n1\n"
        "  * b\t(ocf:pacemaker:Dummy):\t Started n2\n"
    )


def test_failed_monitor_is_listed_and_the_resource_failed() -> None:
    xml = cib_xml(
        dummy("a"),
        node_state("1", "n1", lrm("a", op("a", "start", call=2), op("a", "monitor", 7, 3, 10000))),
    )
    text = render(xml)
    assert "  * a\t(ocf:pacemaker:Dummy):\t FAILED n1\n" in text
    assert text.endswith(
        "Failed Resource Actions:\n"
        "  * a 10s-interval monitor on n1 returned 'not running'"
        " at Fri Jul 13 13:51:00 2012 after 142ms\n"
    )


def test_group_clone_and_promotable_clone() -> None:
    group = f'<group id="g">{dummy("g1")}{dummy("g2")}</group>'
    clone = f'<clone id="c">{dummy("cd")}</clone>'
    ms = (
        '<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable"'
        ' value="true"/></meta_attributes>'
        '<primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
    )
    st = '<lrm_resource id="st" class="ocf" provider="pacemaker" type="Stateful">'
    xml = cib_xml(
        group + clone + ms,
        node_state(
            "1",
            "n1",
            lrm("g1", op("g1", "start"))
            + lrm("cd:0", op("cd:0", "start"))
            + st
            + op("st", "promote", call=3)
            + "</lrm_resource>",
        )
        + node_state(
            "2", "n2", lrm("cd", op("cd", "start")) + st + op("st", "start") + "</lrm_resource>"
        )
        + node_state("3", "n3"),
    )
    text = render(xml)
    assert (
        "Active Resources:\n"
        "  * Resource Group: g (1 member inactive):\n"
        "    * g1\t(ocf:pacemaker:Dummy):\t Started n1\n"
        "  * Clone Set: c [cd]:\n"
        "    * Started: [ n1 n2 ]\n"
        "  * Clone Set: ms [st] (promotable):\n"
        "    * Promoted: [ n1 ]\n"
        "    * Unpromoted: [ n2 ]\n"
    ) in text
    assert "  * 8 resource instances configured\n" in text  # 2 + 3 + 3
    full = render(xml, inactive=True)
    assert "    * g2\t(ocf:pacemaker:Dummy):\t Stopped\n" in full
    assert "    * Stopped: [ n3 ]\n" in full


def test_standby_maintenance_disabled_unmanaged() -> None:
    nodes = (
        '<node id="1" uname="n1"><instance_attributes id="n1-a">'
        '<nvpair id="n1-s" name="standby" value="on"/></instance_attributes></node>'
        '<node id="2" uname="n2"/><node id="3" uname="n3"/>'
    )
    xml = cib_xml(
        dummy("a", '<nvpair id="a-t" name="target-role" value="Stopped"/>')
        + dummy("b", '<nvpair id="b-m" name="is-managed" value="false"/>'),
        node_state("1", "n1", lrm("a", op("a", "start")))
        + node_state(
            "2",
            "n2",
            lrm("b", op("b", "start")),
            '<nvpair id="mm" name="maintenance" value="true"/>',
        )
        + node_state("3", "n3"),
        nodes=nodes,
    )
    text = render(xml)
    assert "  * 2 resource instances configured (1 DISABLED)\n" in text
    assert "  * Node n1: standby (with active resources)\n" in text
    assert "  * Node n2: maintenance\n" in text
    assert "  * Online: [ n3 ]\n" in text
    assert "  * a\t(ocf:pacemaker:Dummy):\t Started n1 (disabled)\n" in text
    assert "  * b\t(ocf:pacemaker:Dummy):\t Started n2 (unmanaged)\n" in text


def test_unclean_node_with_fencing() -> None:
    xml = cib_xml(
        dummy("a"),
        node_state("1", "n1")
        + '<node_state id="2" uname="n2" in_ccm="false" crmd="offline" join="member"'
        ' expected="member"><lrm id="2"><lrm_resources>'
        + lrm("a", op("a", "start"))
        + "</lrm_resources></lrm></node_state>",
        props='<nvpair id="o4" name="stonith-enabled" value="true"/>',
    )
    # the first stonith-enabled (false) wins in crm_config order: make it the only one
    xml = xml.replace('<nvpair id="o1" name="stonith-enabled" value="false"/>', "")
    text = render(xml)
    assert "  * Node n2: UNCLEAN (offline)\n" in text
    assert "  * Node n3: UNCLEAN (offline)\n" in text  # never seen, startup-fencing
    assert "  * a\t(ocf:pacemaker:Dummy):\t Started n2 (UNCLEAN)\n" in text


def test_xml_output_is_crm_mon_shaped() -> None:
    xml = cib_xml(dummy("a"), node_state("1", "n1", lrm("a", op("a", "start"))))
    doc = etree.fromstring(render_xml(snapshot(decode_cib(xml), 0)).encode())
    assert doc.tag == "pacemaker-result"
    assert doc.find("summary/current_dc").get("name") == "n1"
    res = doc.find("resources/resource")
    assert (res.get("id"), res.get("role"), res.find("node").get("name")) == ("a", "Started", "n1")
    assert [n.get("online") for n in doc.findall("nodes/node")] == ["true", "false", "false"]


def test_durations_and_times() -> None:
    assert [readable_ms(x) for x in (142, 1000, 30160, 179014, 20000)] == [
        "142ms",
        "1s",
        "30.160s",
        "2m59.014s",
        "20s",
    ]
    assert (
        format_time(1331185583, __import__("datetime").timezone.utc) == "Thu Mar  8 05:46:23 2012"
    )


def test_cli_offline_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(cib_xml(dummy("a"), node_state("1", "n1", lrm("a", op("a", "start")))))
    assert main(["status", "--cib", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  * a\t(ocf:pacemaker:Dummy):\t Started n1\n" in out
    assert main(["--cib", str(path), "status", "--xml"]) == 0
    assert capsys.readouterr().out.startswith("<pacemaker-result")
    path.write_text("<cib><configuration>")
    assert main(["status", "--cib", str(path)]) == 1
    err = capsys.readouterr().err
    assert "paceline: error:" in err and "cib.xml" in err


def test_priority_orders_resources_and_unique_clones_list_every_instance() -> None:
    uclone = (
        '<clone id="u"><meta_attributes id="u-m"><nvpair id="u-g" name="globally-unique"'
        ' value="true"/><nvpair id="u-x" name="clone-max" value="2"/></meta_attributes>'
        f"{dummy('ud')}</clone>"
    )
    xml = cib_xml(
        dummy("a") + dummy("b", '<nvpair id="b-p" name="priority" value="10"/>') + uclone,
        node_state(
            "1",
            "n1",
            lrm("a", op("a", "start"))
            + lrm("b", op("b", "start"))
            + lrm("ud:1", op("ud:1", "start")),
        ),
    )
    text = render(xml)
    assert text.index("  * b\t") < text.index("  * a\t")  # higher priority first
    assert (
        "  * Clone Set: u [ud] (unique):\n"
        "    * ud:0\t(ocf:pacemaker:Dummy):\t Stopped\n"
        "    * ud:1\t(ocf:pacemaker:Dummy):\t Started n1\n"
    ) in text


def test_node_health_and_degraded_monitor() -> None:
    xml = cib_xml(
        dummy("a"),
        node_state(
            "1",
            "n1",
            lrm("a", op("a", "start"), op("a", "monitor", 190, 3, 60000)),
            '<nvpair id="h" name="#health-disk" value="red"/>',
        ),
        props='<nvpair id="o5" name="node-health-strategy" value="migrate-on-red"/>',
    )
    text = render(xml)
    assert "  * Node n1: online (health is RED)\n" in text
    assert "  * a\t(ocf:pacemaker:Dummy):\t Started n1\n" in text  # degraded still runs
    assert "  * a 60s-interval monitor on n1 returned 'OCF_DEGRADED'" in text


def test_live_redraws_on_a_terminal_until_interrupted(tmp_path: Path) -> None:
    import os
    import pty
    import select
    import signal
    import subprocess
    import sys

    path = tmp_path / "cib.xml"
    path.write_text(cib_xml(dummy("a"), node_state("1", "n1", lrm("a", op("a", "start")))))
    leader, follower = pty.openpty()
    argv = [sys.executable, "-m", "paceline.cli.main", "status", "--live", "--interval", "0.2"]
    proc = subprocess.Popen(
        [*argv, "--cib", str(path)], stdin=follower, stdout=follower, stderr=follower,
        env=dict(os.environ, TERM="xterm", COLUMNS="100", LINES="40"),
    )  # fmt: skip
    os.close(follower)
    seen = b""
    try:
        while seen.count(b"Cluster Summary") < 2:  # drawn, then redrawn
            ready, _, _ = select.select([leader], [], [], 30)
            assert ready, seen.decode(errors="replace")
            seen += os.read(leader, 65536)
        assert b"Started n1" in seen
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
