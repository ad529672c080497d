"""The node daemon: ``python -m paceline.runtime.pacelined [--root DIR]`` (DESIGN.md "Process model").

One per machine. It wires the pure cores to the world:

- membership (``runtime.membershipd.MembershipService``: the membership core
  on UDP links in its own thread) feeds views and group messages to
- the controller core (``paceline.controller.Controller``), whose effects
  it carries out: group broadcasts, agent actions on the local executor
  (``executor.runner.Executor``, real agents with timeouts; recurring
  monitors), the CIB replica written with ``cib.store`` on every change,
  each scheduler input kept under ``ROOT/var/lib/paceline/pe/`` (the last
  ``MAX_INPUTS``) for ``paceline simulate -x``, the audit trail
  ``ROOT/var/lib/paceline/audit.jsonl``, and one log sentence per cycle in
  ``ROOT/var/log/paceline/pacelined.log``;
- the control socket ``ROOT/run/paceline/node.sock`` (``runtime.control``;
  root-only) with the ops ``status``, ``cib`` (query), ``cib-replace``
  (commit through the DC, refused when the base version is stale),
  ``node-attr`` (standby/online...), ``cluster-option`` (``crm_config``), ``node-delete``,
  ``cleanup``, plus the membership ops (``quorum``, ``links``, ``members``, ... and
  ``reload``: ``paceline cluster reload``).

The pid file is ``ROOT/run/paceline/pacelined.pid``. SIGTERM/SIGINT stop it
(resources keep running: stopping a node's resources is the cluster's
business, ``node standby`` first). A killed daemon leaves its resources
running too; restarted, it re-joins with an empty history and the DC
re-probes it instead of restarting anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from paceline.cib.codec import encode_cib
from paceline.cib.model import Cib
from paceline.cib.store import read_cib, write_cib
from paceline.controller import (
    Audit,
    Broadcast,
    CancelRecurring,
    Controller,
    Effect,
    ExecRequest,
    Execute,
    Log,
    OpOutcome,
    Reply,
    SaveInput,
    ViewInfo,
    WriteCib,
)
from paceline.controller.wire import pack_cib
from paceline.core.errors import ConfigError, ProtocolError, StateError
from paceline.core.paths import Paths
from paceline.executor.runner import Agent, Executor, OpResult, Request
from paceline.executor.tools import install_tools
from paceline.runtime.control import ControlError, ControlServer
from paceline.runtime.daemon import run_daemon

SOCKET_NAME = "node.sock"
PID_NAME = "pacelined.pid"
LOG_NAME = "pacelined.log"
AUDIT_NAME = "audit.jsonl"
MAX_INPUTS = 100
REPLY_TIMEOUT = 15.0

log = logging.getLogger("paceline.pacelined")


def save_input(pe: Path, seq: int, cib: Cib) -> None:
    """``pe/pe-input-SEQ.xml`` (atomically), and the one ``MAX_INPUTS`` older removed."""
    path = pe / f"pe-input-{seq}.xml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(encode_cib(cib))
    os.replace(tmp, path)
    (pe / f"pe-input-{seq - MAX_INPUTS}.xml").unlink(missing_ok=True)


class DiskWriter:
    """Write-behind persistence of the CIB replica and the scheduler inputs.

    Writing the CIB (read back, encoded, three fsyncs) takes tens of ms, and it
    happens on every node after every result of a transition: done in the
    event loop it delays the agents that the same message just asked for
    (a switchover waited ~35 ms per hop for it). Here the loop only hands the
    newest CIB over; one task writes it in a worker thread, coalescing a
    burst into one write of the last version. Scheduler inputs are written
    in order, each one (``simulate -x`` replays any of them). ``drain`` waits
    until everything handed over is on disk (at shutdown)."""

    def __init__(
        self,
        write_cib: Callable[[Cib], None],
        save_input: Callable[[int, Cib], None],
        say: Callable[[str], None],
    ) -> None:
        self._write_cib = write_cib
        self._save_input = save_input
        self._say = say
        self._cib: Cib | None = None
        self._inputs: list[tuple[int, Cib]] = []
        self._task: asyncio.Task[None] | None = None
        self.writes = 0
        self.coalesced = 0

    def cib(self, cib: Cib) -> None:
        if self._cib is not None:
            self.coalesced += 1
        self._cib = cib
        self._kick()

    def input(self, seq: int, cib: Cib) -> None:
        if len(self._inputs) >= MAX_INPUTS:
            del self._inputs[0]  # only the last MAX_INPUTS are kept on disk anyway
        self._inputs.append((seq, cib))
        self._kick()

    def _kick(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _take(self) -> tuple[Cib | None, list[tuple[int, Cib]]]:
        cib, inputs = self._cib, self._inputs
        self._cib, self._inputs = None, []
        return cib, inputs

    def _write(self, cib: Cib | None, inputs: list[tuple[int, Cib]]) -> None:
        for seq, saved in inputs:
            self._save_input(seq, saved)
        if cib is not None:
            self._write_cib(cib)
            self.writes += 1

    async def _run(self) -> None:
        while self._cib is not None or self._inputs:
            cib, inputs = self._take()
            try:
                await asyncio.to_thread(self._write, cib, inputs)
            except Exception as exc:  # a write must not take the daemon down
                self._say(f"cannot write to disk: {exc!r}")

    async def drain(self) -> None:
        task = self._task
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)
        self._write(*self._take())


class NodeDaemon:
    """The daemon's state: the cores, the executor, the server (see the module doc)."""

    def __init__(self, paths: Paths, *, nodeid: int | None = None) -> None:
        from paceline.runtime.membershipd import MembershipService

        self.paths = paths
        for d in (paths.lib, paths.run, paths.log, paths.lib / "pe"):
            d.mkdir(parents=True, exist_ok=True)
        self.membership = MembershipService(paths, nodeid=nodeid)
        self.names: dict[int, str] = self.membership.names  # shared: cluster reload adds names
        self.node = self.names[self.membership.me]
        self.cib = self._read_cib()
        self.ctl = Controller(self.node, self.cib, uuid=str(self.membership.me))
        self.executor: Executor | None = None
        self.waiting: dict[str, asyncio.Future[Reply]] = {}
        self.req_ids = itertools.count(1)
        self.wake = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.counters = {
            "protocol_errors": 0,
            "state_errors": 0,
            "write_errors": 0,
            "broadcast_errors": 0,
        }
        self._logfile = open(paths.log / LOG_NAME, "a", buffering=1)  # noqa: SIM115 (closed in close)
        self._input_seq = self._last_input()
        self.disk = DiskWriter(self._write, self._save_input, self.say)

    # ------------------------------------------------------------ setup

    def _read_cib(self) -> Cib:
        path = self.paths.cib
        if not path.exists():
            return Cib()
        try:
            return read_cib(path)
        except ConfigError as exc:
            self.say(f"cannot use {path}: {exc}; starting with an empty CIB (the cluster's wins)")
            return Cib()

    def _last_input(self) -> int:
        numbers = [
            int(p.stem.split("-")[-1])
            for p in (self.paths.lib / "pe").glob("pe-input-*.xml")
            if p.stem.split("-")[-1].isdigit()
        ]
        return max(numbers, default=0)

    def say(self, text: str) -> None:
        now = time.time()
        stamp = (
            time.strftime("%b %d %H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"
        )
        self._logfile.write(f"{stamp} {self.node} pacelined: {text}\n")

    # ------------------------------------------------------------ feeding the core

    def feed(self, fn: Any, *args: Any) -> None:
        """Run one core entry point with the clocks, then carry out its effects."""
        try:
            effects = fn(*args, time.monotonic(), time.time())
        except ProtocolError as exc:
            self.counters["protocol_errors"] += 1
            self.say(f"dropped a message: {exc}")
            return
        except StateError as exc:
            self.counters["state_errors"] += 1
            self.say(f"unexpected input: {exc}")
            return
        self.apply(effects)
        self.wake.set()

    def on_membership(self, event: object) -> None:
        from paceline.membership.events import Delivered, QuorumChanged, ViewInstalled

        if isinstance(event, ViewInstalled):
            v = event.view
            info = ViewInfo(
                str(v.ring),
                {self.names.get(m, str(m)): str(m) for m in v.members},
                self.names.get(v.dc, str(v.dc)),
                v.quorate,
                frozenset(self.names.get(m, str(m)) for m in self._reachable()),
            )
            self.say(f"membership: {v}")
            self.feed(self.ctl.on_view, info)
        elif isinstance(event, Delivered):
            self.feed(
                self.ctl.on_message, self.names.get(event.sender, str(event.sender)), event.payload
            )
        elif isinstance(event, QuorumChanged):
            self.say(f"membership: {event}")
            self.feed(self.ctl.on_quorum, event.state.quorate)

    def _reachable(self) -> frozenset[int]:
        """The peers the membership core hears now (a short wait on its thread)."""
        driver = self.membership.driver
        if driver is None:
            return frozenset()
        try:
            heard: frozenset[int] = driver.call(lambda core: frozenset(core.reachable())).result(
                1.0
            )
        except Exception as exc:
            self.say(f"cannot ask the membership who is heard: {exc!r}")
            return frozenset()
        return heard

    def on_result(self, result: OpResult) -> None:
        outcome = OpOutcome(
            rsc=result.rsc_id,
            action=result.action,
            interval_ms=result.interval_ms,
            call_id=result.call_id,
            rc=result.rc,
            wall=int(result.last_rc_change),
            exec_ms=result.exec_ms,
            queue_ms=result.queue_ms,
            timed_out=result.timed_out,
            exit_reason=result.exit_reason,
        )
        self.feed(self.ctl.on_op_result, outcome)

    # ------------------------------------------------------------ effects

    def apply(self, effects: list[Effect]) -> None:
        for e in effects:
            if isinstance(e, Broadcast):
                self._broadcast(e.payload)
            elif isinstance(e, Execute):
                self._spawn(self._execute(e.request))
            elif isinstance(e, CancelRecurring):
                assert self.executor is not None
                self.executor.cancel_recurring((e.rsc, e.action, e.interval_ms))
            elif isinstance(e, WriteCib):
                self.cib = e.cib
                self.disk.cib(e.cib)
            elif isinstance(e, SaveInput):
                self._input_seq += 1
                self.disk.input(self._input_seq, e.cib)
            elif isinstance(e, Log):
                self.say(e.text)
            elif isinstance(e, Audit):
                with open(self.paths.lib / AUDIT_NAME, "a") as f:
                    f.write(json.dumps(dict(e.record), sort_keys=True) + "\n")
            elif isinstance(e, Reply):
                fut = self.waiting.pop(e.req, None)
                if fut is not None and not fut.done():
                    fut.set_result(e)

    def _broadcast(self, payload: bytes) -> None:
        driver = self.membership.driver
        if driver is None:
            return

        def send(core: Any) -> None:
            core.broadcast(payload)

        fut = driver.call(send)

        def done(f: Any) -> None:
            if f.exception() is not None:
                self.counters["broadcast_errors"] += 1
                self.say(f"broadcast failed: {f.exception()}")

        fut.add_done_callback(done)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _execute(self, req: ExecRequest) -> None:
        assert self.executor is not None
        request = Request(
            rsc_id=req.rsc,
            agent=Agent.parse(req.agent),
            action=req.action,
            params=dict(req.params),
            meta=dict(req.meta),
            interval_ms=req.interval_ms,
            timeout_ms=req.timeout_ms,
        )
        await self.executor.execute(request)  # on_result feeds the core
        if req.interval_ms > 0 and (req.rsc, req.action, req.interval_ms) in self.ctl.recurring:
            self.executor.start_recurring(request)

    def _write(self, cib: Cib) -> None:
        try:
            write_cib(self.paths.cib, cib)
        except ConfigError:
            write_cib(self.paths.cib, cib, allow_older=True)  # the cluster's CIB wins
        except OSError as exc:
            self.counters["write_errors"] += 1
            self.say(f"cannot write the CIB: {exc}")

    def _save_input(self, seq: int, cib: Cib) -> None:
        save_input(self.paths.lib / "pe", seq, cib)

    # ------------------------------------------------------------ timers

    async def timers(self) -> None:
        while True:
            deadline = self.ctl.next_deadline()
            self.wake.clear()
            delay = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                await asyncio.wait_for(self.wake.wait(), delay)
            except TimeoutError:
                self.feed(self.ctl.on_timer)

    # ------------------------------------------------------------ control ops

    def register(self, server: ControlServer) -> None:
        self.membership.register(server)
        server.register("status", self.op_status)
        server.register("cib", self.op_cib)
        server.register("cib-replace", self.op_cib_replace)
        server.register("node-attr", self.op_node_attr)
        server.register("cluster-option", self.op_cluster_option)
        server.register("node-delete", self.op_node_delete)
        server.register("cleanup", self.op_cleanup)
        server.register("history", self.op_history)

    async def op_status(self, args: dict[str, Any]) -> Any:
        view = self.ctl.view
        return {
            "node": self.node,
            "dc": view.dc if view is not None else None,
            "ring": view.ring if view is not None else None,
            "members": sorted(view.members) if view is not None else [],
            "quorate": view.quorate if view is not None else False,
            "state": self.ctl.state.value,
            "version": str(self.ctl.cib.version),
            "running": sorted(self.ctl.running()),
            "counters": dict(self.counters),
        }

    async def op_history(self, args: dict[str, Any]) -> Any:
        """Every agent call of this daemon's executor, oldest first (bounded)."""
        assert self.executor is not None
        return [
            {
                "call_id": r.call_id,
                "rsc": r.rsc_id,
                "action": r.action,
                "interval_ms": r.interval_ms,
                "rc": r.rc,
                "queued": r.last_rc_change,
                "queue_ms": r.queue_ms,
                "exec_ms": r.exec_ms,
            }
            for r in self.executor.log
        ]

    async def op_cib(self, args: dict[str, Any]) -> Any:
        return {"version": str(self.ctl.cib.version), "xml": encode_cib(self.ctl.cib).decode()}

    async def _submit(self, change: dict[str, Any]) -> Any:
        req = f"{self.node}-{os.getpid()}-{next(self.req_ids)}"
        fut: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self.waiting[req] = fut
        self.feed(self.ctl.submit, req, change)
        try:
            reply = await asyncio.wait_for(fut, REPLY_TIMEOUT)
        except TimeoutError:
            self.waiting.pop(req, None)
            raise ControlError(
                "timeout", "the DC did not answer (the membership may be changing): try again"
            ) from None
        if not reply.ok:
            raise ControlError("invalid", reply.message)
        return {"message": reply.message, "version": reply.version}

    async def op_cib_replace(self, args: dict[str, Any]) -> Any:
        from paceline.cib.codec import decode_cib

        xml = args.get("xml")
        if not isinstance(xml, str):
            raise ControlError("invalid", "cib-replace needs xml (the CIB as text)")
        cib = decode_cib(xml.encode(), file="<cib-replace>")
        base = args.get("base")
        return await self._submit(
            {"op": "replace", "cib": pack_cib(cib), "base": base if isinstance(base, str) else None,
             "who": str(args.get("who") or "root"), "what": str(args.get("what") or "configuration committed")}
        )  # fmt: skip

    async def op_node_attr(self, args: dict[str, Any]) -> Any:
        node = args.get("node") or self.node
        name = args.get("name")
        if not isinstance(node, str) or not isinstance(name, str):
            raise ControlError("invalid", "node-attr needs name (and node)")
        value = args.get("value")
        if value is not None and not isinstance(value, str):
            raise ControlError("invalid", "node-attr value must be text or null")
        lifetime = "reboot" if args.get("lifetime") == "reboot" else "forever"
        return await self._submit(
            {"op": "attr", "node": node, "name": name, "value": value, "lifetime": lifetime,
             "who": str(args.get("who") or "root")}
        )  # fmt: skip

    async def op_node_delete(self, args: dict[str, Any]) -> Any:
        node = args.get("node")
        if not isinstance(node, str) or not node:
            raise ControlError("invalid", "node-delete needs node")
        return await self._submit(
            {"op": "node-delete", "node": node, "who": str(args.get("who") or "root")}
        )

    async def op_cluster_option(self, args: dict[str, Any]) -> Any:
        name, value = args.get("name"), args.get("value")
        if not isinstance(name, str) or not (value is None or isinstance(value, str)):
            raise ControlError("invalid", "cluster-option needs name (and value: text or null)")
        return await self._submit(
            {"op": "option", "name": name, "value": value, "who": str(args.get("who") or "root")}
        )

    async def op_cleanup(self, args: dict[str, Any]) -> Any:
        rsc, node = args.get("rsc"), args.get("node")
        return await self._submit(
            {"op": "cleanup", "rsc": rsc, "node": node, "who": str(args.get("who") or "root")}
        )

    # ------------------------------------------------------------ run

    async def run(self, stop: asyncio.Event, ready: Any = None) -> int:
        loop = asyncio.get_running_loop()
        self.loop = loop
        tools = install_tools(self.paths.lib / "tools")
        self.executor = Executor(
            node=self.node,
            sbin_dir=str(tools),
            extra_env={
                "PACELINE_ROOT": str(self.paths.root),
                "PACELINE_NODE_SOCKET": str(self.paths.run / SOCKET_NAME),
            },
            on_result=self.on_result,
        )
        server = ControlServer(self.paths.run / SOCKET_NAME, daemon="pacelined")
        self.register(server)
        pidfile = self.paths.run / PID_NAME
        original = self.membership.on_event

        def on_event(event: object) -> None:
            original(event)
            self.on_membership(event)

        self.membership.on_event = on_event  # type: ignore[method-assign,unused-ignore]
        self.say(f"starting as node {self.node} (id {self.membership.me}), CIB {self.cib.version}")
        self.membership.start(loop)
        timer = loop.create_task(self.timers())
        try:
            async with server:
                pidfile.write_text(f"{os.getpid()}\n")
                if ready is not None:
                    ready()
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
                    driver = self.membership.driver
                    if driver is not None and getattr(driver, "failure", None) is not None:
                        self.say(f"membership driver failed: {driver.failure!r}")
                        return 1
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
            self.membership.stop()
            for task in list(self.tasks):
                task.cancel()
            await self.executor.close()
            await self.disk.drain()
            pidfile.unlink(missing_ok=True)
            self.say("stopped (resources keep running)")
            self._logfile.close()
        return 0


async def serve(paths: Paths, *, nodeid: int | None = None) -> int:
    daemon = NodeDaemon(paths, nodeid=nodeid)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return await daemon.run(stop)


def main(argv: Sequence[str] | None = None) -> int:
    return run_daemon("pacelined", __doc__ or "", serve, argv)


if __name__ == "__main__":
    sys.exit(main())
