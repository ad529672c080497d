"""Votequorum's arithmetic, as Corosync computes it (specs/corosync.md 5.2-5.3).

``Votequorum`` is fed the members of each new view (``membership``) and the
time (``tick``); it returns a ``QuorumState`` whenever quorate state, quorum
or expected votes change, and says when it next needs to run
(``next_deadline``, the last_man_standing window).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from paceline.membership.config import Quorum


@dataclass(frozen=True, slots=True)
class QuorumState:
    quorate: bool
    quorum: int
    expected_votes: int
    highest_expected: int
    total_votes: int
    members: tuple[int, ...]
    two_node: bool
    wait_for_all: bool
    waiting_for_all: bool
    last_man_standing: bool
    auto_tie_breaker: bool
    allow_downscale: bool

    def flags(self) -> list[str]:
        """Flags in corosync-quorumtool's order."""
        out = []
        if self.two_node:
            out.append("2Node")
        if self.quorate:
            out.append("Quorate")
        if self.wait_for_all:
            out.append("WaitForAll")
        if self.last_man_standing:
            out.append("LastManStanding")
        if self.auto_tie_breaker:
            out.append("AutoTieBreaker")
        if self.allow_downscale:
            out.append("AllowDownscale")
        return out


class Votequorum:
    """One node's votequorum state.

    ``known`` are the configured node ids (the nodelist) with their votes;
    ``expected_votes`` the configured expected votes.
    """

    def __init__(self, options: Quorum, expected_votes: int, known: Mapping[int, int]) -> None:
        self.options = options
        self.known = dict(known)
        self.expected_votes = expected_votes
        self.two_node = options.two_node and len(known) <= 2
        self.quorum = 0
        self.quorate = False
        self.waiting_for_all = options.wait_for_all
        self.members: dict[int, int] = {}
        self.previous: tuple[int, ...] = ()
        self._lms_deadline: float | None = None
        self._last: QuorumState | None = None

    # --- inputs -----------------------------------------------------------

    def membership(self, now: float, members: Mapping[int, int]) -> QuorumState | None:
        """A new view: ``members`` maps node id to its votes."""
        self.previous = tuple(sorted(self.members))
        shrank = bool(self.members) and len(members) < len(self.members)
        self.members = dict(members)
        for node, votes in members.items():
            self.known.setdefault(node, votes)
        self._recalculate(allow_decrease=False)
        if self.options.last_man_standing:
            self._lms_deadline = (
                now + self.options.last_man_standing_window / 1000
                if self.quorate and (shrank or self._lms_deadline is not None)
                else None
            )
        return self._changed()

    def tick(self, now: float) -> QuorumState | None:
        if self._lms_deadline is not None and now >= self._lms_deadline:
            self._lms_deadline = None
            if self.quorate and len(self.members) >= (
                2 if not self.options.auto_tie_breaker else 1
            ):
                total = sum(self.members.values())
                if total < self.expected_votes:
                    self.expected_votes = total
                    self._recalculate(allow_decrease=True)
        return self._changed()

    def set_expected(self, expected: int) -> QuorumState | None:
        """Administrator's ``-e N``: may lower quorum."""
        self.expected_votes = max(expected, 1)
        self._recalculate(allow_decrease=True)
        return self._changed()

    def next_deadline(self) -> float | None:
        return self._lms_deadline

    # --- the arithmetic -----------------------------------------------------

    def _recalculate(self, *, allow_decrease: bool) -> None:
        total = sum(self.members.values())
        if total > self.expected_votes:
            self.expected_votes = total
        highest = self.expected_votes
        q1 = (highest + 2) // 2
        q2 = (total + 2) // 2
        quorum = max(q1, q2)
        if not allow_decrease:
            quorum = max(quorum, self.quorum)
        if self.two_node and len(self.members) <= 2:
            quorum = 1
        self.quorum = quorum
        self._are_we_quorate(total)

    def _are_we_quorate(self, total: int) -> None:
        opts = self.options
        if opts.wait_for_all and self.waiting_for_all:
            if total != self.expected_votes:
                self.quorate = False
                return
            self.waiting_for_all = False
        quorate = total >= self.quorum
        if (
            not quorate
            and opts.auto_tie_breaker
            and total == self.expected_votes // 2
            and self._tie_breaker_here()
        ):
            quorate = True
        self.quorate = quorate
        if opts.wait_for_all:
            self.waiting_for_all = not quorate

    def _tie_breaker_here(self) -> bool:
        choice = self.options.auto_tie_breaker_node
        if choice == "lowest":
            return min(self.known) in self.members
        if choice == "highest":
            return max(self.known) in self.members
        before = set(self.previous) | set(self.members)
        for text in choice:
            node = int(text)
            if node in self.members:
                return True
            if node in before:
                return False
        return False

    def state(self) -> QuorumState:
        o = self.options
        return QuorumState(
            self.quorate, self.quorum, self.expected_votes, self.expected_votes,
            sum(self.members.values()), tuple(sorted(self.members)), self.two_node,
            o.wait_for_all, self.waiting_for_all, o.last_man_standing, o.auto_tie_breaker,
            o.allow_downscale,
        )  # fmt: skip

    def _changed(self) -> QuorumState | None:
        now = self.state()
        if now == self._last:
            return None
        self._last = now
        return now


