"""The membership core on simulated links: views, failures, links, quorum, messaging.

Real cores, the real framing and the simulator's network; faults come from
the network (crash, cut, unplug), never from the core.
"""

from __future__ import annotations

import random

import pytest

from paceline.core.errors import StateError
from paceline.core.frame import AuthMode
from paceline.core.ports import Address
from paceline.membership.core import Input, MembershipCore, Phase
from paceline.membership.events import Delivered, LinkChanged, QuorumChanged, ViewInstalled
from paceline.membership.links import render_links
from paceline.sim.membership import (
    TOKEN,
    Installed,
    MembershipScenario,
    install,
    node_links,
    settings_for,
)
from paceline.sim.membership_checkers import (
    DeliveryInView,
    FifoPerSender,
    MonotonicRings,
    ViewAgreement,
    VirtualSynchrony,
)
from paceline.sim.net import LinkFaults
from paceline.sim.node import NodeContext
from paceline.sim.system import System


def scenario(nodes: int = 3, links: int = 1, *, multicast: bool = False) -> MembershipScenario:
    return MembershipScenario(
        nodes=nodes, links=links, multicast=multicast, auth=AuthMode.HMAC_SHA256,
        faults=LinkFaults(), nemesis=(), duration=100.0, settle=0.0, message_every=1.0,
    )  # fmt: skip


class Cluster:
    """A started membership cluster whose clock tests advance by hand."""

    def __init__(self, sc: MembershipScenario, seed: int = 1) -> None:
        networks = [f"ring{i}" for i in range(sc.links)]
        self.system = System(seed, networks=networks, keep_history=True)
        self.system.check(ViewAgreement(), MonotonicRings(), DeliveryInView(), FifoPerSender())
        self.system.check(VirtualSynchrony())
        self.m: Installed = install(self.system, sc, workload=False)
        self.nodes = self.system.cluster.nodes
        for node in self.nodes.values():
            node.start()

    def run(self, tokens: float) -> None:
        sim = self.system.sim
        sim.run_until(sim.now + tokens * TOKEN)

    def view(self, name: str) -> tuple[int, ...] | None:
        view = self.m.cores[name].view if self.nodes[name].up else None
        return None if view is None else view.members

    def events(self, name: str, kind: type) -> list[object]:
        history = self.system.cluster.history
        return [o.event for o in history if o.node == name and isinstance(o.event, kind)]

    def violations(self) -> list[str]:
        return [str(v) for v in self.system.cluster.violations]


def test_three_nodes_form_one_agreed_view_with_the_lowest_id_as_dc() -> None:
    c = Cluster(scenario())
    c.run(4)
    views = {name: c.m.cores[name].view for name in c.nodes}
    assert {v.members for v in views.values() if v} == {(1, 2, 3)}
    assert {v.ring for v in views.values() if v} == {views["n1"].ring}  # type: ignore[union-attr]
    assert all(v is not None and v.dc == 1 and v.quorate for v in views.values())
    assert not c.violations()


def test_a_crashed_node_is_lost_then_rejoins_with_a_higher_ring() -> None:
    c = Cluster(scenario())
    c.run(4)
    first = c.m.cores["n1"].view
    assert first is not None
    c.nodes["n3"].crash()
    c.run(3)
    assert c.view("n1") == c.view("n2") == (1, 2)
    second = c.m.cores["n1"].view
    assert second is not None and second.ring > first.ring
    left = [e for e in c.events("n1", ViewInstalled) if e.left]  # type: ignore[attr-defined]
    assert left and left[-1].left == (3,)  # type: ignore[attr-defined]
    c.nodes["n3"].start()
    c.run(3)
    assert c.view("n1") == c.view("n2") == c.view("n3") == (1, 2, 3)
    third = c.m.cores["n3"].view
    assert third is not None and third.ring > second.ring
    assert not c.violations()


def test_dc_stays_with_the_previous_dc_while_it_is_a_member() -> None:
    c = Cluster(scenario())
    c.run(4)
    c.nodes["n1"].crash()
    c.run(3)
    assert c.m.cores["n2"].view is not None and c.m.cores["n2"].view.dc == 2
    c.nodes["n1"].start()
    c.run(3)
    view = c.m.cores["n1"].view
    assert view is not None and view.members == (1, 2, 3) and view.dc == 2


def test_pulling_one_of_two_cables_keeps_the_view_and_reports_the_link() -> None:
    c = Cluster(scenario(links=2))
    c.run(4)
    ring = c.m.cores["n1"].view.ring  # type: ignore[union-attr]
    c.system.net.unplug("n2", "ring0")
    c.run(4)
    assert c.m.cores["n1"].view.ring == ring  # type: ignore[union-attr]
    assert LinkChanged(2, 0, False) in c.events("n1", LinkChanged)
    status = {s.link: s for s in c.m.cores["n1"].link_status()}
    assert status[0].peers == {2: False, 3: True} and status[1].peers == {2: True, 3: True}
    assert "nodeid:          2:\tdisconnected" in render_links(1, list(status.values()))
    c.system.net.plug("n2", "ring0")
    c.run(2)
    assert c.m.cores["n1"].link_status()[0].peers[2]
    assert c.m.cores["n1"].view.ring == ring  # type: ignore[union-attr]


def test_a_one_way_cut_converges_to_views_of_mutually_reachable_nodes() -> None:
    c = Cluster(scenario())
    c.run(4)
    c.system.net.block("n1", "n3")  # n3 no longer hears n1; n1 still hears n3
    c.run(6)
    assert c.view("n1") == c.view("n2") == (1, 2)
    assert c.view("n3") == (3,)
    c.system.net.unblock("n1", "n3")
    c.run(4)
    assert c.view("n1") == c.view("n2") == c.view("n3") == (1, 2, 3)
    assert not c.violations()


