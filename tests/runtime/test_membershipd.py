"""The stand-alone membership daemon and the ``paceline quorum`` / ``links`` verbs.

Two real ``membershipd`` processes on loopback (127.0.0.1 and 127.0.0.2,
each with its own ``--root``), a real corosync.conf and authkey: they form
a view, the CLI prints Corosync's tables from them, and a stopped daemon is
seen leaving.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from paceline.cli.main import main as cli_main
from paceline.runtime.control import ControlError, call

CONF = """\
totem {{
    version: 2
    cluster_name: mnetloop
    token: 400
    crypto_hash: sha256
    crypto_cipher: none
    interface {{
        linknumber: 0
        mcastport: {port}
    }}
}}
nodelist {{
    node {{
        name: alpha
        nodeid: 1
        ring0_addr: 127.0.0.1
    }}
    node {{
        name: beta
        nodeid: 2
        ring0_addr: 127.0.0.2
    }}
}}
quorum {{
    provider: corosync_votequorum
    two_node: 1
}}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a:
        a.bind(("127.0.0.1", 0))
        port = int(a.getsockname()[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
        b.bind(("127.0.0.2", port))  # the same port must be free on both addresses
    return port


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    end = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except ControlError:
            result = None
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"condition not met in {timeout} s")
        time.sleep(0.05)


class Daemon:
    def __init__(self, root: Path, node: int) -> None:
        self.root = root
        self.node = node
        self.sock = root / "run/paceline/membership.sock"
        self.log = root / "membershipd.out"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "paceline.runtime.membershipd", "--root", str(root), "--node", str(node)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip
        wait_for(lambda: self.proc.poll() is not None or call(self.sock, "ops", timeout=1))
        assert self.proc.poll() is None, self.log.read_text()

    def ask(self, op: str) -> Any:
        return call(self.sock, op, timeout=5)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(10)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Daemon, Daemon]]:
    port = free_port()
    key = os.urandom(64)
    roots = []
    for name in ("a", "b"):
        root = tmp_path / name
        etc = root / "etc/paceline"
        etc.mkdir(parents=True)
        (etc / "corosync.conf").write_text(CONF.format(port=port))
        (etc / "authkey").write_bytes(key)
        # the keyfile named in the conf is /etc/paceline/authkey, read under --root
        roots.append(root)
    daemons: list[Daemon] = []
    try:
        for i, root in enumerate(roots, 1):
            daemons.append(Daemon(root, i))
        yield daemons[0], daemons[1]
    finally:
        for d in daemons:
            d.stop()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = cli_main(list(argv))
    return rc, capsys.readouterr().out


def test_two_daemons_form_a_view_and_the_cli_prints_corosyncs_tables(
    pair: tuple[Daemon, Daemon], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = pair
    view = wait_for(lambda: (v := a.ask("members")["view"]) and v["members"] == [1, 2] and v)
    assert view["dc"] == 1 and view["quorate"]
    wait_for(lambda: b.ask("members")["view"] and b.ask("members")["view"]["ring"] == view["ring"])

    rc, out = cli(capsys, "--root", str(a.root), "quorum")
    assert rc == 0
    assert "Quorate:          Yes" in out
    assert "Flags:            2Node Quorate WaitForAll \n" in out
    assert out.endswith("         1          1 alpha (local)\n         2          1 beta\n")

    rc, out = cli(capsys, "--root", str(b.root), "links")
    assert rc == 0
    assert out.startswith("Local node ID 2, transport knet\nLINK ID 0 udp\n\taddr\t= 127.0.0.2\n")
    assert "\t\tnodeid:          1:\tconnected\n\t\tnodeid:          2:\tlocalhost\n" in out

    counters = a.ask("counters")
    assert counters["links"]["ring0"]["rx"] > 0 and counters["incarnation"] == 1
    events = a.ask("events")
    assert any("view" in e["event"] for e in events)

    assert b.stop() == 0
    assert not b.sock.exists(), "the socket goes with the daemon"
    wait_for(lambda: a.ask("members")["view"]["members"] == [1])
    rc, out = cli(capsys, "--root", str(a.root), "quorum")
    assert rc == 0 and "Nodes:            1\n" in out  # two_node: the survivor stays quorate
    rc, out = cli(capsys, "--root", str(a.root), "links")
    assert rc == 1 and "nodeid:          2:\tdisconnected" in out

    alone = a.ask("members")["view"]["ring"]
    saved = json.loads((b.root / "var/lib/paceline/membership.json").read_text())
    assert saved == {"incarnation": 1, "highest_ring_seq": saved["highest_ring_seq"]}
    assert saved["highest_ring_seq"] >= view["ring"][0]
    again = Daemon(b.root, 2)
    try:
        back = wait_for(
            lambda: (v := again.ask("members")["view"]) and v["members"] == [1, 2] and v
        )
        assert tuple(back["ring"]) > tuple(alone), "ring ids keep growing across a restart"
        assert again.ask("counters")["incarnation"] == 2
    finally:
        again.stop()


def test_the_cli_says_when_no_daemon_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["--root", str(tmp_path), "quorum"]) == 1
    assert "is the daemon running" in capsys.readouterr().err
    assert cli_main(["--root", str(tmp_path), "links"]) == 1


