"""Nodes: boot, crash (volatile state, timers and ports gone; flushed disk kept), restart,
and the drivers that run pure cores on them."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import pytest

from paceline.core.errors import ProtocolError, StateError
from paceline.core.frame import AuthMode, FrameCodec, FrameDecoder
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import (
    Address,
    BlockCompletion,
    BlockRequest,
    Clock,
    DatagramPort,
    StreamCore,
    StreamPort,
)
from paceline.sim.net import LinkFaults, SimNetwork, StreamHandler
from paceline.sim.node import (
    RECEIVE_BUFFER,
    Cluster,
    CoreStalled,
    DatagramDriver,
    NodeContext,
    StreamDriver,
)
from paceline.sim.world import Simulator

CODEC = FrameCodec(AuthMode.HMAC_SHA256, Keyring.from_authkey(bytes(32)))


def ignore(completion: BlockCompletion) -> None:
    pass


def cluster(seed: int = 1, faults: LinkFaults | None = None) -> Cluster:
    sim = Simulator(seed)
    return Cluster(sim, SimNetwork(sim, faults))


def test_crash_cancels_timers_closes_ports_and_keeps_only_flushed_blocks() -> None:
    c = cluster()
    fired: list[tuple[int, float]] = []
    received: list[tuple[int, bytes]] = []

    def boot(ctx: NodeContext) -> None:
        life = ctx.incarnation
        ctx.call_at(ctx.now() + 1.0, lambda: fired.append((life, ctx.now())))
        ctx.bind_datagram(7, lambda data, src: received.append((life, data)))
        disk = ctx.disk("d0", num_blocks=2, block_size=4)
        if life == 0:
            disk.submit(BlockRequest.write(0, b"kept"), ignore)
            disk.submit(BlockRequest.flush(), ignore)
            disk.submit(BlockRequest.write(1, b"lost"), ignore)

    node = c.add_node("n1", boot)
    node.start()
    c.sim.run_until(0.5)
    node.crash()
    c.net.send_datagram(Address("n2", 1), Address("n1", 7), b"to the dead")
    c.sim.run_until(2.0)
    assert fired == [] and received == []
    assert c.net.stats["dropped-no-port"] == 1
    node.start()
    c.net.send_datagram(Address("n2", 1), Address("n1", 7), b"to the living")
    c.sim.run_until(4.0)
    assert fired == [(1, 3.0)]
    assert received == [(1, b"to the living")]
    disk = node.disks["d0"]
    assert (disk.peek(0), disk.peek(1)) == (b"kept", bytes(4))
    assert [line.split()[2:4] for line in c.sim.trace.lines if line.split()[2] in "!^"] == [
        ["^", "boot"],
        ["!", "crash"],
        ["^", "boot"],
    ]


def test_node_clocks_are_offset_and_timers_use_the_node_clock() -> None:
    c = cluster()
    seen: list[tuple[float, float]] = []

    def boot(ctx: NodeContext) -> None:
        assert isinstance(ctx.clock, Clock)
        ctx.call_at(ctx.now() + 0.25, lambda: seen.append((c.sim.now, ctx.now())))

    c.add_node("n1", boot, clock_offset=1000.0).start()
    c.sim.run()
    assert seen == [(0.25, 1000.25)]


class Stuck:
    """A core that never finishes its work: it must be caught, not spin forever."""

    def receive_datagram(self, data: bytes, source: Address, now: float) -> None: ...
    def handle_timer(self, now: float) -> None: ...
    def datagrams_to_send(self, now: float) -> list[tuple[bytes, Address]]:
        return []

    def next_event(self) -> object | None:
        return None

    def next_deadline(self) -> float | None:
        return 1.0


def test_a_core_that_stalls_is_caught() -> None:
    c = cluster()
    c.add_node("n1", lambda ctx: None).start()
    c.add_node("n2", lambda ctx: DatagramDriver(ctx, Stuck(), 1)).start()
    with pytest.raises(
        CoreStalled, match=r"n2: Stuck.handle_timer\(1.0\) left next_deadline\(\) at 1.0"
    ):
        c.sim.run()


class FramedEcho:
    """A StreamCore: echoes every frame's payload back (server) or collects them (client)."""

    def __init__(self, me: int, *, echo: bool, send: Sequence[bytes] = ()) -> None:
        self.me, self.echo, self.to_send = NodeId(me), echo, list(send)
        self.decoder = FrameDecoder(CODEC)
        self.out = bytearray()
        self.events: deque[object] = deque()
        self.seq = 0
        self.close = False

    def _frame(self, payload: bytes) -> None:
        self.seq += 1
        self.out += CODEC.encode(self.me, self.seq, payload)

    def connection_made(self, now: float) -> None:
        for payload in self.to_send:
            self._frame(payload)

    def receive_data(self, data: bytes, now: float) -> None:
        self.decoder.receive_data(data)
        try:
            while (frame := self.decoder.next_frame()) is not None:
                self.events.append(frame.payload)
                if self.echo:
                    self._frame(frame.payload)
        except ProtocolError as err:
            self.events.append(f"protocol error: {err}")
            self.close = True

    def connection_lost(self, reason: str | None, now: float) -> None:
        self.events.append(f"lost: {reason}")

    def data_to_send(self) -> bytes:
        out, self.out = bytes(self.out), bytearray()
        return out

    def wants_close(self) -> bool:
        return self.close

    def handle_timer(self, now: float) -> None: ...
    def next_event(self) -> object | None:
        return self.events.popleft() if self.events else None

    def next_deadline(self) -> float | None:
        return None


