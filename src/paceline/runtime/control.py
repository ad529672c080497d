"""The control-socket protocol every Paceline daemon speaks (DESIGN.md "Process model").

One small versioned protocol, JSON lines over a Unix socket, shared by
``pacelined`` (``/run/paceline/node.sock``), ``paceline-volumed NAME``
(``/run/paceline/volume-NAME.sock``) and the membership daemon; the CLI is
its client.

Wire (one JSON object per ``\\n``-terminated UTF-8 line, at most
``max_line`` bytes, ``DEFAULT_MAX_LINE`` unless the server says otherwise):

1. On connect the server sends its hello::

       {"protocol": "paceline-control", "versions": [1], "daemon": "membershipd",
        "max_line": 1048576}

   The client picks the highest version both speak (``core.versions.negotiate``)
   and puts it in every request; no common version -> the client gives up
   with ``ControlError("version", ...)`` before sending anything.
2. Requests and replies, one each, in order, on the same connection::

       {"v": 1, "id": 7, "op": "quorum", "args": {}}
       {"id": 7, "ok": true, "result": {...}}
       {"id": 7, "ok": false, "error": {"code": "unknown-op", "message": "..."}}

   ``id`` is the client's (any JSON scalar; echoed back, ``null`` when the
   request could not be read). ``args`` is an object, ``{}`` when left out.

Error codes (``ERROR_CODES``): ``bad-json`` (not JSON, or not UTF-8),
``bad-request`` (not an object, missing/ill-typed fields), ``version`` (a
``v`` the server does not speak), ``unknown-op``, ``too-large`` (a line past
``max_line``: the server skips it to its newline and replies, keeping
nothing of it in memory), ``busy`` (``max_clients`` connections are
open; sent instead of the hello, then closed), ``invalid`` (the handler
rejected its arguments: ``ConfigError``/``ControlError`` from it),
``internal`` (the handler failed: a bug, logged with its traceback; the
server keeps serving), ``timeout`` and ``unreachable`` (client side only).

Security: the socket's directory is created ``0700`` and the socket is
``chmod 0600`` right after ``bind``: only root (the daemon's user) connects.

Server (asyncio; ``async with`` it, or ``start()``/``close()``)::

    server = ControlServer(paths.run / "node.sock", daemon="pacelined")
    server.register("quorum", quorum_handler)      # async def quorum_handler(args) -> JSON value
    async with server:
        await stop_event.wait()

The built-in op ``ops`` lists the registered ops. Handlers raise
``ControlError(code, message)`` for a clean error reply (``invalid`` unless
another code fits).

Client (sync, for the CLI; every call has a timeout)::

    with ControlClient(path, timeout=5.0) as client:
        result = client.call("quorum")             # raises ControlError on an error reply

or the one-shot ``call(path, "quorum")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from paceline.core.errors import ConfigError, PacelineError, ProtocolError
from paceline.core.versions import negotiate

__all__ = [
    "DEFAULT_MAX_CLIENTS",
    "DEFAULT_MAX_LINE",
    "ERROR_CODES",
    "PROTOCOL",
    "VERSIONS",
    "ControlClient",
    "ControlError",
    "ControlServer",
    "Handler",
    "call",
]

PROTOCOL = "paceline-control"
VERSIONS: tuple[int, ...] = (1,)
DEFAULT_MAX_LINE = 1 << 20
"""Bytes in one line (request or reply), the newline included."""
DEFAULT_MAX_CLIENTS = 16
"""Connections a server holds open at once."""
UNIX_PATH_MAX = 107
"""Bytes of a Unix socket path (sun_path is 108 with its NUL)."""
DEFAULT_TIMEOUT = 5.0
"""Seconds the client waits for the hello, or for one reply."""

ERROR_CODES = frozenset(
    {
        "bad-json",
        "bad-request",
        "version",
        "unknown-op",
        "too-large",
        "busy",
        "invalid",
        "internal",
        "timeout",
        "unreachable",
    }
)

Handler = Callable[[dict[str, Any]], Awaitable[Any]]

log = logging.getLogger(__name__)


class ControlError(PacelineError):
    """An error reply (or a client-side failure) with its protocol ``code``."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown control error code {code!r}")
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")

    def as_reply(self, req_id: object) -> dict[str, Any]:
        return {"id": req_id, "ok": False, "error": {"code": self.code, "message": self.message}}


