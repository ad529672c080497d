"""The shared control-socket protocol over real Unix sockets: the asyncio server
and the sync client, permissions, handshake and every error path."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from paceline.core.errors import ConfigError
from paceline.runtime.control import ControlClient, ControlError, ControlServer, call

T = TypeVar("T")


async def echo(args: dict[str, Any]) -> Any:
    return {"echo": args}


async def fails(args: dict[str, Any]) -> Any:
    raise RuntimeError("boom")


async def rejects(args: dict[str, Any]) -> Any:
    raise ConfigError("bad node name", field="node")


def serve(path: Path, client: Callable[[], T], **kw: Any) -> tuple[T, ControlServer]:
    """Run a server at ``path`` while ``client()`` runs in a thread; its result."""

    async def main() -> tuple[T, ControlServer]:
        server = ControlServer(path, daemon="testd", **kw)
        server.register("echo", echo)
        server.register("fails", fails)
        server.register("rejects", rejects)
        async with server:
            result = await asyncio.to_thread(client)
        assert not path.exists(), "close() removes the socket"
        return result, server

    return asyncio.run(main())


def raw(path: Path, *lines: bytes) -> list[dict[str, Any]]:
    """Send raw bytes, return every line the server sends until it closes or goes quiet."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(str(path))
    for line in lines:
        sock.sendall(line)
    sock.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    return [json.loads(x) for x in data.splitlines()]


@pytest.fixture
def sock_path(tmp_path: Path) -> Path:
    return tmp_path / "run/paceline/test.sock"


def test_call_round_trip_and_root_only_permissions(sock_path: Path) -> None:
    def client() -> tuple[Any, ...]:
        mode_dir = stat.S_IMODE(os.stat(sock_path.parent).st_mode)
        mode_sock = stat.S_IMODE(os.stat(sock_path).st_mode)
        with ControlClient(sock_path, timeout=5) as c:
            first = c.call("echo", {"a": 1})
            second = c.call("echo", b=[1, "x"])
            ops = c.call("ops")
            hello = c.hello
        return mode_dir, mode_sock, first, second, ops, hello, call(sock_path, "echo")

    (mode_dir, mode_sock, first, second, ops, hello, once), server = serve(sock_path, client)
    assert (mode_dir, mode_sock) == (0o700, 0o600)
    assert first == {"echo": {"a": 1}}
    assert second == {"echo": {"b": [1, "x"]}}
    assert ops == ["echo", "fails", "ops", "rejects"]
    assert hello["protocol"] == "paceline-control" and hello["daemon"] == "testd"
    assert once == {"echo": {}}
    assert server.counters["requests"] == 4


def test_bad_json_bad_request_unknown_op_and_version_each_get_a_clear_error(
    sock_path: Path,
) -> None:
    def client() -> list[dict[str, Any]]:
        return raw(
            sock_path,
            b"{not json\n",
            b"\xff\xfe\n",
            b"[1, 2]\n",
            b'{"id": 1, "op": "echo"}\n',
            b'{"v": 1, "id": 2, "op": "nope"}\n',
            b'{"v": 9, "id": 3, "op": "echo"}\n',
            b'{"v": 1, "id": 4, "op": "echo", "args": [1]}\n',
            b'{"v": 1, "id": 5, "op": "fails"}\n',
            b'{"v": 1, "id": 6, "op": "rejects"}\n',
            b'{"v": 1, "id": 7, "op": "echo", "args": {"still": "serving"}}\n',
        )

    lines, server = serve(sock_path, client)
    hello, *replies = lines
    assert hello["versions"] == [1]
    codes = [(r["id"], r["ok"], r.get("error", {}).get("code")) for r in replies]
    assert codes == [
        (None, False, "bad-json"),
        (None, False, "bad-json"),
        (None, False, "bad-request"),
        (1, False, "bad-request"),
        (2, False, "unknown-op"),
        (3, False, "version"),
        (4, False, "bad-request"),
        (5, False, "internal"),
        (6, False, "invalid"),
        (7, True, None),
    ]
    assert "'nope'" in replies[4]["error"]["message"]
    assert "node: bad node name" in replies[8]["error"]["message"]
    assert replies[9]["result"] == {"echo": {"still": "serving"}}
    assert server.counters["errors"] == 9


