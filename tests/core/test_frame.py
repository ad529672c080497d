"""Wire framing: round trips, and the invariant that decoding raises only ProtocolError.

h11's fuzz invariant (``fuzz/afl-server.py``): whatever bytes a peer sends, we
either decode them or raise ``ProtocolError`` — never anything else — and a
stream decodes the same fed whole or one byte at a time.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paceline.core.errors import ProtocolError
from paceline.core.frame import (
    HEADER,
    HEADER_SIZE,
    MAGIC,
    AuthMode,
    Frame,
    FrameCodec,
    FrameDecoder,
    pack_payload,
    unpack_payload,
)
from paceline.core.ids import NodeId
from paceline.core.keys import FrameKeys, Keyring

KEY = bytes(range(64))
OTHER_KEY = bytes(range(1, 65))
RING = Keyring.from_authkey(KEY)
MODES = list(AuthMode)

# No timing in tests: the machine is shared and loaded (hypothesis's deadline is one).
NO_DEADLINE = settings(deadline=None)


def codec(mode: AuthMode, ring: Keyring | None = RING, **kw: object) -> FrameCodec:
    return FrameCodec(mode, None if mode is AuthMode.NONE else ring, **kw)  # type: ignore[arg-type]


def decoded_or_refused(fn: object, *args: object) -> Frame | None:
    """Call ``fn``; a ProtocolError is an answer, any other exception fails the test."""
    try:
        return fn(*args)  # type: ignore[operator, no-any-return]
    except ProtocolError:
        return None


payloads = st.binary(max_size=300)
seqs = st.integers(0, 2**64 - 1)
senders = st.integers(1, 2**32 - 1).map(NodeId)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@NO_DEADLINE
@given(sender=senders, seq=seqs, payload=payloads)
def test_round_trip(mode: AuthMode, sender: NodeId, seq: int, payload: bytes) -> None:
    c = codec(mode)
    frame = c.decode(c.encode(sender, seq, payload))
    assert frame == Frame(1, mode, 0, sender, seq, payload)


def test_aes_gcm_hides_the_payload_and_hmac_does_not() -> None:
    secret = b"the database password is hunter2"
    assert secret in codec(AuthMode.HMAC_SHA256).encode(NodeId(1), 0, secret)
    assert secret not in codec(AuthMode.AES_256_GCM).encode(NodeId(1), 0, secret)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@NO_DEADLINE
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_protocol_error(mode: AuthMode, data: bytes) -> None:
    decoded_or_refused(codec(mode).decode, data)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@NO_DEADLINE
@given(tail=st.binary(max_size=200), sender=senders, seq=seqs)
def test_plausible_headers_with_garbage_raise_only_protocol_error(
    mode: AuthMode, tail: bytes, sender: NodeId, seq: int
) -> None:
    # Random bytes rarely get past the magic; start from a valid header instead.
    header = HEADER.pack(MAGIC, 1, int(mode), 0, sender, seq, len(tail))
    assert decoded_or_refused(codec(mode).decode, header + tail) is None or mode is AuthMode.NONE


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@NO_DEADLINE
@given(payload=payloads, data=st.data())
def test_truncated_frames_are_refused(mode: AuthMode, payload: bytes, data: st.DataObject) -> None:
    wire = codec(mode).encode(NodeId(7), 42, payload)
    cut = data.draw(st.integers(0, len(wire) - 1))
    with pytest.raises(ProtocolError):
        codec(mode).decode(wire[:cut])


@pytest.mark.parametrize("mode", [AuthMode.HMAC_SHA256, AuthMode.AES_256_GCM], ids=str)
@NO_DEADLINE
@given(payload=payloads, data=st.data())
def test_every_bit_flip_is_detected(mode: AuthMode, payload: bytes, data: st.DataObject) -> None:
    wire = bytearray(codec(mode).encode(NodeId(7), 42, payload))
    bit = data.draw(st.integers(0, len(wire) * 8 - 1))
    wire[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(ProtocolError):
        codec(mode).decode(bytes(wire))


@NO_DEADLINE
@given(payload=payloads, data=st.data())
def test_bit_flips_unauthenticated_raise_only_protocol_error(
    payload: bytes, data: st.DataObject
) -> None:
    wire = bytearray(codec(AuthMode.NONE).encode(NodeId(7), 42, payload))
    bit = data.draw(st.integers(0, len(wire) * 8 - 1))
    wire[bit // 8] ^= 1 << (bit % 8)
    decoded_or_refused(codec(AuthMode.NONE).decode, bytes(wire))


@pytest.mark.parametrize("mode", [AuthMode.HMAC_SHA256, AuthMode.AES_256_GCM], ids=str)
def test_wrong_key_is_refused(mode: AuthMode) -> None:
    wire = codec(mode).encode(NodeId(1), 1, b"hello")
    with pytest.raises(ProtocolError, match=r"bad (HMAC|AES-GCM tag)"):
        codec(mode, Keyring.from_authkey(OTHER_KEY)).decode(wire)


def test_wrong_version_is_refused() -> None:
    newer = codec(AuthMode.HMAC_SHA256, versions={1, 2}, send_version=2)
    wire = newer.encode(NodeId(1), 1, b"x")
    assert newer.decode(wire).version == 2
    with pytest.raises(ProtocolError, match="frame version 2 not supported"):
        codec(AuthMode.HMAC_SHA256).decode(wire)


@pytest.mark.parametrize(
    ("sender_mode", "receiver_mode"),
    [(AuthMode.NONE, AuthMode.HMAC_SHA256), (AuthMode.HMAC_SHA256, AuthMode.AES_256_GCM),
     (AuthMode.AES_256_GCM, AuthMode.NONE)],
    ids=str,
)  # fmt: skip
def test_a_frame_in_another_auth_mode_is_refused(
    sender_mode: AuthMode, receiver_mode: AuthMode
) -> None:
    wire = codec(sender_mode).encode(NodeId(1), 1, b"x")
    with pytest.raises(ProtocolError, match="auth mode"):
        codec(receiver_mode).decode(wire)


def test_oversize_length_is_refused_from_the_header_alone() -> None:
    c = codec(AuthMode.HMAC_SHA256, max_payload=1000)
    header = HEADER.pack(MAGIC, 1, 1, 0, 1, 1, 1000 + 32 + 1)
    with pytest.raises(ProtocolError, match=r"body length 1033 outside 32\.\.1032"):
        c.decode(header)
    decoder = FrameDecoder(c)
    decoder.receive_data(header)  # no body at all: the header is enough to refuse
    with pytest.raises(ProtocolError, match="body length"):
        decoder.next_frame()


def test_encoding_an_oversize_payload_is_a_local_error() -> None:
    with pytest.raises(ValueError, match="exceeds 10"):
        codec(AuthMode.NONE, max_payload=10).encode(NodeId(1), 1, b"x" * 11)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (0, b"XX", "bad magic"),
        (2, 0x81, "reserved frame flags"),
        (2, 3, r"frame auth mode 3 \(unknown\), expected HMAC_SHA256"),
        (4, 0, "sender id 0"),
    ],
)
def test_header_fields_are_checked(field: int, value: object, message: str) -> None:
    fields: list[object] = [MAGIC, 1, 1, 0, 1, 1, 32]
    fields[field] = value
    with pytest.raises(ProtocolError, match=message):
        codec(AuthMode.HMAC_SHA256).decode(HEADER.pack(*fields) + bytes(32))


def test_trailing_bytes_in_a_datagram_are_refused() -> None:
    wire = codec(AuthMode.HMAC_SHA256).encode(NodeId(1), 1, b"x")
    with pytest.raises(ProtocolError, match="header says"):
        codec(AuthMode.HMAC_SHA256).decode(wire + b"\0")


def test_key_rotation() -> None:
    new = FrameKeys.derive(OTHER_KEY, key_id=1)
    old_sender = codec(AuthMode.HMAC_SHA256, RING)
    new_sender = codec(AuthMode.HMAC_SHA256, RING.with_key(new).send_with(1))
    both = codec(AuthMode.HMAC_SHA256, RING.with_key(new))
    old_frame, new_frame = (
        old_sender.encode(NodeId(1), 1, b"a"),
        new_sender.encode(NodeId(1), 2, b"b"),
    )
    assert both.decode(old_frame).key_id == 0
    assert both.decode(new_frame).key_id == 1
    with pytest.raises(ProtocolError, match="unknown key id 1"):
        old_sender.decode(new_frame)
    retired = codec(AuthMode.HMAC_SHA256, RING.with_key(new).send_with(1).without(0))
    with pytest.raises(ProtocolError, match="unknown key id 0"):
        retired.decode(old_frame)


@pytest.mark.parametrize("mode", [AuthMode.HMAC_SHA256, AuthMode.AES_256_GCM], ids=str)
def test_the_key_id_is_authenticated(mode: AuthMode) -> None:
    # Even with the same key material under both ids, rewriting the id is caught.
    ring = RING.with_key(FrameKeys.derive(KEY, key_id=1))
    wire = bytearray(codec(mode, ring).encode(NodeId(1), 1, b"a"))
    struct.pack_into("!H", wire, 4, 1)
    with pytest.raises(ProtocolError, match=r"bad (HMAC|AES-GCM tag)"):
        codec(mode, ring).decode(bytes(wire))


# -- the stream decoder ---------------------------------------------------------


def decode_stream(c: FrameCodec, chunks: list[bytes]) -> tuple[list[Frame], str | None]:
    """Feed ``chunks`` then end of stream; the frames out and the error, if any."""
    decoder, frames = FrameDecoder(c), []
    try:
        for chunk in chunks:
            decoder.receive_data(chunk)
            while (frame := decoder.next_frame()) is not None:
                frames.append(frame)
        decoder.receive_eof()
        assert decoder.next_frame() is None
        assert decoder.buffered == 0
    except ProtocolError as err:
        return frames, str(err)
    return frames, None


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@settings(deadline=None, max_examples=60)
@given(
    messages=st.lists(payloads, max_size=5),
    garbage=st.binary(max_size=40),
    flips=st.lists(st.integers(0, 10_000), max_size=2),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
)
def test_stream_decodes_the_same_whole_or_split(
    mode: AuthMode, messages: list[bytes], garbage: bytes, flips: list[int], cuts: list[int]
) -> None:
    c = codec(mode)
    stream = bytearray(b"".join(c.encode(NodeId(3), i, m) for i, m in enumerate(messages)))
    stream += garbage
    for bit in flips:
        if stream:
            stream[bit // 8 % len(stream)] ^= 1 << (bit % 8)
    data = bytes(stream)
    whole = decode_stream(c, [data])
    assert decode_stream(c, [data[i : i + 1] for i in range(len(data))]) == whole
    assert decode_stream(c, split(data, cuts)) == whole
    if not flips and not garbage:
        assert whole == (
            [c.decode(c.encode(NodeId(3), i, m)) for i, m in enumerate(messages)],
            None,
        )


def test_stream_ending_mid_frame_is_an_error_and_the_decoder_stays_broken() -> None:
    c = codec(AuthMode.HMAC_SHA256)
    wire = c.encode(NodeId(1), 1, b"hello")
    frames, error = decode_stream(c, [wire, wire[:-1]])
    assert [f.payload for f in frames] == [b"hello"]
    assert error is not None and "stream ended inside a frame" in error
    decoder = FrameDecoder(c)
    decoder.receive_data(b"XX" + wire[2:])
    with pytest.raises(ProtocolError, match="magic"):
        decoder.next_frame()
    with pytest.raises(ProtocolError, match="magic"):
        decoder.receive_data(wire)  # broken for good: the stream must be dropped


# -- msgpack payloads -------------------------------------------------------------

messages = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text() | st.binary()
    | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@NO_DEADLINE
@given(message=messages)
def test_payload_round_trip(message: object) -> None:
    assert unpack_payload(pack_payload(message)) == message


@NO_DEADLINE
@given(data=st.binary(max_size=200))
def test_arbitrary_payload_bytes_raise_only_protocol_error(data: bytes) -> None:
    decoded_or_refused(unpack_payload, data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd6\x05abcd", "max_ext_len"),  # an extension type
        (b"\xd6\xff\x00\x00\x00\x01", "max_ext_len"),  # a msgpack timestamp
        (b"\x81\x01\x02", "strict_map_key"),  # an int map key
        (b"\xc0\xc0", "ExtraData"),  # two objects
        (b"\xa2\xff\xfe", "UnicodeDecodeError"),
        (b"\xdd\xff\xff\xff\xff", "max_array_len"),  # a 4-billion-item array
        (b"\x91" * 100_000, "Error"),  # nesting deeper than msgpack's stack
    ],
)
def test_payload_refusals(data: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        unpack_payload(data)


def test_encode_message_round_trip() -> None:
    c = codec(AuthMode.AES_256_GCM)
    frame = c.decode(c.encode_message(NodeId(9), 5, {"type": "hb", "ring": [1, 2]}))
    assert unpack_payload(frame.payload) == {"type": "hb", "ring": [1, 2]}


def test_header_size_is_stable() -> None:
    assert HEADER_SIZE == 22  # a wire format change needs a new FRAME_VERSION
