"""Real namespaced nodes: isolation, power, cables, partitions, freeze, the power API.

One bare lab (three nodes and the arbitrator) serves the whole module.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paceline.lab import faults, node
from paceline.lab.lab import Lab
from paceline.lab.layout import NodeDirs
from paceline.lab.node import checkout_dir, loops_to_detach, signal_all
from paceline.lab.power import fence_params
from paceline.lab.probe import probe_tcp
from paceline.lab.sh import LabError

pytestmark = pytest.mark.lab

RECEIVER = """
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
if len(sys.argv) > 3:  # join multicast group argv[3] on the interface with address argv[4]
    mreq = struct.pack("4s4s", socket.inet_aton(sys.argv[3]), socket.inet_aton(sys.argv[4]))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
s.settimeout(float(sys.argv[2]))
print("ready", flush=True)
got = []
try:
    while True:
        got.append(s.recv(100).decode())
except OSError:
    pass
print(" ".join(got) or "-", flush=True)
"""
SENDER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    for address in sys.argv[3:]:
        s.sendto(sys.argv[2].encode(), (address, int(sys.argv[1])))
    time.sleep(0.05)
"""
ECHO = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5901))
while True:
    data, peer = s.recvfrom(100)
    s.sendto(data, peer)
"""


def sh(lab: Lab, node: str, script: str) -> subprocess.CompletedProcess[str]:
    return lab.exec(node, ["sh", "-c", script])


def pings(lab: Lab, node: str, address: str) -> bool:
    """Whether ``address`` answers at all within a few seconds (links may be coming up)."""
    return lab.exec(node, ["ping", "-c", "1", "-w", "4", "-q", address]).returncode == 0


def silent(lab: Lab, node: str, address: str) -> bool:
    """Whether ``address`` stays silent to three pings."""
    return (
        lab.exec(node, ["ping", "-c", "3", "-i", "0.2", "-W", "1", "-q", address]).returncode != 0
    )


def daemon(lab: Lab, node: str, command: str) -> None:
    """Start ``command`` detached inside ``node`` (re-parented to the node's init)."""
    sh(lab, node, f"setsid {command} </dev/null >/dev/null 2>&1 &")


def udp_matrix(
    lab: Lab, nodes: list[str], port: int, *, group: str | None = None
) -> set[tuple[str, str]]:
    """Every node sends tagged datagrams to every other node's public address (or to multicast
    ``group``, which all join); returns the (sender, receiver) pairs that got through."""
    receivers = {}
    for dst in nodes:
        join = [group, lab.plan.node(dst).address] if group else []
        receivers[dst] = subprocess.Popen(
            lab.exec_argv(dst, ["python3", "-c", RECEIVER, str(port), "0.8", *join]),
            stdout=subprocess.PIPE,
            text=True,
        )
    try:
        for proc in receivers.values():
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        senders = []
        for src in nodes:
            targets = [group] if group else [lab.plan.node(d).address for d in nodes if d != src]
            argv = ["python3", "-c", SENDER, str(port), f"from-{src}", *targets]
            senders.append(subprocess.Popen(lab.exec_argv(src, argv)))
        assert [p.wait(timeout=30) for p in senders] == [0] * len(senders)
        got = {dst: proc.communicate(timeout=30)[0] for dst, proc in receivers.items()}
    finally:
        for proc in receivers.values():
            if proc.poll() is None:
                proc.kill()
    return {
        (src, dst)
        for dst, out in got.items()
        for src in nodes
        if src != dst and f"from-{src}" in out
    }


def all_pairs(nodes: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for a in nodes for b in nodes if a != b}


def rep_address(lab: Lab, node: str, peer: str) -> str:
    link = next(r for r in lab.plan.node(node).reps if r.peer_of(node) == peer)
    return link.address_of(node)


@pytest.fixture(scope="module")
def lab(bare_lab: Lab) -> Lab:
    return bare_lab


def test_each_node_sees_only_its_own_processes_and_run(lab: Lab) -> None:
    daemon(lab, "node2", "sleep 3001")
    sh(lab, "node1", "echo one > /run/marker-node1")
    ps1 = sh(lab, "node1", "ps -e -o pid=,args=").stdout
    ps2 = sh(lab, "node2", "ps -e -o pid=,args=").stdout
    assert "sleep 3001" in ps2 and "sleep 3001" not in ps1
    assert ps1.split()[0] == "1" and "paceline.lab.init" in ps1.splitlines()[0]
    assert sh(lab, "node1", "cat /run/marker-node1").stdout == "one\n"
    assert sh(lab, "node2", "test -e /run/marker-node1").returncode == 1
    assert not Path("/run/marker-node1").exists()
    # every process the host sees in node2's PID namespace is one node2 lists
    assert len(lab.processes("node2")) == len(ps2.strip().splitlines()) - 2  # minus sh and ps


def test_node_has_its_own_names_files_and_device_layer(lab: Lab) -> None:
    assert sh(lab, "node2", "hostname").stdout.strip() == "node2"
    hosts = sh(lab, "node3", "cat /etc/hosts").stdout
    for name in ("node1", "node2", "node3", "arbitrator"):
        assert f"{lab.plan.node(name).address} {name}\n" in hosts
    sh(
        lab,
        "node1",
        "echo x > /etc/paceline-lab-marker; ln -s /dev/null /dev/drbd42; touch /dev/shm/m /tmp/m /var/lib/paceline/m",
    )
    for path in (
        "/etc/paceline-lab-marker",
        "/dev/drbd42",
        "/dev/shm/m",
        "/tmp/m",
        "/var/lib/paceline/m",
    ):
        assert sh(lab, "node1", f"test -e {path}").returncode == 0, path
        assert sh(lab, "node2", f"test -e {path}").returncode == 1, path
        assert not Path(path).exists(), path
    assert sh(lab, "node1", "ls /var/lab /var/log/apache2 /var/lib/mysql").returncode == 0


def test_fuse_and_loop_devices_are_usable_inside_a_node(lab: Lab) -> None:
    fuse = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/dev/fuse", os.O_RDWR)
os.makedirs("/tmp/fusetest", exist_ok=True)
opts = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
assert libc.mount(b"lab", b"/tmp/fusetest", b"fuse", 0, opts) == 0, os.strerror(ctypes.get_errno())
print(open("/proc/self/mounts").read().count("/tmp/fusetest fuse"))
assert libc.umount2(b"/tmp/fusetest", 2) == 0
"""
    out = lab.exec("node1", ["python3", "-c", fuse])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
    img = lab.shared / "loop-check.img"
    img.write_bytes(b"\0" * (1 << 20))
    dev = lab.attach_loop("node1", "/var/lab/loop-check.img")
    assert dev.startswith("/dev/loop")
    assert sh(lab, "node1", f"blockdev --getsize64 {dev}").stdout.strip() == str(1 << 20)
    node1_dir = lab.dirs("node1").root  # the image is in the shared directory, not under it
    assert dev in loops_to_detach(lab.record.loops["node1"], node1_dir, set())
    lab.exec("node1", ["losetup", "-d", dev], check=True)
    # somebody else takes the device number: the lab's record no longer claims it
    other = lab.shared / "someone-else.img"
    other.write_bytes(b"\0" * (1 << 20))
    taken = subprocess.run(["losetup", "--show", dev, str(other)], capture_output=True, text=True)
    try:
        assert taken.returncode == 0, taken.stderr
        assert dev not in loops_to_detach(lab.record.loops["node1"], node1_dir, set())
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


def test_paceline_runs_inside_a_node(lab: Lab) -> None:
    venv = checkout_dir() / ".venv/bin/paceline"
    if not venv.exists():
        pytest.skip(f"no {venv}")
    out = lab.exec("node3", [str(venv), "--version"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("paceline ")
    assert lab.exec("node3", [sys.executable, "-c", "import paceline.lab.plan"]).returncode == 0


def test_a_host_dir_under_tmp_stays_visible_at_the_same_path(lab: Lab, host_tmp_dir: Path) -> None:
    assert str(host_tmp_dir).startswith("/tmp/")
    script = host_tmp_dir / "hello.sh"
    script.write_text("#!/bin/sh\necho hello from $(hostname)\n")
    script.chmod(0o755)
    assert lab.exec("node2", [str(script)]).stdout == "hello from node2\n"
    # Only the ways in: this test's directory, and the checkout when it lives under /tmp too
    # (as in a CI clone), since Paceline must run inside nodes wherever it is checked out.
    ways_in = {host_tmp_dir.parts[2]}
    if checkout_dir().parts[1] == "tmp":
        ways_in.add(checkout_dir().parts[2])
    assert sorted(sh(lab, "node2", "ls /tmp").stdout.split()) == sorted(ways_in)
    lab.exec("node2", ["sh", "-c", f"echo back > {host_tmp_dir}/from-node"], check=True)
    assert (host_tmp_dir / "from-node").read_text() == "back\n"  # the same directory, not a copy


def test_power_off_kills_every_process_of_that_node_and_nothing_else(lab: Lab) -> None:
    daemon(lab, "node1", "sleep 3002")
    daemon(lab, "node2", "sleep 3003")
    (lab.shared / "poweroff.img").write_bytes(b"\0" * (1 << 20))
    dev = lab.attach_loop("node1", "/var/lab/poweroff.img")
    # a loop a tool attaches by itself, on a file of the node's private tmpfs
    raw = sh(lab, "node1", "truncate -s 1M /dev/shm/raw.img && losetup -f --show /dev/shm/raw.img")
    raw_dev = raw.stdout.strip()
    assert raw_dev.startswith("/dev/loop"), raw.stderr
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        victims = lab.processes("node1")
        survivors = lab.processes("node2")
        assert len(victims) >= 2 and len(survivors) >= 2
        lab.power_off("node1")
        assert not [p for p in victims if Path(f"/proc/{p}").exists()]
        assert all(Path(f"/proc/{p}").exists() for p in survivors)
        assert bystander.poll() is None
        assert not lab.running("node1") and lab.running("node2")
        addrs = subprocess.run(
            ["ip", "-n", lab.plan.node("node1").netns, "-4", "addr", "show"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "inet " not in addrs.replace("inet 127.0.0.1", "")
        for loop, image in ((dev, "poweroff.img"), (raw_dev, "raw.img")):
            backing = Path(f"/sys/block/{Path(loop).name}/loop/backing_file")
            assert not backing.exists() or image not in backing.read_text(), loop
        assert silent(lab, "node2", "node1")
        assert "NO-CARRIER" in sh(lab, "node2", "ip -br link show rep1-2").stdout  # peer is dark
    finally:
        bystander.kill()
        bystander.wait()
        lab.power_on("node1")
    assert sh(lab, "node1", "test -e /run/marker-node1").returncode == 1  # /run is new at boot
    assert pings(lab, "node2", "node1")


def test_cable_pull_cuts_only_that_link(lab: Lab) -> None:
    assert pings(lab, "node1", rep_address(lab, "node2", "node1"))
    faults.cable_pull(lab, "rep1-2")
    try:
        for n in ("node1", "node2"):  # both ends lose carrier and stay administratively up
            flags = sh(lab, n, "ip -br link show rep1-2").stdout
            assert "NO-CARRIER" in flags and ",UP" in flags, flags
        assert silent(lab, "node1", rep_address(lab, "node2", "node1"))
        assert pings(lab, "node1", rep_address(lab, "node3", "node1"))
        assert pings(lab, "node1", "node2")  # public network untouched
    finally:
        faults.cable_plug(lab, "rep1-2")
    assert pings(lab, "node1", rep_address(lab, "node2", "node1"))

    node2 = lab.plan.node("node2").address
    faults.cable_pull(lab, "node2:pub0")
    try:
        link = sh(lab, "node2", "ip -br link show pub0").stdout
        assert "NO-CARRIER" in link
        assert not probe_tcp(node2, 9, timeout=0.5).ok
        assert silent(lab, "node1", "node2")
        assert pings(lab, "node1", "node3")
        assert pings(lab, "node1", rep_address(lab, "node2", "node1"))  # its cable still works
    finally:
        faults.cable_plug(lab, "node2:pub0")
    assert pings(lab, "node1", "node2")


def test_a_pulled_cable_stays_pulled_across_a_power_cycle(lab: Lab) -> None:
    faults.cable_pull(lab, "rep1-3")
    try:
        lab.power_off("node1")
        lab.power_on("node1")
        assert silent(lab, "node1", rep_address(lab, "node3", "node1"))
        assert pings(lab, "node1", rep_address(lab, "node2", "node1"))
    finally:
        faults.cable_plug(lab, "rep1-3")
    assert pings(lab, "node1", rep_address(lab, "node3", "node1"))


def test_one_way_partition_drops_one_direction_only(lab: Lab) -> None:
    nodes = ["node1", "node2", "node3"]
    faults.partition(lab, "node1/node2", one_way=True)
    try:
        assert udp_matrix(lab, nodes, 5801) == all_pairs(nodes) - {("node1", "node2")}
    finally:
        faults.heal(lab)
    assert udp_matrix(lab, nodes, 5802) == all_pairs(nodes)


def test_bridges_forward_multicast_between_nodes(lab: Lab) -> None:
    # the reference corosync.conf: mcastaddr 239.0.0.1, mcastport 6800
    nodes = ["node1", "node2", "node3"]
    assert udp_matrix(lab, nodes, 6800, group="239.0.0.1") == all_pairs(nodes)


def test_second_public_ring_is_a_separate_network(lab: Lab) -> None:
    assert pings(lab, "node1", "node2-pub1")
    faults.cable_pull(lab, "node2:pub0")
    try:
        assert silent(lab, "node1", "node2")
        assert pings(lab, "node1", "node2-pub1")  # the redundant ring still carries traffic
    finally:
        faults.cable_plug(lab, "node2:pub0")


def test_two_way_partition_on_chosen_links(lab: Lab) -> None:
    faults.partition(lab, "node3", via="rep")
    try:
        assert silent(lab, "node1", rep_address(lab, "node3", "node1"))
        assert silent(lab, "node3", rep_address(lab, "node2", "node3"))
        assert pings(lab, "node1", "node3")  # only the cables were cut
        assert pings(lab, "node1", rep_address(lab, "node2", "node1"))
    finally:
        faults.heal(lab)
    assert pings(lab, "node1", rep_address(lab, "node3", "node1"))


def test_loss_and_rate_limit_apply_and_heal(lab: Lab) -> None:
    faults.loss(lab, "rep2-3", 100)
    faults.slow(lab, "node2:pub0", "2mbit")
    try:
        assert silent(lab, "node2", rep_address(lab, "node3", "node2"))
        qdisc = sh(lab, "node2", "tc qdisc show dev pub0").stdout
        assert "tbf" in qdisc and "2Mbit" in qdisc
        assert pings(lab, "node2", "node1")
    finally:
        faults.heal(lab)
    assert pings(lab, "node2", rep_address(lab, "node3", "node2"))
    assert "tbf" not in sh(lab, "node2", "tc qdisc show dev pub0").stdout


def test_freeze_makes_a_node_silent_without_killing_it(lab: Lab) -> None:
    daemon(lab, "node3", f"python3 -c '{ECHO}'")
    address = lab.plan.node("node3").address
    import socket

    def echo(timeout: float) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(b"hello", (address, 5901))
            try:
                return s.recvfrom(100)[0] == b"hello"
            except TimeoutError:
                return False

    assert any(echo(1.0) for _ in range(10))  # the server may still be starting
    before = sorted(lab.processes("node3"))
    lab.freeze("node3")
    try:
        assert not echo(1.0)
        assert sorted(lab.processes("node3")) == before
        assert lab.status()["nodes"]["node3"]["state"] == "frozen"
    finally:
        lab.thaw("node3")
    assert any(echo(2.0) for _ in range(5))


def test_a_frozen_node_can_still_lose_power(lab: Lab) -> None:
    daemon(lab, "node2", "sleep 3005")
    victims = lab.processes("node2")
    lab.freeze("node2")
    lab.power_off("node2")
    assert not [p for p in victims if Path(f"/proc/{p}").exists()]
    assert "node2" not in lab.record.frozen
    lab.power_on("node2")
    assert lab.status()["nodes"]["node2"]["state"] == "on"
    assert pings(lab, "node1", "node2")


def test_signal_freezer_fallback_stops_and_resumes_every_process(lab: Lab) -> None:
    daemon(lab, "node1", "sleep 3004")
    init = lab.init_pid("node1")
    assert init is not None
    members = lab.processes("node1")

    def states() -> set[str]:
        return {Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] for p in members}

    assert signal_all(init, signal.SIGSTOP) == len(members)
    try:
        assert states() == {"T"}
    finally:
        signal_all(init, signal.SIGCONT)
    assert "T" not in states()


def test_clean_shutdown_lets_processes_finish_and_reboot_starts_afresh(lab: Lab) -> None:
    daemon(
        lab,
        "node3",
        'sh -c \'trap "echo bye > /var/log/bye; exit 0" TERM; touch /run/trap-set; '
        "while :; do sleep 0.1; done'",
    )
    ready = lab.dirs("node3").sub("run") / "trap-set"
    for _ in range(500):  # the trap must be in place before the shutdown comes
        if ready.exists():
            break
        time.sleep(0.01)
    assert ready.exists()
    old_init = lab.init_pid("node3")
    lab.reboot("node3")
    assert lab.running("node3") and lab.init_pid("node3") != old_init
    assert sh(lab, "node3", "cat /var/log/bye").stdout == "bye\n"  # /var/log persists
    assert sh(lab, "node3", "pgrep -f '[w]hile :'").returncode == 1


def test_arbitrator_sits_on_the_public_network_only(lab: Lab) -> None:
    arb = lab.plan.node("arbitrator")
    assert arb.reps == ()
    assert pings(lab, "arbitrator", "node1")
    assert sh(lab, "arbitrator", "hostname").stdout.strip() == "arbitrator"


def test_fence_redfish_powers_lab_nodes(lab: Lab) -> None:
    params = fence_params(lab.record, "node2")
    stdin = "".join(f"{k}={v}\n" for k, v in params.items())

    def agent(action: str, extra: str = "") -> subprocess.CompletedProcess[str]:
        return lab.exec(
            "node1", ["fence_redfish"], input=f"{stdin}{extra}action={action}\n", timeout=60
        )

    assert agent("status").returncode == 0
    assert agent("off").returncode == 0
    assert not lab.running("node2")
    assert agent("status").returncode == 2  # fence agents: 2 = off
    assert agent("on").returncode == 0
    assert lab.running("node2")
    bad = agent("off", "password=wrong\n")
    assert bad.returncode != 0 and lab.running("node2")


def test_a_boot_that_times_out_leaves_no_init_behind(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The host stops waiting for a node that does not come up: its init must go too, or it
    would run unrecorded and the next power-on would start a second one beside it."""
    dirs = lab.dirs("arbitrator")
    lab.power_off("arbitrator")
    try:
        monkeypatch.setattr(node, "BOOT_TIMEOUT", 2.0)  # ample for the init to start
        monkeypatch.setattr(NodeDirs, "ready", property(lambda d: d.root / "never.ready"))
        with pytest.raises(LabError, match="did not boot"):
            lab.power_on("arbitrator")
        deadline = time.monotonic() + 5.0
        while node.find_inits(dirs) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert node.find_inits(dirs) == []
    finally:
        monkeypatch.undo()
        lab.power_off("arbitrator")  # a stray init, if the assertion failed
        lab.power_on("arbitrator")
    assert pings(lab, "arbitrator", "node1")


@pytest.mark.slow
def test_cli_verbs(lab: Lab) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "paceline.cli.main", "lab", *args],
            capture_output=True, text=True, timeout=60, env={**os.environ},
        )  # fmt: skip

    st = cli("status", "--name", lab.name, "--json")
    assert st.returncode == 0, st.stderr
    assert '"node1"' in st.stdout
    out = cli("exec", "--name", lab.name, "node2", "--", "hostname")
    assert (out.returncode, out.stdout) == (0, "node2\n")
    assert cli("exec", "--name", lab.name, "node2", "--", "false").returncode == 1
    assert cli("fault", "--name", lab.name, "cable-pull", "rep1-3").returncode == 0
    assert "rep1-3" in lab.record.pulled
    assert cli("fault", "--name", lab.name, "cable-plug", "rep1-3").returncode == 0
    shell = subprocess.run(
        [sys.executable, "-m", "paceline.cli.main", "lab", "shell", "--name", lab.name, "node3"],
        input="hostname\nexit 3\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (shell.returncode, shell.stdout.strip().splitlines()[-1]) == (3, "node3")
    params = cli("fence-params", "--name", lab.name, "node3")
    assert params.returncode == 0 and "systems_uri=/redfish/v1/Systems/node3\n" in params.stdout
    bad = cli("fault", "--name", lab.name, "partition", "node9")
    assert bad.returncode == 1 and "no such node" in bad.stderr
    nolab = cli("status", "--name", "no-such-lab")
    assert nolab.returncode == 1 and "no such lab" in nolab.stderr