def test_an_oversized_line_is_refused_and_skipped(sock_path: Path) -> None:
    def client() -> tuple[list[dict[str, Any]], Any]:
        big = b'{"v": 1, "id": 1, "op": "echo", "args": {"x": "' + b"a" * 200_000 + b'"}}\n'
        lines = raw(sock_path, big, b'{"v": 1, "id": 2, "op": "echo"}\n')
        with ControlClient(sock_path) as c:
            with pytest.raises(ControlError) as info:
                c.call("echo", x="a" * 5000)
            after = c.call("echo", x="small")
        return lines, (info.value.code, after)

    (lines, (client_code, after)), _ = serve(sock_path, client, max_line=1024)
    assert lines[0]["max_line"] == 1024
    assert [(r["id"], r["ok"]) for r in lines[1:]] == [(None, False), (2, True)]
    assert lines[1]["error"]["code"] == "too-large"
    assert client_code == "too-large"  # the client checks before sending
    assert after == {"echo": {"x": "small"}}


def test_too_many_clients_are_told_busy(sock_path: Path) -> None:
    def client() -> tuple[str, Any]:
        with ControlClient(sock_path) as one, ControlClient(sock_path) as two:
            one.call("ops"), two.call("ops")
            with pytest.raises(ControlError) as info:
                ControlClient(sock_path).connect()
        for _ in range(100):  # the server notices the two hang-ups soon, not at once
            try:
                return info.value.code, call(sock_path, "echo")
            except ControlError as exc:
                assert exc.code == "busy"
                time.sleep(0.05)
        raise AssertionError("closed clients never freed their slots")

    (code, later), server = serve(sock_path, client, max_clients=2)
    assert code == "busy" and later == {"echo": {}}
    assert server.counters["refused"] >= 1


def test_client_reports_version_mismatch_unreachable_and_timeout(
    sock_path: Path, tmp_path: Path
) -> None:
    def client() -> str:
        with pytest.raises(ControlError) as info:
            ControlClient(sock_path).connect()
        return info.value.code

    code, _ = serve(sock_path, client, versions=(7,))
    assert code == "version"

    with pytest.raises(ControlError) as info:
        call(tmp_path / "missing.sock", "ops")
    assert info.value.code == "unreachable" and "is the daemon running" in info.value.message

    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # listens, never says hello
    silent.bind(str(tmp_path / "silent.sock"))
    silent.listen()
    try:
        with pytest.raises(ControlError) as info:
            call(tmp_path / "silent.sock", "ops", timeout=0.2)
        assert info.value.code == "timeout"
    finally:
        silent.close()


def test_a_stale_socket_is_replaced_a_live_one_and_a_plain_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ctl.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens

    async def main() -> None:
        async with ControlServer(path, daemon="a"):
            with pytest.raises(ConfigError, match="already serving"):
                await ControlServer(path, daemon="b").start()
        path.write_text("not a socket")
        with pytest.raises(ConfigError, match="not a socket"):
            await ControlServer(path, daemon="c").start()

    asyncio.run(main())
    assert path.read_text() == "not a socket"


def test_a_socket_path_too_long_for_the_kernel_is_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120) / "x.sock"

    async def main() -> None:
        with pytest.raises(ConfigError, match=r"socket path is \d+ bytes, the kernel takes 107"):
            await ControlServer(deep, daemon="d").start()

    asyncio.run(main())


def test_register_refuses_a_duplicate_op(tmp_path: Path) -> None:
    server = ControlServer(tmp_path / "x.sock", daemon="d")
    server.register("echo", echo)
    with pytest.raises(ValueError, match="already registered"):
        server.register("echo", echo)
    with pytest.raises(ValueError, match="already registered"):
        server.register("ops", echo)
