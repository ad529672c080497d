"""drbdadm's state verbs through ``paceline volume`` on one live node (no peer):
detach/attach, invalidate, invalidate-remote, verify and events, with the refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.runtime.test_volumed import Node

from fuse_env import needs_fuse


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    n = Node(tmp_path, name="rv", minor=3)
    yield n
    n.cleanup()


@needs_fuse
def test_detach_attach_invalidate_and_their_refusals(node: Node) -> None:
    node.vol("create-md", "rv")
    node.vol("up", "rv")
    assert node.state()["counters"]["oos"] == 0  # create-md: Inconsistent, no bit set
    # Nothing UpToDate here yet: invalidate-remote has nothing to send (drbdadm's 17).
    assert "UpToDate data" in node.vol("invalidate-remote", "rv", check=17).stderr
    assert "verify algorithm" in node.vol("verify", "rv", check=11).stderr
    node.vol("--", "--overwrite-data-of-peer", "primary", "rv")  # 8.3's primary --force
    assert node.vol("role", "rv").stdout == "Primary/Unknown\n"
    node.vol("disconnect", "rv")
    node.vol("--", "--discard-my-data", "connect", "rv")  # 8.3's connect --discard-my-data
    assert node.vol("cstate", "rv").stdout == "WFConnection\n"
    for verb in ("detach", "invalidate"):  # a Primary cannot be Diskless nor a sync target
        assert "demote it first" in node.vol(verb, "rv", check=11).stderr
    # A disconnected Primary may invalidate the peer: every block goes at the next connect.
    node.vol("invalidate-remote", "rv")
    size_kib = node.state()["counters"]["oos"]
    assert 60 * 1024 < size_kib < 64 * 1024  # the whole 64 MiB image but its metadata
    node.vol("secondary", "rv")
    assert "disconnected Secondary" in node.vol("invalidate-remote", "rv", check=11).stderr

    node.vol("invalidate", "rv")  # disconnected Secondary: its data is discarded
    assert node.vol("dstate", "rv").stdout == "Inconsistent/DUnknown\n"
    assert node.state()["counters"]["oos"] == size_kib
    assert "UpToDate data" in node.vol("primary", "rv", check=17).stderr

    node.vol("detach", "rv")
    assert node.vol("dstate", "rv").stdout == "Diskless/DUnknown\n"
    assert node.vol("cstate", "rv").stdout == "StandAlone\n"
    proc = node.vol("status", "--proc").stdout
    assert " 3: cs:StandAlone ro:Secondary/Unknown ds:Diskless/DUnknown C r" in proc
    assert "already Diskless" in node.vol("detach", "rv", check=11).stderr
    assert "no local disk" in node.vol("invalidate", "rv", check=11).stderr

    node.vol("attach", "rv")  # a new core from the metadata: still Inconsistent
    assert node.vol("dstate", "rv").stdout == "Inconsistent/DUnknown\n"
    assert node.vol("cstate", "rv").stdout == "WFConnection\n"
    assert "attached already" in node.vol("attach", "rv", check=11).stderr

    events = node.vol("events", "rv", "--now").stdout.splitlines()
    assert events[0] == "exists resource name:rv role:Secondary suspended:no"
    assert "exists device name:rv volume:0 minor:3 disk:Inconsistent" in events
    assert events[-1] == "exists -"
    node.vol("down", "rv")
    gone = node.vol("events", "rv", "--now").stdout.splitlines()
    assert gone == ["exists -"]


FENCED_RES = """\
resource rf {{
    protocol C;
    meta-disk internal;
    device /dev/drbd4 minor 4;
    disk {disk};
    disk {{ fencing resource-only; }}
    handlers {{ fence-peer "{handler}"; }}
    on node1 {{ address 198.19.7.1:7791; }}
    on node2 {{ address 198.19.7.2:7791; }}
}}
"""


@needs_fuse
def test_a_disconnected_promotion_under_resource_fencing_fences_the_peer_first(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path, name="rf", minor=4)
    calls, code = tmp_path / "calls", tmp_path / "exit"
    handler = tmp_path / "fence.sh"  # a stand-in for crm-fence-peer.sh
    handler.write_text(
        f'#!/bin/sh\necho "$DRBD_RESOURCE $DRBD_PEER" >> {calls}\nexit $(cat {code})\n'
    )
    handler.chmod(0o755)
    res = node.root / "etc/paceline/volumes.d/rf.res"
    res.write_text(FENCED_RES.format(disk=node.disk, handler=handler))
    try:
        node.vol("create-md", "rf")
        node.vol("up", "rf")
        code.write_text("1\n")  # the cluster could not place the constraint
        node.vol("primary", "--force", "rf")  # --force overrides, as drbdadm's
        node.vol("secondary", "rf")
        refused = node.vol("primary", "rf", check=11).stderr
        assert "Refusing to be Primary while peer is not outdated (fence-peer: exit 1)" in refused
        assert node.vol("role", "rf").stdout == "Secondary/Unknown\n"
        code.write_text("4\n")  # the peer is outdated (the constraint is placed)
        node.vol("primary", "rf")
        assert node.vol("role", "rf").stdout == "Primary/Unknown\n"
        assert calls.read_text().splitlines() == ["rf node2"] * 3
        node.vol("down", "rf")
    finally:
        node.cleanup()
