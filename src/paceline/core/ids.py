"""Identifiers shared by every protocol: nodes, rings (views), generations.

``NodeId`` and ``Generation`` are plain ints under a ``NewType`` (free at run
time, distinct to the type checker). ``RingId`` is a value with an order: a
new view always gets a ring id strictly greater than every ring id its members
have seen, as Corosync's totem ring id ``(seq, representative)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

NodeId = NewType("NodeId", int)
"""A node's configured id (corosync ``nodeid``): 1 .. 2**32 - 1."""

Generation = NewType("Generation", int)
"""A 64-bit generation identifier (replication data generations, incarnations)."""

NODE_ID_MIN = 1
NODE_ID_MAX = 2**32 - 1
U64_MAX = 2**64 - 1


def node_id(value: int) -> NodeId:
    """``value`` as a ``NodeId``; ``ValueError`` when outside 1 .. 2**32 - 1.

    Configuration loaders turn the ``ValueError`` into a ``ConfigError`` with
    the location; the wire decoder checks the range itself.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"node id must be an integer, not {type(value).__name__}")
    if not NODE_ID_MIN <= value <= NODE_ID_MAX:
        raise ValueError(f"node id {value} out of range {NODE_ID_MIN}..{NODE_ID_MAX}")
    return NodeId(value)


def generation(value: int) -> Generation:
    """``value`` as a ``Generation``; ``ValueError`` unless 0 .. 2**64 - 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"generation must be an integer, not {type(value).__name__}")
    if not 0 <= value <= U64_MAX:
        raise ValueError(f"generation {value} out of range 0..{U64_MAX}")
    return Generation(value)


@dataclass(frozen=True, slots=True, order=True)
class RingId:
    """The id of one agreed view: ordered by ``seq``, then by ``representative``.

    ``seq`` grows with every view a node installs; two partitions that form
    views concurrently may pick the same ``seq`` and are then told apart (and
    ordered) by their representative, the node that proposed the view.
    ``successor`` gives the id a representative proposes next, which is
    strictly greater than every id it was given.
    """

    seq: int
    representative: NodeId

    def __post_init__(self) -> None:
        if not 0 <= self.seq <= U64_MAX:
            raise ValueError(f"ring seq {self.seq} out of range 0..{U64_MAX}")
        node_id(self.representative)

    @staticmethod
    def successor(seen: RingId | None, *others: RingId, representative: NodeId) -> RingId:
        """A ring id strictly greater than ``seen`` and every id in ``others``.

        The new id takes ``max(seq) + 1``, so it is greater whatever the
        representatives are: the order never depends on node ids alone.
        """
        known = [r for r in (seen, *others) if r is not None]
        seq = max((r.seq for r in known), default=-1) + 1
        return RingId(seq, representative)

    def __str__(self) -> str:
        return f"{self.seq}.{self.representative}"
