"""Partition, loss and rate rules (pure)."""

from __future__ import annotations

import pytest

from paceline.core.errors import ConfigError
from paceline.lab.impair import (
    Block,
    Impairments,
    check_rate,
    parse_groups,
    partition,
    render_nft,
    shapers,
)
from paceline.lab.plan import build_plan

PLAN3 = build_plan("t", 4, 3, rings=2)


def test_one_name_means_that_node_against_the_rest() -> None:
    assert parse_groups(PLAN3, "node2") == [["node2"], ["node1", "node3"]]
    assert parse_groups(PLAN3, "node1,node3/node2") == [["node1", "node3"], ["node2"]]


@pytest.mark.parametrize("spec", ["node1/node1", "node1//node2", "node1,node2,node3", "node9"])
def test_bad_partitions_are_config_errors(spec: str) -> None:
    with pytest.raises(ConfigError):
        parse_groups(PLAN3, spec)


def test_two_way_partition_blocks_both_directions_on_every_link_between_sides() -> None:
    blocks = partition(PLAN3, [["node1"], ["node2", "node3"]])
    for other, cable in (("node2", "rep1-2"), ("node3", "rep1-3")):
        for via in ("pub0", "pub1", cable):
            assert Block("node1", other, via) in blocks
            assert Block(other, "node1", via) in blocks
    assert not any({b.src, b.dst} == {"node2", "node3"} for b in blocks)
    assert len(blocks) == 2 * 2 * 3


def test_one_way_partition_blocks_only_traffic_leaving_the_first_side() -> None:
    blocks = partition(PLAN3, [["node1"], ["node2", "node3"]], via="rep", one_way=True)
    assert blocks == {Block("node1", "node2", "rep1-2"), Block("node1", "node3", "rep1-3")}


def test_via_selects_links() -> None:
    assert {b.via for b in partition(PLAN3, [["node1"], ["node2"]], via="pub1")} == {"pub1"}
    with pytest.raises(ConfigError) as err:
        partition(PLAN3, [["node1"], ["node2"]], via="pub7")
    assert err.value.field == "--via"


def test_rules_land_on_the_receiving_node_and_match_the_sender_mac() -> None:
    imp = Impairments(blocks=partition(PLAN3, [["node1"], ["node2"]], via="pub0", one_way=True))
    assert "chain" not in render_nft(PLAN3, "node1", imp)  # the sender keeps no rule
    script = render_nft(PLAN3, "node2", imp)
    mac = PLAN3.node("node1").mac_of("pub0")
    assert 'hook ingress device "pub0"' in script
    assert f"ether saddr {mac} drop" in script
    assert "node3" not in script and "rep" not in script


def test_cable_block_drops_everything_on_that_cable() -> None:
    imp = Impairments(blocks=partition(PLAN3, [["node1"], ["node3"]], via="rep"))
    script = render_nft(PLAN3, "node3", imp)
    assert "chain ingress_rep1_3" in script and "\n    drop\n" in script


def test_render_always_replaces_the_whole_table() -> None:
    script = render_nft(PLAN3, "node1", Impairments())
    assert script.splitlines() == ["table netdev paceline_lab", "delete table netdev paceline_lab"]


def test_loss_on_a_public_port_hits_both_directions_at_the_node() -> None:
    imp = Impairments().with_loss("node2:pub1", 30)
    script = render_nft(PLAN3, "node2", imp)
    assert script.count("numgen random mod 100 < 30 drop") == 2
    assert 'hook egress device "pub1"' in script
    assert "numgen" not in render_nft(PLAN3, "node1", imp)
    assert imp.with_loss("node2:pub1", 0) == Impairments()
    total = render_nft(PLAN3, "node2", Impairments().with_loss("node2:pub1", 100))
    assert "numgen" not in total and total.count("    drop") == 2  # nft refuses "< 100"


def test_loss_on_a_cable_hits_both_ends_on_ingress() -> None:
    imp = Impairments().with_loss("rep2-3", 5)
    for n in ("node2", "node3"):
        s = render_nft(PLAN3, n, imp)
        assert 'hook ingress device "rep2-3"' in s and "egress" not in s


def test_shapers_limit_every_sending_end() -> None:
    got = {(s.netns, s.ifname) for s in shapers(PLAN3, ["node1:pub0", "rep1-2"])}
    assert got == {("pl4n1", "pub0"), (None, "pl4n1p0"), ("pl4n1", "rep1-2"), ("pl4n2", "rep1-2")}
    assert check_rate("500kbit") == "500kbit"
    with pytest.raises(ConfigError):
        check_rate("fast")


def test_impairments_survive_json() -> None:
    imp = (
        Impairments(blocks=partition(PLAN3, [["node1"], ["node2"]]))
        .with_loss("rep1-2", 3)
        .with_slow("rep1-3", "1mbit")
    )
    assert Impairments.from_json(imp.to_json()) == imp
