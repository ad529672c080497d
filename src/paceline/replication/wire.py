"""The replication peer protocol: versioned messages over one byte stream (pure).

One TCP connection per volume and peer carries frames of ``core/frame.py``
(authenticated with HMAC-SHA256 when the resource has a ``shared-secret``),
each frame one msgpack message: ``[type, field, ...]``. ``WireCodec`` turns
messages into bytes and bytes into messages; nothing here knows about
disks, roles or timers (that is ``replication.peer``).

Connection start, both sides at once (no one waits for the other):

1. ``Hello`` (protocol versions offered, node id, resource name, volume
   number, a fresh 16-byte nonce). Each side picks the highest version both
   offer (``agree_version``); no common version, another resource or volume,
   or a node id equal to ours is a ``ProtocolError``.
2. ``Params`` (agreed version, the peer's nonce echoed — a replayed recording
   of an old connection does not carry the new nonce —, protocol A/B/C,
   size in blocks, role, disk state, generation ids, flags, bits set,
   discard-my-data, allow-two-primaries).
3. ``BitmapChunk``s (the dirty bitmap, ``BITMAP_CHUNK`` bytes at a time, the
   last one flagged), so both sides resync the union of their dirty blocks.

Then, by what the decision table (``gi.sync_handshake``) says: ``SyncUuid``
and resync traffic (``RsData``/``RsAck``/``RsFlush``/``RsFlushAck``/``RsDone``),
and all along replication: ``Data`` (sequence number, epoch, block, bytes),
``RecvAck`` (protocol B), ``WriteAck`` (protocol C), ``NegAck`` (the peer
failed to write), ``Barrier``/``BarrierAck`` (an epoch's writes flushed on the
peer), ``State`` (a role change), ``RoleRequest``/``RoleReply`` (a connected
promotion asks the peer first), ``Ping``/``PingAck``, ``Disconnect``.

Every frame carries the sender's node id and a sequence number that must
grow by exactly one per frame on one connection (frames cannot be dropped,
replayed or reordered inside a stream). With ``csums-alg``, resync sends
``RsDigest`` first and data only for blocks that differ (``RsWant``, else
``RsInSync``); online verify is ``OvStart``, ``OvRequest``/``OvReply`` per
block, ``OvDone``. Any malformed, oversized, unknown or
out-of-order frame raises ``ProtocolError``; the caller (``peer.py``)
disconnects the peer and counts it.

Example::

    codec = WireCodec(NodeId(1), "r0", 0, keyring=shared_secret_keyring("s3cr3t"))
    out = codec.encode(Ping(1))
    for message in peer_codec.receive(out):  # -> [Ping(n=1)]
        ...
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from typing import ClassVar

from paceline.core.errors import ProtocolError
from paceline.core.frame import (
    AuthMode,
    FrameCodec,
    FrameDecoder,
    pack_payload,
    unpack_payload,
)
from paceline.core.ids import NodeId
from paceline.core.keys import FrameKeys, Keyring

PROTOCOL_VERSION_MIN = 1
PROTOCOL_VERSION_MAX = 2
"""2 adds ``SyncRequest``/``SyncRefused``/``InvalidateRequest`` and a full sync started while Connected
(``invalidate``, ``invalidate-remote``, ``primary --force``); a peer that agreed
on 1 never gets them, and the core refuses those verbs with the reason."""
BLOCK_SIZE = 4096
BITMAP_CHUNK = 16 * 1024
"""Bitmap bytes per ``BitmapChunk`` (131072 blocks = 512 MiB of volume)."""
MAX_PAYLOAD = 64 * 1024
"""Largest message: a data block or a bitmap chunk plus a little framing."""
NONCE_SIZE = 16
MAX_DIGEST = 64
MAX_NAME = 128

_U64 = (1 << 64) - 1


def shared_secret_keyring(secret: str) -> Keyring:
    """The frame keys of a resource's ``shared-secret`` (``net { cram-hmac-alg; shared-secret }``).

    The secret is stretched to the 32 bytes the frame keys need with
    SHA-256 under a label of its own, so it never doubles as a cluster authkey.
    """
    if not secret:
        raise ValueError("an empty shared-secret authenticates nothing")
    material = hashlib.sha256(b"paceline replication shared-secret\0" + secret.encode()).digest()
    return Keyring(0, (FrameKeys.derive(material),))


def agree_version(mine: tuple[int, int], theirs: tuple[int, int]) -> int:
    """The highest protocol version both ranges hold; ``ProtocolError`` if none."""
    low, high = max(mine[0], theirs[0]), min(mine[1], theirs[1])
    if low > high:
        raise ProtocolError(
            f"no common replication protocol version: we speak {mine[0]}..{mine[1]}, "
            f"the peer {theirs[0]}..{theirs[1]}"
        )
    return high


# -- messages -----------------------------------------------------------------
#
# Each message is a frozen dataclass; ``FIELDS`` gives each field's wire type
# (int, str, bytes, bool, or "ints" for a list of ints) so that decoding checks
# every field before a message exists.


@dataclass(frozen=True, slots=True)
class Message:
    TYPE: ClassVar[int] = 0
    FIELDS: ClassVar[tuple[object, ...]] = ()
    SINCE: ClassVar[int] = 1  # the first protocol version that has this message


@dataclass(frozen=True, slots=True)
class Hello(Message):
    TYPE: ClassVar[int] = 1
    FIELDS: ClassVar[tuple[object, ...]] = (int, int, int, str, int, bytes)
    version_min: int
    version_max: int
    node: int
    resource: str
    volume: int
    nonce: bytes


@dataclass(frozen=True, slots=True)
class Params(Message):
    TYPE: ClassVar[int] = 2
    FIELDS: ClassVar[tuple[object, ...]] = (
        int, bytes, str, int, int, int, "ints", int, int, bool, bool,
    )  # fmt: skip
    version: int
    nonce: bytes  # the peer's Hello nonce, echoed
    protocol: str
    size: int  # blocks
    role: int  # states.Role
    disk: int  # states.DiskState
    gi: tuple[int, ...]  # current, bitmap, history0, history1
    flags: int
    bits: int
    discard_my_data: bool
    allow_two_primaries: bool


@dataclass(frozen=True, slots=True)
class BitmapChunk(Message):
    TYPE: ClassVar[int] = 3
    FIELDS: ClassVar[tuple[object, ...]] = (int, bytes, bool)
    offset: int  # byte offset into the bitmap
    data: bytes
    last: bool


@dataclass(frozen=True, slots=True)
class SyncUuid(Message):
    """From the sync source at resync start: the target's new current UUID."""

    TYPE: ClassVar[int] = 4
    FIELDS: ClassVar[tuple[object, ...]] = (int, bool)
    uuid: int
    full: bool


