"""The membership contract: ids, views, events, settings and links from corosync.conf."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paceline.core.frame import AuthMode
from paceline.core.ports import Address
from paceline.membership.config import load
from paceline.membership.events import LinkSpec, RingId, View, ViewInstalled
from paceline.membership.settings import MembershipSettings, links_from_config

NODELIST = """
totem {
  version: 2
  cluster_name: t
  token: 2000
  interface {
    linknumber: 0
  }
  interface {
    linknumber: 1
    knet_link_priority: 5
  }
}
nodelist {
  node {
    nodeid: 1
    name: a
    ring0_addr: 198.18.0.1
    ring1_addr: 198.19.0.1
  }
  node {
    nodeid: 2
    name: b
    ring0_addr: 198.18.0.2
    ring1_addr: 198.19.0.2
  }
  node {
    nodeid: 3
    name: c
    ring0_addr: 198.18.0.3
    ring1_addr: 198.19.0.3
  }
}
quorum {
  provider: corosync_votequorum
}
"""


def test_ring_ids_order_by_seq_then_rep() -> None:
    assert RingId(1, 9) < RingId(2, 1) < RingId(2, 3)
    assert str(RingId(4, 2)) == "4.2"
    assert RingId(4, 2).as_tuple() == (4, 2)


def test_view_checks_members_and_dc() -> None:
    view = View(RingId(1, 1), (1, 2, 3), 2, True)
    assert "dc 2" in str(ViewInstalled(view))
    with pytest.raises(ValueError, match="sorted"):
        View(RingId(1, 1), (2, 1), 1, True)
    with pytest.raises(ValueError, match="DC"):
        View(RingId(1, 1), (1, 2), 3, True)


def test_link_spec_refuses_a_peer_on_another_network() -> None:
    with pytest.raises(ValueError, match="network"):
        LinkSpec(0, Address("a", 1, "ring0"), {2: Address("b", 1, "ring1")})


def test_settings_from_a_nodelist_file() -> None:
    config, _ = load(NODELIST)
    settings = MembershipSettings.from_config(config)
    assert settings.token == pytest.approx(config.totem.effective_token / 1000)
    assert settings.heartbeat < settings.token
    assert settings.consensus >= 1.2 * settings.token - 1e-9
    assert settings.votes == {1: 1, 2: 1, 3: 1}
    assert settings.expected_votes == 3
    assert settings.auth is AuthMode.HMAC_SHA256


def test_links_from_a_nodelist_file() -> None:
    config, _ = load(NODELIST)
    links = links_from_config(config, 2)
    assert [link.number for link in links] == [0, 1]
    assert links[0].local == Address("198.18.0.2", 5405, "ring0")
    assert links[1].peers[3] == Address("198.19.0.3", 5406, "ring1")
    assert links[1].priority == 5
    assert set(links[0].peers) == {1, 3}
    with pytest.raises(ValueError, match="nodelist"):
        links_from_config(config, 9)


def test_the_reference_file_gives_a_multicast_link() -> None:
    path = Path(os.environ.get("PACELINE_SHARED", "/work/shared")) / "reference" / "corosync.conf"
    if not path.exists():
        pytest.skip("no shared reference")
    config, _ = load(path.read_text(), str(path))
    settings = MembershipSettings.from_config(config)
    assert settings.auth is AuthMode.NONE  # secauth: off
    links = links_from_config(config, 1, {0: "198.18.0.1"})
    assert links[0].group == Address("239.0.0.1", 6800, "ring0")
    assert links[0].local.host == "198.18.0.1"
    with pytest.raises(ValueError, match="local address"):
        links_from_config(config, 1)


def test_settings_refuse_bad_timing() -> None:
    with pytest.raises(ValueError):
        MembershipSettings(token=1.0, heartbeat=2.0)
    with pytest.raises(ValueError):
        MembershipSettings(join=2.0, consensus=1.0)


def test_a_core_from_a_nodelist_file() -> None:
    import random

    from paceline.membership.core import core_from_config

    config, _ = load(NODELIST)
    core = core_from_config(config, 1, b"a" * 32, random.Random(1), 0.0, incarnation=3)
    assert set(core.peers) == {2, 3}
    sent = core.datagrams_to_send(0.0)
    assert {address for _, address in sent} >= {Address("198.18.0.2", 5405, "ring0")}
    assert {address.network for _, address in sent} == {"ring0", "ring1"}
