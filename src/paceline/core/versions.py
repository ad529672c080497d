"""Version negotiation: peers agree on the highest version both speak.

Every wire protocol of ours carries a version (DESIGN.md, compatibility
contracts) so a cluster upgrades node by node. At connect each side sends an
offer (the protocol's name and the versions it speaks); both then run
``negotiate`` on the two sets and get the same answer without another round.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from paceline.core.errors import ProtocolError

MAX_OFFERED_VERSIONS = 32
VERSION_MAX = 0xFF


def negotiate(ours: Collection[int], theirs: Collection[int], *, peer: str | None = None) -> int:
    """The highest version in both sets.

    Raises:
        ProtocolError: no common version (the peer is too old or too new).
    """
    common = set(ours) & set(theirs)
    if not common:
        raise ProtocolError(
            f"no common protocol version: we speak {sorted(ours)}, peer speaks {sorted(theirs)}",
            peer=peer,
        )
    return max(common)


def encode_offer(protocol: str, versions: Collection[int]) -> dict[str, object]:
    """The msgpack-ready offer ``{"protocol": name, "versions": [...]}``."""
    if not versions or len(versions) > MAX_OFFERED_VERSIONS:
        raise ValueError(f"offer 1..{MAX_OFFERED_VERSIONS} versions, not {len(versions)}")
    if any(not 0 <= v <= VERSION_MAX for v in versions):
        raise ValueError(f"versions must be 0..{VERSION_MAX}: {sorted(versions)}")
    return {"protocol": protocol, "versions": sorted(set(versions))}


def decode_offer(offer: object, protocol: str, *, peer: str | None = None) -> frozenset[int]:
    """The versions a peer offered for ``protocol``.

    Raises:
        ProtocolError: the offer is malformed or for another protocol.
    """
    if not isinstance(offer, Mapping):
        raise ProtocolError(f"version offer is a {type(offer).__name__}, not a map", peer=peer)
    name = offer.get("protocol")
    if name != protocol:
        raise ProtocolError(
            f"version offer for protocol {name!r}, expected {protocol!r}", peer=peer
        )
    versions = offer.get("versions")
    if (
        not isinstance(versions, list)
        or not 1 <= len(versions) <= MAX_OFFERED_VERSIONS
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= VERSION_MAX
            for v in versions
        )
    ):
        raise ProtocolError(
            f"version offer has bad versions {versions!r}, expected 1..{MAX_OFFERED_VERSIONS} "
            f"integers in 0..{VERSION_MAX}",
            peer=peer,
        )
    return frozenset(versions)