def _encode(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def request_object(line: bytes) -> dict[str, Any]:
    """The JSON object of one request line.

    Raises:
        ControlError: ``bad-json`` or ``bad-request`` (not an object).
    """
    try:
        obj = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError("bad-json", f"request is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ControlError("bad-request", f"request is a {type(obj).__name__}, not an object")
    return obj


def request_id(obj: dict[str, Any]) -> object:
    """The request's ``id`` (to echo back), ``None`` when it has none or a bad one."""
    req_id = obj.get("id")
    return req_id if _is_scalar(req_id) else None


def parse_request(obj: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    """``(v, op, args)`` of one request object.

    Raises:
        ControlError: ``bad-request`` (``version`` is the server's call).
    """
    if not _is_scalar(obj.get("id")):
        raise ControlError("bad-request", "field 'id' must be a string, number, boolean or null")
    v = obj.get("v")
    if not isinstance(v, int) or isinstance(v, bool):
        raise ControlError("bad-request", "field 'v' (protocol version) must be an integer")
    op = obj.get("op")
    if not isinstance(op, str) or not op:
        raise ControlError("bad-request", "field 'op' must be a non-empty string")
    args = obj.get("args", {})
    if not isinstance(args, dict):
        raise ControlError("bad-request", f"field 'args' is a {type(args).__name__}, not an object")
    return v, op, args


def _prepare_socket_path(path: Path) -> None:
    """Make ``path``'s directory (0700) and remove a stale socket; refuse a live one."""
    if len(os.fsencode(path)) > UNIX_PATH_MAX:
        raise ConfigError(
            f"socket path is {len(os.fsencode(path))} bytes, the kernel takes {UNIX_PATH_MAX}: {path}",
            expected="a shorter --root",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ConfigError(f"{path} exists and is not a socket; refusing to replace it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
    except OSError:
        path.unlink()  # nobody listens: a leftover of a dead daemon
        return
    finally:
        probe.close()
    raise ConfigError(f"{path}: another daemon is already serving this socket")


class ControlServer:
    """See the module docstring. ``daemon`` names the server in its hello."""

    def __init__(
        self,
        path: Path | str,
        *,
        daemon: str,
        max_line: int = DEFAULT_MAX_LINE,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        versions: tuple[int, ...] = VERSIONS,
    ) -> None:
        self.path = Path(path)
        self.daemon = daemon
        self.max_line = max_line
        self.max_clients = max_clients
        self.versions = versions
        self.handlers: dict[str, Handler] = {"ops": self._ops}
        self.counters: dict[str, int] = {"requests": 0, "errors": 0, "refused": 0}
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.Task[None]] = set()

    def register(self, op: str, handler: Handler) -> None:
        """Serve ``op`` with ``await handler(args)``; its return value is the result."""
        if op in self.handlers:
            raise ValueError(f"control op {op!r} is already registered")
        self.handlers[op] = handler

    async def _ops(self, args: dict[str, Any]) -> list[str]:
        return sorted(self.handlers)

    async def start(self) -> None:
        _prepare_socket_path(self.path)
        self._server = await asyncio.start_unix_server(self._on_connect, path=str(self.path))
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        """Stop listening, end every connection, remove the socket file."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._clients):
            task.cancel()
        if self._clients:
            await asyncio.gather(*self._clients, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def __aenter__(self) -> ControlServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # start_unix_server would run a coroutine callback as its own task; a
        # plain callback lets the server own (and cancel) every client task.
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._clients.add(task)
        task.add_done_callback(self._clients.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if len(self._clients) > self.max_clients:
                self.counters["refused"] += 1
                busy = ControlError("busy", f"{self.max_clients} clients already connected")
                writer.write(_encode(busy.as_reply(None)))
                await writer.drain()
                return
            hello = {
                "protocol": PROTOCOL,
                "versions": list(self.versions),
                "daemon": self.daemon,
                "max_line": self.max_line,
            }
            writer.write(_encode(hello))
            await writer.drain()
            async for line in self._lines(reader):
                if line is None:
                    self.counters["errors"] += 1
                    err = ControlError("too-large", f"request line exceeds {self.max_line} bytes")
                    reply = err.as_reply(None)
                else:
                    reply = await self._answer(line)
                writer.write(self._fit(reply))
                await writer.drain()
        except (ConnectionError, BrokenPipeError):
            return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _lines(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes | None]:
        """Each request line, or ``None`` for one past ``max_line`` (skipped to its newline)."""
        buf = b""
        skipping = False
        while chunk := await reader.read(65536):
            buf += chunk
            while True:
                head, nl, rest = buf.partition(b"\n")
                if not nl:
                    if len(buf) >= self.max_line:
                        buf, skipping = b"", True  # keep nothing of an oversized line
                    break
                buf = rest
                if skipping or len(head) + 1 > self.max_line:
                    skipping = False
                    yield None
                else:
                    yield head

    def _fit(self, reply: dict[str, Any]) -> bytes:
        data = _encode(reply)
        if len(data) > self.max_line:
            self.counters["errors"] += 1
            err = ControlError("too-large", f"reply of {len(data)} bytes exceeds {self.max_line}")
            data = _encode(err.as_reply(reply.get("id")))
        return data

    async def _answer(self, line: bytes) -> dict[str, Any]:
        self.counters["requests"] += 1
        req_id: object = None
        try:
            obj = request_object(line)
            req_id = request_id(obj)
            v, op, args = parse_request(obj)
            if v not in self.versions:
                raise ControlError(
                    "version",
                    f"protocol version {v} not spoken; server speaks {list(self.versions)}",
                )
            handler = self.handlers.get(op)
            if handler is None:
                raise ControlError(
                    "unknown-op", f"unknown op {op!r}; known: {sorted(self.handlers)}"
                )
            try:
                result = await handler(args)
            except ControlError:
                raise
            except ConfigError as exc:
                raise ControlError("invalid", str(exc)) from None
            except Exception as exc:
                log.exception("control op %r failed", op)
                raise ControlError("internal", f"{type(exc).__name__}: {exc}") from None
            return {"id": req_id, "ok": True, "result": result}
        except ControlError as exc:
            self.counters["errors"] += 1
            return exc.as_reply(req_id)


class ControlClient:
    """A blocking client: connect, read the hello, then ``call`` ops one at a time."""

    def __init__(self, path: Path | str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buf = b""
        self._next_id = 1
        self.version = 0
        self.hello: dict[str, Any] = {}
        self.max_line = DEFAULT_MAX_LINE

    def connect(self) -> ControlClient:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except OSError as exc:
            sock.close()
            raise ControlError(
                "unreachable",
                f"cannot connect to {self.path}: {exc.strerror or exc} (is the daemon running?)",
            ) from None
        self._sock = sock
        try:
            hello = self._read_json()
            if hello.get("ok") is False:  # a refusal (busy) instead of the hello
                err = hello.get("error") or {}
                raise ControlError(str(err.get("code", "busy")), str(err.get("message", "")))
            if hello.get("protocol") != PROTOCOL:
                raise ControlError("bad-request", f"{self.path} does not speak {PROTOCOL}: {hello}")
            versions = hello.get("versions")
            if not isinstance(versions, list):
                raise ControlError("bad-request", f"hello without versions: {hello}")
            try:
                self.version = negotiate(VERSIONS, versions, peer=str(self.path))
            except ProtocolError as exc:
                raise ControlError("version", str(exc)) from None
            self.hello = hello
            max_line = hello.get("max_line")
            if isinstance(max_line, int) and max_line > 0:
                self.max_line = max_line
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> ControlClient:
        return self.connect() if self._sock is None else self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _read_json(self) -> dict[str, Any]:
        assert self._sock is not None
        while b"\n" not in self._buf:
            if len(self._buf) > self.max_line:
                raise ControlError(
                    "too-large", f"reply from {self.path} exceeds {self.max_line} bytes"
                )
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                raise ControlError(
                    "timeout", f"no answer from {self.path} in {self.timeout:g} s"
                ) from None
            except OSError as exc:
                raise ControlError("unreachable", f"{self.path}: {exc.strerror or exc}") from None
            if not chunk:
                raise ControlError("unreachable", f"{self.path} closed the connection")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ControlError("bad-json", f"reply from {self.path} is not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise ControlError("bad-json", f"reply from {self.path} is not an object")
        return obj

    def request(self, op: str, args: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Send one request and return the raw reply object (``ok`` true or false)."""
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        req_id = self._next_id
        self._next_id += 1
        data = _encode({"v": self.version, "id": req_id, "op": op, "args": dict(args or {})})
        if len(data) > self.max_line:
            raise ControlError("too-large", f"request of {len(data)} bytes exceeds {self.max_line}")
        try:
            self._sock.sendall(data)
        except TimeoutError:
            raise ControlError(
                "timeout", f"{self.path} did not take the request in {self.timeout:g} s"
            ) from None
        except OSError as exc:
            raise ControlError("unreachable", f"{self.path}: {exc.strerror or exc}") from None
        reply = self._read_json()
        if reply.get("id") != req_id and reply.get("id") is not None:
            raise ControlError("bad-request", f"reply id {reply.get('id')!r}, expected {req_id}")
        return reply

    def call(self, op: str, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Any:
        """The result of ``op``; raises ``ControlError`` for an error reply."""
        reply = self.request(op, {**(args or {}), **kwargs})
        if reply.get("ok") is True:
            return reply.get("result")
        err = reply.get("error")
        if not isinstance(err, dict):
            raise ControlError("bad-request", f"malformed error reply: {reply}")
        code = str(err.get("code"))
        raise ControlError(code if code in ERROR_CODES else "internal", str(err.get("message", "")))


def call(
    path: Path | str,
    op: str,
    args: Mapping[str, Any] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Any:
    """Connect, call ``op`` once, disconnect."""
    with ControlClient(path, timeout=timeout) as client:
        return client.call(op, args)
