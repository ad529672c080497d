"""Invariant checkers for membership runs (DESIGN.md S8, S9 and the messaging rules).

Each judges the events membership cores emit (``ViewInstalled``,
``Delivered``, ``QuorumChanged``) and the nodes' ``Booted``/``Crashed``,
never the cores' internals; each has a test that feeds it a bad history.

- ``ViewAgreement`` (S9): every node that installs a ring id installs the
  same members and DC.
- ``MonotonicRings``: each node's installed ring ids strictly increase,
  across its restarts too.
- ``QuorumArithmetic``: a view is quorate exactly when its members' votes are
  a majority of the expected votes, and quorum states add up (plain
  votequorum options: no two_node, wait_for_all, last_man_standing or
  auto_tie_breaker).
- ``DeliveryInView``: a message of ring R is delivered only while R is the
  receiver's installed view.
- ``FifoPerSender``: each sender's messages arrive in order, without gaps,
  numbered from 1 in each view.
- ``VirtualSynchrony``: nodes that move together from one view to the same
  next view delivered the same messages of the old one.
- ``AtMostOneDC`` (S8): no two nodes both act as DC, each in the other's
  view, for longer than a view change takes.
- ``Convergence``: at the end every live node is in one view of all live
  nodes, installed within ``bound`` seconds of the heal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from paceline.membership.events import Delivered, QuorumChanged, RingId, View, ViewInstalled
from paceline.sim.checkers import Observation, Violation
from paceline.sim.node import Booted, Crashed


@dataclass(slots=True)
class _Life:
    """One life of one node as the checkers follow it."""

    view: View | None = None
    installed_at: float = 0.0
    delivered: dict[RingId, set[tuple[int, int]]] = field(default_factory=dict)
    last_seq: dict[tuple[RingId, int], int] = field(default_factory=dict)


class _Tracker:
    """Follows each node's life and current view (shared by the checkers)."""

    def __init__(self) -> None:
        self.lives: dict[str, _Life] = {}

    def track(self, observation: Observation) -> _Life | None:
        event, node = observation.event, observation.node
        if isinstance(event, Booted):
            self.lives[node] = _Life()
        elif isinstance(event, Crashed):
            self.lives.pop(node, None)
        return self.lives.setdefault(node, _Life())


class ViewAgreement:
    """S9: members of the same ring id see the same member list (and DC)."""

    name = "S9-view-agreement"

    def __init__(self) -> None:
        self.seen: dict[RingId, tuple[str, View]] = {}

    def observe(self, observation: Observation) -> list[Violation]:
        event = observation.event
        if not isinstance(event, ViewInstalled):
            return []
        view = event.view
        first = self.seen.setdefault(view.ring, (observation.node, view))
        node, other = first
        if (other.members, other.dc) != (view.members, view.dc):
            message = (
                f"ring {view.ring}: members {list(view.members)} dc {view.dc}, but {node} "
                f"installed members {list(other.members)} dc {other.dc}"
            )
            return [Violation(self.name, observation.time, observation.node, message)]
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


class MonotonicRings:
    """Each node's installed ring ids strictly increase, across restarts."""

    name = "monotonic-rings"

    def __init__(self) -> None:
        self.last: dict[str, RingId] = {}

    def observe(self, observation: Observation) -> list[Violation]:
        event, node = observation.event, observation.node
        if not isinstance(event, ViewInstalled):
            return []
        ring = event.view.ring
        before = self.last.get(node)
        self.last[node] = ring if before is None else max(before, ring)
        if before is not None and ring.seq <= before.seq:
            message = f"installed ring {ring} after ring {before}"
            return [Violation(self.name, observation.time, node, message)]
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


