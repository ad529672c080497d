"""Two lab nodes replicate a volume for real: paceline-volumed in each node, TCP over
the replication cable, FUSE + loop + ext4 on the Primary.

One lab for the module, one scenario in order (each step needs the previous one):
create-md, up, initial full sync; ext4 on node1, fsynced files, switchover to node2,
the files identical; cable pull, known blocks written with direct I/O, plug: only the
dirty blocks cross the cable (the cable's own interface counters say so); then a writer
that logs every acknowledged (fdatasync'ed) record, power-off of the Primary, promotion
of the Secondary: every acknowledged record is there (Jepsen's set check).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from paceline.lab import faults
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab

pytestmark = pytest.mark.lab

PY = sys.executable
VOL = [PY, "-m", "paceline.cli.main", "volume"]
SIZE_MB = 32
DIRTY_BLOCKS = 64

RES = """\
resource r0 {{
    protocol C;
    meta-disk internal;
    device /dev/drbd1 minor 1;
    disk /var/lib/paceline/r0.img;
    disk {{ resync-rate 200M; fencing resource-only; }}
    handlers {{
        fence-peer "/var/lab/handler.sh fence-peer";
        after-resync-target "/var/lab/handler.sh after-resync-target";
    }}
    on node1 {{ address {a}:7789; }}
    on node2 {{ address {b}:7789; }}
}}
"""

STATE = (
    "import json, sys; from paceline.runtime.control import call; "
    "print(json.dumps(call(f'/run/paceline/volume-{sys.argv[1]}.sock', 'status')))"
)

# Writes 4 KiB records with O_DIRECT + fdatasync to the raw device; logs each one
# once acknowledged. argv: device, first block, log file.
WRITER = """
import mmap, os, sys, hashlib
dev, first, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
out = open(log, "a", buffering=1)
i = 0
while i < 2000:
    data = (b"record %d " % i).ljust(4096, b".")
    buf.seek(0); buf.write(data)
    os.pwrite(fd, buf, (first + i) * 4096)
    os.fdatasync(fd)
    out.write("%d %s\\n" % (i, hashlib.sha256(data).hexdigest())); out.flush()
    i += 1
"""

# Writes DIRTY_BLOCKS known blocks at known offsets with O_DIRECT, then fsync.
DIRTY = """
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
for k in range(int(sys.argv[2])):
    buf.seek(0); buf.write((b"dirty %d " % k).ljust(4096, b"d"))
    os.pwrite(fd, buf, (1000 + 37 * k) * 4096)
os.fsync(fd)
"""

READ = """
import os, sys, hashlib, json
fd = os.open(sys.argv[1], os.O_RDONLY)
first, count = int(sys.argv[2]), int(sys.argv[3])
step = int(sys.argv[4]) if len(sys.argv) > 4 else 1
print(json.dumps([hashlib.sha256(os.pread(fd, 4096, (first + step * k) * 4096)).hexdigest()
                  for k in range(count)]))
