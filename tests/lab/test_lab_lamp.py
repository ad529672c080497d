"""Apache and MariaDB in two lab nodes: init scripts, and the real OCF agents.

One ``lamp`` lab serves the module. The OCF agents are Debian's, run inside
a node with the environment Pacemaker gives them; their exit codes are the
oracle (0 success, 7 not running).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from paceline.lab.fixtures import OcfResult, run_ocf
from paceline.lab.lab import Lab
from paceline.lab.probe import Prober, probe_http
from paceline.lab.scenario import APACHE_PARAMS, WHOAMI_PATH

pytestmark = [pytest.mark.lab, pytest.mark.slow]

SUCCESS, NOT_RUNNING = 0, 7


@pytest.fixture(scope="module")
def lab(lamp_lab: Lab) -> Lab:
    return lamp_lab


def until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def service(lab: Lab, node: str, script: str, action: str) -> int:
    return lab.exec(node, [f"/etc/init.d/{script}", action], timeout=120).returncode


def test_apache_and_mariadb_run_on_both_nodes_at_once_from_init_scripts(lab: Lab) -> None:
    jobs = [(n, s) for n in ("node1", "node2") for s in ("apache2", "mariadb")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        started = list(pool.map(lambda j: service(lab, j[0], j[1], "start"), jobs))
    try:
        assert started == [0, 0, 0, 0]
        assert [service(lab, n, s, "status") for n, s in jobs] == [0, 0, 0, 0]
        for n in ("node1", "node2"):
            web = probe_http(f"http://{lab.plan.node(n).address}{WHOAMI_PATH}", timeout=5)
            assert (web.ok, web.answer) == (True, n)
            sql = lab.exec(n, ["mariadb", "-N", "-e", "select @@hostname"], check=True)
            assert sql.stdout.strip() == n
        # each node's database is its own
        lab.exec("node1", ["mariadb", "-e", "create database only_on_node1"], check=True)
        dbs = lab.exec("node2", ["mariadb", "-N", "-e", "show databases"], check=True).stdout
        assert "only_on_node1" not in dbs
        log = lab.dirs("node1").sub("log") / "mysql/error.log"
        assert log.exists()  # skip_syslog + log_error: the log lands in the node's /var/log
    finally:
        with ThreadPoolExecutor(max_workers=4) as pool:
            stopped = list(pool.map(lambda j: service(lab, j[0], j[1], "stop"), jobs))
    assert stopped == [0, 0, 0, 0]
    assert [service(lab, n, s, "status") for n, s in jobs] == [3, 3, 3, 3]


def cycle_start(lab: Lab, agent: str, params: dict[str, str]) -> list[OcfResult]:
    return [
        run_ocf(lab, "node1", agent, action, params) for action in ("monitor", "start", "monitor")
    ]


def rcs(results: list[OcfResult]) -> list[int]:
    return [r.rc for r in results]


def test_ocf_agents_start_monitor_stop_inside_a_node(lab: Lab) -> None:
    plan = lab.plan
    vip = plan.vip(0)
    ip_params = {"ip": vip, "cidr_netmask": "24", "nic": "pub0", "iflabel": "vip"}
    image = lab.shared / "cluster.img"
    with open(image, "wb") as f:
        f.truncate(64 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
    dev = lab.attach_loop("node1", "/var/lab/cluster.img")
    fs_params = {"device": dev, "directory": "/var/cluster", "fstype": "ext4"}
    mysql_params: dict[str, str] = {}
    stops: list[tuple[str, dict[str, str]]] = []
    try:
        got = cycle_start(lab, "IPaddr2", ip_params)
        stops.append(("IPaddr2", ip_params))
        assert rcs(got) == [NOT_RUNNING, SUCCESS, SUCCESS], [str(r) for r in got]
        ping = subprocess.run(["ping", "-c", "1", "-w", "5", "-q", vip], capture_output=True)
        assert ping.returncode == 0  # the host reaches the VIP on the public bridge

        got = cycle_start(lab, "Filesystem", fs_params)
        stops.append(("Filesystem", fs_params))
        assert rcs(got) == [NOT_RUNNING, SUCCESS, SUCCESS], [str(r) for r in got]
        assert lab.exec("node1", ["findmnt", "/var/cluster"]).returncode == 0
        assert lab.exec("node2", ["findmnt", "/var/cluster"]).returncode == 1
        assert "/var/cluster" not in Path("/proc/self/mountinfo").read_text()

        got = cycle_start(lab, "mysql", mysql_params)
        stops.append(("mysql", mysql_params))
        assert rcs(got) == [NOT_RUNNING, SUCCESS, SUCCESS], [str(r) for r in got]

        got = cycle_start(lab, "apache", APACHE_PARAMS)
        stops.append(("apache", APACHE_PARAMS))
        assert rcs(got) == [NOT_RUNNING, SUCCESS, SUCCESS], [str(r) for r in got]
        web = probe_http(f"http://{vip}{WHOAMI_PATH}", timeout=5)
        assert (web.ok, web.answer) == (True, "node1")
    finally:
        stopped = [run_ocf(lab, "node1", agent, "stop", p) for agent, p in reversed(stops)]
    assert [r.rc for r in stopped] == [SUCCESS] * len(stops), [str(r) for r in stopped]
    after = [run_ocf(lab, "node1", agent, "monitor", p).rc for agent, p in reversed(stops)]
    assert after == [NOT_RUNNING] * 4
    assert not probe_http(f"http://{vip}{WHOAMI_PATH}", timeout=1).ok


def test_host_probe_follows_a_vip_moving_between_nodes(lab: Lab) -> None:
    """The failover-measurement helper on a real move: IPaddr2 stops the VIP on node1 and
    starts it on node2 (gratuitous ARP), Apache answers on both; the host's probe sees
    node1, then node2, in that order, with timestamps."""
    vip = lab.plan.vip(1)
    params = {"ip": vip, "cidr_netmask": "24", "nic": "pub0"}
    for n in ("node1", "node2"):
        assert service(lab, n, "apache2", "start") == 0
    try:
        assert run_ocf(lab, "node1", "IPaddr2", "start", params).rc == SUCCESS
        url = f"http://{vip}{WHOAMI_PATH}"
        with Prober(lambda: probe_http(url, timeout=0.5), period=0.05) as prober:
            until(lambda: any(s.ok for s in prober.samples))
            assert run_ocf(lab, "node1", "IPaddr2", "stop", params).rc == SUCCESS
            assert run_ocf(lab, "node2", "IPaddr2", "start", params).rc == SUCCESS
            until(lambda: any(s.ok and s.answer == "node2" for s in prober.samples))
        answers = [s.answer for s in prober.segments() if s.ok]
        assert answers[0] == "node1" and answers[-1] == "node2"
        assert "node1" not in answers[answers.index("node2") :]  # no flapping back
        first_node2 = next(s for s in prober.segments() if s.ok and s.answer == "node2")
        last_node1 = [s for s in prober.segments() if s.ok and s.answer == "node1"][-1]
        assert first_node2.first > last_node1.last
    finally:
        run_ocf(lab, "node2", "IPaddr2", "stop", params)
        run_ocf(lab, "node1", "IPaddr2", "stop", params)
        for n in ("node1", "node2"):
            service(lab, n, "apache2", "stop")
