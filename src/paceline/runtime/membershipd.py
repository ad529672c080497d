"""Membership alone, as a daemon: ``python -m paceline.runtime.membershipd [--root DIR]``.

What ``pacelined`` will embed (``MembershipService``), runnable on its own so
the membership layer can be tried and measured between lab nodes before the
rest of the node daemon exists. It reads ``ROOT/etc/paceline/corosync.conf``
(else ``ROOT/etc/corosync/corosync.conf``) and the authkey named by
``totem.keyfile`` (under ROOT), finds this machine's node (by host name,
else by address; ``--node ID`` overrides), runs
``paceline.membership.core.MembershipCore`` under ``runtime.membership.CoreDriver``
and serves on ``ROOT/run/paceline/membership.sock`` (``runtime.control``):

- ``quorum``: what ``paceline quorum`` prints (``corosync-quorumtool -s``);
- ``links``: what ``paceline links`` prints (``corosync-cfgtool -s``);
- ``members``: the installed view, the reachable peers;
- ``counters``: the core's drop/traffic counters, the driver's socket and
  timer figures;
- ``broadcast``: send ``{"text": STR}`` (UTF-8) or ``{"size": N}`` (N bytes)
  to the view; the delivered messages show up in ``events`` on every member;
- ``events``: the last ``EVENT_LOG`` events after number ``since``, each
  ``{"n", "time" (wall clock when the core emitted it), "type", "event" (one line)}``;
- ``reload`` (``paceline cluster reload``): re-read corosync.conf and apply it
  to the running core (``membership.reload``: nodes added and removed,
  votes, expected votes, timing); an edit that cannot apply live is refused
  with its file:line:column and changes nothing.

Each event is also logged, one line, to ``ROOT/var/log/paceline/membership.log``.
State that must survive a restart (``ROOT/var/lib/paceline/membership.json``):
the incarnation (grows at each start) and the highest ring seq seen. It
stops on SIGTERM or SIGINT and removes its socket and pid file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paceline.core.errors import ConfigError, StateError
from paceline.core.paths import Paths
from paceline.membership.config import (
    Auth,
    ClusterConfig,
    load,
    local_address,
    local_node,
    nodeid_from_address,
)
from paceline.runtime.control import ControlError, ControlServer
from paceline.runtime.daemon import run_daemon
from paceline.runtime.membership import CoreDriver

SOCKET_NAME = "membership.sock"
STATE_NAME = "membership.json"
LOG_NAME = "membership.log"
EVENT_LOG = 1000
"""Events the daemon keeps for the ``events`` op."""

log = logging.getLogger("paceline.membershipd")


def host_addresses() -> list[tuple[str, int]]:
    """This machine's IP addresses with their prefix lengths (``ip -j addr``)."""
    out = subprocess.run(
        ["ip", "-j", "addr", "show"], capture_output=True, text=True, check=True, timeout=10
    ).stdout
    addrs: list[tuple[str, int]] = []
    for link in json.loads(out):
        for a in link.get("addr_info", []):
            if a.get("family") in ("inet", "inet6") and "local" in a:
                addrs.append((a["local"], int(a.get("prefixlen", 32))))
    return addrs


@dataclasses.dataclass
class Identity:
    """Who this node is in ``config``: its id, name and address on each link."""

    nodeid: int
    name: str
    hosts: dict[int, str]