def render_status(
    state: QuorumState,
    *,
    date: str,
    local: int,
    ring_id: tuple[int, int],
    names: Mapping[int, str],
    votes: Mapping[int, int],
    provider: str = "corosync_votequorum",
) -> str:
    """``corosync-quorumtool -s`` text; ``date`` is ctime() output without newline."""
    lines: list[str] = [
        "Quorum information",
        "------------------",
        f"{'Date:':<18}{date}",
        f"{'Quorum provider:':<18}{provider}",
        f"{'Nodes:':<18}{len(state.members)}",
        f"{'Node ID:':<18}{local}",
        f"{'Ring ID:':<18}{ring_id[0]:x}.{ring_id[1]:x}",
        f"{'Quorate:':<18}{'Yes' if state.quorate else 'No'}",
        "",
        "Votequorum information",
        "----------------------",
        f"{'Expected votes:':<18}{state.expected_votes}",
        f"{'Highest expected:':<18}{state.highest_expected}",
        f"{'Total votes:':<18}{state.total_votes}",
        f"{'Quorum:':<18}{state.quorum} {' ' if state.quorate else 'Activity blocked'}",
        f"{'Flags:':<18}" + "".join(f + " " for f in state.flags()),
        "",
        "Membership information",
        "----------------------",
        f"{'Nodeid':>10} {'Votes':>10} Name",
    ]
    for node in state.members:
        name = names.get(node, str(node)) + (" (local)" if node == local else "")
        lines.append(f"{node:>10} {votes.get(node, 1):>10} {name}")
    return "\n".join(lines) + "\n"


def exit_code(state: QuorumState | None) -> int:
    """quorumtool -s: 0 quorate, 2 not quorate, 1 error (no state)."""
    if state is None:
        return 1
    return 0 if state.quorate else 2


def quorum_options(**kw: object) -> Quorum:
    """A ``Quorum`` with votequorum on and the given options (tests, simulator)."""
    base: dict[str, object] = {
        "provider": "corosync_votequorum", "expected_votes": None, "two_node": False,
        "wait_for_all": False, "last_man_standing": False, "last_man_standing_window": 10000,
        "auto_tie_breaker": False, "auto_tie_breaker_node": "lowest", "allow_downscale": False,
    }  # fmt: skip
    base.update(kw)
    return Quorum(**base)  # type: ignore[arg-type]


def members_of(nodes: Sequence[int]) -> dict[int, int]:
    return dict.fromkeys(nodes, 1)