def test_a_minority_partition_is_inquorate_and_says_so() -> None:
    c = Cluster(scenario())
    c.run(4)
    c.system.net.partition(["n3"], ["n1", "n2"])
    c.run(4)
    minority = c.m.cores["n3"].view
    assert minority is not None and minority.members == (3,) and not minority.quorate
    state = c.m.cores["n3"].quorum_state()
    assert state is not None and not state.quorate and state.total_votes == 1
    assert c.m.cores["n1"].view.quorate  # type: ignore[union-attr]
    changes = c.events("n3", QuorumChanged)
    assert changes and not changes[-1].state.quorate  # type: ignore[attr-defined]


def test_messages_arrive_everywhere_in_order_large_ones_fragmented() -> None:
    c = Cluster(scenario(), seed=3)
    c.run(4)
    rng = random.Random(5)
    big = rng.randbytes(200_000)
    payloads = [b"one", big, b"", b"four"]
    for payload in payloads:
        c.m.cores["n2"].broadcast(payload)
    c.m.drivers["n2"].pump()
    c.run(4)
    for name in c.nodes:
        got = [e for e in c.events(name, Delivered) if e.sender == 2]  # type: ignore[attr-defined]
        assert [e.payload for e in got] == payloads  # type: ignore[attr-defined]
        assert [e.seq for e in got] == [1, 2, 3, 4]  # type: ignore[attr-defined]
    assert not c.violations()


def test_messages_survive_loss_and_reordering() -> None:
    c = Cluster(scenario(), seed=4)
    c.system.net.set_default(LinkFaults(loss=0.2, reorder=0.2, duplicate=0.1))
    c.run(4)
    for i in range(30):
        c.m.cores["n1"].broadcast(f"m{i}".encode() * 300)
    c.m.drivers["n1"].pump()
    c.run(10)
    for name in c.nodes:
        got = [e.payload for e in c.events(name, Delivered)]  # type: ignore[attr-defined]
        assert got == [f"m{i}".encode() * 300 for i in range(30)]
    assert not c.violations()


def test_a_multicast_cluster_finds_its_members_on_the_group() -> None:
    c = Cluster(scenario(multicast=True))
    c.run(4)
    assert c.view("n1") == c.view("n2") == c.view("n3") == (1, 2, 3)


def make_core(me: int = 1, *, min_ring_seq: int = 0, nodes: int = 3) -> MembershipCore:
    sc = scenario(nodes)
    names = [f"n{i}" for i in range(1, nodes + 1)]
    return MembershipCore(
        settings_for(sc, nodes), me, node_links(sc, names, me), b"k" * 32,
        random.Random(1), 0.0, min_ring_seq=min_ring_seq,
    )  # fmt: skip


def test_broadcast_needs_a_view_and_a_size_within_the_limit() -> None:
    core = make_core()
    with pytest.raises(StateError):
        core.broadcast(b"x")
    core.handle_timer(1.0)  # alone: a singleton view after the join wait
    assert core.view is not None and core.view.members == (1,)
    with pytest.raises(ValueError, match="exceeds"):
        core.broadcast(bytes(core.settings.max_message + 1))


def test_ring_seqs_continue_above_the_persisted_one() -> None:
    core = make_core(min_ring_seq=41)
    core.handle_timer(1.0)
    assert core.view is not None and core.view.ring.seq == 42
    assert core.highest_ring_seq == 42


def test_the_state_table_refuses_an_unexpected_input() -> None:
    core = make_core()
    core.handle_timer(1.0)
    assert core.phase is Phase.OPERATIONAL
    with pytest.raises(StateError):
        core._go(Input.TIMEOUT)


def test_bad_packets_are_dropped_and_counted_never_raised() -> None:
    a, b = make_core(1), make_core(2)
    wire = [d for d, addr in a.datagrams_to_send(0.0) if addr.host == "n2"]
    assert wire
    src = Address("n1", 5405, "ring0")
    b.receive_datagram(wire[0], src, 0.01)
    assert b.counters["received"] == 1
    b.receive_datagram(wire[0], src, 0.02)  # the same frame again
    assert b.counters["replay"] == 1
    tampered = bytearray(wire[1] if len(wire) > 1 else wire[0])
    tampered[-1] ^= 1
    b.receive_datagram(bytes(tampered), src, 0.03)
    assert b.counters["bad_auth"] == 1
    b.receive_datagram(b"\x00garbage", src, 0.04)
    assert b.counters["malformed"] == 1
    b.receive_datagram(bytes(100_000), src, 0.05)
    assert b.counters["oversize"] == 1
    a.handle_timer(a.next_deadline() or 1.0)
    fresh = [d for d, addr in a.datagrams_to_send(1.0) if addr.host == "n2"]
    b.receive_datagram(fresh[0], Address("n1", 5405, "ring7"), 0.06)
    assert b.counters["unknown_link"] == 1
    stranger = make_core(9, nodes=9)
    alien = [d for d, addr in stranger.datagrams_to_send(0.0) if addr.host == "n2"]
    b.receive_datagram(alien[0], Address("n9", 5405, "ring0"), 0.07)
    assert b.counters["unknown_sender"] == 1


def test_another_core_on_the_node_gets_the_events_on_the_bus() -> None:
    seen: dict[str, list[object]] = {}

    def listener(ctx: NodeContext) -> None:
        got = seen.setdefault(ctx.name, [])
        ctx.bus.subscribe("membership", got.append)

    system = System(5, networks=["ring0"])
    install(system, scenario(), workload=False, also=[listener])
    system.run(2.0)
    for name in ("n1", "n2", "n3"):
        views = [e for e in seen[name] if isinstance(e, ViewInstalled)]
        assert views and views[-1].view.members == (1, 2, 3)
