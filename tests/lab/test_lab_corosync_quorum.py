"""Votequorum and ``paceline quorum``'s table against real Corosync 3.1 in lab nodes.

Debian's corosync runs in the lab's nodes (as ``/work/shared/baseline``
does); nodes leave (power-off: every process dies at once) and return
(power-on, corosync started again). At each step, on an observing node, the
membership corosync reports is fed to our ``Votequorum`` (configured from
the same corosync.conf by our loader) and our ``render_status`` text must
equal ``corosync-quorumtool -s``'s, and our exit code its exit status.

Allowed differences, and only these: the ``Date:`` and ``Ring ID:`` values
(ours take corosync's: wall time and Totem's ring numbering are not
arithmetic). Everything else — node count, quorate, expected and highest
expected votes, total votes, quorum, ``Activity blocked``, the flags and
their order, the membership table — must match byte for byte.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from paceline.lab import corosync
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab
from paceline.membership.config import load
from paceline.membership.quorum import QuorumState, Votequorum, exit_code, render_status

pytestmark = pytest.mark.lab

STEP_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def lab(lab_ok: None) -> Iterator[Lab]:
    import os

    with running_lab(f"mnet{os.getpid()}-cs", 4, power_api=False) as lab:
        yield lab


@dataclass
class Observer:
    """Our votequorum on one node, fed what that node's corosync reports."""

    vq: Votequorum
    fed: tuple[int, ...] | None = None
    history: list[str] = field(default_factory=list)

    def feed(self, members: tuple[int, ...], now: float) -> QuorumState:
        if members != self.fed:
            self.fed = members
            self.vq.membership(now, dict.fromkeys(members, 1))
        self.vq.tick(now)
        return self.vq.state()


class Run:
    """One scenario: corosync on ``nodes`` with ``options``; faults and comparisons."""

    def __init__(self, lab: Lab, nodes: list[str], options: dict[str, str | int]) -> None:
        self.lab = lab
        self.nodes = nodes
        self.text = corosync.conf_text(lab, nodes, options, cluster_name="mnet")
        self.config, _ = load(self.text, "corosync.conf")
        self.observers: dict[str, Observer] = {}
        for n in lab.plan.node_names:
            if not lab.running(n):
                lab.power_on(n)
            corosync.stop(lab, n)
        for n in nodes:
            corosync.write_conf(lab, n, self.text)

    def _observer(self, name: str) -> Observer:
        if name not in self.observers:
            known = {n.nodeid: n.votes for n in self.config.nodes}
            expected = self.config.expected_votes()
            assert expected is not None
            self.observers[name] = Observer(Votequorum(self.config.quorum, expected, known))
        return self.observers[name]

    def start(self, *names: str) -> None:
        for n in names:
            self.observers.pop(n, None)  # a fresh corosync: a fresh votequorum
            corosync.start(self.lab, n)

    def power_off(self, *names: str) -> None:
        for n in names:
            self.lab.power_off(n)
            self.observers.pop(n, None)

    def power_on(self, *names: str) -> None:
        for n in names:
            self.lab.power_on(n)
        self.start(*names)

    def expect(self, on: str, members: tuple[int, ...], *, quorate: bool, showing: str = "") -> str:
        """Wait until ``on``'s corosync lists ``members`` (and prints ``showing``), then
        compare texts and exit codes."""
        obs = self._observer(on)
        deadline = time.monotonic() + STEP_TIMEOUT
        last = ""
        while True:
            rc, text = corosync.quorumtool(self.lab, on)
            status = corosync.parse_status(text)
            if status is not None:
                ours = obs.feed(status.members, time.monotonic())
                mine = render_status(
                    ours, date=status.date, local=status.local, ring_id=status.ring,
                    names=status.names, votes={n.nodeid: n.votes for n in self.config.nodes},
                )  # fmt: skip
                settled = status.members == members and status.quorate == quorate
                settled = settled and showing in text
                if settled and mine == text and rc == exit_code(ours):
                    return text
                last = f"corosync (rc {rc}):\n{text}\nours (rc {exit_code(ours)}):\n{mine}"
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{on}: expected members {members} quorate={quorate}; last seen:\n{last}"
                )
            time.sleep(0.2)


def test_default_votequorum_nodes_leave_and_return(lab: Lab) -> None:
    run = Run(lab, ["node1", "node2", "node3"], {})
    run.start("node1", "node2", "node3")
    run.expect("node1", (1, 2, 3), quorate=True)
    run.power_off("node3")
    run.expect("node1", (1, 2), quorate=True)
    run.power_off("node2")
    text = run.expect("node1", (1,), quorate=False)
    assert "Activity blocked" in text
    run.power_on("node2", "node3")
    run.expect("node1", (1, 2, 3), quorate=True)


def test_two_node_waits_for_all_then_survives_its_peer(lab: Lab) -> None:
    run = Run(lab, ["node1", "node2"], {"two_node": 1})
    run.start("node1")
    run.expect("node1", (1,), quorate=False)  # wait_for_all: never saw node2
    run.start("node2")
    text = run.expect("node1", (1, 2), quorate=True)
    assert "2Node Quorate WaitForAll" in text
    run.power_off("node2")
    run.expect("node1", (1,), quorate=True)
    run.power_on("node2")
    run.expect("node2", (1, 2), quorate=True)


def test_wait_for_all_with_three_nodes(lab: Lab) -> None:
    run = Run(lab, ["node1", "node2", "node3"], {"wait_for_all": 1})
    run.start("node1", "node2")
    run.expect("node1", (1, 2), quorate=False)  # 2 votes of 3 would do, but not all were seen
    run.start("node3")
    run.expect("node1", (1, 2, 3), quorate=True)
    run.power_off("node3")
    run.expect("node1", (1, 2), quorate=True)
    run.power_off("node2")
    run.expect("node1", (1,), quorate=False)


def test_last_man_standing_lowers_expected_votes_after_the_window(lab: Lab) -> None:
    run = Run(
        lab,
        ["node1", "node2", "node3", "node4"],
        {"last_man_standing": 1, "last_man_standing_window": 1500},
    )
    run.start("node1", "node2", "node3", "node4")
    run.expect("node1", (1, 2, 3, 4), quorate=True)
    run.power_off("node4")
    run.expect("node1", (1, 2, 3), quorate=True)
    run.power_off("node3")
    expected_2 = "Expected votes:   2\n"  # after the window
    text = run.expect("node1", (1, 2), quorate=True, showing=expected_2)
    assert "LastManStanding" in text
    run.power_off("node2")
    run.expect("node1", (1,), quorate=False)  # not below two without auto_tie_breaker
    run.power_on("node2", "node3", "node4")
    run.expect("node1", (1, 2, 3, 4), quorate=True)


def test_auto_tie_breaker_keeps_the_half_with_the_lowest_node(lab: Lab) -> None:
    run = Run(lab, ["node1", "node2", "node3", "node4"], {"auto_tie_breaker": 1})
    run.start("node1", "node2", "node3", "node4")
    run.expect("node1", (1, 2, 3, 4), quorate=True)
    run.power_off("node3", "node4")
    text = run.expect("node1", (1, 2), quorate=True)
    assert "AutoTieBreaker" in text
    run.power_on("node3", "node4")
    run.expect("node3", (1, 2, 3, 4), quorate=True)
    run.power_off("node1", "node2")
    run.expect("node3", (3, 4), quorate=False)
    run.power_on("node1", "node2")
    run.expect("node3", (1, 2, 3, 4), quorate=True)