class QuorumArithmetic:
    """Quorate exactly when the members' votes exceed half the expected votes."""

    name = "quorum-arithmetic"

    def __init__(self, votes: Mapping[int, int], expected: int) -> None:
        self.votes = dict(votes)
        self.expected = expected

    def _majority(self, members: tuple[int, ...]) -> tuple[int, int, bool]:
        total = sum(self.votes.get(m, 1) for m in members)
        expected = max(self.expected, total)
        quorum = expected // 2 + 1
        return total, quorum, total >= quorum

    def observe(self, observation: Observation) -> list[Violation]:
        event = observation.event
        problem = None
        if isinstance(event, ViewInstalled):
            total, quorum, quorate = self._majority(event.view.members)
            if event.view.quorate != quorate:
                problem = (
                    f"view {event.view.ring} with {total} of {self.expected} votes says "
                    f"quorate={event.view.quorate}, quorum is {quorum}"
                )
        elif isinstance(event, QuorumChanged):
            s = event.state
            total, quorum, quorate = self._majority(s.members)
            if (s.total_votes, s.quorum, s.quorate) != (total, quorum, quorate):
                problem = (
                    f"state votes {s.total_votes} quorum {s.quorum} quorate {s.quorate} for "
                    f"members {list(s.members)}, expected {total}, {quorum}, {quorate}"
                )
        if problem is None:
            return []
        return [Violation(self.name, observation.time, observation.node, problem)]

    def finish(self, now: float) -> list[Violation]:
        return []


class DeliveryInView:
    """A message of ring R is delivered only while R is the receiver's view."""

    name = "delivery-in-view"

    def __init__(self) -> None:
        self.tracker = _Tracker()

    def observe(self, observation: Observation) -> list[Violation]:
        life = self.tracker.track(observation)
        event = observation.event
        if isinstance(event, ViewInstalled) and life is not None:
            life.view = event.view
        elif isinstance(event, Delivered) and life is not None:
            ring = life.view.ring if life.view is not None else None
            if ring != event.ring:
                message = (
                    f"delivered {event.sender}#{event.seq} of ring {event.ring} in view {ring}"
                )
                return [Violation(self.name, observation.time, observation.node, message)]
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


class FifoPerSender:
    """Each sender's messages of a view arrive numbered 1, 2, 3, ... (no gap, no reorder)."""

    name = "fifo-per-sender"

    def __init__(self) -> None:
        self.tracker = _Tracker()

    def observe(self, observation: Observation) -> list[Violation]:
        life = self.tracker.track(observation)
        event = observation.event
        if not isinstance(event, Delivered) or life is None:
            return []
        key = (event.ring, event.sender)
        last = life.last_seq.get(key, 0)
        life.last_seq[key] = event.seq
        if event.seq != last + 1:
            message = f"from {event.sender} in {event.ring}: message {event.seq} after {last}"
            return [Violation(self.name, observation.time, observation.node, message)]
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


class VirtualSynchrony:
    """Nodes moving together from view V to view W delivered the same messages of V."""

    name = "virtual-synchrony"

    def __init__(self) -> None:
        self.tracker = _Tracker()
        self.moves: dict[tuple[RingId, RingId], tuple[str, frozenset[tuple[int, int]]]] = {}

    def observe(self, observation: Observation) -> list[Violation]:
        life = self.tracker.track(observation)
        event = observation.event
        if life is None:
            return []
        if isinstance(event, Delivered):
            life.delivered.setdefault(event.ring, set()).add((event.sender, event.seq))
            return []
        if not isinstance(event, ViewInstalled):
            return []
        old, life.view = life.view, event.view
        if old is None:
            return []
        got = frozenset(life.delivered.pop(old.ring, set()))
        key = (old.ring, event.view.ring)
        node, other = self.moves.setdefault(key, (observation.node, got))
        if other != got:
            only_here = sorted(got - other)[:3]
            only_there = sorted(other - got)[:3]
            message = (
                f"moving {old.ring} -> {event.view.ring}: delivered {len(got)} messages, "
                f"{node} {len(other)} (only here {only_here}, only there {only_there})"
            )
            return [Violation(self.name, observation.time, observation.node, message)]
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


