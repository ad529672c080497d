"""The heartbeat demo core on its own, aioquic style: explicit ``now``, no simulator."""

from __future__ import annotations

from paceline.core.frame import AuthMode, FrameCodec
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import DatagramCore
from paceline.sim.demo import Dropped, Heard, HeartbeatCore, PeerDown, PeerUp

CODEC = FrameCodec(AuthMode.HMAC_SHA256, Keyring.from_authkey(bytes(range(32))))
A, B = ("a", 5405), ("b", 5405)


def pair() -> tuple[HeartbeatCore, HeartbeatCore]:
    one = HeartbeatCore(NodeId(1), {NodeId(2): B}, CODEC, now=0.0, incarnation=0)
    two = HeartbeatCore(NodeId(2), {NodeId(1): A}, CODEC, now=0.0, incarnation=0)
    return one, two


def events(core: HeartbeatCore) -> list[object]:
    out = []
    while (event := core.next_event()) is not None:
        out.append(event)
    return out


def test_it_is_a_datagram_core() -> None:
    assert isinstance(pair()[0], DatagramCore)


def test_heartbeats_timers_and_failure_detection() -> None:
    one, two = pair()
    assert one.next_deadline() == 0.0
    one.handle_timer(0.0)
    [(wire, dest)] = one.datagrams_to_send(0.0)
    assert dest == B and one.next_deadline() == 0.1
    two.receive_datagram(wire, A, now=0.01)
    assert events(two) == [Heard(NodeId(1), 0), PeerUp(NodeId(1))]
    two.handle_timer(0.0)  # two's own heartbeat
    two.datagrams_to_send(0.0)
    assert two.next_deadline() == 0.1  # next send comes before the 0.51 timeout
    for t in (0.1, 0.2, 0.3, 0.4, 0.5):
        two.handle_timer(t)
        two.datagrams_to_send(t)
    assert events(two) == [] and two.next_deadline() == 0.51
    two.handle_timer(0.51)
    assert events(two) == [PeerDown(NodeId(1))]


def test_duplicates_garbage_and_strangers_are_dropped_not_raised() -> None:
    one, two = pair()
    one.handle_timer(0.0)
    [(wire, _)] = one.datagrams_to_send(0.0)
    two.receive_datagram(wire, A, 0.0)
    two.receive_datagram(wire, A, 0.0)
    two.receive_datagram(b"garbage", A, 0.0)
    stranger = CODEC.encode_message(NodeId(9), 0, {"hb": 1})
    two.receive_datagram(stranger, ("c", 1), 0.0)
    not_hb = CODEC.encode_message(NodeId(1), 5, ["hb"])
    two.receive_datagram(not_hb, A, 0.0)
    got = events(two)
    assert got[:2] == [Heard(NodeId(1), 0), PeerUp(NodeId(1))]
    reasons = [str(e) for e in got[2:]]
    assert all(isinstance(e, Dropped) for e in got[2:])
    assert reasons[0] == "duplicate frame from 1"
    assert reasons[1].startswith("a: truncated frame header")
    assert reasons[2] == "c: unknown sender 9"
    assert reasons[3].startswith("a: not a heartbeat")


def test_a_restarted_peer_is_heard_again() -> None:
    one, two = pair()
    one.handle_timer(0.0)
    [(wire, _)] = one.datagrams_to_send(0.0)
    two.receive_datagram(wire, A, 0.0)
    reborn = HeartbeatCore(NodeId(1), {NodeId(2): B}, CODEC, now=5.0, incarnation=1)
    reborn.handle_timer(5.0)
    [(wire, _)] = reborn.datagrams_to_send(5.0)
    two.receive_datagram(wire, A, 5.0)
    assert Heard(NodeId(1), 1 << 32) in events(two)