def test_stream_cores_exchange_frames_split_at_random_places() -> None:
    c = cluster(seed=4)
    payloads = [bytes([i]) * (i * 13 % 200) for i in range(30)]

    def server(ctx: NodeContext) -> None:
        ctx.listen(9000, lambda stream: StreamDriver(ctx, FramedEcho(2, echo=True)))

    def client(ctx: NodeContext) -> None:
        core = FramedEcho(1, echo=False, send=payloads)
        assert isinstance(core, StreamCore)
        stream = ctx.connect(Address("n2", 9000), StreamDriver(ctx, core))
        assert isinstance(stream, StreamPort)

    c.add_node("n2", server).start()
    c.add_node("n1", client).start()
    c.sim.run()
    got = [o.event for o in c.history if o.node == "n1" and isinstance(o.event, bytes)]
    assert got == payloads
    # The client wrote its 30 frames at once; the server got them in pieces
    # that do not follow frame boundaries, and still decoded every frame.
    chunks = [ln for ln in c.sim.trace.lines if ln.split()[1:4] == ["n2", "<", "stream"]]
    assert 1 < len(chunks) < len(payloads)


def test_a_peer_crash_reaches_the_stream_core_as_a_reset() -> None:
    c = cluster()
    c.add_node(
        "n2", lambda ctx: ctx.listen(9000, lambda s: StreamDriver(ctx, FramedEcho(2, echo=True)))
    ).start()
    c.add_node(
        "n1",
        lambda ctx: (
            ctx.connect(Address("n2", 9000), StreamDriver(ctx, FramedEcho(1, echo=False))) and None
        ),
    ).start()
    c.sim.run()
    c.nodes["n2"].crash()
    c.sim.run()
    assert [o.event for o in c.history if o.node == "n1" and isinstance(o.event, str)] == [
        "lost: reset by peer"
    ]


def test_datagram_ports_implement_the_port_protocol() -> None:
    c = cluster()
    ports: list[object] = []
    c.add_node("n1", lambda ctx: ports.append(ctx.bind_datagram(1, lambda d, s: None))).start()
    assert isinstance(ports[0], DatagramPort)