@dataclass(frozen=True, slots=True)
class Data(Message):
    """A replicated application write, in epoch ``epoch``."""

    TYPE: ClassVar[int] = 5
    FIELDS: ClassVar[tuple[object, ...]] = (int, int, int, bytes)
    seq: int
    epoch: int
    block: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RecvAck(Message):
    TYPE: ClassVar[int] = 6
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    seq: int


@dataclass(frozen=True, slots=True)
class WriteAck(Message):
    TYPE: ClassVar[int] = 7
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    seq: int


@dataclass(frozen=True, slots=True)
class NegAck(Message):
    """The peer could not write ``seq`` (its disk failed): the block is out of sync."""

    TYPE: ClassVar[int] = 8
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    seq: int


@dataclass(frozen=True, slots=True)
class Barrier(Message):
    """Closes epoch ``epoch``: flush every write of it, then ``BarrierAck``."""

    TYPE: ClassVar[int] = 9
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    epoch: int


@dataclass(frozen=True, slots=True)
class BarrierAck(Message):
    TYPE: ClassVar[int] = 10
    FIELDS: ClassVar[tuple[object, ...]] = (int, bool)
    epoch: int
    ok: bool  # False: the peer's flush failed


@dataclass(frozen=True, slots=True)
class RsData(Message):
    """A resync block from the sync source."""

    TYPE: ClassVar[int] = 11
    FIELDS: ClassVar[tuple[object, ...]] = (int, bytes)
    block: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RsAck(Message):
    TYPE: ClassVar[int] = 12
    FIELDS: ClassVar[tuple[object, ...]] = (int, bool)
    block: int
    ok: bool


