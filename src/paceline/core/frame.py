"""Wire framing: versioned, length-prefixed, authenticated frames.

Layout (network byte order), 22-byte header then the body::

    magic    2  b"PL"
    version  1  framing version (``FRAME_VERSIONS``)
    flags    1  bits 0-1: auth mode (0 none, 1 HMAC-SHA256, 2 AES-256-GCM); others 0
    key_id   2  which keyring key authenticates the frame
    sender   4  sender's NodeId (1 .. 2**32-1)
    seq      8  sender's frame sequence number (replay protection, GCM nonce)
    length   4  body length in bytes
    body        HMAC:    payload || HMAC-SHA256(header || payload)
                AES-GCM: AES-256-GCM(payload, nonce = sender || seq, aad = header) || tag
                none:    payload

The whole header is authenticated, so nobody can change who sent a frame, its
number or its mode. A receiver accepts exactly one auth mode: a frame in
another mode (say, an attacker's unauthenticated frame) is refused, never
"downgraded". Decoding raises nothing but ``ProtocolError``.

Payloads are msgpack (``pack_payload`` / ``unpack_payload``). Replay filtering
(``paceline.core.replay``) is the caller's next step after ``decode``. A frame
names its sender but not its receiver (multicast frames have many): a protocol
whose message is meant for one peer names that peer in the payload, and a
receiver drops frames that claim to come from itself.

AES-GCM nonces are ``sender || seq``: unique as long as no sender reuses a
sequence number under one key (see ``SequenceCounter``).
"""

from __future__ import annotations

import enum
import hmac
import struct
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

import msgpack
from cryptography.exceptions import InvalidTag

from paceline.core.errors import ProtocolError
from paceline.core.ids import NODE_ID_MAX, U64_MAX, NodeId
from paceline.core.keys import FrameKeys, Keyring

MAGIC = b"PL"
FRAME_VERSION = 1
FRAME_VERSIONS: frozenset[int] = frozenset({FRAME_VERSION})
HEADER = struct.Struct("!2sBBHIQI")
HEADER_SIZE = HEADER.size
DEFAULT_MAX_PAYLOAD = 64 * 1024
"""Datagram-sized; stream users (replication) pass a larger limit."""
MAX_PAYLOAD_LIMIT = 16 * 1024 * 1024
_MODE_MASK = 0x03


class AuthMode(enum.IntEnum):
    """How a frame is protected; the low bits of the header's flags byte."""

    NONE = 0
    HMAC_SHA256 = 1
    AES_256_GCM = 2

    @property
    def tag_size(self) -> int:
        """Bytes the mode adds to the payload."""
        return _TAG_SIZE[self]


_TAG_SIZE = {AuthMode.NONE: 0, AuthMode.HMAC_SHA256: 32, AuthMode.AES_256_GCM: 16}
_MODE_NAMES = {int(m): m.name for m in AuthMode}


class Header(NamedTuple):
    """A checked frame header (see ``FrameCodec.parse_header``)."""

    version: int
    key_id: int
    sender: NodeId
    seq: int
    length: int
    """Body length: payload plus the mode's tag."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded, authenticated frame."""

    version: int
    mode: AuthMode
    key_id: int
    sender: NodeId
    seq: int
    payload: bytes


