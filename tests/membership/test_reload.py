"""``plan_reload``: what a running node applies from an edited corosync.conf, and the
edits it refuses with the edited place's file:line:column."""

from __future__ import annotations

import pytest

from paceline.core.errors import ConfigError
from paceline.membership.config import load
from paceline.membership.reload import plan_reload

NODE = "    node {{\n        name: n{i}\n        nodeid: {i}\n        ring0_addr: 198.18.7.{i}\n    }}\n"


def conf(
    ids: tuple[int, ...] = (1, 2),
    *,
    name: str = "mnetc",
    crypto: str = "    crypto_hash: sha256\n    crypto_cipher: none\n",
    quorum: str = "",
    addr1: str = "198.18.7.1",
) -> str:
    nodes = "".join(NODE.format(i=i) for i in ids).replace("198.18.7.1\n", f"{addr1}\n")
    return (
        f"totem {{\n    version: 2\n    cluster_name: {name}\n    token: 500\n{crypto}}}\n"
        f"nodelist {{\n{nodes}}}\n"
        f"quorum {{\n    provider: corosync_votequorum\n{quorum}}}\n"
    )


OLD = load(conf(), "old.conf")[0]


def refused(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        plan_reload(OLD, text, "new.conf", 1)
    return info.value


def test_an_added_and_a_removed_node_are_the_plan() -> None:
    plan = plan_reload(OLD, conf((1, 2, 3)), "new.conf", 1)
    assert (plan.added, plan.removed, plan.changed) == ((3,), (), ())
    assert plan.config.expected_votes() == 3
    assert plan.config.totem.effective_token == 500 + 650  # token_coefficient per node past 2
    three = load(conf((1, 2, 3)))[0]
    back = plan_reload(three, conf((1, 3)), "new.conf", 1)
    assert (back.added, back.removed) == ((), (2,))


def test_a_syntax_error_names_its_line_and_column() -> None:
    err = refused(conf().replace("    token: 500\n", "    token: 500\n    oops\n"))
    assert str(err).startswith("new.conf:5:5: Line is not opening or closing section")


def test_a_changed_cluster_name_is_refused_at_its_value() -> None:
    err = refused(conf(name="other"))
    assert str(err).startswith(
        "new.conf:3:19: totem.cluster_name: Cannot change on a running node (restart"
    )


def test_switching_authentication_is_refused_at_the_crypto_keys() -> None:
    err = refused(conf(crypto="    crypto_hash: sha256\n    crypto_cipher: aes256\n"))
    assert str(err).startswith(
        "new.conf:6:20: totem.crypto_cipher: authentication (hmac-sha256 -> aes-256-gcm) cannot"
    )
    err = refused(conf(crypto="    secauth: off\n"))
    assert str(err).startswith("new.conf:5:14: totem.secauth: authentication (hmac-sha256 -> none)")


def test_this_nodes_own_address_and_presence_cannot_change() -> None:
    err = refused(conf(addr1="198.18.7.9"))
    assert str(err).startswith("new.conf:12:21: nodelist.node.ring0_addr: this node's address")
    err = refused(conf((2, 3)))
    assert "removing this node (id 1)" in str(err) and str(err).startswith("new.conf:8:1:")


def test_start_up_quorum_options_are_refused_but_two_nodes_implied_wait_for_all_stays() -> None:
    err = refused(conf(quorum="    last_man_standing: 1\n"))
    assert str(err).startswith("new.conf:22:24: quorum.last_man_standing: Cannot change")
    two = load(conf(quorum="    two_node: 1\n"))[0]
    assert two.quorum.wait_for_all  # two_node implies it
    plan = plan_reload(two, conf((1, 2, 3)), "new.conf", 1)  # two_node dropped for 3 nodes
    assert plan.config.quorum.wait_for_all and not plan.config.quorum.two_node
    assert any("wait_for_all stays on" in str(n) for n in plan.notes)
    with pytest.raises(ConfigError, match="wait_for_all: Cannot change"):
        plan_reload(two, conf((1, 2, 3), quorum="    wait_for_all: 0\n"), "new.conf", 1)


MCAST = """totem {{
    version: 2
    secauth: off
    interface {{
        ringnumber: 0
        bindnetaddr: 198.18.7.0
        mcastaddr: {group}
        mcastport: 6800
    }}
}}
quorum {{
    provider: corosync_votequorum
    expected_votes: {votes}
}}
"""


def test_a_multicast_file_reloads_expected_votes_but_not_its_group() -> None:
    old = load(MCAST.format(group="239.0.0.1", votes=2), "old.conf")[0]
    plan = plan_reload(old, MCAST.format(group="239.0.0.1", votes=3), "new.conf", 7)
    assert plan.config.expected_votes() == 3 and plan.added == ()
    with pytest.raises(ConfigError) as info:
        plan_reload(old, MCAST.format(group="239.0.0.2", votes=2), "new.conf", 7)
    assert str(info.value).startswith("new.conf:7:20: totem.interface.mcastaddr: Cannot change")