"""


@pytest.fixture(scope="module")
def lab(lab_ok: None) -> Iterator[Lab]:
    with running_lab(f"rdev{os.getpid() % 100000}vol", 2) as lab:
        rep = lab.plan.reps[0]
        res = RES.format(a=rep.address_of("node1"), b=rep.address_of("node2"))
        # A stand-in for crm-fence-peer.sh / crm-unfence-peer.sh: records what it was asked.
        handler = lab.shared / "handler.sh"
        handler.write_text(
            '#!/bin/sh\necho "$(hostname) $1 $DRBD_RESOURCE $DRBD_PEER" >> /var/lab/handlers.log\n'
            "exit 4\n"
        )
        handler.chmod(0o755)
        for node in ("node1", "node2"):
            image = lab.dirs(node).sub("paceline") / "r0.img"
            with open(image, "wb") as f:
                f.truncate(SIZE_MB << 20)
            lab.exec(node, ["sh", "-c", "mkdir -p /etc/paceline/volumes.d"], check=True)
            lab.exec(node, ["tee", "/etc/paceline/volumes.d/r0.res"], input=res, check=True)
        yield lab


def vol(lab: Lab, node: str, *args: str, rc: int = 0) -> str:
    # The daemons' disks keep unflushed writes in memory: a power cut loses them.
    out = lab.exec(node, [*VOL, *args], env={"PACELINE_LAZY_DISK": "1"}, timeout=120)
    assert out.returncode == rc, (node, args, out.returncode, out.stdout, out.stderr)
    return out.stdout


def state(lab: Lab, node: str, name: str = "r0") -> dict[str, Any]:
    out = lab.exec(node, [PY, "-c", STATE, name], check=True)
    return json.loads(out.stdout)


def wait_for(
    lab: Lab,
    node: str,
    ok: Callable[[dict[str, Any]], bool],
    what: str,
    timeout: float = 90,
    *,
    name: str = "r0",
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    st = state(lab, node, name)
    while not ok(st):
        if time.monotonic() > deadline:
            raise AssertionError(f"{node}: {name} not {what} after {timeout:g} s: {st}")
        time.sleep(0.3)
        st = state(lab, node, name)
    return st


def in_sync(st: dict[str, Any]) -> bool:
    return (
        st["cstate"] == "Connected"
        and st["disk"] == "UpToDate"
        and st["peer_disk"] == "UpToDate"
        and st["counters"]["oos"] == 0
    )


def py(lab: Lab, node: str, script: str, *args: str) -> str:
    return lab.exec(node, [PY, "-c", script, *args], check=True, timeout=120).stdout


def tx_bytes(lab: Lab, node: str) -> int:
    out = lab.exec(node, ["cat", "/sys/class/net/rep1-2/statistics/tx_bytes"], check=True)
    return int(out.stdout)


def test_two_nodes_replicate_switch_over_resync_and_survive_a_power_cut(lab: Lab) -> None:
    # -- bring-up: create-md, up, initial full sync from the forced Primary
    for node in ("node1", "node2"):
        assert "successfully created" in vol(lab, node, "create-md", "r0")
        vol(lab, node, "up", "r0")
    st = wait_for(lab, "node1", lambda s: s["cstate"] == "Connected", "connected")
    assert st["disk"] == "Inconsistent" and st["peer_disk"] == "Inconsistent"
    assert st["lazy_disk"] is True  # unflushed writes die with the node
    vol(lab, "node1", "primary", "r0", rc=17)  # nobody has good data yet
    vol(lab, "node1", "primary", "--force", "r0")
    wait_for(lab, "node1", in_sync, "in sync")
    assert vol(lab, "node2", "dstate", "r0") == "UpToDate/UpToDate\n"
    assert vol(lab, "node2", "role", "r0") == "Secondary/Primary\n"
    status = vol(lab, "node1", "status", "r0")
    assert (
        status
        == "r0 role:Primary\n  disk:UpToDate\n  node2 role:Secondary\n    peer-disk:UpToDate\n"
    )

    # -- ext4 on the Primary, fsynced files; switchover; the same files on node2
    lab.exec("node1", ["mkfs.ext4", "-q", "/dev/drbd/by-res/r0"], check=True)
    lab.exec("node1", ["mkdir", "-p", "/mnt/r0"], check=True)
    lab.exec("node2", ["mkdir", "-p", "/mnt/r0"], check=True)
    lab.exec("node1", ["mount", "/dev/drbd1", "/mnt/r0"], check=True)
    script = (
        "import os, hashlib\n"
        "for i in range(8):\n"
        "    data = os.urandom(256 * 1024)\n"
        "    with open(f'/mnt/r0/f{i}', 'wb') as f:\n"
        "        f.write(data); f.flush(); os.fsync(f.fileno())\n"
        "    print(i, hashlib.sha256(data).hexdigest())\n"
    )
    written = py(lab, "node1", script)
    lab.exec("node1", ["umount", "/mnt/r0"], check=True)
    vol(lab, "node1", "secondary", "r0")
    vol(lab, "node2", "primary", "r0")
    lab.exec("node2", ["mount", "/dev/drbd1", "/mnt/r0"], check=True)
    check = (
        "import hashlib\n"
        "for i in range(8):\n"
        "    print(i, hashlib.sha256(open(f'/mnt/r0/f{i}', 'rb').read()).hexdigest())\n"
    )
    assert py(lab, "node2", check) == written
    lab.exec("node2", ["umount", "/mnt/r0"], check=True)
    vol(lab, "node2", "secondary", "r0")
    vol(lab, "node1", "primary", "r0")

    # -- cable pull: writes mark the bitmap; plug: only the dirty blocks cross
    calls = lab.shared / "handlers.log"
    assert calls.read_text() == "node2 after-resync-target r0 node1\n"  # the initial sync
    faults.cable_pull(lab, "rep1-2")
    wait_for(lab, "node1", lambda s: s["cstate"] != "Connected", "disconnected", timeout=30)
    # The Primary lost its peer under fencing resource-only: the fence-peer handler ran.
    st = wait_for(lab, "node1", lambda s: s["handlers"] != [], "fencing", timeout=30)
    assert st["handlers"] == [["fence-peer", 4]]
    assert calls.read_text().splitlines()[-1] == "node1 fence-peer r0 node2"
    py(lab, "node1", DIRTY, "/dev/drbd1", str(DIRTY_BLOCKS))
    st = state(lab, "node1")
    assert st["counters"]["oos"] == DIRTY_BLOCKS * 4  # KiB out of sync: exactly those blocks
    before = tx_bytes(lab, "node1")
    faults.cable_plug(lab, "rep1-2")
    wait_for(lab, "node1", in_sync, "resynced")
    wait_for(lab, "node2", lambda s: len(s["handlers"]) == 2, "unfenced", timeout=30)
    assert calls.read_text().splitlines()[-1] == "node2 after-resync-target r0 node1"
    crossed = tx_bytes(lab, "node1") - before
    dirty = DIRTY_BLOCKS * 4096
    # Handshake, bitmap (32 MiB -> 1 KiB), pings and framing on top of the blocks;
    # a full sync would be 32 MiB.
    print(f"resync: {crossed} bytes crossed the cable for {dirty} dirty bytes")
    assert dirty <= crossed < dirty * 1.5 + 64 * 1024, (crossed, dirty)
    want = py(lab, "node1", READ, "/dev/drbd1", "1000", str(DIRTY_BLOCKS), "37")

    # -- power cut of the Primary under an acknowledging writer; promote node2
    log = lab.shared / "acked.log"
    log.unlink(missing_ok=True)
    lab.exec(
        "node1",
        ["sh", "-c", f"nohup {PY} -c '{WRITER}' /dev/drbd1 4096 /var/lab/acked.log "
         ">/dev/null 2>&1 &"],
        check=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (not log.exists() or len(log.read_text().splitlines()) < 50) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
    lab.power_off("node1")
    acked = [line.split() for line in log.read_text().splitlines() if line.strip()]
    assert len(acked) >= 50
    print(f"power cut after {len(acked)} acknowledged records")
    wait_for(lab, "node2", lambda s: s["cstate"] != "Connected", "disconnected", timeout=30)
    vol(lab, "node2", "primary", "r0")
    got = json.loads(py(lab, "node2", READ, "/dev/drbd1", "4096", str(len(acked))))
    missing = [int(i) for (i, h), g in zip(acked, got, strict=True) if h != g]
    assert missing == [], f"acknowledged records lost on the survivor: {missing[:10]}"
    # the blocks the resync carried are there too
    assert py(lab, "node2", READ, "/dev/drbd1", "1000", str(DIRTY_BLOCKS), "37") == want

    # -- node1 back: it rejoins as the sync target of what node2 wrote since
    lab.power_on("node1")
    vol(lab, "node1", "up", "r0")
    wait_for(lab, "node2", in_sync, "in sync with the returned node1")
    assert state(lab, "node1")["role"] == "Secondary"

    # -- kill -9 of the Primary's daemon: a dead disk there, the peer keeps the data
    py(lab, "node2", WRITER.replace("2000", "20"), "/dev/drbd1", "7000", "/var/lab/acked2.log")
    acked2 = (lab.shared / "acked2.log").read_text().splitlines()
    pid = state(lab, "node2")["pid"]
    lab.exec("node2", ["kill", "-9", str(pid)], check=True)
    wait_for(lab, "node1", lambda s: s["cstate"] != "Connected", "disconnected", timeout=30)
    vol(lab, "node1", "primary", "r0")  # the survivor takes over, every acked record there
    got = json.loads(py(lab, "node1", READ, "/dev/drbd1", "7000", str(len(acked2))))
    assert [line.split()[1] for line in acked2] == got
    before = tx_bytes(lab, "node1")
    vol(lab, "node2", "up", "r0")  # back from the metadata the dead daemon left
    wait_for(lab, "node1", in_sync, "resynced with node2 back")
    crossed = tx_bytes(lab, "node1") - before
    # Only what may differ crosses (the dead Primary's hot extents), not the whole volume.
    assert crossed < (SIZE_MB << 20) // 2, crossed
    print(f"after kill -9: {crossed} bytes resynced of a {SIZE_MB} MiB volume")
    vol(lab, "node1", "down", "r0")
    vol(lab, "node2", "down", "r0")


SB_RES = """\
resource {name} {{
    protocol C;
    meta-disk internal;
    device /dev/drbd{minor} minor {minor};
    disk /var/lib/paceline/{name}.img;
    disk {{ resync-rate 200M; }}
    net {{
{net}
    }}
    on node1 {{ address {a}:{port}; }}
    on node2 {{ address {b}:{port}; }}
}}
"""
# r1: the reference r0.res's net section; r2: DRBD's defaults (every policy disconnect).
REFERENCE_NET = """\
        allow-two-primaries;
        after-sb-0pri discard-younger-primary;
        after-sb-1pri discard-secondary;
        after-sb-2pri call-pri-lost-after-sb;"""

BLOCK = """
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096); buf.write(sys.argv[3].encode().ljust(4096, b"-"))
os.pwrite(fd, buf, int(sys.argv[2]) * 4096); os.fsync(fd)
"""
PEEK = """
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
import mmap; buf = mmap.mmap(-1, 4096)
for b in sys.argv[2:]:
    os.preadv(fd, [buf], int(b) * 4096); print(bytes(buf[:16]).rstrip(b"-\\0").decode() or "-")
