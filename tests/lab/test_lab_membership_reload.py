"""``paceline cluster reload`` between lab nodes: a node added to and removed from a
running cluster, against real Corosync doing the same in the same lab.

Paceline: two ``membershipd`` nodes start with a two-node file; the third
node is added to every node's file, each running node reloads
(``paceline cluster reload``), the third starts and joins the view. A bad
edit (cluster_name) is refused with its file:line:column and changes
nothing. Then the third is stopped, dropped from the files, and the others
reload. Corosync 3.1: the same steps with ``corosync-cfgtool -R``. At each
step votequorum's expected votes, total votes, quorum and quorate state
must be the same on both.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from paceline.cli.main import main as cli_main
from paceline.lab import corosync
from paceline.lab import membership as mb
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab

pytestmark = pytest.mark.lab

TWO = ("node1", "node2")
ALL = ("node1", "node2", "node3")
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def lab(lab_ok: None) -> Iterator[Lab]:
    with running_lab(f"mnet{os.getpid()}-rl", 3, power_api=False) as lab:
        yield lab


def wait_for(check: Callable[[], Any], what: str) -> Any:
    end = time.monotonic() + TIMEOUT
    last: Any = None
    while True:
        try:
            last = check()
        except Exception as exc:  # a daemon not up yet
            last = exc
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {TIMEOUT} s (last: {last!r})")
        time.sleep(0.1)


Votes = tuple[int, int, int, bool]
"""(expected votes, total votes, quorum, quorate)."""


def paceline_votes(lab: Lab, node: str) -> Votes:
    st = mb.ask(lab, node, "quorum")["state"]
    return st["expected_votes"], st["total_votes"], st["quorum"], st["quorate"]


def reload(lab: Lab, node: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli_main(["cluster", "reload", "--socket", str(mb.socket_path(lab, node))])
    out = capsys.readouterr()
    return rc, out.out, out.err


def members_are(lab: Lab, nodes: tuple[str, ...], ids: tuple[int, ...]) -> bool:
    return all((v := mb.view(lab, n)) is not None and v[1] == ids for n in nodes)


def paceline_steps(lab: Lab, capsys: pytest.CaptureFixture[str]) -> list[Votes]:
    key = os.urandom(64)
    two, three = mb.conf_text(lab, TWO, token=500), mb.conf_text(lab, ALL, token=500)
    mb.install(lab, two, TWO, authkey=key)
    mb.install(lab, three, ("node3",), authkey=key)
    for n in TWO:
        mb.start(lab, n)
    steps = []
    try:
        wait_for(lambda: members_are(lab, TWO, (1, 2)), "node1 and node2 in one view")
        steps.append(paceline_votes(lab, "node1"))

        mb.install(lab, three, TWO, authkey=key)
        for n in TWO:
            rc, out, err = reload(lab, n, capsys)
            assert rc == 0 and "nodes added 3, removed none" in out, (n, out, err)
        mb.start(lab, "node3")
        wait_for(lambda: members_are(lab, ALL, (1, 2, 3)), "node3 joins the view")
        steps.append(paceline_votes(lab, "node1"))

        renamed = three.replace(f"cluster_name: {lab.plan.prefix}", "cluster_name: mnetother")
        mb.install(lab, renamed, ("node1",), authkey=key)
        before = mb.ask(lab, "node1", "quorum")
        rc, out, err = reload(lab, "node1", capsys)
        assert rc == 1, out
        assert re.search(
            r"reload refused, nothing changed: /etc/paceline/corosync.conf:3:19: ", err
        )
        assert mb.ask(lab, "node1", "quorum") == before
        mb.install(lab, three, ("node1",), authkey=key)

        mb.stop(lab, "node3")
        wait_for(lambda: members_are(lab, TWO, (1, 2)), "node3 leaves the view")
        steps.append(paceline_votes(lab, "node1"))
        mb.install(lab, two, TWO, authkey=key)
        for n in TWO:
            rc, out, err = reload(lab, n, capsys)
            assert rc == 0 and "nodes added none, removed 3" in out, (n, out, err)
        steps.append(paceline_votes(lab, "node1"))
        links = mb.ask(lab, "node1", "links")["links"][0]["peers"]
        assert links == {"2": True}, "a removed node is forgotten"
        assert members_are(lab, TWO, (1, 2))
    finally:
        for n in ALL:
            mb.stop(lab, n)
    return steps


_FIELD = re.compile(r"^(Expected votes|Total votes|Quorum|Quorate):\s+(\S+)", re.M)


def corosync_votes(lab: Lab, node: str) -> Votes:
    f = dict(_FIELD.findall(corosync.quorumtool(lab, node)[1]))
    return int(f["Expected votes"]), int(f["Total votes"]), int(f["Quorum"]), f["Quorate"] == "Yes"


def corosync_members(lab: Lab, node: str, ids: tuple[int, ...]) -> bool:
    st = corosync.parse_status(corosync.quorumtool(lab, node)[1])
    return st is not None and st.members == ids


def corosync_steps(lab: Lab) -> list[Votes]:
    two = corosync.conf_text(lab, TWO, token=500, cluster_name="mnetrl")
    three = corosync.conf_text(lab, ALL, token=500, cluster_name="mnetrl")
    for n in TWO:
        corosync.write_conf(lab, n, two)
    corosync.write_conf(lab, "node3", three)
    steps = []
    try:
        for n in TWO:
            corosync.start(lab, n)
        wait_for(lambda: corosync_members(lab, "node1", (1, 2)), "corosync: node1, node2")
        steps.append(corosync_votes(lab, "node1"))
        for n in TWO:
            corosync.write_conf(lab, n, three)
        lab.exec("node1", ["corosync-cfgtool", "-R"], check=True)  # reloads every node
        corosync.start(lab, "node3")
        wait_for(lambda: corosync_members(lab, "node1", (1, 2, 3)), "corosync: node3 joins")
        steps.append(wait_for(lambda: corosync_votes(lab, "node1"), "corosync votes"))
        corosync.stop(lab, "node3")
        wait_for(lambda: corosync_members(lab, "node1", (1, 2)), "corosync: node3 leaves")
        steps.append(corosync_votes(lab, "node1"))
        for n in TWO:
            corosync.write_conf(lab, n, two)
        lab.exec("node1", ["corosync-cfgtool", "-R"], check=True)
        time.sleep(1.0)  # the reload reaches node2's votequorum through the ring
        steps.append(corosync_votes(lab, "node1"))
    finally:
        for n in ALL:
            corosync.stop(lab, n)
    return steps


def test_a_node_added_and_removed_by_reload_as_corosync_does(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = paceline_steps(lab, capsys)
    theirs = corosync_steps(lab)
    assert ours == theirs, f"paceline {ours} corosync {theirs}"
    assert ours[1] == (3, 3, 2, True) and ours[3] == (2, 2, 2, True)