@dataclass(frozen=True, slots=True)
class RsFlush(Message):
    """Make every resync write acknowledged so far durable (a resync checkpoint)."""

    TYPE: ClassVar[int] = 13
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    n: int


@dataclass(frozen=True, slots=True)
class RsFlushAck(Message):
    TYPE: ClassVar[int] = 14
    FIELDS: ClassVar[tuple[object, ...]] = (int, bool)
    n: int
    ok: bool


@dataclass(frozen=True, slots=True)
class RsDone(Message):
    """Resync finished: the source's final generation ids, adopted by the target."""

    TYPE: ClassVar[int] = 15
    FIELDS: ClassVar[tuple[object, ...]] = ("ints",)
    gi: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class State(Message):
    """The sender's role or disk state changed."""

    TYPE: ClassVar[int] = 16
    FIELDS: ClassVar[tuple[object, ...]] = (int, int)
    role: int
    disk: int


@dataclass(frozen=True, slots=True)
class RoleRequest(Message):
    """May the sender become Primary? (answered by ``RoleReply``)"""

    TYPE: ClassVar[int] = 17
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    n: int


@dataclass(frozen=True, slots=True)
class RoleReply(Message):
    TYPE: ClassVar[int] = 18
    FIELDS: ClassVar[tuple[object, ...]] = (int, bool, str)
    n: int
    granted: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Ping(Message):
    TYPE: ClassVar[int] = 19
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    n: int


@dataclass(frozen=True, slots=True)
class PingAck(Message):
    TYPE: ClassVar[int] = 20
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    n: int


@dataclass(frozen=True, slots=True)
class Disconnect(Message):
    TYPE: ClassVar[int] = 21
    FIELDS: ClassVar[tuple[object, ...]] = (str,)
    reason: str


@dataclass(frozen=True, slots=True)
class RsDigest(Message):
    """csums-alg: the source's digest of a block to resync; the target answers
    ``RsInSync`` (equal: nothing crosses) or ``RsWant`` (send the data)."""

    TYPE: ClassVar[int] = 22
    FIELDS: ClassVar[tuple[object, ...]] = (int, bytes)
    block: int
    digest: bytes


@dataclass(frozen=True, slots=True)
class RsInSync(Message):
    TYPE: ClassVar[int] = 23
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    block: int


@dataclass(frozen=True, slots=True)
class RsWant(Message):
    TYPE: ClassVar[int] = 24
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    block: int


@dataclass(frozen=True, slots=True)
class OvStart(Message):
    """Online verify of blocks ``start`` .. ``stop``-1 begins (the sender is VerifyS)."""

    TYPE: ClassVar[int] = 25
    FIELDS: ClassVar[tuple[object, ...]] = (int, int)
    start: int
    stop: int


@dataclass(frozen=True, slots=True)
class OvRequest(Message):
    """verify-alg digest of one block: the peer compares it with its own."""

    TYPE: ClassVar[int] = 26
    FIELDS: ClassVar[tuple[object, ...]] = (int, bytes)
    block: int
    digest: bytes


@dataclass(frozen=True, slots=True)
class OvReply(Message):
    TYPE: ClassVar[int] = 27
    FIELDS: ClassVar[tuple[object, ...]] = (int, bool)
    block: int
    equal: bool


@dataclass(frozen=True, slots=True)
class OvDone(Message):
    TYPE: ClassVar[int] = 28
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    found: int


@dataclass(frozen=True, slots=True)
class SyncRequest(Message):
    """``invalidate`` on a Connected node: start a full sync with the sender as target.

    Granted by the peer's ``SyncUuid`` (full), else answered by ``SyncRefused``."""

    TYPE: ClassVar[int] = 29
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    SINCE: ClassVar[int] = 2
    n: int


