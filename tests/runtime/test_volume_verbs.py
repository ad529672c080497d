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
    node.vol("primary", "--force", "rv")
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
