"""Every network fault, shown happening."""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paceline.core.ports import Address
from paceline.sim.net import LinkFaults, SimNetwork, SimStream, StreamHandler
from paceline.sim.world import Simulator

A, B = Address("a", 1), Address("b", 1)


class Inbox:
    def __init__(self) -> None:
        self.got: list[bytes] = []

    def __call__(self, data: bytes, source: Address) -> None:
        self.got.append(data)


def setup(
    seed: int = 1, faults: LinkFaults | None = None
) -> tuple[Simulator, SimNetwork, Inbox, Inbox]:
    sim = Simulator(seed)
    net = SimNetwork(sim, faults or LinkFaults())
    inbox_a, inbox_b = Inbox(), Inbox()
    net.bind(A, inbox_a)
    net.bind(B, inbox_b)
    return sim, net, inbox_a, inbox_b


def send(net: SimNetwork, source: Address, dest: Address, count: int) -> list[bytes]:
    messages = [b"m%d" % i for i in range(count)]
    for m in messages:
        net.send_datagram(source, dest, m)
    return messages


def test_a_healthy_link_delivers_everything_once_after_its_delay() -> None:
    sim, net, _, inbox = setup(faults=LinkFaults(delay=0.01, jitter=0.0))
    sent = send(net, A, B, 20)
    sim.run_until(0.0099)
    assert inbox.got == []
    sim.run()
    assert inbox.got == sent


def test_loss_one_delivers_nothing_and_some_loss_some() -> None:
    sim, net, _, inbox = setup(faults=LinkFaults(loss=1.0))
    send(net, A, B, 50)
    sim.run()
    assert inbox.got == [] and net.stats["dropped-loss"] == 50
    sim, net, _, inbox = setup(faults=LinkFaults(loss=0.3))
    send(net, A, B, 100)
    sim.run()
    assert 0 < len(inbox.got) < 100


def test_duplication_delivers_a_message_twice() -> None:
    sim, net, _, inbox = setup(faults=LinkFaults(duplicate=1.0))
    sent = send(net, A, B, 10)
    sim.run()
    assert sorted(inbox.got) == sorted(sent * 2)


def test_reordering_changes_delivery_order_for_some_seed_and_never_without_it() -> None:
    reorder = LinkFaults(delay=0.001, jitter=0.0, reorder=0.3, reorder_delay=0.005)
    in_order = LinkFaults(delay=0.001, jitter=0.0)

    def send_order(seed: int, faults: LinkFaults) -> bool:
        sim, net, _, inbox = setup(seed, faults)
        for i in range(30):
            sim.call_at(i * 0.001, partial(net.send_datagram, A, B, b"%02d" % i))
        sim.run()
        assert sorted(inbox.got) == [b"%02d" % i for i in range(30)]  # nothing lost
        return inbox.got == sorted(inbox.got)

    assert not all(send_order(seed, reorder) for seed in range(5))
    assert all(send_order(seed, in_order) for seed in range(5))


def test_one_way_partition_drops_a_to_b_and_delivers_b_to_a() -> None:
    sim, net, inbox_a, inbox_b = setup()
    net.partition(["a"], ["b"], one_way=True)
    send(net, A, B, 5)
    back = send(net, B, A, 5)
    sim.run()
    assert inbox_b.got == [] and sorted(inbox_a.got) == back
    assert net.stats["dropped-partition"] == 5


def test_partition_cuts_both_ways_drops_in_flight_and_heals() -> None:
    sim, net, inbox_a, inbox_b = setup(faults=LinkFaults(delay=0.01, jitter=0.0))
    send(net, A, B, 3)  # in flight when the cut comes
    sim.call_at(0.005, lambda: net.partition(["a"], ["b"]))
    sim.run_until(0.02)
    send(net, B, A, 3)
    sim.run()
    assert inbox_a.got == inbox_b.got == []
    net.heal()
    sent = send(net, A, B, 3)
    sim.run()
    assert inbox_b.got == sent