@dataclass(frozen=True, slots=True)
class SyncRefused(Message):
    TYPE: ClassVar[int] = 30
    FIELDS: ClassVar[tuple[object, ...]] = (int, str)
    SINCE: ClassVar[int] = 2
    n: int
    reason: str


@dataclass(frozen=True, slots=True)
class InvalidateRequest(Message):
    """``invalidate-remote``: would the peer discard its data and ask us for a full sync?

    Answered by the peer's ``SyncRequest`` (same ``n``), else ``SyncRefused``."""

    TYPE: ClassVar[int] = 31
    FIELDS: ClassVar[tuple[object, ...]] = (int,)
    SINCE: ClassVar[int] = 2
    n: int


MESSAGES: dict[int, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Hello, Params, BitmapChunk, SyncUuid, Data, RecvAck, WriteAck, NegAck, Barrier,
        BarrierAck, RsData, RsAck, RsFlush, RsFlushAck, RsDone, State, RoleRequest,
        RoleReply, Ping, PingAck, Disconnect, RsDigest, RsInSync, RsWant, OvStart, OvRequest,
        OvReply, OvDone, SyncRequest, SyncRefused, InvalidateRequest,
    )
}  # fmt: skip
_FIELD_NAMES = {t: tuple(f.name for f in fields(cls)) for t, cls in MESSAGES.items()}


def encode_message(message: Message) -> bytes:
    """The msgpack payload of ``message``."""
    names = _FIELD_NAMES[message.TYPE]
    return pack_payload([message.TYPE, *(getattr(message, name) for name in names)])


def decode_message(payload: bytes) -> Message:
    """The message in ``payload``, every field type-checked.

    Raises:
        ProtocolError: not a list, unknown type, wrong field count or type.
    """
    raw = unpack_payload(payload)
    if not isinstance(raw, list) or not raw or type(raw[0]) is not int:
        raise ProtocolError("replication message is not [type, fields...]")
    cls = MESSAGES.get(raw[0])
    if cls is None:
        raise ProtocolError(f"unknown replication message type {raw[0]}")
    fields = raw[1:]
    if len(fields) != len(cls.FIELDS):
        raise ProtocolError(f"{cls.__name__} has {len(fields)} fields, expected {len(cls.FIELDS)}")
    values: list[object] = []
    for i, (kind, value) in enumerate(zip(cls.FIELDS, fields, strict=True)):
        values.append(_check_field(cls.__name__, i, kind, value))
    message = cls(*values)
    _check_ranges(message)
    return message


def _check_field(name: str, index: int, kind: object, value: object) -> object:
    if kind == "ints":
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            raise ProtocolError(f"{name} field {index}: expected a list of integers")
        return tuple(value)
    ok = (type(value) is int and 0 <= value <= _U64) if kind is int else type(value) is kind
    if not ok:
        what = "an integer 0..2**64-1" if kind is int else getattr(kind, "__name__", kind)
        raise ProtocolError(f"{name} field {index}: expected {what}, got {type(value).__name__}")
    return value


def _check_ranges(m: Message) -> None:
    """Field values every receiver needs sane, whatever its state."""
    if isinstance(m, Hello):
        if len(m.nonce) != NONCE_SIZE:
            raise ProtocolError(f"Hello nonce is {len(m.nonce)} bytes, expected {NONCE_SIZE}")
        if len(m.resource) > MAX_NAME:
            raise ProtocolError(f"Hello resource name longer than {MAX_NAME} characters")
    elif isinstance(m, Params):
        if m.protocol not in ("A", "B", "C"):
            raise ProtocolError(f"Params protocol {m.protocol!r}, expected A, B or C")
        if len(m.gi) != 4:
            raise ProtocolError(f"Params carries {len(m.gi)} generation ids, expected 4")
    elif isinstance(m, RsDone):
        if len(m.gi) != 4:
            raise ProtocolError(f"RsDone carries {len(m.gi)} generation ids, expected 4")
    elif isinstance(m, (Data, RsData)) and len(m.data) != BLOCK_SIZE:
        raise ProtocolError(f"{type(m).__name__} of {len(m.data)} bytes, expected {BLOCK_SIZE}")
    elif isinstance(m, (RsDigest, OvRequest)) and len(m.digest) > MAX_DIGEST:
        raise ProtocolError(f"{type(m).__name__} digest of {len(m.digest)} bytes")
    elif isinstance(m, BitmapChunk) and len(m.data) > BITMAP_CHUNK:
        raise ProtocolError(f"BitmapChunk of {len(m.data)} bytes, at most {BITMAP_CHUNK}")


