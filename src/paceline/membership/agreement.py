"""The pure decisions of view agreement: the state table, the clique, the DC and the cuts.

- ``Phase``/``Input``/``next_phase``: the membership state machine as a table
  (DESIGN.md rule 4): OPERATIONAL (the view matches what this node sees),
  GATHER (it does not, or a promise is outstanding without its INSTALL),
  COMMIT (a ring is promised, its INSTALL awaited).
- ``greedy_clique``: every node that knows the same "who hears whom" computes
  the same partition into cliques of mutually reachable nodes (lowest id
  first, then ascending ids); it returns the clique of ``me``.
- ``decide_install``: from the members' answers to a proposal, the DC (the
  DC of the newest old view if still a member, else the lowest id) and the
  flush cut of each old view (per sender, the minimum of what its members
  received without a gap; see ``messaging``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping

from paceline.core.errors import StateError
from paceline.membership import wire
from paceline.membership.events import RingId


class Phase(enum.Enum):
    GATHER = "gather"
    COMMIT = "commit"
    OPERATIONAL = "operational"


class Input(enum.Enum):
    CHANGE = "reachability differs from the view"
    SETTLED = "reachability matches the view again"
    PROMISE = "promised a ring"
    INSTALL = "installed the promised ring"
    TIMEOUT = "the promised ring's INSTALL did not come"


TRANSITIONS: dict[tuple[Phase, Input], Phase] = {
    (Phase.OPERATIONAL, Input.CHANGE): Phase.GATHER,
    (Phase.GATHER, Input.SETTLED): Phase.OPERATIONAL,
    (Phase.OPERATIONAL, Input.PROMISE): Phase.COMMIT,
    (Phase.GATHER, Input.PROMISE): Phase.COMMIT,
    (Phase.COMMIT, Input.PROMISE): Phase.COMMIT,
    (Phase.COMMIT, Input.INSTALL): Phase.OPERATIONAL,
    (Phase.GATHER, Input.INSTALL): Phase.OPERATIONAL,
    (Phase.COMMIT, Input.TIMEOUT): Phase.GATHER,
}


def next_phase(phase: Phase, what: Input) -> Phase:
    """The phase after ``what`` in ``phase``; ``StateError`` when the table has none."""
    nxt = TRANSITIONS.get((phase, what))
    if nxt is None:
        raise StateError("membership", phase.value, what.name)
    return nxt


def greedy_clique(
    me: int, universe: Iterable[int], mutual: Callable[[int, int], bool]
) -> tuple[int, ...]:
    """``me``'s clique in the greedy partition of ``universe`` (see the module docstring)."""
    remaining = sorted(set(universe) | {me})
    while remaining:
        clique = [remaining[0]]
        for node in remaining[1:]:
            if all(mutual(node, c) for c in clique):
                clique.append(node)
        if me in clique:
            return tuple(clique)
        remaining = [n for n in remaining if n not in clique]
    return (me,)


def decide_install(ring: RingId, answers: Mapping[int, wire.Accept]) -> wire.Install:
    """The INSTALL of ``ring`` for the members that answered ``answers``."""
    members = tuple(sorted(answers))
    dc = members[0]
    newest: RingId | None = None
    for a in answers.values():
        if a.old_ring is None or a.old_dc not in answers:
            continue
        if newest is None or a.old_ring > newest:
            newest, dc = a.old_ring, a.old_dc
    groups: dict[RingId, list[dict[int, int]]] = {}
    for a in answers.values():
        if a.old_ring is not None:
            groups.setdefault(a.old_ring, []).append(dict(a.received))
    cuts = []
    for old, vectors in sorted(groups.items()):
        senders = sorted(set().union(*vectors))
        upto = tuple((s, min(v.get(s, 0) for v in vectors)) for s in senders)
        cuts.append(wire.Cut(old, upto))
    return wire.Install(ring, members, dc, tuple(cuts))
