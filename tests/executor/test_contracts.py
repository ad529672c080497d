"""The pure contracts: OCF environment and exit codes, meta-data, LSB mapping, fence stdin."""

from __future__ import annotations

import subprocess

import pytest

from paceline.core.errors import ConfigError
from paceline.executor import fence, lsb, ocf


def test_environment_carries_params_meta_and_the_action() -> None:
    call = ocf.OcfCall(
        rsc_id="web:1",
        provider="heartbeat",
        type="apache",
        action="monitor",
        params={"configfile": "/etc/apache2/apache2.conf", "OCF_CHECK_LEVEL": "10"},
        meta={"clone-max": "2", "target-role": "Started"},
        interval_ms=10000,
        timeout_ms=30000,
        node="n1",
    )
    env = ocf.ocf_environment(call, sbin_dir="/opt/paceline/sbin")
    assert env["OCF_ROOT"] == "/usr/lib/ocf"
    assert (env["OCF_RA_VERSION_MAJOR"], env["OCF_RA_VERSION_MINOR"]) == ("1", "1")
    assert env["OCF_RESOURCE_INSTANCE"] == "web:1"
    assert env["OCF_RESOURCE_TYPE"] == "apache"
    assert env["OCF_RESOURCE_PROVIDER"] == "heartbeat"
    assert env["OCF_RESKEY_configfile"] == "/etc/apache2/apache2.conf"
    assert env["OCF_CHECK_LEVEL"] == "10"
    assert env["OCF_RESKEY_CRM_meta_clone_max"] == "2"  # dashes become underscores
    assert env["OCF_RESKEY_CRM_meta_target_role"] == "Started"
    assert env["OCF_RESKEY_CRM_meta_interval"] == "10000"
    assert env["OCF_RESKEY_CRM_meta_timeout"] == "30000"
    assert env["OCF_RESKEY_CRM_meta_name"] == "monitor"
    assert env["OCF_RESKEY_CRM_meta_on_node"] == "n1"
    assert env["HA_SBIN_DIR"] == "/opt/paceline/sbin"
    assert call.path == "/usr/lib/ocf/resource.d/heartbeat/apache"


def test_exit_codes_and_reasons() -> None:
    assert [ocf.ocf_exit(rc) for rc in (0, 7, 8, 9, 190, 191, 127, 198)] == [
        0,
        7,
        8,
        9,
        190,
        191,
        1,
        1,
    ]
    assert ocf.exit_text(7) == "not running"
    assert ocf.succeeded("monitor", 7) and ocf.succeeded("monitor", 8)
    assert not ocf.succeeded("start", 7)
    err = "ocf-exit-reason:first\nnoise\nocf-exit-reason: Setup problem: no config\n"
    assert ocf.exit_reason(err) == "Setup problem: no config"


@pytest.mark.parametrize(
    ("rc", "expected"), [(0, 0), (1, 7), (2, 7), (3, 7), (4, 1), (150, 5), (151, 4), (99, 1)]
)
def test_lsb_status_mapping(rc: int, expected: int) -> None:
    assert lsb.lsb_to_ocf("monitor", rc) == expected
    assert lsb.lsb_to_ocf("status", rc) == expected


def test_lsb_other_actions_pass_0_to_7() -> None:
    assert [lsb.lsb_to_ocf("start", rc) for rc in range(9)] == [0, 1, 2, 3, 4, 5, 6, 7, 1]
    assert lsb.lsb_action("monitor") == "status"


def test_real_agent_meta_data_is_read() -> None:
    data = subprocess.run(
        ["/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "meta-data"],
        capture_output=True,
        check=True,
        env={"OCF_ROOT": "/usr/lib/ocf", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    ).stdout
    d = ocf.parse_metadata(data)
    assert d.name == "IPaddr2"
    ip = d.parameter("ip")
    assert ip is not None and ip.required and ip.type == "string"
    assert {"nic", "cidr_netmask"} <= set(d.parameter_names)
    monitor = next(a for a in d.actions if a.name == "monitor")
    assert monitor.interval is not None and monitor.timeout is not None
    assert ocf.unknown_parameters(d, {"ip": "x", "foo": "y", "OCF_CHECK_LEVEL": "0"}) == ["foo"]


def test_bad_meta_data_is_located() -> None:
    with pytest.raises(ConfigError) as info:
        ocf.parse_metadata(b'<?xml version="1.0"?>\n<resource-agent name="x">\n  <para', source="x")
    assert str(info.value).startswith("x:3:")
    with pytest.raises(ConfigError, match="not <resource-agent>"):
        ocf.parse_metadata(b"<other/>", source="x")


def test_fence_stdin() -> None:
    text = fence.fence_stdin(
        {"ipaddr": "198.18.0.9", "pcmk_host_list": "n1 n2", "login": "admin"}, "reboot", target="n2"
    )
    assert text == "action=reboot\nipaddr=198.18.0.9\nlogin=admin\nport=n2\nnodename=n2\n"
    assert fence.status_state(2) == "off"
