"""Votequorum arithmetic: the cases of votequorum(5), node by node."""

from __future__ import annotations

from paceline.membership.quorum import (
    Votequorum,
    exit_code,
    members_of,
    quorum_options,
    render_status,
)


def vq(n: int, **kw: object) -> Votequorum:
    return Votequorum(quorum_options(**kw), n, members_of(range(1, n + 1)))


def test_plain_majority_and_quorum_never_drops() -> None:
    q = vq(5)
    s = q.membership(0, members_of([1, 2, 3, 4, 5]))
    assert s is not None and s.quorate and s.quorum == 3
    s = q.membership(1, members_of([1, 2, 3]))
    assert s is not None and s.quorate and s.quorum == 3
    s = q.membership(2, members_of([1, 2]))
    assert s is not None and not s.quorate and s.quorum == 3
    assert exit_code(s) == 2


def test_expected_votes_raised_by_more_votes() -> None:
    q = vq(2)
    s = q.membership(0, members_of([1, 2, 3, 4]))
    assert s is not None and s.expected_votes == 4 and s.quorum == 3


def test_two_node_implies_wait_for_all() -> None:
    q = vq(2, two_node=True, wait_for_all=True)
    s = q.membership(0, members_of([1]))
    assert s is not None and not s.quorate and s.quorum == 1  # waiting for all
    s = q.membership(1, members_of([1, 2]))
    assert s is not None and s.quorate
    s = q.membership(2, members_of([1]))
    assert s is not None and s.quorate and s.quorum == 1
    assert s.flags() == ["2Node", "Quorate", "WaitForAll"]


def test_wait_for_all_rearmed_when_inquorate() -> None:
    q = vq(3, wait_for_all=True)
    assert not q.membership(0, members_of([1, 2])).quorate  # type: ignore[union-attr]
    assert q.membership(1, members_of([1, 2, 3])).quorate  # type: ignore[union-attr]
    assert q.membership(2, members_of([1, 2])).quorate  # type: ignore[union-attr]
    assert not q.membership(3, members_of([1])).quorate  # type: ignore[union-attr]
    s = q.membership(4, members_of([1, 2]))
    assert s is not None and not s.quorate and s.waiting_for_all


def test_last_man_standing_cascades_after_window() -> None:
    q = vq(4, last_man_standing=True, last_man_standing_window=10000)
    q.membership(0, members_of([1, 2, 3, 4]))
    q.membership(1, members_of([1, 2, 3]))
    assert q.next_deadline() == 11
    assert q.tick(5) is None
    s = q.tick(11)
    assert s is not None and s.expected_votes == 3 and s.quorum == 2 and s.quorate
    q.membership(12, members_of([1, 2]))
    s = q.tick(22)
    assert s is not None and s.expected_votes == 2 and s.quorum == 2
    s = q.membership(23, members_of([1]))
    assert s is not None and not s.quorate  # down to one only with ATB


def test_auto_tie_breaker_lowest_and_list() -> None:
    q = vq(4, auto_tie_breaker=True)
    q.membership(0, members_of([1, 2, 3, 4]))
    assert q.membership(1, members_of([1, 2])).quorate  # type: ignore[union-attr]
    q = vq(4, auto_tie_breaker=True)
    q.membership(0, members_of([1, 2, 3, 4]))
    assert not q.membership(1, members_of([3, 4])).quorate  # type: ignore[union-attr]
    q = vq(4, auto_tie_breaker=True, auto_tie_breaker_node=("3", "1"))
    q.membership(0, members_of([1, 2, 3, 4]))
    assert q.membership(1, members_of([3, 4])).quorate  # type: ignore[union-attr]
    q = vq(4, auto_tie_breaker=True, auto_tie_breaker_node="highest")
    q.membership(0, members_of([1, 2, 3, 4]))
    assert q.membership(1, members_of([3, 4])).quorate  # type: ignore[union-attr]


def test_quorumtool_format() -> None:
    q = vq(2, two_node=True, wait_for_all=True)
    s = q.membership(0, members_of([1, 2]))
    assert s is not None
    text = render_status(
        s, date="Wed Jun  5 10:20:30 2024", local=1, ring_id=(1, 0x2C),
        names={1: "node1", 2: "node2"}, votes={1: 1, 2: 1},
    )  # fmt: skip
    assert text == (
        "Quorum information\n------------------\n"
        "Date:             Wed Jun  5 10:20:30 2024\n"
        "Quorum provider:  corosync_votequorum\n"
        "Nodes:            2\nNode ID:          1\nRing ID:          1.2c\nQuorate:          Yes\n\n"
        "Votequorum information\n----------------------\n"
        "Expected votes:   2\nHighest expected: 2\nTotal votes:      2\n"
        "Quorum:           1  \nFlags:            2Node Quorate WaitForAll \n\n"
        "Membership information\n----------------------\n"
        "    Nodeid      Votes Name\n"
        "         1          1 node1 (local)\n"
        "         2          1 node2\n"
    )
    assert exit_code(s) == 0 and exit_code(None) == 1