def identify(
    config: ClusterConfig, hostname: str, addresses: Sequence[tuple[str, int]], nodeid: int | None
) -> Identity:
    """This machine's node id, name and per-link address (raises ``ConfigError``)."""
    where = config.file
    if config.nodes:
        node = (
            config.node(nodeid) if nodeid is not None else local_node(config, hostname, addresses)
        )
        if node is None:
            raise ConfigError(
                f"this machine ({hostname}, {', '.join(a for a, _ in addresses) or 'no addresses'})"
                " is not in the nodelist" if nodeid is None else f"node {nodeid} is not in the nodelist",
                file=where, field="nodelist",
            )  # fmt: skip
        return Identity(node.nodeid, node.name or hostname, dict(node.addrs))
    hosts: dict[int, str] = {}
    for iface in config.interfaces:
        assert iface.bindnetaddr is not None  # checked at load without a nodelist
        host = local_address(iface.bindnetaddr, addresses)
        if host is None:
            raise ConfigError(
                f"no address of this machine matches bindnetaddr {iface.bindnetaddr}",
                file=where, field=f"totem.interface[{iface.link}].bindnetaddr",
            )  # fmt: skip
        hosts[iface.link] = host
    first = hosts[min(hosts)]
    if nodeid is None:
        if ipaddress.ip_address(first).version != 4:
            raise ConfigError("IPv6 ring0 needs an explicit node id (--node)", file=where)
        nodeid = nodeid_from_address(first, config.totem.clear_node_high_bit)
    return Identity(nodeid, hostname, hosts)