def test_a_missing_authkey_stops_the_daemon_with_a_clear_error(tmp_path: Path) -> None:
    etc = tmp_path / "etc/paceline"
    etc.mkdir(parents=True)
    (etc / "corosync.conf").write_text(CONF.format(port=free_port()))
    proc = subprocess.run(
        [sys.executable, "-m", "paceline.runtime.membershipd", "--root", str(tmp_path), "--node", "1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "authkey" in proc.stderr and "paceline keygen" in proc.stderr
    assert not (tmp_path / "run/paceline/membership.sock").exists()


def test_cluster_reload_refuses_bad_edits_with_their_place_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One daemon (a view of itself): edits it cannot take live are refused at their
    file:line:column and change nothing; a good edit (a new node, token) applies."""
    port = free_port()
    etc = tmp_path / "etc/paceline"
    etc.mkdir(parents=True)
    conf = etc / "corosync.conf"
    good = CONF.format(port=port)
    conf.write_text(good)
    (etc / "authkey").write_bytes(os.urandom(64))
    d = Daemon(tmp_path, 1)
    try:
        wait_for(lambda: (v := d.ask("members")["view"]) and v["members"] == [1])
        before = d.ask("quorum")["state"]
        assert before["expected_votes"] == 2
        bad = {
            "syntax": (
                good.replace("    token: 400\n", "    token: 400\n    token 300\n"),
                ":5:5: ",
            ),
            "name": (good.replace("cluster_name: mnetloop", "cluster_name: other"), ":3:19: "),
            "crypto": (good.replace("crypto_cipher: none", "crypto_cipher: aes256"), ":6:20: "),
        }
        for what, (text, place) in bad.items():
            conf.write_text(text)
            assert cli_main(["--root", str(tmp_path), "cluster", "reload"]) == 1, what
            err = capsys.readouterr().err
            assert f"reload refused, nothing changed: {conf}{place}" in err, (what, err)
        assert d.ask("quorum")["state"] == before
        assert d.ask("links")["links"][0]["peers"] == {"2": False}

        third = "    node {\n        name: gamma\n        nodeid: 3\n        ring0_addr: 127.0.0.3\n    }\n"
        conf.write_text(
            good.replace("}\nquorum", third + "}\nquorum").replace("token: 400", "token: 300")
        )
        assert cli_main(["--root", str(tmp_path), "cluster", "reload"]) == 0
        out = capsys.readouterr().out
        assert "nodes added 3, removed none" in out and "token 950 ms" in out, out  # 300 + 650
        assert "quorum: expected votes 3, total votes 1, quorum 2, NOT quorate" in out, out
        assert d.ask("links")["links"][0]["peers"] == {"2": False, "3": False}
        assert d.ask("quorum")["names"]["3"] == "gamma"
    finally:
        d.stop()
