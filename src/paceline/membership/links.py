"""``corosync-cfgtool -s`` text for per-link state (specs/corosync.md 6.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LinkStatus:
    link: int
    address: str
    peers: Mapping[int, bool]
    """Peer node id -> connected on this link (the local node excluded)."""


def render_links(local: int, links: list[LinkStatus], transport: str = "knet") -> str:
    out = [f"Local node ID {local}, transport {transport}"]
    for ls in sorted(links, key=lambda x: x.link):
        out.append(f"LINK ID {ls.link} udp")
        out.append(f"\taddr\t= {ls.address}")
        out.append("\tstatus:")
        for node in sorted({local, *ls.peers}):
            if node == local:
                word = "localhost"
            else:
                word = "connected" if ls.peers[node] else "disconnected"
            out.append(f"\t\tnodeid: {node:>10}:\t{word}")
    return "\n".join(out) + "\n"


def links_exit_code(links: list[LinkStatus]) -> int:
    """1 if any link is faulty (a peer not connected on it), else 0."""
    return 1 if any(not ok for ls in links for ok in ls.peers.values()) else 0
