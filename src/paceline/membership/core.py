"""The membership core: heartbeats, failure detection, view agreement, quorum, messaging.

A pure ``DatagramCore`` (DESIGN.md "Protocol outlines/Membership"). The
driver owns one datagram socket per link; datagrams carry the link in
``Address.network`` both ways.

**Failure detection.** Every ``heartbeat`` each link sends a heartbeat to
every peer (or once to the multicast group). A link to a peer is up while it
was heard within ``token``; a peer is *reachable* while some link to it is
up. Links fail over without a view change.

**Agreement.** Heartbeats carry the sender's reachable set (its *row*) and
relay the rows of nodes it hears that some other node it hears does not
(``relayed_rows``), so every node learns who hears whom, and a heartbeat is
O(n) bytes while every node hears every other. From the rows each node
computes the same greedy partition of the nodes into cliques of mutually
reachable nodes (lowest id first, then ascending ids); the lowest id of this
node's clique is its *proposer*. The proposer, once the rows have been still
for ``join / 2`` (at once when the change is only members it no longer hears
itself: ``_lost_only``), proposes the clique with ring id ``(s + 1,
proposer)`` where ``s`` is above every seq any member reported. A member
accepts a proposal whose seq is above everything it promised and whose
members it all hears, and answers with its old view and what it received
there; the proposer installs as soon as every member still reachable has
answered (a proposal that lost members installs only if what is left is
still the clique); ``consensus`` bounds the wait, then the silent ones are
left out for a while. The INSTALL names the DC (the DC of the newest old
view if still a member, else the lowest id) and the flush cuts
(``messaging``). A node's ring seqs strictly increase, across restarts too:
the driver persists ``highest_ring_seq`` and passes it back as
``min_ring_seq``.

**State machine**: ``agreement.TRANSITIONS`` (OPERATIONAL, GATHER, COMMIT).

Every packet is authenticated by ``core/frame.py`` and replay-filtered; bad
ones are counted in ``counters`` and dropped, nothing a peer sends raises.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from paceline.core.errors import ProtocolError, StateError
from paceline.core.frame import AuthMode, FrameCodec
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import Address, Rng
from paceline.core.replay import ReplayFilter, SequenceCounter, Verdict
from paceline.membership import wire
from paceline.membership.agreement import Input, Phase, decide_install, greedy_clique, next_phase
from paceline.membership.config import ClusterConfig
from paceline.membership.events import (
    Delivered,
    LinkChanged,
    LinkSpec,
    QuorumChanged,
    RingId,
    View,
    ViewInstalled,
)
from paceline.membership.links import LinkStatus
from paceline.membership.messaging import Fragment, ViewStreams
from paceline.membership.quorum import QuorumState, Votequorum
from paceline.membership.settings import MembershipSettings, links_from_config

MAX_EVENTS = 100_000
"""Events the core holds before the driver takes them (a limit on everything)."""
ACK_DELAY = 0.005
"""Acks wait at most this long (and ``heartbeat / 8``) to cover a burst of fragments."""

COUNTERS = (
    "bad_auth", "replay", "malformed", "oversize", "unknown_sender", "unknown_link",
    "not_for_us", "from_self", "stale", "refused", "nack", "undelivered", "sent", "received",
)  # fmt: skip


@dataclass(slots=True)
class _Peer:
    """What this node knows of one peer (reset when the peer restarts)."""

    inc: int = -1
    ring: RingId | None = None
    promised: RingId | None = None
    highest: int = 0
    heard: dict[int, float] = field(default_factory=dict)
    """Link number -> when it last carried a valid frame from the peer."""
    up: dict[int, bool] = field(default_factory=dict)
    address: dict[int, Address] = field(default_factory=dict)


@dataclass(slots=True)
class _Proposal:
    ring: RingId
    members: set[int]
    started: float
    resend_at: float
    answers: dict[int, wire.Accept] = field(default_factory=dict)


@dataclass(slots=True)
class _Installing:
    message: wire.Install
    pending: set[int]
    resend_at: float
    until: float


def _max_ring(a: RingId | None, b: RingId | None) -> RingId | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


class MembershipCore:
    """See the module docstring; the contract is ``events.MembershipApi``."""

    def __init__(
        self,
        settings: MembershipSettings,
        me: int,
        links: Sequence[LinkSpec],
        authkey: bytes | None,
        rng: Rng,
        now: float,
        *,
        incarnation: int = 0,
        min_ring_seq: int = 0,
    ) -> None:
        if (settings.auth is AuthMode.NONE) != (authkey is None):
            raise ValueError("an authkey is needed exactly when authentication is on")
        self.settings = settings
        self.me = me
        self.rng = rng
        self.incarnation = incarnation
        keyring = None if authkey is None else Keyring.from_authkey(authkey)
        self.codec = FrameCodec(settings.auth, keyring)
        self.replay = ReplayFilter(max_senders=settings.max_nodes)
        self.frames = SequenceCounter(incarnation)
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.peers: dict[int, _Peer] = {}
        configured = self._configure(settings, links)
        votes = dict(settings.votes) or dict.fromkeys([me, *configured], 1)
        expected = settings.expected_votes or sum(votes.values()) or 1
        self.votequorum = Votequorum(settings.quorum, expected, votes)
        self.phase = Phase.GATHER
        self.view: View | None = None
        self.promised: RingId | None = None
        self.highest = min_ring_seq
        self._floor = min_ring_seq
        self.reach: frozenset[int] = frozenset()
        self._row_version = 0
        self.rows: dict[int, wire.Row] = {}
        self._streams: ViewStreams | None = None
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._partial: tuple[bytes, list[bytes], int, int] | None = None
        self._proposal: _Proposal | None = None
        self._installing: _Installing | None = None
        self._commit_until: float | None = None
        self._target: tuple[int, ...] = ()
        self._settle_at: float | None = now + settings.join
        self._rows_dirty = False
        self._target_cache: tuple[int, ...] | None = None
        self._excluded: dict[int, float] = {}
        self._next_heartbeat = now
        self._last_heartbeat = -1.0
        self._ack_at: float | None = None
        self._outbox: list[tuple[bytes, Address]] = []
        self._events: deque[object] = deque()
        self._step(now)

    def _configure(self, settings: MembershipSettings, links: Sequence[LinkSpec]) -> set[int]:
        """Take ``settings`` and ``links``: the configured peers (added ones start
        unheard, removed ones are forgotten); the set of configured peer ids."""
        if not links:
            raise ValueError("membership needs at least one link")
        self.settings = settings
        self.rto = max(0.01, settings.heartbeat / 4)
        self.links = {link.number: link for link in sorted(links, key=lambda x: x.number)}
        self._by_network = {link.local.network: link.number for link in links}
        configured = set(settings.votes)
        for link in links:
            configured |= set(link.peers)
        configured.discard(self.me)
        self.discover = not configured
        if not self.discover:
            for gone in [p for p in self.peers if p not in configured]:
                del self.peers[gone]
                self.replay.forget(NodeId(gone))
        for p in sorted(configured):
            peer = self.peers.setdefault(p, _Peer())
            peer.address = {}
        for link in links:
            for p, address in link.peers.items():
                if p != self.me:
                    self.peers[p].address[link.number] = address
        return configured

    def reconfigure(
        self, settings: MembershipSettings, links: Sequence[LinkSpec], now: float
    ) -> None:
        """A reloaded configuration, on the running core (``paceline cluster reload``).

        Added nodes are heartbeated and join the next view once heard; removed
        nodes are forgotten at once (so they leave the view); votes and expected
        votes are votequorum's new ones. The auth mode and key cannot change
        here (``ValueError``): that needs a key roll.
        """
        if settings.auth is not self.settings.auth:
            raise ValueError("the auth mode cannot change on a running node")
        configured = self._configure(settings, links)
        for node in [n for n in self.rows if n not in configured]:
            del self.rows[node]
        for node in [n for n in self._excluded if n not in configured]:
            del self._excluded[node]
        votes = dict(settings.votes) or dict.fromkeys([self.me, *configured], 1)
        vq = self.votequorum
        vq.options = settings.quorum
        vq.known = votes
        vq.two_node = settings.quorum.two_node and len(votes) <= 2  # off past two, as at start
        vq.members = {n: votes.get(n, 1) for n in vq.members if n in votes or n == self.me}
        expected = settings.expected_votes or sum(votes.values()) or 1
        changed = vq.set_expected(expected) if self.view is not None else None
        if changed is not None:
            self._emit(QuorumChanged(changed))
        self._detect(now)
        self._rows_changed()
        self._step(now)

    # -- the DatagramCore surface ----------------------------------------------

    def receive_datagram(self, data: bytes, source: Address, now: float) -> None:
        """Authenticate, filter and handle one datagram; bad ones are counted."""
        parsed = self._open(data, source)
        if parsed is not None:
            sender, link, message = parsed
            self.counters["received"] += 1
            self._heard(sender, link, source, now)
            self._handle(sender, message, now)
        self._step(now)

    def handle_timer(self, now: float) -> None:
        self._step(now)

    def datagrams_to_send(self, now: float) -> list[tuple[bytes, Address]]:
        out, self._outbox = self._outbox, []
        self.counters["sent"] += len(out)
        return out

    def next_event(self) -> object | None:
        return self._events.popleft() if self._events else None

    def next_deadline(self) -> float | None:
        times = [self._next_heartbeat]
        for peer in self.peers.values():
            times += [peer.heard[n] + self.settings.token for n, up in peer.up.items() if up]
        for t in (
            self._settle_at,
            self._commit_until,
            self._ack_at,
            self.votequorum.next_deadline(),
        ):
            if t is not None:
                times.append(t)
        if self._proposal is not None:
            times += [self._proposal.resend_at, self._proposal.started + self.settings.consensus]
        if self._installing is not None:
            times += [self._installing.resend_at, self._installing.until]
        times += self._excluded.values()
        if self._streams is not None:
            due = self._streams.next_retransmit()
            if due is not None:
                times.append(due + self.rto)
        return min(times)

    # -- the MembershipApi surface ---------------------------------------------

    @property
    def highest_ring_seq(self) -> int:
        return max(self.highest, self.promised.seq if self.promised else 0)

    def broadcast(self, payload: bytes) -> None:
        if self.view is None:
            raise StateError("MembershipCore", self.phase.value, "broadcast before a view")
        if len(payload) > self.settings.max_message:
            raise ValueError(f"message of {len(payload)} bytes exceeds {self.settings.max_message}")
        if self._queued_bytes + len(payload) > self.settings.max_queue:
            raise StateError("MembershipCore", f"{self._queued_bytes} bytes queued", "broadcast")
        self._queue.append(bytes(payload))
        self._queued_bytes += len(payload)

    def link_status(self) -> list[LinkStatus]:
        out = []
        for number, link in self.links.items():
            peers = {p: bool(peer.up.get(number)) for p, peer in self.peers.items()}
            out.append(LinkStatus(number, link.local.host, peers))
        return out

    def quorum_state(self) -> QuorumState | None:
        return None if self.view is None else self.votequorum.state()

    def reachable(self) -> frozenset[int]:
        return self.reach

    # -- receiving ------------------------------------------------------------

    def _open(self, data: bytes, source: Address) -> tuple[int, int, wire.Message] | None:
        if len(data) > self.codec.max_frame:
            self.counters["oversize"] += 1
            return None
        try:
            frame = self.codec.decode(data)
        except ProtocolError as err:
            text = str(err)
            bad_auth = "HMAC" in text or "AES-GCM" in text or "auth mode" in text
            self.counters["bad_auth" if bad_auth else "malformed"] += 1
            return None
        sender = int(frame.sender)
        link = self._by_network.get(source.network)
        if link is None:
            self.counters["unknown_link"] += 1
            return None
        if sender == self.me:
            self.counters["from_self"] += 1
            return None
        if sender not in self.peers and (
            not self.discover or len(self.peers) + 1 >= self.settings.max_nodes
        ):
            self.counters["unknown_sender"] += 1
            return None
        if self.replay.accept(NodeId(sender), frame.seq) is not Verdict.ACCEPTED:
            self.counters["replay"] += 1
            return None
        try:
            to, message = wire.decode(frame.payload, self.settings.fragment)
        except ProtocolError:
            self.counters["malformed"] += 1
            return None
        if to not in (0, self.me):
            self.counters["not_for_us"] += 1
            return None
        return sender, link, message

    def _heard(self, sender: int, link: int, source: Address, now: float) -> None:
        peer = self.peers.get(sender)
        if peer is None:
            peer = self.peers[sender] = _Peer()
            self.votequorum.known.setdefault(sender, 1)
        if self.discover:
            peer.address[link] = source
        peer.heard[link] = now
        if not peer.up.get(link):
            peer.up[link] = True
            self._emit(LinkChanged(sender, link, True))

    def _handle(self, sender: int, message: wire.Message, now: float) -> None:
        peer = self.peers[sender]
        if isinstance(message, wire.Heartbeat):
            self._on_heartbeat(sender, peer, message)
        elif isinstance(message, wire.Propose):
            self._on_propose(sender, message, now)
        elif isinstance(message, wire.Accept):
            self._on_accept(sender, message, now)
        elif isinstance(message, wire.Install):
            self._on_install(sender, message, now)
        elif isinstance(message, wire.Ack):
            self._saw_ring(sender, message.ring)
            if self._streams is not None and message.ring == self._streams.ring:
                self._streams.on_ack(sender, message.received)
        else:
            self._saw_ring(sender, message.ring)
            streams = self._streams
            if streams is None or message.ring != streams.ring:
                self.counters["stale"] += 1
                return
            frag = Fragment(message.message, message.last, message.chunk)
            if streams.receive(sender, message.fragment, frag):
                self._schedule_ack(now)

    def _saw_ring(self, sender: int, ring: RingId) -> None:
        """A frame tagged ``ring`` proves the peer installed (and promised) it."""
        peer = self.peers[sender]
        peer.ring = _max_ring(peer.ring, ring)
        peer.promised = _max_ring(peer.promised, ring)
        if self._installing is not None and ring >= self._installing.message.ring:
            self._installing.pending.discard(sender)

    def _on_heartbeat(self, sender: int, peer: _Peer, hb: wire.Heartbeat) -> None:
        if hb.inc < peer.inc:
            self.counters["stale"] += 1
            return
        if hb.inc > peer.inc:
            restarted = peer.inc >= 0
            peer.inc, peer.ring, peer.promised = hb.inc, None, None
            if restarted:
                self.rows.pop(sender, None)
        peer.ring = _max_ring(peer.ring, hb.ring)
        peer.promised = _max_ring(peer.promised, hb.promised)
        if hb.ring is not None:
            self._saw_ring(sender, hb.ring)
            streams = self._streams
            if streams is not None and hb.ring == streams.ring and hb.acks:
                streams.on_ack(sender, hb.acks)
        peer.highest = max(peer.highest, hb.highest)
        self.highest = max(self.highest, hb.highest)
        for row in hb.rows[: self.settings.max_nodes]:
            if row.node == self.me or (row.node not in self.peers and not self.discover):
                continue
            if row.node == sender and row.inc != hb.inc:
                continue
            known = self.rows.get(row.node)
            if known is None or (row.inc, row.version) > (known.inc, known.version):
                self.rows[row.node] = row
                self._rows_changed()

    def _on_propose(self, sender: int, p: wire.Propose, now: float) -> None:
        ring = p.ring
        if ring.rep != sender or self.me not in p.members or sender not in p.members:
            self.counters["refused"] += 1
            return
        self.highest = max(self.highest, ring.seq)
        if self.promised == ring:
            self._send_accept(sender, ring, True)
            return
        hears = set(self.reach) | {self.me}
        if ring.seq <= self._promise_floor() or not set(p.members) <= hears:
            self.counters["nack"] += 1
            self._send_accept(sender, ring, False)
            return
        self._promise(ring, now)
        self._send_accept(sender, ring, True)

    def _on_accept(self, sender: int, a: wire.Accept, now: float) -> None:
        proposal = self._proposal
        if proposal is None or a.ring != proposal.ring or sender not in proposal.members:
            self.counters["stale"] += 1
            return
        self.highest = max(self.highest, a.highest)
        if not a.ok:
            self._proposal = None
            self._settle_at = now + self.settings.join / 2
            return
        proposal.answers[sender] = a
        peer = self.peers[sender]
        peer.promised = _max_ring(peer.promised, a.ring)

    def _on_install(self, sender: int, m: wire.Install, now: float) -> None:
        if m.ring.rep != sender or self.me not in m.members:
            self.counters["refused"] += 1
            return
        if self.view is not None and self.view.ring >= m.ring:
            return  # a resent INSTALL of what is installed, or an older one
        if self.promised != m.ring:
            self.counters["stale"] += 1
            return
        self._install(m, now)

    # -- agreement ------------------------------------------------------------

    def _promise_floor(self) -> int:
        return max(
            self._floor,
            self.promised.seq if self.promised is not None else 0,
            self.view.ring.seq if self.view is not None else 0,
        )

    def _promise(self, ring: RingId, now: float) -> None:
        self._go(Input.PROMISE)
        if self._proposal is not None and self._proposal.ring != ring:
            self._proposal = None  # promised someone else's ring: ours can no longer install
        self.promised = ring
        self.highest = max(self.highest, ring.seq)
        self._commit_until = now + 2 * self.settings.consensus
        if self._streams is not None:
            self._streams.freeze()
        self._trigger_heartbeat(now)

    def _send_accept(self, to: int, ring: RingId, ok: bool) -> None:
        view, streams = self.view, self._streams
        received = tuple(sorted(streams.received().items())) if streams is not None else ()
        accept = wire.Accept(
            ring, ok, self.incarnation, self.highest_ring_seq,
            view.ring if view is not None else None, view.dc if view is not None else 0,
            received,
        )  # fmt: skip
        self._send_to(to, accept)

    def _rows_changed(self) -> None:
        self._rows_dirty = True
        self._target_cache = None

    def _hears(self, node: int) -> frozenset[int]:
        if node == self.me:
            return self.reach
        row = self.rows.get(node)
        return row.hears if row is not None else frozenset()

    def _mutual(self, a: int, b: int) -> bool:
        return b in self._hears(a) and a in self._hears(b)

    def target(self, now: float) -> tuple[int, ...]:
        """This node's clique in the greedy partition of what it knows (see module doc)."""
        if self._target_cache is not None:
            return self._target_cache
        self._target_cache = self._compute_target(now)
        return self._target_cache

    def _compute_target(self, now: float) -> tuple[int, ...]:
        universe = {self.me} | set(self.reach)
        for p in self.reach:
            universe |= self._hears(p)
        universe = {n for n in universe if n == self.me or self._excluded.get(n, -1.0) <= now}
        return greedy_clique(self.me, universe, self._mutual)

    def _in_sync(self, target: tuple[int, ...]) -> bool:
        view = self.view
        if view is None or view.members != target or self.promised != view.ring:
            return False
        for p in target:
            if p == self.me:
                continue
            peer = self.peers[p]
            if peer.promised != view.ring:
                return False
            if peer.ring is not None and peer.ring > view.ring:
                return False
        return True

    def _propose(self, members: tuple[int, ...], now: float) -> None:
        seq = max(
            self.highest,
            self._promise_floor(),
            *(self.peers[p].highest for p in members if p != self.me),
        )
        ring = self._next_ring(seq)
        self._promise(ring, now)
        proposal = _Proposal(ring, set(members), now, now + self.rto)
        self._proposal = proposal
        for p in members:
            if p != self.me:
                self._send_to(p, wire.Propose(ring, members))
        view, streams = self.view, self._streams
        received = tuple(sorted(streams.received().items())) if streams is not None else ()
        proposal.answers[self.me] = wire.Accept(
            ring, True, self.incarnation, ring.seq,
            view.ring if view is not None else None, view.dc if view is not None else 0,
            received,
        )  # fmt: skip

    def _next_ring(self, seq: int) -> RingId:
        """The ring a proposal takes above ``seq`` (a hook for the broken-core tests)."""
        return RingId(seq + 1, self.me)

    def _drive_proposal(self, now: float) -> None:
        proposal = self._proposal
        if proposal is None:
            return
        if self.promised != proposal.ring:
            self._proposal = None
            return
        gone = {p for p in proposal.members if p != self.me and p not in self.reach}
        if gone:
            proposal.members -= gone
            if proposal.members != set(self.target(now)):
                # what the proposal was built on changed (a row that dropped a node only
                # because it no longer heard the lost one): propose the clique afresh
                self._proposal = None
                return
        missing = proposal.members - set(proposal.answers)
        if not missing:
            self._proposal = None
            self._commit(proposal, now)
            return
        if now >= proposal.started + self.settings.consensus:
            for p in missing:
                self._excluded[p] = now + self.settings.consensus
            self._proposal = None
            self._settle_at = now
            return
        if now >= proposal.resend_at:
            members = tuple(sorted(proposal.members))
            for p in sorted(missing):
                self._send_to(p, wire.Propose(proposal.ring, members))
            proposal.resend_at = now + self.rto

    def _commit(self, proposal: _Proposal, now: float) -> None:
        members = tuple(sorted(proposal.members))
        message = decide_install(proposal.ring, {p: proposal.answers[p] for p in members})
        for p in members:
            if p != self.me:
                self._send_to(p, message)
        pending = {p for p in members if p != self.me}
        self._installing = _Installing(
            message, pending, now + self.rto, now + self.settings.consensus
        )
        self._install(message, now)

    def _install(self, m: wire.Install, now: float) -> None:
        old = self.view
        streams = self._streams
        self._flush(m, streams)
        self._go(Input.INSTALL)
        self._commit_until = None
        self.highest = max(self.highest, m.ring.seq)
        votes = {n: self.votequorum.known.get(n, 1) for n in m.members}
        changed = self.votequorum.membership(now, votes)
        quorate = self._quorate(self.votequorum.quorate)
        view = View(m.ring, m.members, m.dc, quorate)
        self.view = view
        before = set(old.members) if old is not None else set()
        joined = tuple(n for n in m.members if n not in before)
        left = tuple(sorted(before - set(m.members)))
        self._emit(ViewInstalled(view, joined, left))
        if changed is not None:
            self._emit(QuorumChanged(changed))
        self._after_install(streams)
        self._streams = ViewStreams(
            m.ring, m.members, self.me, window=self.settings.window, rto=self.rto
        )
        self._trigger_heartbeat(now)

    def _quorate(self, computed: bool) -> bool:
        """The view's quorate flag (a hook for the broken-core tests)."""
        return computed

    def _flush(self, m: wire.Install, streams: ViewStreams | None) -> None:
        """Deliver the old view's messages up to the INSTALL's cut, before the new view."""
        if streams is None:
            return
        cut: dict[int, int] = {}
        for c in m.cuts:
            if c.ring == streams.ring:
                cut = dict(c.upto)
        delivered, dropped = streams.flush(cut)
        self.counters["undelivered"] += dropped
        for sender, number, payload in delivered:
            self._emit(Delivered(streams.ring, sender, number, payload))

    def _after_install(self, old: ViewStreams | None) -> None:
        """Hook after ``ViewInstalled``: a partial message restarts in the new view."""
        if self._partial is not None:
            payload = self._partial[0]
            self._partial = None
            self._queue.appendleft(payload)
            self._queued_bytes += len(payload)

    def _go(self, what: Input) -> None:
        self.phase = next_phase(self.phase, what)

    # -- the step run after every input -----------------------------------------

    def _step(self, now: float) -> None:
        self._detect(now)
        due = self.votequorum.next_deadline()
        if due is not None and now >= due and self.view is not None:
            changed = self.votequorum.tick(now)
            if changed is not None:
                self._emit(QuorumChanged(changed))
        for node in [n for n, until in self._excluded.items() if until <= now]:
            del self._excluded[node]
            self._rows_changed()
        if self._commit_until is not None and now >= self._commit_until:
            self._commit_until = None
            if self.phase is Phase.COMMIT:
                self._go(Input.TIMEOUT)
        self._drive_proposal(now)
        self._agree(now)
        self._drive_install(now)
        self._messaging(now)
        self._heartbeats(now)

    def _detect(self, now: float) -> None:
        token = self.settings.token
        for p, peer in self.peers.items():
            for link, up in peer.up.items():
                if up and now >= peer.heard[link] + token:
                    peer.up[link] = False
                    self._emit(LinkChanged(p, link, False))
        reach = frozenset(p for p, peer in self.peers.items() if any(peer.up.values()))
        if reach != self.reach:
            self.reach = reach
            self._row_version += 1
            self._trigger_heartbeat(now)
            self._rows_changed()

    def _agree(self, now: float) -> None:
        target = self.target(now)
        in_sync = self._in_sync(target)
        if self.phase is Phase.OPERATIONAL and not in_sync:
            self._go(Input.CHANGE)
        elif self.phase is Phase.GATHER and in_sync:
            self._go(Input.SETTLED)
        if self._rows_dirty or target != self._target:
            self._rows_dirty = False
            self._target = target
            if self._lost_only(target):
                self._settle_at = None  # a loss this node saw itself: nothing to wait for
            else:
                self._settle_at = max(self._settle_at or now, now + self.settings.join / 2)
        settling = self._settle_at is not None and now < self._settle_at
        if not settling:
            self._settle_at = None
        if in_sync or target[0] != self.me or settling:
            return
        proposal = self._proposal
        if proposal is not None and set(target) == proposal.members:
            return
        self._propose(target, now)
        self._drive_proposal(now)

    def _lost_only(self, target: tuple[int, ...]) -> bool:
        """``target`` is the view less members this node no longer hears itself: the
        others agree at once (they accept whatever clique they hear), so the
        proposer need not wait ``join / 2`` for rows to settle."""
        view = self.view
        if view is None:
            return False
        lost = set(view.members) - set(target)
        return bool(lost) and set(target) <= set(view.members) and not lost & self.reach

    def _drive_install(self, now: float) -> None:
        inst = self._installing
        if inst is None:
            return
        if (
            not inst.pending
            or now >= inst.until
            or self.view is None
            or self.view.ring != inst.message.ring
        ):
            self._installing = None
            return
        if now >= inst.resend_at:
            for p in sorted(inst.pending):
                self._send_to(p, inst.message)
            inst.resend_at = now + self.rto

    # -- messaging -------------------------------------------------------------

    def _messaging(self, now: float) -> None:
        streams = self._streams
        if streams is None:
            return
        self._fill(streams, now)
        for sender, number, payload in streams.deliverable():
            self._emit(Delivered(streams.ring, sender, number, payload))
        for member, seq, number, last, chunk in streams.retransmissions(now, 1 << 30):
            self._send_to(member, wire.Data(streams.ring, seq, number, last, chunk))
        if self._ack_at is not None and now >= self._ack_at:
            self._ack_at = None
            self._send_ack(streams)

    def _fill(self, streams: ViewStreams, now: float) -> None:
        size = self.settings.fragment
        while (room := streams.room()) > 0 and (self._partial is not None or self._queue):
            if self._partial is None:
                payload = self._queue.popleft()
                self._queued_bytes -= len(payload)
                chunks = [payload[i : i + size] for i in range(0, len(payload), size)] or [b""]
                self._partial = (payload, chunks, 0, streams.new_message())
            payload, chunks, index, number = self._partial
            take = chunks[index : index + room]
            ends = index + len(take) == len(chunks)
            for seq, last, chunk in streams.add_fragments(number, take, ends, now):
                self._send_members(streams, wire.Data(streams.ring, seq, number, last, chunk))
            self._partial = None if ends else (payload, chunks, index + len(take), number)
        if streams.ack_dirty:
            self._schedule_ack(now)

    def _schedule_ack(self, now: float) -> None:
        if self._ack_at is None:
            self._ack_at = now + min(ACK_DELAY, self.settings.heartbeat / 8)

    def _send_ack(self, streams: ViewStreams) -> None:
        streams.ack_dirty = False
        ack = wire.Ack(streams.ring, tuple(streams.ack_vector()))
        self._send_members(streams, ack)

    # -- sending ----------------------------------------------------------------

    def _trigger_heartbeat(self, now: float) -> None:
        """Send a heartbeat soon (news: reachability, a promise, a view), at most
        one per ``join / 4`` so that a burst of news costs one round."""
        soon = max(now, self._last_heartbeat + self.settings.join / 4)
        self._next_heartbeat = min(self._next_heartbeat, soon)

    def _heartbeats(self, now: float) -> None:
        if now < self._next_heartbeat:
            return
        self._last_heartbeat = now
        jitter = self.rng.uniform(0.0, self.settings.heartbeat / 10)
        self._next_heartbeat = now + self.settings.heartbeat - jitter
        payload = wire.encode(self.heartbeat())
        for number, link in self.links.items():
            if link.group is not None:
                self._outbox.append((self._frame(payload), link.group))
                continue
            for p in sorted(self.peers):
                address = self.peers[p].address.get(number)
                if address is not None:
                    self._outbox.append((self._frame(payload), address))

    def heartbeat(self) -> wire.Heartbeat:
        """The heartbeat this node sends now: its own row, and the rows it relays
        (``relayed_rows``), so O(n) bytes when every node hears every other."""
        rows = [wire.Row(self.me, self.incarnation, self._row_version, self.reach)]
        rows += self.relayed_rows()
        view, streams = self.view, self._streams
        acks = tuple(streams.ack_vector()) if streams is not None else ()
        return wire.Heartbeat(
            self.incarnation, view.ring if view is not None else None, self.promised,
            self.highest_ring_seq, tuple(rows), acks,
        )  # fmt: skip

    def relayed_rows(self) -> list[wire.Row]:
        """The rows of the nodes this node hears that some other node it hears does
        not hear (or has sent no row yet): a peer needs a relay only for a node it
        cannot hear itself, since every node it hears sends its own row."""
        out = []
        for x in sorted(self.reach):
            row = self.rows.get(x)
            if row is None:
                continue
            if any(x not in self._hears(q) for q in self.reach if q != x):
                out.append(row)
        return out

    def _frame(self, payload: bytes) -> bytes:
        return self.codec.encode(NodeId(self.me), self.frames.next(), payload)

    def _best_link(self, peer: _Peer) -> int | None:
        up = [
            n
            for n in self.links
            if peer.up.get(n) and (n in peer.address or self.links[n].group is not None)
        ]
        if not up:
            return None
        return min(up, key=lambda n: (-self.links[n].priority, n))

    def _send_to(self, to: int, message: wire.Message) -> None:
        payload = wire.encode(message, to)
        peer = self.peers.get(to)
        if peer is None:
            return
        number = self._best_link(peer)
        numbers: Iterable[int] = self.links if number is None else (number,)
        for n in numbers:
            link = self.links[n]
            address = link.group if link.group is not None else peer.address.get(n)
            if address is not None:
                self._outbox.append((self._frame(payload), address))

    def _send_members(self, streams: ViewStreams, message: wire.Message) -> None:
        """One copy to each other member (one to the group on a multicast link)."""
        others = [m for m in streams.members if m != self.me]
        if not others:
            return
        groups = [link for link in self.links.values() if link.group is not None]
        if groups:
            best = max(groups, key=lambda link: (link.priority, -link.number))
            assert best.group is not None
            self._outbox.append((self._frame(wire.encode(message)), best.group))
            return
        payload = wire.encode(message)
        for m in others:
            peer = self.peers.get(m)
            if peer is None:
                continue  # removed by a reload; the next view leaves it out
            number = self._best_link(peer)
            for n in (number,) if number is not None else tuple(self.links):
                address = peer.address.get(n)
                if address is not None:
                    self._outbox.append((self._frame(payload), address))

    def _emit(self, event: object) -> None:
        if len(self._events) >= MAX_EVENTS:
            raise StateError("MembershipCore", f"{MAX_EVENTS} events undrained", "emit")
        self._events.append(event)


def core_from_config(
    config: ClusterConfig,
    me: int,
    authkey: bytes | None,
    rng: Rng,
    now: float,
    *,
    local_hosts: Mapping[int, str] | None = None,
    incarnation: int = 0,
    min_ring_seq: int = 0,
) -> MembershipCore:
    """A core for node ``me`` of a loaded corosync.conf (``links_from_config`` builds
    its links; ``local_hosts`` are this machine's addresses per link for a
    multicast file). ``incarnation`` is the persisted boot count, ``min_ring_seq``
    the persisted ``highest_ring_seq``."""
    settings = MembershipSettings.from_config(config)
    links = links_from_config(config, me, local_hosts)
    return MembershipCore(
        settings, me, links, authkey, rng, now,
        incarnation=incarnation, min_ring_seq=min_ring_seq,
    )  # fmt: skip
