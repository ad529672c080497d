"""The controller's messages: JSON objects, one per group message.

Every message is ``{"v": 1, "k": KIND, ...}``. A CIB travels as base64 of
its zlib-compressed XML. ``decode`` checks the shape and raises
``ProtocolError`` (the driver counts and drops the message; we keep running).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import Cib
from paceline.core.errors import ConfigError, ProtocolError

VERSION = 1
MAX_MESSAGE = 1024 * 1024
"""The largest message we send (bytes of JSON); a CIB beyond it is refused."""
MAX_CIB_XML = 8 * 1024 * 1024

KINDS = frozenset(
    {
        "join",
        "join-req",
        "pull",
        "push",
        "cib",
        "exec",
        "result",
        "cancel",
        "cancelled",
        "change",
        "reply",
        "forget",
    }
)


def encode(kind: str, **fields: Any) -> bytes:
    assert kind in KINDS, kind
    data = json.dumps({"v": VERSION, "k": kind, **fields}, sort_keys=True, separators=(",", ":"))
    raw = data.encode()
    if len(raw) > MAX_MESSAGE:
        raise ConfigError(
            f"a {kind} message of {len(raw)} bytes is larger than {MAX_MESSAGE}",
            expected="a smaller CIB",
        )
    return raw


def decode(payload: bytes, *, peer: str | None = None) -> dict[str, Any]:
    try:
        msg = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not a JSON message: {exc}", peer=peer) from None
    if not isinstance(msg, dict):
        raise ProtocolError("a message must be a JSON object", peer=peer)
    if msg.get("v") != VERSION:
        raise ProtocolError(f"unsupported controller protocol version {msg.get('v')!r}", peer=peer)
    if msg.get("k") not in KINDS:
        raise ProtocolError(f"unknown message kind {msg.get('k')!r}", peer=peer)
    return msg


def field(
    msg: dict[str, Any], name: str, kind: type | tuple[type, ...], *, peer: str | None = None
) -> Any:
    value = msg.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(
            f"{msg.get('k')} message: field {name!r} is missing or of the wrong type", peer=peer
        )
    return value


def pack_cib(cib: Cib) -> str:
    return base64.b64encode(zlib.compress(encode_cib(cib), 6)).decode("ascii")


def unpack_cib(text: object, *, peer: str | None = None) -> Cib:
    if not isinstance(text, str):
        raise ProtocolError("a CIB must be base64 text", peer=peer)
    try:
        raw = zlib.decompressobj().decompress(base64.b64decode(text, validate=True), MAX_CIB_XML)
    except (binascii.Error, zlib.error) as exc:
        raise ProtocolError(f"a damaged CIB: {exc}", peer=peer) from None
    try:
        return decode_cib(raw, file=f"<cib from {peer}>")
    except ConfigError as exc:
        raise ProtocolError(f"an unreadable CIB: {exc}", peer=peer) from None
