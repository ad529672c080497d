"""Membership between lab nodes: real ``membershipd`` daemons, real UDP, lab faults.

Three nodes on two public rings (token 500 ms), each running the stand-alone
membership daemon; every fault comes from the lab (power, cable, partition)
or from the host (bad packets), never from the code under test. Tests share
one lab and leave it whole (all three nodes in one view) for the next.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from paceline.lab import faults
from paceline.lab import membership as mb
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab
from paceline.membership.config import DEFAULT_MCASTPORT

pytestmark = pytest.mark.lab

NODES = ("node1", "node2", "node3")
TIMEOUT = 30.0


def wait_for(check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    end = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def views(lab: Lab, nodes: tuple[str, ...] = NODES) -> dict[str, Any]:
    return {n: mb.view(lab, n) for n in nodes}


def agreed(lab: Lab, members: tuple[int, ...], nodes: tuple[str, ...] = NODES) -> Any:
    """The ring all ``nodes`` installed with exactly ``members``, or None."""
    vs = views(lab, nodes)
    rings = {v[0] for v in vs.values() if v is not None and v[1] == members}
    if len(rings) == 1 and all(v is not None and v[1] == members for v in vs.values()):
        return rings.pop()
    return None


def whole(lab: Lab) -> tuple[int, int]:
    return wait_for(lambda: agreed(lab, (1, 2, 3)), "all three nodes in one view")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def lab(lab_ok: None) -> Iterator[Lab]:
    with running_lab(f"mnet{os.getpid()}-mb", 3, rings=2, power_api=False) as lab:
        mb.install(lab, mb.conf_text(lab, token=500, rings=2))
        for n in NODES:
            mb.start(lab, n)
        yield lab
        for n in NODES:
            mb.stop(lab, n)


def test_three_nodes_form_one_view_with_the_lowest_id_as_dc(lab: Lab) -> None:
    ring = whole(lab)
    members = mb.ask(lab, "node2", "members")
    assert members["view"]["dc"] == 1 and members["view"]["ring"] == list(ring)
    assert members["reachable"] == [1, 3]
    quorum = mb.ask(lab, "node3", "quorum")
    assert quorum["state"]["quorate"] and quorum["state"]["total_votes"] == 3


def test_power_off_is_detected_and_a_powered_on_node_rejoins(lab: Lab) -> None:
    before = whole(lab)
    life = mb.ask(lab, "node3", "counters")["incarnation"]
    lab.power_off("node3")
    after = wait_for(lambda: agreed(lab, (1, 2), ("node1", "node2")), "view without node3")
    assert after > before
    lab.power_on("node3")
    mb.start(lab, "node3")
    rejoined = whole(lab)
    assert rejoined > after
    state = mb.ask(lab, "node3", "counters")
    assert state["incarnation"] == life + 1, "the restarted daemon knows it is a new life"


def test_a_pulled_cable_on_one_of_two_links_keeps_the_view(lab: Lab) -> None:
    ring = whole(lab)
    seen = len(mb.ask(lab, "node1", "events"))
    faults.cable_pull(lab, "node2:pub0")
    try:

        def link0_down() -> bool:
            links = {x["link"]: x["peers"] for x in mb.ask(lab, "node1", "links")["links"]}
            return links[0]["2"] is False and links[1]["2"] is True

        wait_for(link0_down, "node1 sees link 0 to node2 down, link 1 up")
        assert agreed(lab, (1, 2, 3)) == ring, "no membership change for a link failover"
        new = [e["event"] for e in mb.ask(lab, "node1", "events")[seen:]]
        assert not any(e.startswith("view") for e in new), new
    finally:
        faults.cable_plug(lab, "node2:pub0")
    wait_for(
        lambda: all(all(x["peers"].values()) for x in mb.ask(lab, "node1", "links")["links"]),
        "link 0 back up",
    )
    assert agreed(lab, (1, 2, 3)) == ring


def test_a_one_way_partition_converges_to_mutually_reachable_views(lab: Lab) -> None:
    whole(lab)
    faults.partition(lab, "node1/node3", one_way=True)  # node3 stops hearing node1
    try:

        def converged() -> bool:
            vs = views(lab)
            if any(v is None for v in vs.values()):
                return False
            by_ring: dict[Any, set[tuple[int, ...]]] = {}
            for v in vs.values():
                by_ring.setdefault(v[0], set()).add(v[1])
            every_ring_agreed = all(len(m) == 1 for m in by_ring.values())
            no_one_way_pair = all(not {1, 3} <= set(v[1]) for v in vs.values())
            return every_ring_agreed and no_one_way_pair

        wait_for(converged, "views of mutually reachable nodes only")
    finally:
        faults.heal(lab)
    whole(lab)


def test_messages_reach_every_member_in_sender_order_large_ones_too(lab: Lab) -> None:
    ring = whole(lab)
    since = {n: len(mb.ask(lab, n, "events")) for n in NODES}
    for i in range(30):
        mb.ask(lab, "node2", "broadcast", {"text": f"m{i}"})
    mb.ask(lab, "node2", "broadcast", {"size": 200_000})  # fragmented on the wire

    def delivered(name: str) -> list[str]:
        evs = mb.ask(lab, name, "events")[since[name] :]
        return [e["event"] for e in evs if e["type"] == "Delivered"]

    ring_text = f"{ring[0]}.{ring[1]}"
    want = [f"delivered 2#{k} in {ring_text} ({len(f'm{k - 1}')}B)" for k in range(1, 31)]
    want.append(f"delivered 2#31 in {ring_text} (200000B)")
    for n in NODES:
        wait_for(lambda n=n: len(delivered(n)) >= 31, f"{n} got all 31 messages")  # type: ignore[misc]
        assert delivered(n) == want, n


def test_bad_packets_from_the_host_are_dropped_and_counted(lab: Lab) -> None:
    ring = whole(lab)
    node = lab.plan.node("node1")
    port = DEFAULT_MCASTPORT  # the nodelist file sets no port: every link uses 5405
    before = mb.ask(lab, "node1", "counters")
    garbage = [b"", b"\x00", os.urandom(40), os.urandom(1400), b"PL" + os.urandom(200)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for data in garbage * 4:
            s.sendto(data, (node.address, port))

    def dropped(counters: dict[str, Any]) -> int:
        return sum(v for k, v in counters["core"].items() if k in DROP_COUNTERS)

    wait_for(
        lambda: dropped(mb.ask(lab, "node1", "counters")) >= dropped(before) + len(garbage) * 4,
        "every bad packet counted",
    )
    after = mb.ask(lab, "node1", "counters")
    assert after["links"]["ring0"]["rx"] >= before["links"]["ring0"]["rx"] + len(garbage) * 4
    assert agreed(lab, (1, 2, 3)) == ring, "bad packets change nothing"


DROP_COUNTERS = {"bad_auth", "replay", "malformed", "oversize", "unknown_sender", "bad_version"}


def test_the_reference_setups_own_multicast_file_forms_a_view(lab: Lab, shared_dir: Path) -> None:
    """``reference/corosync.conf`` as it is (1.x interface block, multicast 239.0.0.1:6800,
    ``secauth: off``, no quorum section), only ``bindnetaddr`` moved to the lab's network."""
    text = (shared_dir / "reference/corosync.conf").read_text()
    assert "bindnetaddr: 192.168.1.0" in text and "mcastaddr: 239.0.0.1" in text
    text = text.replace("192.168.1.0", str(lab.plan.public_subnet(0).network_address))
    for n in NODES:
        mb.stop(lab, n)
    mb.install(lab, text)
    try:
        for n in NODES:
            mb.start(lab, n)
        ids = tuple(sorted(mb.ask(lab, n, "members")["node"] for n in NODES))
        assert min(ids) > 3, "1.x style: node ids come from the ring0 addresses"
        wait_for(lambda: agreed(lab, ids), "three nodes in one multicast view")
        out = lab.exec("node1", ["cat", mb.OUT]).stdout
        assert "authentication is off" in out, out[-500:]
    finally:
        for n in NODES:
            mb.stop(lab, n)
        mb.install(lab, mb.conf_text(lab, token=500, rings=2))
        for n in NODES:
            mb.start(lab, n)