"""


def test_split_brain_after_sb_discard_secondary_and_manual_discard_my_data(lab: Lab) -> None:
    rep = lab.plan.reps[0]
    vols = {"r1": (2, REFERENCE_NET), "r2": (3, "        protocol C;")}
    for name, (minor, net) in vols.items():
        res = SB_RES.format(
            name=name, minor=minor, net=net, port=7788 + minor,
            a=rep.address_of("node1"), b=rep.address_of("node2"),
        )  # fmt: skip
        for node in ("node1", "node2"):
            if not lab.running(node):
                lab.power_on(node)
            with open(lab.dirs(node).sub("paceline") / f"{name}.img", "wb") as f:
                f.truncate(16 << 20)
            lab.exec(node, ["mkdir", "-p", "/etc/paceline/volumes.d"], check=True)
            lab.exec(node, ["tee", f"/etc/paceline/volumes.d/{name}.res"], input=res, check=True)
            vol(lab, node, "create-md", name)
            vol(lab, node, "up", name)
    for name in vols:
        wait_for(lab, "node1", lambda s: s["cstate"] == "Connected", "connected", name=name)
        vol(lab, "node1", "primary", "--force", name)
        wait_for(lab, "node1", in_sync, "in sync", name=name)

    # Split brain: the cable goes, node2 is promoted too, both write, node2 steps down.
    faults.cable_pull(lab, "rep1-2")
    for name, (minor, _net) in vols.items():
        wait_for(lab, "node2", lambda s: s["cstate"] != "Connected", "cut off", 30, name=name)
        vol(lab, "node2", "primary", name)
        py(lab, "node1", BLOCK, f"/dev/drbd{minor}", "100", "node1-wrote")
        py(lab, "node2", BLOCK, f"/dev/drbd{minor}", "200", "node2-wrote")
        vol(lab, "node2", "secondary", name)
    faults.cable_plug(lab, "rep1-2")

    # r1, after-sb-1pri discard-secondary: node2 (the Secondary) is the victim.
    st = wait_for(lab, "node1", in_sync, "resolved by discard-secondary", name="r1")
    assert any("split brain resolved" in e for e in st["events"]), st["events"]
    # r2, every policy disconnect: StandAlone, and the message says how to resolve it.
    st = wait_for(lab, "node1", lambda s: s["cstate"] == "StandAlone", "StandAlone", 60, name="r2")
    assert any("connect --discard-my-data r2" in e for e in st["events"]), st["events"]
    st2 = wait_for(
        lab, "node2", lambda s: s["cstate"] in ("StandAlone", "WFConnection"), "apart", name="r2"
    )
    if st2["cstate"] != "StandAlone":
        vol(lab, "node2", "disconnect", "r2")
    vol(lab, "node2", "connect", "--discard-my-data", "r2")
    vol(lab, "node1", "connect", "r2")
    wait_for(lab, "node1", in_sync, "resolved by --discard-my-data", name="r2")

    # Either way node2 now holds node1's data: node1's write, not its own.
    for name, (minor, _net) in vols.items():
        vol(lab, "node1", "secondary", name)
        vol(lab, "node2", "primary", name)
        seen = py(lab, "node2", PEEK, f"/dev/drbd{minor}", "100", "200").split()
        assert seen == ["node1-wrote", "-"], (name, seen)
        vol(lab, "node2", "down", name)
        vol(lab, "node1", "down", name)
