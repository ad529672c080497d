"""Named networks: interfaces, per-cable and per-network faults and cuts, multicast and
streams bound to one network (the classic DRBD split brain: repl down, rings up)."""

from __future__ import annotations

import pytest

from paceline.core.ports import Address
from paceline.sim.net import LinkFaults, SimNetwork, SimStream, StreamHandler
from paceline.sim.world import Simulator

NETS = ("ring0", "ring1", "repl")
HOSTS = ("n1", "n2", "n3")


class Inbox:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.got: list[tuple[bytes, Address]] = []
        self.times: list[float] = []

    def __call__(self, data: bytes, source: Address) -> None:
        self.got.append((data, source))
        self.times.append(self.sim.now)

    @property
    def data(self) -> list[bytes]:
        return [d for d, _ in self.got]


def cabled(
    seed: int = 1, faults: LinkFaults | None = None
) -> tuple[Simulator, SimNetwork, dict[tuple[str, str], Inbox]]:
    """Three hosts, each with an interface and a port 7 on each of three networks."""
    sim = Simulator(seed)
    net = SimNetwork(sim, faults or LinkFaults(jitter=0.0), networks=NETS)
    inboxes = {}
    for host in HOSTS:
        for network in NETS:
            inboxes[(host, network)] = inbox = Inbox(sim)
            net.bind(Address(host, 7, network), inbox)
    return sim, net, inboxes


def send_all(net: SimNetwork, src: str, dst: str, tag: bytes) -> None:
    for network in NETS:
        net.send_datagram(
            Address(src, 7, network), Address(dst, 7, network), tag + network.encode()
        )


def test_interfaces_and_addresses_name_their_network() -> None:
    sim, net, inboxes = cabled()
    assert net.networks == NETS and net.interfaces("n1") == NETS
    send_all(net, "n1", "n2", b"")
    sim.run()
    assert inboxes[("n2", "repl")].got == [(b"repl", Address("n1", 7, "repl"))]
    assert str(Address("n1", 7, "repl")) == "n1:7@repl"
    with pytest.raises(ValueError, match="unknown network 'ring9'"):
        net.bind(Address("n1", 8, "ring9"), Inbox(sim))


def test_one_cable_pulled_while_the_other_network_carries_traffic() -> None:
    sim, net, inboxes = cabled()
    net.unplug("n1", "ring0")
    send_all(net, "n1", "n2", b"out-")
    send_all(net, "n2", "n1", b"in-")
    send_all(net, "n2", "n3", b"other-")
    sim.run()
    # n1's ring0 cable is out, both ways; its ring1 and repl cables still work,
    # and so does everyone else's ring0.
    assert inboxes[("n2", "ring0")].data == []
    assert inboxes[("n1", "ring0")].data == []
    assert inboxes[("n2", "ring1")].data == [b"out-ring1"]
    assert inboxes[("n1", "ring1")].data == [b"in-ring1"]
    assert inboxes[("n3", "ring0")].data == [b"other-ring0"]
    assert net.stats["dropped-unplugged"] == 2 and net.is_unplugged("n1", "ring0")
    assert any(" * unplug   n1 from ring0" in line for line in sim.trace.lines)
    net.plug("n1", "ring0")
    send_all(net, "n1", "n2", b"back-")
    sim.run()
    assert inboxes[("n2", "ring0")].data == [b"back-ring0"]


def test_a_partition_of_one_network_only() -> None:
    sim, net, inboxes = cabled()
    net.partition(["n1"], ["n2", "n3"], network="repl")
    for src, dst in (("n1", "n2"), ("n3", "n1"), ("n2", "n3")):
        send_all(net, src, dst, src.encode() + b"-")
    sim.run()
    assert inboxes[("n1", "repl")].data == []  # n1 is cut off on repl, both ways
    assert inboxes[("n2", "repl")].data == []
    assert inboxes[("n3", "repl")].data == [b"n2-repl"]  # n2 <-> n3 unaffected
    assert inboxes[("n2", "ring0")].data == [b"n1-ring0"]  # the rings still carry n1
    assert inboxes[("n1", "ring1")].data == [b"n3-ring1"]
    net.heal("ring0")  # healing another network lifts nothing here
    assert net.is_blocked("n1", "n2", "repl") and not net.is_blocked("n1", "n2", "ring0")
    net.heal("repl")
    assert not net.is_blocked("n1", "n2", "repl")


def test_a_pair_cut_without_a_network_cuts_every_network() -> None:
    sim, net, inboxes = cabled()
    net.block("n1", "n2")
    send_all(net, "n1", "n2", b"")
    send_all(net, "n2", "n1", b"")
    sim.run()
    assert all(inboxes[("n2", n)].data == [] for n in NETS)
    assert all(inboxes[("n1", n)].data == [n.encode()] for n in NETS)


