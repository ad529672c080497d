"""What the membership core needs from a ``ClusterConfig``, in seconds and bytes.

``MembershipSettings.from_config`` derives it (Totem timeouts are ms in the
file, seconds here); ``links_from_config`` builds the ``LinkSpec``s a driver
binds, one socket per link, from the nodelist (unicast) or the interfaces'
``mcastaddr`` (multicast).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from paceline.core.frame import AuthMode
from paceline.core.ports import Address
from paceline.membership.config import DEFAULT_MCASTPORT, Auth, ClusterConfig, Quorum
from paceline.membership.events import LinkSpec
from paceline.membership.quorum import quorum_options

MAX_NODES = 64
"""Nodes one core tracks (configured or discovered on a multicast group)."""
MAX_MESSAGE = 4 * 1024 * 1024
"""Largest ``broadcast`` payload."""
FRAGMENT = 1100
"""Payload bytes per data packet: a fragment and its headers fit a 1500-byte MTU."""
WINDOW = 128
"""Fragments a sender has in flight (sent, not yet stable) at most."""
MAX_QUEUE = 16 * 1024 * 1024
"""Bytes a sender queues behind its window before ``broadcast`` refuses more."""


def link_name(number: int) -> str:
    """The network label of link ``number`` (``ring0``, ``ring1``, ...)."""
    return f"ring{number}"


_AUTH_MODES = {
    Auth.NONE: AuthMode.NONE,
    Auth.HMAC_SHA256: AuthMode.HMAC_SHA256,
    Auth.AES_256_GCM: AuthMode.AES_256_GCM,
}


@dataclass(frozen=True, slots=True)
class MembershipSettings:
    """Timing (seconds), limits (bytes, counts), quorum options and votes."""

    token: float = 1.0
    """A peer no link heard for this long is lost."""
    heartbeat: float = 0.25
    """Seconds between heartbeats on each link (several per token)."""
    consensus: float = 1.2
    """How long a proposer waits for members' answers before it leaves them out."""
    join: float = 0.05
    """How long a node waits for reachability to settle before it proposes."""
    auth: AuthMode = AuthMode.HMAC_SHA256
    quorum: Quorum = field(default_factory=quorum_options)
    votes: Mapping[int, int] = field(default_factory=dict)
    """Configured node ids and their votes (empty: discovered on a multicast group)."""
    expected_votes: int | None = None
    max_nodes: int = MAX_NODES
    max_message: int = MAX_MESSAGE
    fragment: int = FRAGMENT
    window: int = WINDOW
    max_queue: int = MAX_QUEUE

    def __post_init__(self) -> None:
        if not 0 < self.heartbeat < self.token:
            raise ValueError(f"need 0 < heartbeat ({self.heartbeat}) < token ({self.token})")
        if not 0 < self.join < self.consensus:
            raise ValueError(f"need 0 < join ({self.join}) < consensus ({self.consensus})")
        if not 64 <= self.fragment <= 60000:
            raise ValueError(f"fragment {self.fragment} outside 64..60000 bytes")
        if self.window < 1 or self.max_nodes < 1 or self.max_message < 1:
            raise ValueError("window, max_nodes and max_message must be positive")

    @classmethod
    def from_config(cls, config: ClusterConfig) -> MembershipSettings:
        """The settings of a loaded corosync.conf (its timing was checked at load)."""
        totem = config.totem
        return cls(
            token=totem.effective_token / 1000,
            heartbeat=totem.heartbeat_interval / 1000,
            consensus=totem.consensus / 1000,
            join=totem.join / 1000,
            auth=_AUTH_MODES[totem.auth],
            quorum=config.quorum,
            votes={n.nodeid: n.votes for n in config.nodes},
            expected_votes=config.expected_votes(),
        )


def links_from_config(
    config: ClusterConfig, me: int, local_hosts: Mapping[int, str] | None = None
) -> list[LinkSpec]:
    """The links node ``me`` binds: one per configured link.

    Nodelist (unicast): the local address is ``me``'s ``ringN_addr`` and the
    peers are the other nodes' ``ringN_addr``. Multicast: ``local_hosts``
    gives this machine's address on each link (found with
    ``config.local_address`` from ``bindnetaddr``) and the group is the
    interface's ``mcastaddr``:``mcastport``.

    Raises:
        ValueError: ``me`` has no address on a link, or a multicast link has
            no local host.
    """
    hosts = dict(local_hosts or {})
    ports = {i.link: i.mcastport for i in config.interfaces}
    priorities = {i.link: i.priority for i in config.interfaces}
    out: list[LinkSpec] = []
    if config.nodes:
        own = config.node(me)
        if own is None:
            raise ValueError(f"node {me} is not in the nodelist")
        for number in config.links:
            name = link_name(number)
            port = ports.get(number, DEFAULT_MCASTPORT)
            host = hosts.get(number, own.addrs.get(number))
            if host is None:
                raise ValueError(f"node {me} has no ring{number}_addr")
            peers = {
                n.nodeid: Address(n.addrs[number], port, name)
                for n in config.nodes
                if n.nodeid != me and number in n.addrs
            }
            out.append(
                LinkSpec(number, Address(host, port, name), peers, None, priorities.get(number, 1))
            )
        return out
    for iface in config.interfaces:
        name = link_name(iface.link)
        host = hosts.get(iface.link)
        if host is None:
            raise ValueError(f"no local address for link {iface.link} (bindnetaddr)")
        group = None
        if iface.mcastaddr is not None:
            group = Address(iface.mcastaddr, iface.mcastport, name)
        out.append(
            LinkSpec(iface.link, Address(host, iface.mcastport, name), {}, group, iface.priority)
        )
    return out
