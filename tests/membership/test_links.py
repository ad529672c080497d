"""``corosync-cfgtool -s`` layout of per-link state."""

from __future__ import annotations

from paceline.membership.links import LinkStatus, links_exit_code, render_links


def test_cfgtool_layout_and_exit_code() -> None:
    links = [LinkStatus(0, "198.18.0.1", {2: True, 3: True})]
    assert render_links(1, links) == (
        "Local node ID 1, transport knet\n"
        "LINK ID 0 udp\n"
        "\taddr\t= 198.18.0.1\n"
        "\tstatus:\n"
        "\t\tnodeid:          1:\tlocalhost\n"
        "\t\tnodeid:          2:\tconnected\n"
        "\t\tnodeid:          3:\tconnected\n"
    )
    assert links_exit_code(links) == 0
    faulty = [*links, LinkStatus(1, "198.19.0.1", {2: False, 3: True})]
    assert "nodeid:          2:\tdisconnected" in render_links(1, faulty)
    assert links_exit_code(faulty) == 1