def test_clog_queues_then_releases_in_order() -> None:
    sim, net, inbox_a, inbox_b = setup(faults=LinkFaults(jitter=0.0))
    net.clog("a", "b")
    sent = send(net, A, B, 5)
    back = send(net, B, A, 2)  # the clog is one direction only
    sim.run_until(10.0)
    assert inbox_b.got == [] and inbox_a.got == back and net.stats["held"] == 5
    net.unclog("a", "b")
    sim.run()
    assert inbox_b.got == sent


def test_swizzle_clog_clogs_one_by_one_and_unclogs_in_another_order() -> None:
    hosts = ["a", "b", "c", "d"]
    differs = False
    for seed in range(6):
        sim = Simulator(seed)
        net = SimNetwork(sim)
        net.swizzle_clog(hosts, start=1.0, step=0.1, hold=1.0)
        sim.run()
        clogs = [line.split()[4:7] for line in sim.trace.lines if " * clog " in line]
        unclogs = [line.split()[4:7] for line in sim.trace.lines if " * unclog " in line]
        times = [float(line.split()[0]) for line in sim.trace.lines if " * clog " in line]
        assert clogs and sorted(clogs) == sorted(unclogs)
        assert times == pytest.approx([1.0 + 0.1 * i for i in range(len(times))])  # one by one
        assert not any(net.is_clogged(x, y) for x in hosts for y in hosts)
        differs |= clogs != unclogs
    assert differs


def test_a_datagram_to_nobody_is_dropped() -> None:
    sim, net, _, _ = setup()
    net.send_datagram(A, Address("c", 1), b"x")
    sim.run()
    assert net.stats["dropped-no-port"] == 1


# -- streams --------------------------------------------------------------------


class Recorder(StreamHandler):
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


def connected(seed: int = 1) -> tuple[Simulator, SimNetwork, Recorder, Recorder]:
    sim = Simulator(seed)
    net = SimNetwork(sim, stream_timeout=2.0)
    server = Recorder()
    net.listen(B, lambda stream: server)
    client = Recorder()
    net.connect("a", B, client)
    sim.run()
    assert client.stream is not None and server.stream is not None
    return sim, net, client, server


def test_stream_bytes_arrive_in_order_split_anywhere_and_close_cleanly() -> None:
    sim, _, client, server = connected()
    assert client.stream is not None
    writes = [bytes([i]) * (10 + i) for i in range(20)]
    for w in writes:
        client.stream.write(w)
    client.stream.close()
    sim.run()
    assert b"".join(server.chunks) == b"".join(writes)
    assert len(server.chunks) > len(writes)  # split at random places
    assert server.lost == [None] and client.lost == [None]


def test_connect_to_a_closed_port_is_refused() -> None:
    sim = Simulator(1)
    net = SimNetwork(sim)
    client = Recorder()
    net.connect("a", B, client)
    sim.run()
    assert client.stream is None and client.lost == ["refused"]


def test_a_short_cut_delays_stream_bytes_and_a_long_one_breaks_the_stream() -> None:
    sim, net, client, server = connected()
    assert client.stream is not None
    net.partition(["a"], ["b"])
    client.stream.write(b"hello")
    sim.run_until(sim.now + 1.0)
    assert server.chunks == []
    net.heal()
    sim.run()
    assert b"".join(server.chunks) == b"hello" and server.lost == []
    net.partition(["a"], ["b"])
    client.stream.write(b"lost")
    sim.run()
    assert client.lost == server.lost == ["timeout"]


def test_a_clogged_stream_waits_without_breaking() -> None:
    sim, net, client, server = connected()
    assert client.stream is not None
    net.clog("a", "b")
    client.stream.write(b"patience")
    sim.run_until(sim.now + 30.0)
    assert server.chunks == [] and server.lost == []
    net.unclog("a", "b")
    sim.run_until(sim.now + 1.0)
    assert b"".join(server.chunks) == b"patience"