def test_a_paused_node_runs_late_timers_and_buffered_datagrams_on_resume() -> None:
    c = cluster(faults=LinkFaults(jitter=0.0))
    log: list[tuple[float, str]] = []

    def boot(ctx: NodeContext) -> None:
        ctx.call_at(ctx.now() + 1.0, lambda: log.append((ctx.now(), "timer")))
        ctx.bind_datagram(7, lambda data, src: log.append((ctx.now(), data.decode())))

    node = c.add_node("n1", boot)
    node.start()
    c.sim.run_until(0.5)
    node.pause()
    for i in range(RECEIVE_BUFFER + 3):
        c.net.send_datagram(Address("n2", 1), Address("n1", 7), b"d%d" % i)
    c.sim.run_until(2.0)
    assert log == [] and node.paused
    node.resume()
    c.sim.run()
    # Everything runs at the resume, in the order it came due: the datagrams
    # (arrived at 0.5005) before the timer (due at 1.0); the buffer is bounded.
    assert log == [*((2.0, f"d{i}") for i in range(RECEIVE_BUFFER)), (2.0, "timer")]
    assert c.net.stats["dropped-rcvbuf"] == 3


def test_stream_bytes_wait_for_a_paused_node_and_a_crash_while_paused_drops_everything() -> None:
    c = cluster()
    got: list[tuple[float, bytes]] = []

    class Sink(StreamHandler):
        def data_received(self, data: bytes) -> None:
            got.append((c.sim.now, data))

    c.add_node("n2", lambda ctx: ctx.listen(9000, lambda s: Sink())).start()
    client = StreamHandler()
    stream = c.net.connect("n1", Address("n2", 9000), client)
    c.sim.run()
    c.nodes["n2"].pause()
    stream.write(b"wait for me")
    c.sim.run_until(5.0)
    assert got == []
    c.nodes["n2"].resume()
    c.sim.run()
    assert b"".join(d for _, d in got) == b"wait for me" and got[0][0] == 5.0

    fired: list[float] = []
    node = c.add_node("n3", lambda ctx: ctx.call_at(ctx.now() + 1.0, lambda: fired.append(1.0)))
    node.start()
    node.pause()
    c.sim.run_until(c.sim.now + 2.0)
    node.crash()
    c.sim.run()
    assert fired == []
    with pytest.raises(StateError, match="no transition for 'resume' in state 'down'"):
        node.resume()


def test_stream_bytes_held_by_a_pause_stay_ahead_of_bytes_arriving_at_the_resume() -> None:
    c = cluster(faults=LinkFaults(delay=0.5, jitter=0.0))
    got: list[bytes] = []

    class Sink(StreamHandler):
        def data_received(self, data: bytes) -> None:
            got.append(data)

    c.add_node("n2", lambda ctx: ctx.listen(9000, lambda s: Sink())).start()
    stream = c.net.connect("n1", Address("n2", 9000), StreamHandler())
    c.sim.run()
    node = c.nodes["n2"]
    c.sim.call_at(5.0, node.resume)  # due before the second write's delivery at 5.0
    node.pause()
    stream.write(b"first")  # arrives while n2 is paused: held
    c.sim.call_at(4.5, lambda: stream.write(b"second"))  # arrives at the resume instant
    c.sim.run()
    assert b"".join(got) == b"firstsecond"


def test_datagrams_held_by_a_pause_stay_ahead_of_one_arriving_at_the_resume() -> None:
    c = cluster(faults=LinkFaults(delay=0.5, jitter=0.0))
    got: list[bytes] = []
    node = c.add_node("n1", lambda ctx: ctx.bind_datagram(7, lambda data, src: got.append(data)))
    node.start()
    c.sim.call_at(5.0, node.resume)  # due before the second datagram's delivery at 5.0
    node.pause()
    c.net.send_datagram(Address("n2", 1), Address("n1", 7), b"first")  # arrives while n1 is paused
    c.sim.call_at(4.5, lambda: c.net.send_datagram(Address("n2", 1), Address("n1", 7), b"second"))
    c.sim.run()
    assert got == [b"first", b"second"]  # a socket's receive buffer is FIFO