class AtMostOneDC:
    """S8: no two nodes act as DC, each a member of the other's view, for longer than ``grace``.

    A view change reaches its members one after another, so for a moment the
    old DC still acts in the old view while the new DC acts in the new one;
    ``grace`` (a few tokens) bounds that moment. Two DCs that keep seeing
    each other as members split one partition in two.
    """

    name = "S8-one-dc"

    def __init__(self, ids: Mapping[str, int], grace: float) -> None:
        self.ids = dict(ids)
        self.grace = grace
        self.tracker = _Tracker()
        self.reported: set[tuple[RingId, RingId]] = set()

    def observe(self, observation: Observation) -> list[Violation]:
        life = self.tracker.track(observation)
        event = observation.event
        if isinstance(event, ViewInstalled) and life is not None:
            life.view = event.view
            life.installed_at = observation.time
        return self._check(observation.time)

    def _check(self, now: float) -> list[Violation]:
        dcs = []
        for name, life in self.tracker.lives.items():
            if life.view is not None and life.view.dc == self.ids.get(name):
                dcs.append((name, life))
        found = []
        for i, (a, la) in enumerate(dcs):
            for b, lb in dcs[i + 1 :]:
                va, vb = la.view, lb.view
                assert va is not None and vb is not None
                if va.ring == vb.ring or self.ids[a] not in vb.members:
                    continue
                if self.ids[b] not in va.members:
                    continue
                since = max(la.installed_at, lb.installed_at)
                key = (min(va.ring, vb.ring), max(va.ring, vb.ring))
                if now - since > self.grace and key not in self.reported:
                    self.reported.add(key)
                    message = (
                        f"DC of {va.ring} while {b} is DC of {vb.ring}, each in the "
                        f"other's view, for {now - since:.3f} s"
                    )
                    found.append(Violation(self.name, now, a, message))
        return found

    def finish(self, now: float) -> list[Violation]:
        return self._check(now)


class Convergence:
    """At the end: one view of every live node, installed within ``bound`` of ``heal_at``."""

    name = "convergence"

    def __init__(self, ids: Mapping[str, int], heal_at: float, bound: float) -> None:
        self.ids = dict(ids)
        self.heal_at = heal_at
        self.bound = bound
        self.tracker = _Tracker()

    def observe(self, observation: Observation) -> list[Violation]:
        life = self.tracker.track(observation)
        if isinstance(observation.event, ViewInstalled) and life is not None:
            life.view = observation.event.view
            life.installed_at = observation.time
        return []

    def finish(self, now: float) -> list[Violation]:
        lives = self.tracker.lives
        want = tuple(sorted(self.ids[n] for n in lives))
        found = []
        for name, life in sorted(lives.items()):
            view = life.view
            if view is None or view.members != want:
                members = None if view is None else list(view.members)
                message = f"ends in view {members}, expected {list(want)}"
                found.append(Violation(self.name, now, name, message))
            elif life.installed_at > self.heal_at + self.bound:
                late = life.installed_at - self.heal_at
                message = f"converged {late:.3f} s after the heal, bound {self.bound:.3f} s"
                found.append(Violation(self.name, now, name, message))
        return found


def membership_checkers(
    ids: Mapping[str, int],
    votes: Mapping[int, int],
    expected: int,
    heal_at: float,
    bound: float,
) -> list[
    ViewAgreement
    | MonotonicRings
    | QuorumArithmetic
    | DeliveryInView
    | FifoPerSender
    | VirtualSynchrony
    | AtMostOneDC
    | Convergence
]:
    """Every membership checker, for a run of nodes ``ids`` (name -> node id)."""
    return [
        ViewAgreement(),
        MonotonicRings(),
        QuorumArithmetic(votes, expected),
        DeliveryInView(),
        FifoPerSender(),
        VirtualSynchrony(),
        AtMostOneDC(ids, bound),
        Convergence(ids, heal_at, bound),
    ]
