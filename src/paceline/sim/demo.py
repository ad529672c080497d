"""A toy heartbeat protocol, to show (and test) how cores plug into the simulator.

``HeartbeatCore`` is a pure sans-I/O ``DatagramCore``: every ``interval`` it
sends each peer an authenticated heartbeat frame; a peer it has not heard for
``timeout`` is reported down, one it hears again up. It uses the real wire
framing and replay filter. It is not the membership protocol (that one agrees
on views); it is the smallest honest thing the harness can run.

Two checkers judge it: ``AtMostOnce`` (no receiver accepts one frame twice in
one life, whatever the network duplicates) and ``Converged`` (at the end of a
healed run every live node sees exactly the other live nodes up).
``install(system, names)`` puts the core and both checkers on a ``System``:
what a scenario of a real core looks like, in a dozen lines.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from paceline.core.errors import ProtocolError
from paceline.core.frame import AuthMode, FrameCodec, unpack_payload
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring
from paceline.core.ports import DEFAULT_NETWORK, Address
from paceline.core.replay import ReplayFilter, SequenceCounter, Verdict
from paceline.sim.checkers import Observation, Violation
from paceline.sim.node import Booted, Crashed, DatagramDriver, NodeContext
from paceline.sim.system import System

HEARTBEAT_PORT = 5405


@dataclass(frozen=True, slots=True)
class Heard:
    """A heartbeat from ``peer`` with frame number ``seq`` was accepted."""

    peer: NodeId
    seq: int

    def __str__(self) -> str:
        return f"from {self.peer} seq {self.seq >> 32}:{self.seq & 0xFFFFFFFF}"


@dataclass(frozen=True, slots=True)
class PeerUp:
    """``peer`` is heard again."""

    peer: NodeId

    def __str__(self) -> str:
        return f"peer {self.peer} up"


@dataclass(frozen=True, slots=True)
class PeerDown:
    """``peer`` was not heard for the timeout."""

    peer: NodeId

    def __str__(self) -> str:
        return f"peer {self.peer} down"


@dataclass(frozen=True, slots=True)
class Dropped:
    """A datagram was refused, and why."""

    reason: str

    def __str__(self) -> str:
        return self.reason


class HeartbeatCore:
    """See the module docstring. Implements ``paceline.core.ports.DatagramCore``.

    Args:
        me: this node's id.
        peers: every other node's id and heartbeat address.
        codec: the frame codec (auth mode, keys, size limit).
        now: the node's clock at start; the first heartbeats go out at once.
        incarnation: grows at every restart (frame numbers stay unique).
        replay_protection: turn off only to show the at-most-once checker firing.
    """

    def __init__(
        self,
        me: NodeId,
        peers: Mapping[NodeId, Address],
        codec: FrameCodec,
        *,
        now: float,
        incarnation: int,
        interval: float = 0.1,
        timeout: float = 0.5,
        replay_protection: bool = True,
    ) -> None:
        if not 0 < interval < timeout:
            raise ValueError(f"need 0 < interval ({interval}) < timeout ({timeout})")
        self.me = me
        self.peers = dict(peers)
        self.codec = codec
        self.interval = interval
        self.timeout = timeout
        self.replay = ReplayFilter() if replay_protection else None
        self.counter = SequenceCounter(incarnation)
        self.last_heard: dict[NodeId, float] = {}
        self.alive: set[NodeId] = set()
        self.next_send = now
        self.sent = 0
        self._outbox: list[tuple[bytes, Address]] = []
        self._events: deque[object] = deque()

    def receive_datagram(self, data: bytes, source: Address, now: float) -> None:
        try:
            frame = self.codec.decode(data)
            message = unpack_payload(frame.payload)
            if not isinstance(message, dict) or not isinstance(message.get("hb"), int):
                raise ProtocolError(f"not a heartbeat: {message!r:.40}")
            if frame.sender not in self.peers:
                raise ProtocolError(f"unknown sender {frame.sender}")
        except ProtocolError as err:
            self._events.append(Dropped(f"{source[0]}: {err}"))
            return
        if self.replay is not None:
            verdict = self.replay.accept(frame.sender, frame.seq)
            if verdict is not Verdict.ACCEPTED:
                self._events.append(Dropped(f"{verdict.value} frame from {frame.sender}"))
                return
        self._events.append(Heard(frame.sender, frame.seq))
        self.last_heard[frame.sender] = now
        if frame.sender not in self.alive:
            self.alive.add(frame.sender)
            self._events.append(PeerUp(frame.sender))

    def handle_timer(self, now: float) -> None:
        if now >= self.next_send:
            self.sent += 1
            for peer in sorted(self.peers):
                wire = self.codec.encode_message(self.me, self.counter.next(), {"hb": self.sent})
                self._outbox.append((wire, self.peers[peer]))
            while self.next_send <= now:
                self.next_send += self.interval
        for peer in sorted(self.alive):
            if now >= self.last_heard[peer] + self.timeout:  # the same sum as next_deadline
                self.alive.discard(peer)
                self._events.append(PeerDown(peer))

    def datagrams_to_send(self, now: float) -> list[tuple[bytes, Address]]:
        out, self._outbox = self._outbox, []
        return out

    def next_event(self) -> object | None:
        return self._events.popleft() if self._events else None

    def next_deadline(self) -> float | None:
        return min([self.next_send, *(self.last_heard[p] + self.timeout for p in self.alive)])


class AtMostOnce:
    """No node accepts the same (sender, frame number) twice in one life."""

    name = "at-most-once"

    def __init__(self) -> None:
        self._seen: set[tuple[str, int, NodeId, int]] = set()
        self._life: dict[str, int] = {}

    def observe(self, observation: Observation) -> list[Violation]:
        event, node = observation.event, observation.node
        if isinstance(event, Booted):
            self._life[node] = event.incarnation
        elif isinstance(event, Heard):
            key = (node, self._life.get(node, 0), event.peer, event.seq)
            if key in self._seen:
                return [Violation(self.name, observation.time, node, f"accepted {event} twice")]
            self._seen.add(key)
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


class Converged:
    """At the end, every live node sees exactly the other live nodes up.

    Only meaningful when the scenario healed every fault (and restarted every
    node) early enough before the end: ``names`` maps node ids to node names.
    """

    name = "converged"

    def __init__(self, names: Mapping[NodeId, str]) -> None:
        self.names = dict(names)
        self._up: set[str] = set()
        self._sees: dict[str, set[str]] = {}

    def observe(self, observation: Observation) -> list[Violation]:
        event, node = observation.event, observation.node
        if isinstance(event, Booted):
            self._up.add(node)
            self._sees[node] = set()
        elif isinstance(event, Crashed):
            self._up.discard(node)
            self._sees.pop(node, None)
        elif isinstance(event, PeerUp):
            self._sees.setdefault(node, set()).add(self.names.get(event.peer, str(event.peer)))
        elif isinstance(event, PeerDown):
            self._sees.setdefault(node, set()).discard(self.names.get(event.peer, str(event.peer)))
        return []

    def finish(self, now: float) -> list[Violation]:
        found = []
        for node in sorted(self._up):
            expected = self._up - {node}
            sees = self._sees.get(node, set())
            if sees != expected:
                found.append(
                    Violation(
                        self.name,
                        now,
                        node,
                        f"sees {sorted(sees)} up, expected {sorted(expected)}",
                    )
                )
        return found


def install(
    system: System,
    names: Sequence[str],
    *,
    auth: AuthMode = AuthMode.HMAC_SHA256,
    replay_protection: bool = True,
    network: str = DEFAULT_NETWORK,
) -> None:
    """Run the heartbeat core on nodes ``names`` (ids 1, 2, … in that order),
    over ``network``, judged by ``AtMostOnce`` and ``Converged``."""
    ids = {NodeId(i): name for i, name in enumerate(names, 1)}
    ring = Keyring.from_authkey(system.sim.fork_rng("authkey").randbytes(32))
    codec = FrameCodec(auth, None if auth is AuthMode.NONE else ring)
    addresses = {i: Address(n, HEARTBEAT_PORT, network) for i, n in ids.items()}

    def boot(me: NodeId, ctx: NodeContext) -> None:
        peers = {i: a for i, a in addresses.items() if i != me}
        core = HeartbeatCore(
            me,
            peers,
            codec,
            now=ctx.now(),
            incarnation=ctx.incarnation,
            replay_protection=replay_protection,
        )
        DatagramDriver(ctx, core, HEARTBEAT_PORT, network=network, topic="heartbeat")

    system.check(AtMostOnce(), Converged(ids))
    for me, name in ids.items():
        system.node(name, partial(boot, me))