class FrameCodec:
    """Encodes and decodes frames for one auth mode, keyring and size limit.

    Args:
        mode: the one auth mode this side sends and accepts.
        keyring: required unless ``mode`` is ``AuthMode.NONE``.
        versions: framing versions accepted on input.
        send_version: version written on output (default: the highest accepted).
        max_payload: largest payload accepted or sent, in bytes.
    """

    def __init__(
        self,
        mode: AuthMode,
        keyring: Keyring | None = None,
        *,
        versions: Collection[int] = FRAME_VERSIONS,
        send_version: int | None = None,
        max_payload: int = DEFAULT_MAX_PAYLOAD,
    ) -> None:
        if mode is not AuthMode.NONE and keyring is None:
            raise ValueError(f"auth mode {mode.name} needs a keyring")
        if not 0 < max_payload <= MAX_PAYLOAD_LIMIT:
            raise ValueError(f"max_payload must be 1..{MAX_PAYLOAD_LIMIT}, not {max_payload}")
        if not versions:
            raise ValueError("a codec needs at least one version")
        self.mode = mode
        self.keyring = keyring
        self.versions = frozenset(versions)
        self.send_version = max(self.versions) if send_version is None else send_version
        if self.send_version not in self.versions:
            raise ValueError(f"send_version {self.send_version} not in {sorted(self.versions)}")
        self.max_payload = max_payload
        self._keys = {k.key_id: k for k in keyring} if keyring is not None else {}

    @property
    def max_frame(self) -> int:
        """The largest frame this codec sends or accepts, header included."""
        return HEADER_SIZE + self.max_payload + self.mode.tag_size

    # -- encoding -----------------------------------------------------------

    def encode(self, sender: NodeId, seq: int, payload: bytes) -> bytes:
        """One frame carrying ``payload`` (``ValueError`` on misuse: size, ids)."""
        if len(payload) > self.max_payload:
            raise ValueError(f"payload of {len(payload)} bytes exceeds {self.max_payload}")
        if not 1 <= sender <= NODE_ID_MAX:
            raise ValueError(f"sender {sender} out of range 1..{NODE_ID_MAX}")
        if not 0 <= seq <= U64_MAX:
            raise ValueError(f"sequence number {seq} out of range 0..{U64_MAX}")
        mode = self.mode
        key_id = self.keyring.current if self.keyring is not None else 0
        header = HEADER.pack(
            MAGIC, self.send_version, int(mode), key_id, sender, seq,
            len(payload) + mode.tag_size,
        )  # fmt: skip
        if mode is AuthMode.NONE:
            return header + payload
        keys = self._keys[key_id]
        if mode is AuthMode.HMAC_SHA256:
            mac = keys.hmac_base.copy()
            mac.update(header)
            mac.update(payload)
            return b"".join((header, payload, mac.digest()))
        return header + keys.aead.encrypt(_nonce(sender, seq), payload, header)

    def encode_message(self, sender: NodeId, seq: int, message: object) -> bytes:
        """``encode`` of the msgpack encoding of ``message``."""
        return self.encode(sender, seq, pack_payload(message))

    # -- decoding -----------------------------------------------------------

    def parse_header(self, header: bytes) -> Header:
        """Check the header at the start of ``header`` against this codec's settings.

        Raises:
            ProtocolError: bad magic, version, flags, mode, key id, sender or length.
        """
        if len(header) < HEADER_SIZE:
            raise ProtocolError(f"truncated frame header: {len(header)} of {HEADER_SIZE} bytes")
        magic, version, flags, key_id, sender, seq, length = HEADER.unpack_from(header)
        if magic != MAGIC:
            raise ProtocolError(f"bad magic {magic!r}, expected {MAGIC!r}")
        if version not in self.versions:
            raise ProtocolError(
                f"frame version {version} not supported, expected one of {sorted(self.versions)}"
            )
        if flags & ~_MODE_MASK:
            raise ProtocolError(f"reserved frame flags set: {flags:#04x}")
        if flags != self.mode:
            name = _MODE_NAMES.get(flags, f"{flags} (unknown)")
            raise ProtocolError(f"frame auth mode {name}, expected {self.mode.name}")
        if self.mode is not AuthMode.NONE and key_id not in self._keys:
            raise ProtocolError(f"unknown key id {key_id}, have {sorted(self._keys)}")
        if sender == 0:
            raise ProtocolError("frame sender id 0 is invalid")
        tag = self.mode.tag_size
        if not tag <= length <= self.max_payload + tag:
            raise ProtocolError(
                f"frame body length {length} outside {tag}..{self.max_payload + tag}"
            )
        return Header(version, key_id, NodeId(sender), seq, length)

    def decode(self, data: bytes) -> Frame:
        """Decode exactly one frame (a whole datagram).

        Raises:
            ProtocolError: anything wrong, including trailing bytes and a bad tag.
        """
        header = self.parse_header(data)
        if len(data) != HEADER_SIZE + header.length:
            raise ProtocolError(
                f"frame is {len(data)} bytes, header says {HEADER_SIZE + header.length}"
            )
        return self.open(data, header)

    def open(self, data: bytes, header: Header) -> Frame:
        """Authenticate (and decrypt) the whole frame ``data`` whose ``header``
        ``parse_header`` returned.

        Raises:
            ProtocolError: the tag does not verify.
        """
        mode = self.mode
        _version, key_id, sender, seq, _length = header
        if mode is AuthMode.NONE:
            payload = data[HEADER_SIZE:]
        else:
            keys: FrameKeys = self._keys[key_id]
            if mode is AuthMode.HMAC_SHA256:
                view = memoryview(data)
                mac = keys.hmac_base.copy()
                mac.update(view[:-32])
                if not hmac.compare_digest(view[-32:], mac.digest()):
                    raise ProtocolError(f"bad HMAC on frame {sender}/{seq}")
                payload = data[HEADER_SIZE:-32]
            else:
                try:
                    payload = keys.aead.decrypt(
                        _nonce(sender, seq), data[HEADER_SIZE:], data[:HEADER_SIZE]
                    )
                except InvalidTag:
                    raise ProtocolError(f"bad AES-GCM tag on frame {sender}/{seq}") from None
        return Frame(header.version, mode, key_id, sender, seq, payload)