class StateFile:
    """The few numbers that must survive a restart, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.incarnation = 0
        self.highest_ring_seq = 0
        try:
            data = json.loads(path.read_text())
            self.incarnation = int(data.get("incarnation", 0))
            self.highest_ring_seq = int(data.get("highest_ring_seq", 0))
        except FileNotFoundError:
            pass
        except (ValueError, TypeError, AttributeError) as exc:
            raise ConfigError(f"unreadable membership state: {exc}", file=str(path)) from None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp.{os.getpid()}")
        data = {"incarnation": self.incarnation, "highest_ring_seq": self.highest_ring_seq}
        with open(tmp, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def _read_authkey(config: ClusterConfig, paths: Paths) -> bytes | None:
    if config.totem.auth is Auth.NONE:
        return None
    keyfile = paths.root / config.totem.keyfile.lstrip("/")
    try:
        return keyfile.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"authkey {keyfile} is missing: make one with 'paceline keygen -k {keyfile}' and copy "
            "it to every node (or set 'secauth: off' / 'crypto_hash: none' to run unauthenticated)",
            file=config.file, field="totem.keyfile",
        ) from None  # fmt: skip


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return len(value)
    return value


class MembershipService:
    """The membership core, its driver and its control ops, for one node (see the module doc)."""

    def __init__(self, paths: Paths, *, nodeid: int | None = None, hostname: str | None = None):
        from paceline.membership.core import core_from_config

        self.paths = paths
        conf = paths.corosync_conf
        try:
            text = conf.read_text()
        except FileNotFoundError:
            raise ConfigError(f"{conf} is missing", file=str(conf)) from None
        self.config, self.notes = load(text, str(conf))
        self.identity = identify(
            self.config, hostname or socket.gethostname(), host_addresses(), nodeid
        )
        self.me = self.identity.nodeid
        authkey = _read_authkey(self.config, paths)
        self.state = StateFile(paths.lib / STATE_NAME)
        self.state.incarnation += 1
        self.state.save()
        self.names = {n.nodeid: n.name or str(n.nodeid) for n in self.config.nodes}
        self.names.setdefault(self.me, self.identity.name)
        try:
            self.core = core_from_config(
                self.config, self.me, authkey, random.Random(), time.monotonic(),
                local_hosts=self.identity.hosts, incarnation=self.state.incarnation,
                min_ring_seq=self.state.highest_ring_seq,
            )  # fmt: skip
        except ValueError as exc:  # a link this node has no address on, and the like
            raise ConfigError(str(exc), file=str(conf)) from None
        self.settings = self.core.settings
        self.links = list(self.core.links.values())
        self.events: deque[tuple[int, float, str, str]] = deque(maxlen=EVENT_LOG)
        self.event_count = 0
        self.driver: CoreDriver[Any] | None = None
        self._logfile: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reload_lock = asyncio.Lock()

    # --- events (on the daemon's loop) -------------------------------------------

    def on_event(self, event: object) -> None:
        self.event_count += 1
        line = str(event)
        when = self.driver.event_time if self.driver is not None else 0.0
        self.events.append((self.event_count, when or time.time(), type(event).__name__, line))
        if self._logfile is not None:
            self._logfile.write(
                f"{time.strftime('%b %d %H:%M:%S')} {type(event).__name__}: {line}\n"
            )
            self._logfile.flush()
        view = getattr(event, "view", None)
        ring = getattr(view, "ring", None)
        if ring is not None:
            self._persist_seq(ring.seq)
            if self.driver is not None and self._loop is not None:
                # the core may have promised a higher seq in the join: persist that too, read
                # in the driver thread (the only one that touches the core)
                loop = self._loop
                fut = self.driver.call(lambda c: c.highest_ring_seq)
                fut.add_done_callback(
                    lambda f: (
                        f.exception() is None
                        and loop.call_soon_threadsafe(self._persist_seq, f.result())
                    )
                )

    def _persist_seq(self, seq: int) -> None:
        if seq > self.state.highest_ring_seq:
            self.state.highest_ring_seq = seq
            self.state.save()

    # --- control ops ------------------------------------------------------------

    async def _core(self, fn: Any) -> Any:
        assert self.driver is not None
        return await self.driver.acall(fn)

    async def op_quorum(self, args: dict[str, Any]) -> Any:
        state, view = await self._core(lambda c: (c.quorum_state(), c.view))
        votes = {str(k): v for k, v in self.settings.votes.items()}
        return {
            "node": self.me,
            "ring": view.ring.as_tuple() if view is not None else None,
            "state": _jsonable(state) if state is not None else None,
            "names": {str(k): v for k, v in self.names.items()},
            "votes": votes,
            "provider": self.config.quorum.provider or "corosync_votequorum",
        }

    async def op_links(self, args: dict[str, Any]) -> Any:
        links = await self._core(lambda c: c.link_status())
        return {
            "node": self.me,
            "transport": self.config.totem.transport,
            "links": [
                {
                    "link": ls.link,
                    "address": ls.address,
                    "peers": {str(k): v for k, v in ls.peers.items()},
                }
                for ls in links
            ],
        }

    async def op_members(self, args: dict[str, Any]) -> Any:
        view, reachable = await self._core(lambda c: (c.view, c.reachable()))
        return {
            "node": self.me,
            "view": None
            if view is None
            else {
                "ring": view.ring.as_tuple(),
                "members": list(view.members),
                "dc": view.dc,
                "quorate": view.quorate,
            },
            "reachable": sorted(reachable),
            "names": {str(k): v for k, v in self.names.items()},
        }

    async def op_counters(self, args: dict[str, Any]) -> Any:
        assert self.driver is not None
        driver = self.driver
        core_counters = await self._core(lambda c: dict(c.counters))
        return {
            "core": core_counters,
            "driver": dict(driver.stats),
            "links": driver.link_stats(),
            "incarnation": self.state.incarnation,
        }

    async def op_broadcast(self, args: dict[str, Any]) -> Any:
        text, size = args.get("text"), args.get("size")
        if isinstance(text, str):
            payload = text.encode()
        elif isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            payload = bytes(size)
        else:
            raise ConfigError("broadcast needs 'text' (a string) or 'size' (bytes)", field="args")
        try:
            await self._core(lambda c: c.broadcast(payload))
        except (StateError, ValueError) as exc:  # no view yet, queue full, too large
            raise ControlError("invalid", str(exc)) from None
        return {"bytes": len(payload)}

    async def op_events(self, args: dict[str, Any]) -> Any:
        since = args.get("since", 0)
        if not isinstance(since, int):
            raise ConfigError("'since' must be an event number", field="since")
        return [
            {"n": n, "time": t, "type": kind, "event": e}
            for n, t, kind, e in self.events
            if n > since
        ]

    async def op_reload(self, args: dict[str, Any]) -> Any:
        async with self._reload_lock:  # one reload at a time, each on the last one's result
            return await self._reload()

    async def _reload(self) -> Any:
        from paceline.membership.reload import plan_reload
        from paceline.membership.settings import MembershipSettings, links_from_config

        conf = self.paths.corosync_conf
        try:
            text = conf.read_text()
        except FileNotFoundError:
            raise ConfigError(f"{conf} is missing", file=str(conf)) from None
        plan = plan_reload(self.config, text, str(conf), self.me)
        try:
            settings = MembershipSettings.from_config(plan.config)
            links = links_from_config(plan.config, self.me, self.identity.hosts)
        except ValueError as exc:
            raise ConfigError(str(exc), file=str(conf)) from None

        def apply(core: Any) -> Any:
            core.reconfigure(settings, links, time.monotonic())
            return core.quorum_state()

        try:
            state = await self._core(apply)
        except ValueError as exc:  # the core refused before changing anything
            raise ConfigError(str(exc), file=str(conf)) from None
        self.config, self.notes, self.settings = plan.config, list(plan.notes), settings
        self.links = links
        self.names.update({n.nodeid: n.name or str(n.nodeid) for n in plan.config.nodes})
        summary = (
            f"reloaded {conf}: added {list(plan.added)} removed {list(plan.removed)} "
            f"changed {list(plan.changed)}"
        )
        if self._logfile is not None:
            self._logfile.write(f"{time.strftime('%b %d %H:%M:%S')} reload: {summary}\n")
            for note in plan.notes:
                self._logfile.write(f"config: {note}\n")
            self._logfile.flush()
        return {
            "file": str(conf),
            "added": list(plan.added),
            "removed": list(plan.removed),
            "changed": list(plan.changed),
            "token_ms": round(settings.token * 1000),
            "state": _jsonable(state) if state is not None else None,
            "notes": [str(n) for n in plan.notes],
        }

    # --- life -------------------------------------------------------------------

    def register(self, server: ControlServer) -> None:
        for op in ("quorum", "links", "members", "counters", "broadcast", "events", "reload"):
            server.register(op, getattr(self, f"op_{op}"))

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.paths.log.mkdir(parents=True, exist_ok=True)
        self._logfile = open(self.paths.log / LOG_NAME, "a")  # noqa: SIM115 (closed in stop)
        for note in self.notes:
            self._logfile.write(f"config: {note}\n")
        self._loop = loop
        self.driver = CoreDriver(self.core, self.links, on_event=self.on_event, loop=loop)
        self.driver.start()

    def stop(self) -> None:
        if self.driver is not None:
            self.driver.stop()
        if self._logfile is not None:
            self._logfile.close()
            self._logfile = None


async def serve(paths: Paths, *, nodeid: int | None = None, ready: Any = None) -> int:
    """Run until SIGTERM/SIGINT; ``ready()`` is called once the socket is up."""
    service = MembershipService(paths, nodeid=nodeid)
    for note in service.notes:
        print(f"membershipd: {note}", file=sys.stderr)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = ControlServer(paths.run / SOCKET_NAME, daemon="membershipd")
    service.register(server)
    pidfile = paths.run / "membershipd.pid"
    service.start(loop)
    try:
        async with server:
            pidfile.write_text(f"{os.getpid()}\n")
            if ready is not None:
                ready()
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 1.0)
                except TimeoutError:
                    pass
                if service.driver is not None and service.driver.failure is not None:
                    print(
                        f"membershipd: driver failed: {service.driver.failure!r}", file=sys.stderr
                    )
                    return 1
    finally:
        service.stop()
        pidfile.unlink(missing_ok=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_daemon("paceline-membershipd", __doc__ or "", serve, argv)


if __name__ == "__main__":
    sys.exit(main())
