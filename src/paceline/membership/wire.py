"""The membership protocol's messages and their strict decoder.

Every message is a msgpack array ``[kind, to, ...fields]`` inside one
authenticated frame (``core/frame.py``); ``to`` is the node the message is
meant for, 0 for every receiver (heartbeats, data, acks). Ring ids travel as
``[seq, rep]``.

``decode`` checks every field's type and bound and raises only
``ProtocolError``: a peer's garbage is counted and dropped by the core, it
never reaches the state machines.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from paceline.core.errors import ProtocolError
from paceline.core.frame import pack_payload, unpack_payload
from paceline.core.ids import NODE_ID_MAX, U64_MAX
from paceline.membership.events import RingId

MAX_IDS = 256
"""Node ids in one list (reachable sets, members); above the core's ``max_nodes``."""


class Kind(enum.IntEnum):
    HEARTBEAT = 1
    PROPOSE = 2
    ACCEPT = 3
    INSTALL = 4
    ACK = 5
    DATA = 6


@dataclass(frozen=True, slots=True)
class Row:
    """What ``node`` (in its life ``inc``) hears: version ``version`` of its reachable set."""

    node: int
    inc: int
    version: int
    hears: frozenset[int]


@dataclass(frozen=True, slots=True)
class Heartbeat:
    inc: int
    ring: RingId | None
    promised: RingId | None
    highest: int
    rows: tuple[Row, ...]
    acks: tuple[tuple[int, int], ...] = ()
    """The sender's ack vector for ``ring`` (its received vector there)."""


@dataclass(frozen=True, slots=True)
class Propose:
    ring: RingId
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Accept:
    ring: RingId
    ok: bool
    inc: int
    highest: int
    old_ring: RingId | None
    old_dc: int
    received: tuple[tuple[int, int], ...]
    """Per sender of the old view: the highest fragment received without a gap."""


@dataclass(frozen=True, slots=True)
class Cut:
    """Deliver the old view ``ring``'s fragments up to ``upto[sender]`` before installing."""

    ring: RingId
    upto: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Install:
    ring: RingId
    members: tuple[int, ...]
    dc: int
    cuts: tuple[Cut, ...]


@dataclass(frozen=True, slots=True)
class Ack:
    ring: RingId
    received: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Data:
    ring: RingId
    fragment: int
    """The sender's fragment number in this view, from 1."""
    message: int
    """The sender's message number in this view, from 1."""
    last: bool
    """The message's last fragment."""
    chunk: bytes


Message = Heartbeat | Propose | Accept | Install | Ack | Data


# -- encoding -------------------------------------------------------------------


def _ring(ring: RingId | None) -> list[int] | None:
    return None if ring is None else [ring.seq, ring.rep]


def _pairs(pairs: Sequence[tuple[int, int]]) -> list[list[int]]:
    return [[a, b] for a, b in pairs]


def encode(message: Message, to: int = 0) -> bytes:
    """The payload bytes of ``message`` for node ``to`` (0: everyone)."""
    body: list[object]
    if isinstance(message, Heartbeat):
        rows = [[r.node, r.inc, r.version, sorted(r.hears)] for r in message.rows]
        body = [
            Kind.HEARTBEAT, to, message.inc, _ring(message.ring), _ring(message.promised),
            message.highest, rows, _pairs(message.acks),
        ]  # fmt: skip
    elif isinstance(message, Propose):
        body = [Kind.PROPOSE, to, _ring(message.ring), list(message.members)]
    elif isinstance(message, Accept):
        body = [
            Kind.ACCEPT, to, _ring(message.ring), message.ok, message.inc, message.highest,
            _ring(message.old_ring), message.old_dc, _pairs(message.received),
        ]  # fmt: skip
    elif isinstance(message, Install):
        cuts = [[_ring(c.ring), _pairs(c.upto)] for c in message.cuts]
        body = [Kind.INSTALL, to, _ring(message.ring), list(message.members), message.dc, cuts]
    elif isinstance(message, Ack):
        body = [Kind.ACK, to, _ring(message.ring), _pairs(message.received)]
    else:
        body = [
            Kind.DATA, to, _ring(message.ring), message.fragment, message.message,
            message.last, message.chunk,
        ]  # fmt: skip
    return pack_payload(body)


# -- decoding -------------------------------------------------------------------


def _int(value: object, what: str, low: int = 0, high: int = U64_MAX) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ProtocolError(f"{what}: expected an integer in {low}..{high}, got {value!r:.40}")
    return value


def _node(value: object, what: str) -> int:
    if type(value) is not int or not 1 <= value <= NODE_ID_MAX:
        raise ProtocolError(f"{what}: expected a node id, got {value!r:.40}")
    return value


def _list(value: object, what: str, limit: int = MAX_IDS) -> list[object]:
    if not isinstance(value, list) or len(value) > limit:
        raise ProtocolError(f"{what}: expected a list of at most {limit}, got {value!r:.40}")
    return value