def _nonce(sender: int, seq: int) -> bytes:
    return sender.to_bytes(4, "big") + seq.to_bytes(8, "big")


class FrameDecoder:
    """Incremental decoder for a byte stream of frames (h11's ``receive_data``).

    Feed bytes as they arrive with ``receive_data``; take frames with
    ``next_frame`` until it returns ``None`` (needs more data). Frames come out
    the same however the stream is split. The header is checked as soon as it
    is complete, so an oversize length is refused before its body is buffered.
    After a ``ProtocolError`` the decoder stays broken (every call raises it
    again): the stream cannot be resynchronised and must be dropped.
    """

    def __init__(self, codec: FrameCodec) -> None:
        self.codec = codec
        self._buffer = bytearray()
        self._error: ProtocolError | None = None
        self._eof = False

    def receive_data(self, data: bytes) -> None:
        """Append ``data`` (any length, including none)."""
        self._raise_if_broken()
        if self._eof:
            raise ValueError("receive_data after receive_eof")
        self._buffer += data

    def receive_eof(self) -> None:
        """The peer closed the stream: a frame left incomplete is now an error."""
        self._eof = True

    def next_frame(self) -> Frame | None:
        """The next complete frame, or ``None`` when more bytes are needed."""
        self._raise_if_broken()
        try:
            buffered = len(self._buffer)
            if buffered < HEADER_SIZE:
                if self._eof and buffered:
                    raise ProtocolError(f"stream ended inside a frame header ({buffered} bytes)")
                return None
            header = self.codec.parse_header(bytes(self._buffer[:HEADER_SIZE]))
            end = HEADER_SIZE + header.length
            if buffered < end:
                if self._eof:
                    raise ProtocolError(f"stream ended inside a frame ({buffered} of {end} bytes)")
                return None
            data = bytes(self._buffer[:end])
            del self._buffer[:end]
            return self.codec.open(data, header)
        except ProtocolError as err:
            self._error = err
            raise

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        return len(self._buffer)

    def _raise_if_broken(self) -> None:
        if self._error is not None:
            raise self._error


# -- payloads -----------------------------------------------------------------

MAX_PAYLOAD_ITEMS = 65536


def pack_payload(message: object) -> bytes:
    """The msgpack encoding of ``message`` (bytes stay bytes, str stays str)."""
    return msgpack.packb(message, use_bin_type=True)  # type: ignore[no-any-return]


def unpack_payload(data: bytes) -> object:
    """Decode a msgpack payload received from a peer.

    Strict: exactly one object, UTF-8 strings, str/bytes map keys, no
    extension types, at most ``MAX_PAYLOAD_ITEMS`` elements per container.

    Raises:
        ProtocolError: anything msgpack refuses, whatever exception it used.
    """
    try:
        return msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=True,
            ext_hook=_refuse_ext,
            timestamp=0,
            max_array_len=MAX_PAYLOAD_ITEMS,
            max_map_len=MAX_PAYLOAD_ITEMS,
            max_ext_len=0,
        )
    except ProtocolError:
        raise
    except Exception as err:  # msgpack raises many types; peers' garbage is one kind
        raise ProtocolError(f"bad msgpack payload: {type(err).__name__}: {err}") from None


def _refuse_ext(code: int, data: bytes) -> object:
    raise ProtocolError(f"msgpack extension type {code} not allowed")
