"""Cluster reload on running cores: a node added joins the view, a node removed leaves it."""

from __future__ import annotations

from functools import partial

import pytest

from paceline.core.frame import AuthMode
from paceline.core.ports import Address
from paceline.membership.core import MembershipCore
from paceline.membership.events import LinkSpec
from paceline.membership.quorum import quorum_options
from paceline.membership.settings import MembershipSettings
from paceline.sim.membership import LinksDriver
from paceline.sim.node import NodeContext
from paceline.sim.system import System

KEY = b"r" * 32


def config(ids: tuple[int, ...], me: int) -> tuple[MembershipSettings, list[LinkSpec]]:
    settings = MembershipSettings(
        token=0.5, heartbeat=0.125, consensus=0.6, join=0.05,
        auth=AuthMode.HMAC_SHA256, quorum=quorum_options(), votes=dict.fromkeys(ids, 1),
    )  # fmt: skip
    peers = {i: Address(f"n{i}", 5405, "ring0") for i in ids if i != me}
    return settings, [LinkSpec(0, Address(f"n{me}", 5405, "ring0"), peers)]


def test_nodes_added_and_removed_by_a_reload_join_and_leave_the_view() -> None:
    system = System(2, networks=["ring0"])
    cores: dict[int, MembershipCore] = {}
    drivers: dict[int, LinksDriver] = {}
    first = (1, 2, 3)

    def boot(me: int, ids: tuple[int, ...], ctx: NodeContext) -> None:
        settings, links = config(ids, me)
        cores[me] = MembershipCore(settings, me, links, KEY, ctx.rng, ctx.now())
        drivers[me] = LinksDriver(ctx, cores[me], links)

    for i in first:
        system.node(f"n{i}", partial(boot, i, first))
    system.node("n4", partial(boot, 4, (1, 2, 3, 4)))
    for i in first:
        system.cluster.nodes[f"n{i}"].start()
    sim = system.sim
    sim.run_until(2.0)
    assert {cores[i].view.members for i in first} == {first}  # type: ignore[union-attr]

    system.cluster.nodes["n4"].start()
    sim.run_until(4.0)
    assert cores[1].view.members == first  # type: ignore[union-attr]  # n4 unknown to them
    assert cores[1].counters["unknown_sender"] > 0
    for i in first:
        settings, links = config((1, 2, 3, 4), i)
        cores[i].reconfigure(settings, links, system.cluster.nodes[f"n{i}"].clock.now())
        drivers[i].pump()
    sim.run_until(6.0)
    assert {cores[i].view.members for i in (1, 2, 3, 4)} == {(1, 2, 3, 4)}  # type: ignore[union-attr]
    assert cores[1].quorum_state().expected_votes == 4  # type: ignore[union-attr]

    rest = (1, 2, 4)
    for i in rest:
        settings, links = config(rest, i)
        cores[i].reconfigure(settings, links, system.cluster.nodes[f"n{i}"].clock.now())
        drivers[i].pump()
    sim.run_until(8.0)
    for i in rest:
        view = cores[i].view
        assert view is not None and view.members == rest and view.quorate
    state = cores[1].quorum_state()
    assert state is not None and state.expected_votes == 3 and state.total_votes == 3


def test_a_reload_cannot_switch_authentication_off() -> None:
    settings, links = config((1, 2), 1)
    import random

    core = MembershipCore(settings, 1, links, KEY, random.Random(1), 0.0)
    off = MembershipSettings(auth=AuthMode.NONE, votes={1: 1, 2: 1})
    with pytest.raises(ValueError, match="auth"):
        core.reconfigure(off, links, 1.0)


def test_a_reload_past_two_nodes_turns_two_node_off_as_corosync_does() -> None:
    import random

    _, links = config((1, 2), 1)
    two = MembershipSettings(
        token=0.5, heartbeat=0.125, consensus=0.6, join=0.05, auth=AuthMode.HMAC_SHA256,
        quorum=quorum_options(two_node=True), votes={1: 1, 2: 1},
    )  # fmt: skip
    core = MembershipCore(two, 1, links, KEY, random.Random(1), 0.0)
    assert core.votequorum.two_node
    three, links3 = config((1, 2, 3), 1)
    core.reconfigure(
        MembershipSettings(
            token=0.5, heartbeat=0.125, consensus=0.6, join=0.05, auth=AuthMode.HMAC_SHA256,
            quorum=quorum_options(two_node=True), votes=dict(three.votes),
        ),
        links3,
        1.0,
    )  # fmt: skip
    assert not core.votequorum.two_node