def _ring_of(value: object, what: str) -> RingId:
    pair = _list(value, what, 2)
    if len(pair) != 2:
        raise ProtocolError(f"{what}: a ring id is [seq, rep]")
    return RingId(_int(pair[0], what), _node(pair[1], what))


def _opt_ring(value: object, what: str) -> RingId | None:
    return None if value is None else _ring_of(value, what)


def _ids(value: object, what: str) -> tuple[int, ...]:
    items = _list(value, what)
    previous = 0
    for v in items:
        if type(v) is not int or not previous < v <= NODE_ID_MAX:
            raise ProtocolError(f"{what}: node ids must be sorted, unique and in range")
        previous = v
    return tuple(items)  # type: ignore[arg-type]


def _pairs_of(value: object, what: str) -> tuple[tuple[int, int], ...]:
    out = []
    for item in _list(value, what):
        pair = _list(item, what, 2)
        if len(pair) != 2:
            raise ProtocolError(f"{what}: expected [node, number] pairs")
        out.append((_node(pair[0], what), _int(pair[1], what)))
    if len({node for node, _ in out}) != len(out):
        raise ProtocolError(f"{what}: a node appears twice")
    return tuple(out)


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{what}: expected a boolean, got {value!r:.40}")
    return value


_ARITY = {
    Kind.HEARTBEAT: 8,
    Kind.PROPOSE: 4,
    Kind.ACCEPT: 9,
    Kind.INSTALL: 6,
    Kind.ACK: 4,
    Kind.DATA: 7,
}


def decode(payload: bytes, max_chunk: int) -> tuple[int, Message]:
    """``(to, message)`` of a frame's payload.

    Raises:
        ProtocolError: not msgpack, not a known message, a field of the wrong
            type or out of range, a chunk larger than ``max_chunk``.
    """
    body = unpack_payload(payload)
    if not isinstance(body, list) or not body:
        raise ProtocolError("a membership message is a non-empty array")
    kind_value = _int(body[0], "kind", 1, len(_ARITY))
    kind = Kind(kind_value)
    if len(body) != _ARITY[kind]:
        raise ProtocolError(f"{kind.name} has {len(body)} fields, expected {_ARITY[kind]}")
    to = _int(body[1], "to", 0, NODE_ID_MAX)
    f = body[2:]
    message: Message
    if kind is Kind.HEARTBEAT:
        rows = []
        for item in _list(f[4], "rows"):
            r = _list(item, "row", 4)
            if len(r) != 4:
                raise ProtocolError("row: expected [node, inc, version, hears]")
            rows.append(
                Row(
                    _node(r[0], "row node"),
                    _int(r[1], "row inc"),
                    _int(r[2], "row version"),
                    frozenset(_ids(r[3], "row hears")),
                )
            )
        message = Heartbeat(
            _int(f[0], "inc"),
            _opt_ring(f[1], "ring"),
            _opt_ring(f[2], "promised"),
            _int(f[3], "highest"),
            tuple(rows),
            _pairs_of(f[5], "acks"),
        )
    elif kind is Kind.PROPOSE:
        message = Propose(_ring_of(f[0], "ring"), _ids(f[1], "members"))
    elif kind is Kind.ACCEPT:
        message = Accept(
            _ring_of(f[0], "ring"),
            _bool(f[1], "ok"),
            _int(f[2], "inc"),
            _int(f[3], "highest"),
            _opt_ring(f[4], "old ring"),
            _int(f[5], "old dc", 0, NODE_ID_MAX),
            _pairs_of(f[6], "received"),
        )
    elif kind is Kind.INSTALL:
        cuts = []
        for item in _list(f[3], "cuts"):
            c = _list(item, "cut", 2)
            if len(c) != 2:
                raise ProtocolError("cut: expected [ring, pairs]")
            cuts.append(Cut(_ring_of(c[0], "cut ring"), _pairs_of(c[1], "cut")))
        members = _ids(f[1], "members")
        dc = _node(f[2], "dc")
        if dc not in members:
            raise ProtocolError(f"INSTALL: DC {dc} is not a member")
        message = Install(_ring_of(f[0], "ring"), members, dc, tuple(cuts))
    elif kind is Kind.ACK:
        message = Ack(_ring_of(f[0], "ring"), _pairs_of(f[1], "received"))
    else:
        chunk = f[4]
        if not isinstance(chunk, bytes) or len(chunk) > max_chunk:
            raise ProtocolError(f"DATA chunk: expected at most {max_chunk} bytes")
        message = Data(
            _ring_of(f[0], "ring"),
            _int(f[1], "fragment", 1),
            _int(f[2], "message", 1),
            _bool(f[3], "last"),
            chunk,
        )
    return to, message