def test_a_crashed_side_resets_the_peer() -> None:
    sim, _, client, server = connected()
    assert client.stream is not None
    client.stream.abort_by_crash()
    sim.run()
    assert server.lost == ["reset by peer"] and client.lost == []


def test_a_group_datagram_reaches_every_member_but_the_sender_each_over_its_own_link() -> None:
    sim = Simulator(1)
    net = SimNetwork(sim)
    group = Address("239.0.0.1", 6800)
    inboxes = {h: Inbox() for h in "abc"}
    ports = {h: net.bind(Address(h, 6800), inbox) for h, inbox in inboxes.items()}
    for port in ports.values():
        net.join_group(group, port.address)
    net.block("a", "c")
    net.send_datagram(Address("a", 6800), group, b"hello")
    sim.run()
    assert [inboxes[h].got for h in "abc"] == [[], [b"hello"], []]
    net.heal()
    ports["b"].close()  # a closed port leaves its groups
    net.send_datagram(Address("a", 6800), group, b"again")
    sim.run()
    assert [inboxes[h].got for h in "abc"] == [[], [b"hello"], [b"again"]]


ops = st.lists(
    st.tuples(
        st.sampled_from(["send", "send", "send", "clog", "unclog", "cut", "heal", "wait"]),
        st.sampled_from("abc"),
        st.sampled_from("abc"),
    ),
    max_size=60,
)


@settings(deadline=None)
@given(seed=st.integers(0, 2**32), script=ops, lossy=st.booleans(), dup=st.booleans())
def test_the_network_never_invents_and_only_loses_or_duplicates_when_told(
    seed: int, script: list[tuple[str, str, str]], lossy: bool, dup: bool
) -> None:
    sim = Simulator(seed)
    faults = LinkFaults(loss=0.3 if lossy else 0.0, duplicate=0.3 if dup else 0.0, reorder=0.2)
    net = SimNetwork(sim, faults)
    inboxes = {h: Inbox() for h in "abc"}
    for host, inbox in inboxes.items():
        net.bind(Address(host, 1), inbox)
    sent: dict[str, list[bytes]] = {h: [] for h in "abc"}
    ever_cut = False
    for i, (op, x, y) in enumerate(script):
        if op == "send":
            data = b"%d" % i
            net.send_datagram(Address(x, 1), Address(y, 1), data)
            sent[y].append(data)
        elif op == "clog":
            net.clog(x, y)
        elif op == "unclog":
            net.unclog(x, y)
        elif op == "cut" and x != y:
            net.block(x, y)
            ever_cut = True
        elif op == "heal":
            net.heal()
        else:
            sim.run_until(sim.now + 0.01)
    net.heal()
    for x in "abc":
        for y in "abc":
            if net.is_clogged(x, y):
                net.unclog(x, y)
    sim.run()
    for host in "abc":
        got, expected = sorted(inboxes[host].got), sorted(sent[host])
        assert set(got) <= set(expected)  # nothing invented
        for data in set(got):
            assert got.count(data) <= (2 if dup else 1)
        if not lossy and not ever_cut:
            assert set(got) == set(expected)  # nothing lost


def test_bandwidth_paces_stream_bytes() -> None:
    sim = Simulator(1)
    net = SimNetwork(sim, LinkFaults(delay=0.001, jitter=0.0, bandwidth=10e6))
    server = Recorder()
    net.listen(B, lambda stream: server)
    client = Recorder()
    net.connect("a", B, client)
    sim.run()
    assert client.stream is not None
    start = sim.now
    client.stream.write(bytes(1_000_000))  # 1 MB at 10 MB/s: 0.1 s on the wire
    sim.run()
    assert sum(map(len, server.chunks)) == 1_000_000
    assert sim.now - start == pytest.approx(0.1 + 0.001)
