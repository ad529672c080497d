"""corosync.conf reading: both styles, derived timeouts, blame on bad values."""

from __future__ import annotations

import pytest

from paceline.core.errors import ConfigError
from paceline.membership.config import (
    Auth,
    Severity,
    load,
    local_address,
    local_node,
    nodeid_from_address,
)
from shared_paths import SHARED

REFERENCE = SHARED / "reference" / "corosync.conf"

NODELIST = """\
totem {
    version: 2
    cluster_name: lamp
    transport: knet
%s
}
nodelist {
    node {
        name: alice
        nodeid: 1
        ring0_addr: 198.18.0.1
        ring1_addr: 198.19.0.1
    }
    node {
        name: bob
        nodeid: 2
        ring0_addr: 198.18.0.2
        ring1_addr: 198.19.0.2
    }
%s
}
quorum {
    provider: corosync_votequorum
%s
}
"""

THIRD = """\
    node {
        name: carol
        nodeid: 3
        ring0_addr: 198.18.0.3
    }
"""


def conf(totem: str = "", third: bool = False, quorum: str = "") -> str:
    return NODELIST % (totem, THIRD if third else "", quorum)


def test_reference_file_loads_with_notes() -> None:
    config, notes = load(REFERENCE.read_text(), str(REFERENCE))
    assert config.multicast
    (iface,) = config.interfaces
    assert (iface.mcastaddr, iface.mcastport, iface.bindnetaddr) == (
        "239.0.0.1",
        6800,
        "192.168.1.0",
    )
    assert config.totem.token == 3000 and config.totem.consensus == 3600 and config.totem.join == 60
    assert config.totem.auth is Auth.NONE
    texts = [str(n) for n in notes]
    for block in ("service", "amf", "aisexec"):
        assert any(f"'{block}'" in t and ": note:" in t for t in texts), block
    warn = [n for n in notes if n.severity is Severity.WARNING]
    assert len(warn) == 1 and "authentication is off" in warn[0].message
    assert warn[0].line == 14  # the secauth: off line
    assert config.quorum.provider is None


def test_nodelist_style_and_paceline_default_token() -> None:
    config, notes = load(conf(), "c.conf")
    assert notes == []
    assert [n.name for n in config.nodes] == ["alice", "bob"]
    assert config.links == (0, 1)
    t = config.totem
    assert t.token == 1000 and t.effective_token == 1000
    assert t.token_retransmit == 238 and t.hold == 180 and t.consensus == 1200 and t.join == 50
    assert t.auth is Auth.HMAC_SHA256  # on unless turned off explicitly
    assert config.expected_votes() == 2


def test_token_coefficient_as_corosync_computes_it() -> None:
    config, _ = load(conf(totem="    token: 3000", third=True), "c.conf")
    assert config.totem.effective_token == 3650
    assert config.totem.consensus == int(1.2 * 3650)
    assert config.totem.token_retransmit == int(3650 / 4.2)
    config, _ = load(conf(totem="    token: 3000\n    token_coefficient: 0", third=True), "c.conf")
    assert config.totem.effective_token == 3000


def test_crypto_settings() -> None:
    assert (
        load(conf(totem="    crypto_cipher: aes256\n    crypto_hash: sha256"))[0].totem.auth
        is Auth.AES_256_GCM
    )
    assert load(conf(totem="    secauth: on"))[0].totem.auth is Auth.AES_256_GCM
    config, notes = load(conf(totem="    crypto_hash: none"))
    assert config.totem.auth is Auth.NONE and any(
        "authentication is off" in n.message for n in notes
    )
    with pytest.raises(ConfigError, match="crypto_cipher"):
        load(conf(totem="    crypto_hash: none\n    crypto_cipher: aes256"))


def test_quorum_section() -> None:
    config, _ = load(conf(quorum="    two_node: 1"))
    assert config.quorum.two_node and config.quorum.wait_for_all  # two_node implies WFA
    config, _ = load(conf(quorum="    two_node: 1\n    wait_for_all: 0"))
    assert not config.quorum.wait_for_all
    config, _ = load(
        conf(
            quorum="    auto_tie_breaker: 1\n    auto_tie_breaker_node: 2 1\n    last_man_standing: 1"
        )
    )
    assert config.quorum.auto_tie_breaker and config.quorum.auto_tie_breaker_node == ("2", "1")
    assert config.quorum.last_man_standing and config.quorum.last_man_standing_window == 10000


def test_unknown_keys_warn_with_location() -> None:
    _, notes = load(conf(totem="    tokken: 5"), "c.conf")
    (n,) = notes
    assert n.severity is Severity.WARNING and "totem.tokken" in n.message
    assert str(n).startswith("c.conf:5:5: warning")


@pytest.mark.parametrize(
    ("totem", "quorum", "where", "field"),
    [
        ("    token: fast", "", "c.conf:5:12", "totem.token"),
        ("    token: 10", "", "c.conf:5:12", "totem.token"),
        ("    consensus: 1000", "", "c.conf:5:16", "totem.consensus"),
        ("    join: 2000", "", "c.conf:5:11", "totem.join"),
        ("    transport: tcp", "", "c.conf:5:16", "totem.transport"),
        ("", "    two_node: maybe", "c.conf:24:15", "quorum.two_node"),
    ],
)
def test_bad_values_blame_file_line_column(totem: str, quorum: str, where: str, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(conf(totem=totem, quorum=quorum), "c.conf")
    assert str(info.value).startswith(f"{where}: {field}: ")


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("totem {\n  version: 2\n", "Missing closing brace", "c.conf:1:1"),
        ("}\n", "Unexpected closing brace", "c.conf:1:1"),
        ("totem { x\n}\n", "Extra characters", "c.conf:1:9"),
        ("totem {\n  token 3000\n}\n", "not opening or closing", "c.conf:2:3"),
    ],
)
def test_syntax_errors(text: str, message: str, where: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load(text, "c.conf")
    assert str(info.value).startswith(where)


def test_duplicate_nodeid_and_missing_peers() -> None:
    text = conf().replace("nodeid: 2", "nodeid: 1")
    with pytest.raises(ConfigError, match="nodeid 1 used twice"):
        load(text, "c.conf")
    with pytest.raises(ConfigError, match="no way to find peers"):
        load(
            "totem {\n version: 2\n transport: udpu\n interface {\n  bindnetaddr: 198.18.0.0\n }\n}\n"
        )


def test_local_identity() -> None:
    config, _ = load(conf())
    assert local_address("198.18.0.0", [("127.0.0.1", 8), ("198.18.0.7", 24)]) == "198.18.0.7"
    assert local_address("198.18.0.7", [("198.18.0.7", 24)]) == "198.18.0.7"
    assert local_address("198.20.0.0", [("198.18.0.7", 24)]) is None
    node = local_node(config, "bob.example", [])
    assert node is not None and node.nodeid == 2
    node = local_node(config, "other", [("198.19.0.1", 16)])
    assert node is not None and node.nodeid == 1
    assert nodeid_from_address("192.168.1.1") == 3232235777
    assert nodeid_from_address("192.168.1.1", clear_high_bit=True) == 1084752129
