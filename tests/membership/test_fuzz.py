"""Fuzz the membership decoder: random and mutated valid packets never raise and are counted."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paceline.core.errors import ProtocolError
from paceline.core.frame import AuthMode, FrameCodec
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import Address
from paceline.membership import wire
from paceline.membership.core import MembershipCore
from paceline.membership.events import RingId
from paceline.sim.membership import node_links, settings_for
from paceline.sim.system import System

from .test_core import scenario

KEY = b"k" * 32
SRC = Address("n1", 5405, "ring0")
DROPS = ("bad_auth", "replay", "malformed", "oversize", "unknown_sender", "not_for_us")


def core(auth: AuthMode = AuthMode.NONE) -> MembershipCore:
    sc = scenario()
    names = ["n1", "n2", "n3"]
    settings = settings_for(sc, 3)
    settings = type(settings)(
        **{**{f: getattr(settings, f) for f in settings.__slots__}, "auth": auth}
    )
    key = None if auth is AuthMode.NONE else KEY
    return MembershipCore(settings, 2, node_links(sc, names, 2), key, random.Random(2), 0.0)


def valid_messages() -> list[wire.Message]:
    ring = RingId(3, 1)
    return [
        wire.Heartbeat(0, ring, ring, 3, (wire.Row(1, 0, 1, frozenset({2, 3})),), ((1, 2),)),
        wire.Propose(RingId(4, 1), (1, 2, 3)),
        wire.Accept(RingId(4, 1), True, 0, 3, ring, 1, ((1, 2), (2, 0))),
        wire.Install(RingId(4, 1), (1, 2), 1, (wire.Cut(ring, ((1, 2),)),)),
        wire.Ack(ring, ((1, 5), (2, 1))),
        wire.Data(ring, 1, 1, True, b"payload"),
    ]


def test_every_message_round_trips() -> None:
    for message in valid_messages():
        assert wire.decode(wire.encode(message, 2), 1100) == (2, message)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400))
def test_random_payloads_raise_only_protocol_errors(data: bytes) -> None:
    try:
        wire.decode(data, 1100)
    except ProtocolError:
        pass


UNAUTH = FrameCodec(AuthMode.NONE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, 5),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=4),
    cut=st.integers(0, 64),
)
def test_mutated_valid_packets_never_raise_and_are_counted(
    index: int, flips: list[tuple[int, int]], cut: int
) -> None:
    target = core()
    seq = 1 << 32
    payload = bytearray(wire.encode(valid_messages()[index]))
    for at, bits in flips:
        payload[at % len(payload)] ^= bits
    packet = UNAUTH.encode(NodeId(1), seq, bytes(payload))
    packet = packet[: len(packet) - cut] if cut < len(packet) else packet
    before = sum(target.counters[k] for k in DROPS) + target.counters["received"]
    target.receive_datagram(packet, SRC, 0.5)
    after = sum(target.counters[k] for k in DROPS) + target.counters["received"]
    assert after == before + 1  # dropped and counted, or accepted and counted
    target.handle_timer(1.0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), position=st.integers(0, 200))
def test_tampered_authenticated_frames_are_counted_as_bad_auth(data: bytes, position: int) -> None:
    target = core(AuthMode.HMAC_SHA256)
    codec = FrameCodec(AuthMode.HMAC_SHA256, Keyring.from_authkey(KEY))
    frame = bytearray(codec.encode(NodeId(1), 7, wire.encode(valid_messages()[0])))
    frame[22 + position % (len(frame) - 22)] ^= 0x40
    target.receive_datagram(bytes(frame), SRC, 0.1)
    target.receive_datagram(data, SRC, 0.2)
    assert target.counters["bad_auth"] == 1
    assert target.counters["received"] == 0


def test_a_fuzzed_core_still_forms_a_view_in_the_simulator() -> None:
    system = System(3)
    from paceline.sim.membership import install

    m = install(system, scenario(), workload=False)
    for node in system.cluster.nodes.values():
        node.start()
    rng = random.Random(9)
    for step in range(40):
        system.sim.run_until(step * 0.05)
        m.cores["n2"].receive_datagram(rng.randbytes(rng.randrange(0, 200)), SRC, step * 0.05)
    system.sim.run_until(4.0)
    assert m.cores["n2"].view is not None and m.cores["n2"].view.members == (1, 2, 3)
    assert m.cores["n2"].counters["malformed"] >= 30
