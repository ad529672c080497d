"""drbdadm's live verbs between two lab nodes: ``primary --force`` on two connected fresh
nodes (no reconnection), online verify finding a block corrupted behind the volume's
back, invalidate, invalidate-remote (with the Primary's refusal), and the events stream."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from tests.lab.test_lab_volume import PY, in_sync, py, state, vol, wait_for

from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab

pytestmark = pytest.mark.lab

RES = """\
resource rv {{
    protocol C;
    meta-disk internal;
    device /dev/drbd2 minor 2;
    disk /var/lib/paceline/rv.img;
    disk {{ resync-rate 4M; }}
    net {{ verify-alg sha1; csums-alg md5; }}
    handlers {{
        unfence-peer "/var/lab/rv-handler.sh unfence-peer";
        out-of-sync "/var/lab/rv-handler.sh out-of-sync";
    }}
    on node1 {{ address {a}:7790; }}
    on node2 {{ address {b}:7790; }}
}}
"""
SIZE_MB = 8  # at 4 MiB/s each full sync lasts 2 s: the sampled events stream sees it
CORRUPT = 100  # the block written behind the volume's back on node2

POKE = """
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"behind the volume's back".ljust(4096, b"!"), int(sys.argv[2]) * 4096)
os.fsync(fd)
"""
BLOCK = """
import hashlib, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(hashlib.sha256(os.pread(fd, 4096, int(sys.argv[2]) * 4096)).hexdigest())
"""


@pytest.fixture(scope="module")
def lab(lab_ok: None) -> Iterator[Lab]:
    with running_lab(f"rcore{os.getpid() % 100000}v", 2) as lab:
        rep = lab.plan.reps[0]
        res = RES.format(a=rep.address_of("node1"), b=rep.address_of("node2"))
        handler = lab.shared / "rv-handler.sh"  # a stand-in that records what it was asked
        handler.write_text(
            '#!/bin/sh\necho "$(hostname) $1 $DRBD_RESOURCE $DRBD_PEER" >> /var/lab/rv.log\n'
        )
        handler.chmod(0o755)
        for node in ("node1", "node2"):
            with open(lab.dirs(node).sub("paceline") / "rv.img", "wb") as f:
                f.truncate(SIZE_MB << 20)
            lab.exec(node, ["mkdir", "-p", "/etc/paceline/volumes.d"], check=True)
            lab.exec(node, ["tee", "/etc/paceline/volumes.d/rv.res"], input=res, check=True)
        yield lab


def events(lab: Lab, node: str) -> list[str]:
    return [e.split(": ", 1)[1] for e in state(lab, node, "rv")["events"]]


def test_force_verify_invalidate_and_events_between_two_nodes(lab: Lab) -> None:
    for node in ("node1", "node2"):
        vol(lab, node, "create-md", "rv")
        vol(lab, node, "up", "rv")
    wait_for(lab, "node1", lambda s: s["cstate"] == "Connected", "connected", name="rv")
    # The events stream, from before the promotion (a background reader in node1).
    log = lab.shared / "events-node1.log"
    cmd = f"timeout 120 {PY} -m paceline.cli.main volume events rv >/var/lab/{log.name} 2>&1 &"
    lab.exec("node1", ["sh", "-c", cmd], check=True)
    deadline = time.monotonic() + 30  # the reader has printed the state as it is
    while not (log.exists() and "exists -" in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)

    # -- primary --force on one of two connected Inconsistent nodes: the bring-up
    vol(lab, "node1", "primary", "--force", "rv")
    st = wait_for(lab, "node1", in_sync, "synced", name="rv")
    assert st["core_stats"]["connects"] == 1  # the sync started on the same connection
    assert "rv: full sync as source of" in " ".join(state(lab, "node1", "rv")["events"])
    # DRBD 9's unfence-peer: on the source once the peer is UpToDate again
    wait_for(lab, "node1", lambda s: ["unfence-peer", 0] in s["handlers"], "unfenced", name="rv")
    assert (lab.shared / "rv.log").read_text() == "node1 unfence-peer rv node2\n"

    # -- verify finds the block corrupted behind node2's back, and marks it on both sides
    py(lab, "node2", POKE, "/var/lib/paceline/rv.img", str(CORRUPT))
    vol(lab, "node1", "verify", "rv")
    st = wait_for(
        lab, "node1", lambda s: s["cstate"] == "Connected" and s["counters"]["oos"], "verified",
        name="rv",
    )  # fmt: skip
    assert st["counters"]["oos"] == 4  # KiB: one block
    assert "Online verify found 1 4k block out of sync!" in events(lab, "node1")
    assert f"Out of sync: start={CORRUPT * 8}, size=8 (sectors)" in events(lab, "node1")
    assert state(lab, "node2", "rv")["counters"]["oos"] == 4
    wait_for(lab, "node1", lambda s: ["out-of-sync", 0] in s["handlers"], "reported", name="rv")
    # as DRBD: disconnect + connect resyncs what verify marked
    vol(lab, "node1", "disconnect", "rv")
    vol(lab, "node1", "connect", "rv")
    wait_for(lab, "node1", in_sync, "resynced", name="rv")
    good = py(lab, "node1", BLOCK, "/dev/drbd2", str(CORRUPT))
    assert py(lab, "node2", BLOCK, "/var/lib/paceline/rv.img", str(CORRUPT)) == good

    # -- invalidate: node2's data is discarded and fully resynced from node1
    assert "demote it first" in lab.exec("node1", [PY, "-m", "paceline.cli.main", "volume",
                                                  "invalidate", "rv"]).stderr  # fmt: skip
    vol(lab, "node2", "invalidate", "rv")
    wait_for(lab, "node2", in_sync, "resynced after invalidate", name="rv")
    assert any(e.startswith("full sync as target of") for e in events(lab, "node2"))
    # csums-alg: the blocks node2 still had equal crossed as digests, not data
    summary = [e for e in events(lab, "node1") if "had equal checksums" in e][-1]
    assert "100 % had equal checksums" in summary, summary

    # -- invalidate-remote from the Primary: the same, asked from the other side
    before = sum(e.startswith("full sync as target") for e in events(lab, "node2"))
    vol(lab, "node1", "invalidate-remote", "rv")
    wait_for(
        lab, "node2",
        lambda s: sum(e.split(": ", 1)[1].startswith("full sync as target")
                      for e in s["events"]) > before and in_sync(s),
        "resynced after invalidate-remote", name="rv",
    )  # fmt: skip

    for node in ("node2", "node1"):
        vol(lab, node, "down", "rv")
    deadline = time.monotonic() + 20  # the reader samples the status every 0.1 s
    while "destroy resource name:rv" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = log.read_text().splitlines()
    assert lines[0] == "exists resource name:rv role:Secondary suspended:no"
    assert "exists -" in lines
    assert "change resource name:rv role:Primary" in lines
    assert any(line.startswith("change peer-device") and "replication:SyncSource" in line
               for line in lines)  # fmt: skip
    assert lines[-1] == "destroy resource name:rv"
