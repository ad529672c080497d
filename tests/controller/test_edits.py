"""The configuration edits behind ``paceline resource`` verbs."""

from __future__ import annotations

import pytest

from paceline.cib.model import Cib, Configuration, Location
from paceline.controller import edits
from paceline.controller import status as st
from paceline.core.errors import ConfigError
from paceline.crm import api

CONFIG = """\
primitive vip ocf:heartbeat:IPaddr2 params ip=198.18.0.64
primitive d1 ocf:pacemaker:Dummy
group g vip d1
"""


def cfg() -> Configuration:
    cib, _ = api.load(Cib(), CONFIG)
    return cib.configuration


def test_move_ban_clear() -> None:
    c = edits.move(cfg(), "g", "node2")
    c = edits.ban(c, "g", "node1")
    ids = {getattr(x, "id", "") for x in c.constraints}
    assert ids == {"cli-prefer-g", "cli-ban-g-on-node1"}
    prefer = next(x for x in c.constraints if getattr(x, "id", "") == "cli-prefer-g")
    assert isinstance(prefer, Location) and prefer.node == "node2" and prefer.score is not None
    assert prefer.score.value == 1_000_000
    assert edits.clear(c, "g").constraints == ()
    only = edits.clear(c, "g", "node1")
    assert {getattr(x, "id", "") for x in only.constraints} == {"cli-prefer-g"}


def test_move_with_lifetime_is_a_rule_the_scheduler_reads() -> None:
    c = edits.move(cfg(), "g", "node2", until="2030-01-01")
    loc = c.constraints[0]
    assert isinstance(loc, Location) and loc.rules and loc.node is None


def test_stop_and_start_set_target_role_on_a_group_member() -> None:
    c = edits.target_role(cfg(), "d1", "Stopped")
    cib = Cib(configuration=c)
    text = api.show(cib)
    assert "target-role=Stopped" in text
    back = edits.target_role(c, "d1", None)
    assert "target-role" not in api.show(Cib(configuration=back))


def test_unknown_resource_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no resource 'nope'"):
        edits.move(cfg(), "nope", "node1")


def test_node_attribute_set_and_delete() -> None:
    cib, _ = api.load(Cib(), "node node1\nnode node2\n" + CONFIG)
    c = st.set_node_attribute(cib.configuration, "node1", "standby", "on")
    assert st.node_attribute(c, "node1", "standby") == "on"
    c = st.set_node_attribute(c, "node1", "standby", None)
    assert st.node_attribute(c, "node1", "standby") is None