class WireCodec:
    """Frames messages for one connection of one volume, in both directions.

    Args:
        node: our node id (the frames' sender).
        resource: the resource name (checked in the peer's ``Hello``).
        volume: the volume number.
        keyring: frame keys (``shared_secret_keyring``); ``None`` sends and
            accepts unauthenticated frames only.

    A new connection needs a new codec: sequence numbers start at 0.
    """

    def __init__(
        self, node: NodeId, resource: str, volume: int, keyring: Keyring | None = None
    ) -> None:
        mode = AuthMode.NONE if keyring is None else AuthMode.HMAC_SHA256
        self.node = node
        self.resource = resource
        self.volume = volume
        self.frames = FrameCodec(mode, keyring, max_payload=MAX_PAYLOAD)
        self.decoder = FrameDecoder(self.frames)
        self.peer: NodeId | None = None
        self._send_seq = 0
        self._recv_seq = 0
        self.sent = 0
        self.received = 0
        self._error: ProtocolError | None = None

    def encode(self, message: Message) -> bytes:
        """One frame carrying ``message``."""
        frame = self.frames.encode(self.node, self._send_seq, encode_message(message))
        self._send_seq += 1
        self.sent += 1
        return frame

    def receive(self, data: bytes) -> list[Message]:
        """Messages completed by ``data``.

        Raises:
            ProtocolError: a bad frame or message; the codec stays broken.
        """
        if self._error is not None:
            raise self._error
        try:
            return self._receive(data)
        except ProtocolError as err:
            self._error = err
            raise

    def _receive(self, data: bytes) -> list[Message]:
        self.decoder.receive_data(data)
        out: list[Message] = []
        while (frame := self.decoder.next_frame()) is not None:
            if frame.sender == self.node:
                raise ProtocolError(f"frame claims to come from our own node id {self.node}")
            if self.peer is not None and frame.sender != self.peer:
                raise ProtocolError(f"frame from node {frame.sender}, the peer is {self.peer}")
            if frame.seq != self._recv_seq:
                raise ProtocolError(
                    f"frame sequence {frame.seq}, expected {self._recv_seq} "
                    "(dropped, replayed or reordered)"
                )
            self._recv_seq += 1
            message = decode_message(frame.payload)
            if self._recv_seq == 1:
                if not isinstance(message, Hello):
                    raise ProtocolError(f"first message is {type(message).__name__}, not Hello")
                self._check_hello(message, frame.sender)
            elif isinstance(message, Hello):
                raise ProtocolError("second Hello on one connection")
            self.received += 1
            out.append(message)
        return out

    def receive_eof(self) -> None:
        """The stream ended; a partial frame left behind is a ``ProtocolError``."""
        self.decoder.receive_eof()
        self.decoder.next_frame()

    def hello(self, nonce: bytes) -> Hello:
        """Our ``Hello`` for this connection."""
        return Hello(
            PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX, self.node, self.resource, self.volume, nonce
        )

    def _check_hello(self, hello: Hello, sender: NodeId) -> None:
        if hello.node != sender:
            raise ProtocolError(f"Hello names node {hello.node} but frames come from {sender}")
        if hello.resource != self.resource or hello.volume != self.volume:
            raise ProtocolError(
                f"peer serves {hello.resource}/{hello.volume}, we are {self.resource}/{self.volume}"
            )
        self.peer = sender
