"""The replication wire: every message round-trips, anything malformed is a ProtocolError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paceline.core.errors import ProtocolError
from paceline.core.frame import pack_payload
from paceline.core.ids import NodeId
from paceline.replication import wire
from paceline.replication.wire import (
    MESSAGES,
    Barrier,
    Data,
    Hello,
    Params,
    Ping,
    WireCodec,
    agree_version,
    decode_message,
    encode_message,
    shared_secret_keyring,
)

BLOCK = bytes(range(256)) * 16

SAMPLES: list[wire.Message] = [
    Hello(1, 1, 2, "r0", 0, b"n" * 16),
    Params(1, b"x" * 16, "C", 1024, 2, 8, (4, 0, 0, 0), 1, 0, False, True),
    wire.BitmapChunk(0, b"\xff" * 100, True),
    wire.SyncUuid(12345, False),
    Data(7, 3, 99, BLOCK),
    wire.RecvAck(7),
    wire.WriteAck(7),
    wire.NegAck(7),
    Barrier(3),
    wire.BarrierAck(3, True),
    wire.RsData(5, BLOCK),
    wire.RsAck(5, False),
    wire.RsFlush(1),
    wire.RsFlushAck(1, True),
    wire.RsDone((8, 0, 6, 0)),
    wire.State(1, 8),
    wire.RoleRequest(1),
    wire.RoleReply(1, False, "peer is Primary"),
    Ping(9),
    wire.PingAck(9),
    wire.Disconnect("bye"),
    wire.RsDigest(4, b"d" * 20),
    wire.RsInSync(4),
    wire.RsWant(4),
    wire.OvStart(0, 64),
    wire.OvRequest(3, b"d" * 32),
    wire.OvReply(3, False),
    wire.OvDone(2),
    wire.SyncRequest(1),
    wire.SyncRefused(1, "busy"),
    wire.InvalidateRequest(1),
]


def test_every_message_type_has_a_sample() -> None:
    assert {type(m) for m in SAMPLES} == set(MESSAGES.values())


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip(message: wire.Message) -> None:
    assert decode_message(encode_message(message)) == message


def pair(secret: str | None = None, other_secret: str | None = None) -> tuple[WireCodec, WireCodec]:
    ka = shared_secret_keyring(secret) if secret else None
    other = other_secret or secret
    kb = shared_secret_keyring(other) if other else None
    return WireCodec(NodeId(1), "r0", 0, ka), WireCodec(NodeId(2), "r0", 0, kb)


@pytest.mark.parametrize("secret", [None, "s3cr3t"])
def test_a_connection_carries_messages_split_anywhere(secret: str | None) -> None:
    a, b = pair(secret)
    stream = b"".join(a.encode(m) for m in [a.hello(b"a" * 16), Data(1, 0, 4, BLOCK), Ping(2)])
    got: list[wire.Message] = []
    for i in range(0, len(stream), 37):
        got += b.receive(stream[i : i + 37])
    assert got == [a.hello(b"a" * 16), Data(1, 0, 4, BLOCK), Ping(2)]
    assert b.peer == 1


def test_wrong_secret_is_refused() -> None:
    a, b = pair("right", "wrong")
    with pytest.raises(ProtocolError, match="HMAC"):
        b.receive(a.encode(a.hello(b"a" * 16)))


def test_unauthenticated_frames_are_refused_when_a_secret_is_set() -> None:
    a = WireCodec(NodeId(1), "r0", 0)
    b = WireCodec(NodeId(2), "r0", 0, shared_secret_keyring("s"))
    with pytest.raises(ProtocolError, match="auth mode"):
        b.receive(a.encode(a.hello(b"a" * 16)))


def test_first_message_must_be_hello() -> None:
    a, b = pair()
    with pytest.raises(ProtocolError, match="not Hello"):
        b.receive(a.encode(Ping(1)))


def test_second_hello_is_refused() -> None:
    a, b = pair()
    b.receive(a.encode(a.hello(b"a" * 16)))
    with pytest.raises(ProtocolError, match="second Hello"):
        b.receive(a.encode(a.hello(b"a" * 16)))


def test_other_resource_is_refused() -> None:
    a = WireCodec(NodeId(1), "r1", 0)
    b = WireCodec(NodeId(2), "r0", 0)
    with pytest.raises(ProtocolError, match="r1/0"):
        b.receive(a.encode(a.hello(b"a" * 16)))


def test_own_node_id_is_refused() -> None:
    a = WireCodec(NodeId(2), "r0", 0)
    b = WireCodec(NodeId(2), "r0", 0)
    with pytest.raises(ProtocolError, match="own node id"):
        b.receive(a.encode(a.hello(b"a" * 16)))


def test_a_dropped_or_replayed_frame_breaks_the_sequence() -> None:
    a, b = pair("s")
    b.receive(a.encode(a.hello(b"a" * 16)))
    first = a.encode(Ping(1))
    b.receive(first)
    with pytest.raises(ProtocolError, match="sequence 1, expected 2"):
        b.receive(first)
    with pytest.raises(ProtocolError):  # broken for good
        b.receive(a.encode(Ping(2)))


def test_oversized_frame_is_refused_from_its_header() -> None:
    a, b = pair()
    big = a.frames.encode(NodeId(1), 0, b"x")
    header = bytearray(big[:22])
    header[18:22] = (wire.MAX_PAYLOAD + 1).to_bytes(4, "big")
    with pytest.raises(ProtocolError, match="length"):
        b.receive(bytes(header))


def test_truncated_stream_is_an_error_at_eof() -> None:
    a, b = pair()
    frame = a.encode(a.hello(b"a" * 16))
    b.receive(frame[:-3])
    with pytest.raises(ProtocolError, match="ended inside"):
        b.receive_eof()


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ({"t": 1}, "not \\[type"),
        ([], "not \\[type"),
        ([999], "unknown"),
        ([19], "0 fields"),
        ([19, "x"], "expected an integer"),
        ([19, -1], "expected an integer"),
        ([19, True], "expected an integer"),
        ([5, 1, 0, 2, b"short"], "Data of 5 bytes"),
        ([2, 1, b"x" * 16, "D", 1, 2, 8, [4, 0, 0, 0], 0, 0, False, False], "protocol 'D'"),
        ([2, 1, b"x" * 16, "C", 1, 2, 8, [4, 0], 0, 0, False, False], "2 generation ids"),
        ([2, 1, b"x" * 16, "C", 1, 2, 8, [4, "a", 0, 0], 0, 0, False, False], "list of integers"),
        ([1, 1, 1, 2, "r0", 0, b"short"], "nonce"),
        ([3, 0, b"\0" * (wire.BITMAP_CHUNK + 1), True], "at most"),
        ([26, 1, b"d" * 65], "digest of 65"),
    ],
)
def test_malformed_messages(payload: object, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        decode_message(pack_payload(payload))


@given(st.binary(max_size=200))
def test_garbage_payload_raises_only_protocol_error(data: bytes) -> None:
    try:
        decode_message(data)
    except ProtocolError:
        pass


@given(st.binary(max_size=300))
def test_garbage_stream_raises_only_protocol_error(data: bytes) -> None:
    b = WireCodec(NodeId(2), "r0", 0)
    try:
        b.receive(data)
        b.receive_eof()
    except ProtocolError:
        pass


def test_version_agreement() -> None:
    assert agree_version((1, 3), (2, 5)) == 3
    assert agree_version((1, 1), (1, 1)) == 1
    with pytest.raises(ProtocolError, match="no common"):
        agree_version((1, 1), (2, 3))


def test_empty_shared_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        shared_secret_keyring("")