def test_per_link_loss_and_delay_happen_on_that_link_only() -> None:
    sim, net, inboxes = cabled()
    net.set_cable("n1", "repl", LinkFaults(loss=1.0))  # n1's repl cable drops all
    net.set_link("n2", "n3", LinkFaults(delay=0.25, jitter=0.0), network="ring1")
    net.set_network("ring0", LinkFaults(delay=0.1, jitter=0.0))
    send_all(net, "n1", "n2", b"")
    send_all(net, "n2", "n1", b"")
    send_all(net, "n2", "n3", b"")
    sim.run()
    times = {key: inbox.times for key, inbox in inboxes.items()}
    assert times[("n2", "repl")] == [] and times[("n1", "repl")] == []  # the cable, both ways
    assert times[("n3", "repl")] == [pytest.approx(0.0005)]  # other repl links: the default
    assert times[("n3", "ring1")] == [pytest.approx(0.25)]  # one pair on one network
    assert times[("n2", "ring1")] == [pytest.approx(0.0005)]  # not the other direction
    assert times[("n3", "ring0")] == [pytest.approx(0.1)]  # the whole network
    assert net.stats["dropped-loss"] == 2
    assert net.faults("n1", "n2", "repl").loss == net.faults("n2", "n1", "repl").loss == 1.0
    assert net.faults("n1", "n2", "ring1").loss == 0.0


def test_traffic_does_not_cross_networks_and_multicast_stays_on_its_network() -> None:
    sim, net, inboxes = cabled()
    net.send_datagram(Address("n1", 7, "ring0"), Address("n2", 7, "repl"), b"wrong")
    sim.run()
    assert net.stats["dropped-no-route"] == 1 and inboxes[("n2", "repl")].data == []
    group = Address("239.0.0.1", 7, "ring1")
    for host in HOSTS:
        net.join_group(group, Address(host, 7, "ring1"))
    with pytest.raises(ValueError, match="another network"):
        net.join_group(group, Address("n1", 7, "ring0"))
    net.unplug("n3", "ring1")
    net.send_datagram(Address("n1", 7, "ring1"), group, b"hello")
    sim.run()
    got = {k: v.data for k, v in inboxes.items() if v.data and k != ("n2", "repl")}
    assert got == {("n2", "ring1"): [b"hello"]}


def test_clog_and_swizzle_on_one_network_leave_the_others_flowing() -> None:
    sim, net, inboxes = cabled()
    net.clog("n1", "n2", network="repl")
    send_all(net, "n1", "n2", b"")
    sim.run_until(5.0)
    assert inboxes[("n2", "repl")].data == [] and inboxes[("n2", "ring0")].data == [b"ring0"]
    assert net.is_clogged("n1", "n2", "repl") and not net.is_clogged("n1", "n2", "ring0")
    net.unclog_all()
    sim.run()
    assert inboxes[("n2", "repl")].data == [b"repl"]
    net.swizzle_clog(HOSTS, start=6.0, step=0.1, hold=1.0, network="ring1")
    sim.run()
    swizzled = [
        line for line in sim.trace.lines if " * clog " in line and float(line.split()[0]) >= 6.0
    ]
    assert swizzled and all(line.endswith(" on ring1") for line in swizzled)
    assert not any(net.is_clogged(a, b, "ring1") for a in HOSTS for b in HOSTS)


class Rec(StreamHandler):
    def __init__(self) -> None:
        self.stream: SimStream | None = None
        self.chunks: list[bytes] = []
        self.lost: list[str | None] = []

    def connection_made(self, stream: SimStream) -> None:
        self.stream = stream

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)

    def connection_lost(self, reason: str | None) -> None:
        self.lost.append(reason)


def test_a_stream_on_repl_breaks_when_repl_is_cut_while_ring0_streams_survive() -> None:
    sim = Simulator(1)
    net = SimNetwork(sim, networks=NETS, stream_timeout=2.0)
    servers = {n: Rec() for n in ("ring0", "repl")}
    clients = {n: Rec() for n in ("ring0", "repl")}
    for network in servers:
        net.listen(Address("n2", 7788, network), lambda s, n=network: servers[n])
        net.connect("n1", Address("n2", 7788, network), clients[network])
    sim.run()
    assert all(c.stream is not None and c.stream.local.network == n for n, c in clients.items())
    net.partition(["n1"], ["n2"], network="repl")
    for c in clients.values():
        assert c.stream is not None
        c.stream.write(b"data")
    sim.run()
    assert clients["repl"].lost == servers["repl"].lost == ["timeout"]
    assert b"".join(servers["ring0"].chunks) == b"data" and servers["ring0"].lost == []
