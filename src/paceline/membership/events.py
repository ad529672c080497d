"""The public contract of the membership layer: ids, views and the events the core emits.

Everything another layer (the controller, the asyncio driver, the CLI, the
simulator's checkers) needs from membership is here, as frozen values. The
core itself is ``paceline.membership.core.MembershipCore`` (a
``paceline.core.ports.DatagramCore``); its surface is written down as the
``MembershipApi`` protocol below so that code can be typed against it.

Events a core emits (``core.next_event()``), in the order they happen:

- ``LinkChanged(node, link, up)``: one link to one peer went up or down.
  Links fail over without a view change while another link still reaches
  the peer.
- ``Delivered(ring, sender, seq, payload)``: a message ``broadcast`` by
  ``sender`` in view ``ring``; ``seq`` counts that sender's messages in that
  view from 1. Per-sender FIFO; delivered only while ``ring`` is the
  node's installed view (messages of a view are flushed before the next
  ``ViewInstalled``).
- ``ViewInstalled(view)``: a new agreed view; every member of ``view.ring``
  installs the same member list.
- ``QuorumChanged(state)``: votequorum's state changed (after the view that
  changed it, or when last_man_standing's window lowers expected votes).

Compatibility: fields may be added (with defaults); none is removed or
renamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from paceline.core.ports import Address
from paceline.membership.links import LinkStatus
from paceline.membership.quorum import QuorumState

__all__ = [
    "Delivered",
    "LinkChanged",
    "MembershipApi",
    "QuorumChanged",
    "QuorumState",
    "RingId",
    "View",
    "ViewInstalled",
]


@dataclass(frozen=True, slots=True, order=True)
class RingId:
    """The id of one agreed view, ordered by ``seq`` then by ``rep``.

    ``rep`` is the node that proposed the view (Corosync's representative).
    Every node's installed ring ids strictly increase, across restarts too
    (a proposer takes ``seq`` above every seq its members report).
    """

    seq: int
    rep: int

    def __str__(self) -> str:
        return f"{self.seq}.{self.rep}"

    def as_tuple(self) -> tuple[int, int]:
        """``(seq, rep)``, as ``quorum.render_status`` takes it."""
        return (self.seq, self.rep)


@dataclass(frozen=True, slots=True)
class View:
    """An installed view: its ring id, its members (sorted node ids), its DC,
    and whether this node's partition is quorate at install time.

    ``dc`` is the previous view's DC if it is still a member, else the lowest
    member id (DESIGN.md); every member of one ring agrees on it.
    """

    ring: RingId
    members: tuple[int, ...]
    dc: int
    quorate: bool

    def __post_init__(self) -> None:
        if list(self.members) != sorted(set(self.members)):
            raise ValueError(f"view members must be sorted and unique: {self.members}")
        if self.dc not in self.members:
            raise ValueError(f"DC {self.dc} is not a member of {self.members}")

    def __str__(self) -> str:
        quorate = "quorate" if self.quorate else "inquorate"
        return f"ring {self.ring} members {list(self.members)} dc {self.dc} {quorate}"


@dataclass(frozen=True, slots=True)
class ViewInstalled:
    """This node installed ``view``; ``joined``/``left`` compare it with the
    node's previous view (all members joined for a node's first view)."""

    view: View
    joined: tuple[int, ...] = ()
    left: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"view {self.view} +{list(self.joined)} -{list(self.left)}"


@dataclass(frozen=True, slots=True)
class Delivered:
    """Message number ``seq`` (from 1 in each view) of ``sender`` in view ``ring``."""

    ring: RingId
    sender: int
    seq: int
    payload: bytes = field(repr=False)

    def __str__(self) -> str:
        return f"delivered {self.sender}#{self.seq} in {self.ring} ({len(self.payload)}B)"


@dataclass(frozen=True, slots=True)
class QuorumChanged:
    """Votequorum's state is now ``state``."""

    state: QuorumState

    def __str__(self) -> str:
        s = self.state
        verdict = "quorate" if s.quorate else "inquorate"
        return (
            f"quorum {verdict} votes {s.total_votes}/{s.expected_votes} "
            f"quorum {s.quorum} members {list(s.members)}"
        )


@dataclass(frozen=True, slots=True)
class LinkChanged:
    """Link number ``link`` to peer ``node`` is now ``up`` (or down)."""

    node: int
    link: int
    up: bool

    def __str__(self) -> str:
        return f"link {self.link} to {self.node} {'up' if self.up else 'down'}"


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """One configured link as the driver binds it (one UDP socket per link).

    ``local`` is the address the driver binds (``network`` names the link,
    e.g. ``"ring0"``; the core tells links apart by it). Unicast: ``peers``
    maps every other configured node id to its address on this link.
    Multicast (corosync 1.x/2.x ``mcastaddr``): ``group`` is the group
    address, heartbeats and messages go to it, and peers are learned from
    what is heard (``peers`` may then be empty). ``priority``: higher is
    preferred for messages while several links are up (knet's
    ``knet_link_priority``).
    """

    number: int
    local: Address
    peers: Mapping[int, Address] = field(default_factory=dict)
    group: Address | None = None
    priority: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.number < 8:
            raise ValueError(f"link number {self.number} out of range 0..7")
        for node, address in self.peers.items():
            if address.network != self.local.network:
                raise ValueError(
                    f"link {self.number}: peer {node} address {address} is not on "
                    f"network {self.local.network!r}"
                )


@runtime_checkable
class MembershipApi(Protocol):
    """What ``MembershipCore`` offers besides the ``DatagramCore`` methods.

    Constructor (keyword names are part of the contract)::

        MembershipCore(settings: MembershipSettings, me: int,
                       links: Sequence[LinkSpec], authkey: bytes | None,
                       rng: Rng, now: float, *, incarnation: int = 0,
                       min_ring_seq: int = 0)

    ``settings`` comes from ``MembershipSettings.from_config(config)``;
    ``authkey`` is the authkey file's bytes (``None`` only when the
    settings say authentication is off); ``incarnation`` must grow at every
    restart of the node (a persisted boot count: frame numbers and AES-GCM
    nonces stay unique); ``min_ring_seq`` is the highest ring seq the node
    persisted before (``core.highest_ring_seq``), so ring ids never repeat
    even when the whole cluster restarts.
    """

    @property
    def view(self) -> View | None:
        """The installed view, ``None`` before the first."""
        ...

    @property
    def highest_ring_seq(self) -> int:
        """The highest ring seq this node has seen or promised (persist it)."""
        ...

    @property
    def counters(self) -> Mapping[str, int]:
        """Drop and traffic counters: ``bad_auth``, ``replay``, ``malformed``,
        ``oversize``, ``unknown_sender``, ... (monotonic within one life)."""
        ...

    def broadcast(self, payload: bytes) -> None:
        """Send ``payload`` to every member of the view (``StateError`` when there is
        no view or the send queue is full; ``ValueError`` when too large)."""
        ...

    def link_status(self) -> list[LinkStatus]:
        """Per-link peer state, for ``render_links`` (``corosync-cfgtool -s``)."""
        ...

    def quorum_state(self) -> QuorumState | None:
        """Votequorum's state, ``None`` before the first view."""
        ...

    def reachable(self) -> frozenset[int]:
        """The peers some link heard within ``token``."""
        ...
