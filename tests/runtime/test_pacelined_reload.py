"""``pacelined`` serves ``reload`` on node.sock (its membership's op) and learns the
names of nodes a reload adds, so the controller calls a new node by its name."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from paceline.core.paths import Paths
from paceline.runtime.control import ControlServer
from paceline.runtime.pacelined import NodeDaemon

CONF = """\
totem {{
    version: 2
    cluster_name: mnetpd
    crypto_hash: sha256
    crypto_cipher: none
    interface {{
        linknumber: 0
        mcastport: {port}
    }}
}}
nodelist {{
{nodes}}}
quorum {{
    provider: corosync_votequorum
}}
"""
NODE = "    node {{\n        name: {name}\n        nodeid: {i}\n        ring0_addr: 127.0.0.{i}\n    }}\n"


def conf(port: int, names: list[str]) -> str:
    nodes = "".join(NODE.format(name=n, i=i) for i, n in enumerate(names, 1))
    return CONF.format(port=port, nodes=nodes)


def test_a_reload_through_node_sock_names_the_added_node(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    etc = tmp_path / "etc/paceline"
    etc.mkdir(parents=True)
    (etc / "corosync.conf").write_text(conf(port, ["alpha", "beta"]))
    (etc / "authkey").write_bytes(os.urandom(64))
    daemon = NodeDaemon(Paths(tmp_path), nodeid=1)

    async def main() -> dict[str, object]:
        server = ControlServer(tmp_path / "run/paceline/test.sock", daemon="pacelined")
        daemon.register(server)
        assert "reload" in server.handlers
        daemon.membership.start(asyncio.get_running_loop())
        try:
            (etc / "corosync.conf").write_text(conf(port, ["alpha", "beta", "gamma"]))
            result: dict[str, object] = await server.handlers["reload"]({})
            return result
        finally:
            daemon.membership.stop()

    try:
        result = asyncio.run(main())
    finally:
        daemon._logfile.close()
    assert result["added"] == [3]
    assert daemon.names[3] == "gamma"
