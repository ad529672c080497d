"""Running agents: the executor's I/O edge (asyncio subprocesses).

``Executor.execute`` runs one action of one resource's agent (ocf, lsb,
stonith, systemd) and returns an ``OpResult``; ``start_recurring`` runs a
monitor every interval until cancelled. Every action has a timeout: when it
expires the agent's whole process group gets SIGTERM, then SIGKILL after a
grace period, and the result is Pacemaker's "Timed Out" (198). At most
``max_concurrent`` actions run at once; the others wait in a queue, and each
result says how long it waited (queue time) and ran (exec time). Each call
gets a call id, and the history keeps the last result per operation
(resource, action, interval) as Pacemaker's ``lrm_rsc_op`` entries do.

Agents find Paceline's ``crm_attribute``, ``crm_master``, ``crm_node`` and
``crm_resource`` first: ``HA_SBIN_DIR`` and the head of ``PATH`` point at
the directory ``executor.tools.install_tools`` filled.

Output goes to files, not pipes: an agent that starts a daemon which keeps
stdout open (Apache, many init scripts) must not hold up the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from paceline.executor import fence, lsb, ocf

OUTPUT_LIMIT = 64 * 1024  # bytes of stdout/stderr kept per result


@dataclass(frozen=True, slots=True)
class Agent:
    """``class:provider:type`` (provider only for ocf)."""

    cls: str
    type: str
    provider: str = ""

    @classmethod
    def parse(cls, spec: str) -> Agent:
        parts = spec.split(":")
        if parts[0] == "ocf" and len(parts) == 3:
            return cls("ocf", parts[2], parts[1])
        if len(parts) == 2 and parts[0] in ("lsb", "stonith", "systemd", "service"):
            return cls(parts[0], parts[1])
        raise ValueError(f"not an agent: {spec!r} (expected ocf:PROVIDER:TYPE or CLASS:TYPE)")

    def __str__(self) -> str:
        if self.cls == "ocf":
            return f"ocf:{self.provider}:{self.type}"
        return f"{self.cls}:{self.type}"


@dataclass(frozen=True, slots=True)
class Request:
    """One action the executor is asked to run."""

    rsc_id: str
    agent: Agent
    action: str
    params: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, str] = field(default_factory=dict)
    interval_ms: int = 0
    timeout_ms: int = 20000

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.rsc_id, self.action, self.interval_ms)


@dataclass(frozen=True, slots=True)
class OpResult:
    """What one call of an agent did (an ``lrm_rsc_op`` entry's content)."""

    call_id: int
    rsc_id: str
    action: str
    interval_ms: int
    rc: int
    exit_reason: str
    stdout: str
    stderr: str
    last_rc_change: float
    """Wall-clock time the call was queued (``last-rc-change`` is derived from it)."""
    queue_ms: int
    exec_ms: int
    timed_out: bool = False

    @property
    def rc_text(self) -> str:
        return ocf.exit_text(self.rc)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.rsc_id, self.action, self.interval_ms)

    @property
    def succeeded(self) -> bool:
        return ocf.succeeded(self.action, self.rc)


ResultHandler = Callable[[OpResult], None]


@dataclass
class _Recurring:
    request: Request
    task: asyncio.Task[None]
    last_rc: int | None = None


class Executor:
    """Runs agents for one node."""

    def __init__(
        self,
        *,
        node: str,
        sbin_dir: str | None = None,
        ocf_root: str = ocf.OCF_ROOT,
        init_d: str = lsb.INIT_D,
        fence_dir: str = "/usr/sbin",
        max_concurrent: int = 4,
        kill_grace: float = 2.0,
        extra_env: Mapping[str, str] | None = None,
        wrapper: Sequence[str] = (),
        on_result: ResultHandler | None = None,
        log_size: int = 1000,
    ) -> None:
        self.node = node
        self.sbin_dir = sbin_dir
        self.ocf_root = ocf_root
        self.init_d = init_d
        self.fence_dir = fence_dir
        self.kill_grace = kill_grace
        self.extra_env = dict(extra_env or {})
        self.wrapper = tuple(wrapper)
        """A prefix for every command (``ip netns exec NS`` for a lab node); it
        must exec the agent, so the agent still leads its process group."""
        self.on_result = on_result
        self._slots = asyncio.Semaphore(max_concurrent)
        self._call_ids = itertools.count(1)
        self.history: dict[tuple[str, str, int], OpResult] = {}
        """The last result of each operation (resource, action, interval)."""
        self.log: deque[OpResult] = deque(maxlen=log_size)
        """Every result, oldest first (bounded)."""
        self._recurring: dict[tuple[str, str, int], _Recurring] = {}
        self.running = 0
        self.peak_running = 0

    # ------------------------------------------------------------ one action

    async def execute(self, request: Request) -> OpResult:
        """Run ``request`` once (waiting for a slot), record and return its result."""
        result = await self._run(request)
        self._record(result)
        if self.on_result is not None:
            self.on_result(result)
        return result

    def _record(self, result: OpResult) -> None:
        self.history[result.key] = result
        self.log.append(result)

    async def _run(self, request: Request) -> OpResult:
        call_id = next(self._call_ids)
        queued_wall, queued = time.time(), time.monotonic()
        async with self._slots:
            started = time.monotonic()
            self.running += 1
            self.peak_running = max(self.peak_running, self.running)
            try:
                rc, out, err, timed_out = await self._spawn(request)
            finally:
                self.running -= 1
            ended = time.monotonic()
        return OpResult(
            call_id=call_id,
            rsc_id=request.rsc_id,
            action=request.action,
            interval_ms=request.interval_ms,
            rc=rc,
            exit_reason=ocf.exit_reason(err),
            stdout=out,
            stderr=err,
            last_rc_change=queued_wall,
            queue_ms=round((started - queued) * 1000),
            exec_ms=round((ended - started) * 1000),
            timed_out=timed_out,
        )

    def _command(self, request: Request) -> tuple[list[str], dict[str, str], str | None]:
        """argv, the variables to add to the environment, and stdin text."""
        agent = request.agent
        if agent.cls == "ocf":
            call = ocf.OcfCall(
                rsc_id=request.rsc_id,
                provider=agent.provider,
                type=agent.type,
                action=request.action,
                params=request.params,
                meta=request.meta,
                interval_ms=request.interval_ms,
                timeout_ms=request.timeout_ms,
                node=self.node,
                ocf_root=self.ocf_root,
            )
            return (
                [call.path, request.action],
                ocf.ocf_environment(call, sbin_dir=self.sbin_dir),
                None,
            )
        if agent.cls in ("lsb", "service"):
            path = lsb.script_path(agent.type, self.init_d)
            return [path, lsb.lsb_action(request.action)], {}, None
        if agent.cls == "stonith":
            action = {"start": "monitor", "meta-data": "metadata"}.get(
                request.action, request.action
            )
            stdin = fence.fence_stdin(request.params, action)
            return [f"{self.fence_dir}/{agent.type}"], {}, stdin
        if agent.cls == "systemd":
            verb = {"monitor": "is-active", "status": "is-active"}.get(
                request.action, request.action
            )
            unit = agent.type if "." in agent.type else f"{agent.type}.service"
            return ["systemctl", verb, unit], {}, None
        raise ValueError(f"unknown resource class {agent.cls!r}")

    def environment(self, added: Mapping[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
        env.update(self.extra_env)
        if self.sbin_dir is not None:
            env["HA_SBIN_DIR"] = self.sbin_dir
            env["PATH"] = self.sbin_dir + os.pathsep + env.get("PATH", os.defpath)
        env["PACELINE_NODE"] = self.node
        env.update(added)
        return env

    async def _spawn(self, request: Request) -> tuple[int, str, str, bool]:
        if request.agent.cls == "stonith" and request.action == "stop":
            return 0, "", "", False  # a fence device is only unregistered
        if request.agent.cls == "systemd" and not os.path.isdir("/run/systemd/system"):
            return (
                ocf.OcfExit.ERR_INSTALLED,
                "",
                "ocf-exit-reason:systemd is not running here\n",
                False,
            )
        argv, added, stdin_text = self._command(request)
        with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *self.wrapper,
                    *argv,
                    stdin=asyncio.subprocess.PIPE
                    if stdin_text is not None
                    else asyncio.subprocess.DEVNULL,
                    stdout=out_f,
                    stderr=err_f,
                    env=self.environment(added),
                    start_new_session=True,  # its own process group: a timeout kills all of it
                    cwd="/",
                )
            except OSError as exc:
                reason = f"ocf-exit-reason:cannot run {argv[0]}: {exc.strerror}\n"
                return ocf.OcfExit.NOT_FOUND, "", reason, False
            if stdin_text is not None and proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.write(stdin_text.encode())
                    await proc.stdin.drain()
                    proc.stdin.close()
            timed_out = False
            try:
                raw = await asyncio.wait_for(proc.wait(), request.timeout_ms / 1000)
            except TimeoutError:
                timed_out = True
                raw = await self._kill_group(proc)
            except asyncio.CancelledError:  # a cancelled monitor leaves no agent behind
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                raise
            out, err = _read(out_f), _read(err_f)
        if timed_out:
            return ocf.OcfExit.TIMEOUT, out, err, True
        return self._map_rc(request, raw), out, err, False

    async def _kill_group(self, proc: asyncio.subprocess.Process) -> int:
        """SIGTERM to the agent's process group, SIGKILL after the grace period."""
        pgid = proc.pid  # start_new_session: the agent leads its own group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            return await asyncio.wait_for(proc.wait(), self.kill_grace)
        except TimeoutError:
            pass
        finally:
            # whatever of the group is left (children that ignored SIGTERM)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        return await proc.wait()

    def _map_rc(self, request: Request, raw: int) -> int:
        if raw < 0:
            return ocf.OcfExit.ERR_GENERIC  # killed by a signal
        cls = request.agent.cls
        if cls in ("lsb", "service"):
            return lsb.lsb_to_ocf(request.action, raw)
        if cls == "stonith":
            return 0 if raw == 0 else ocf.OcfExit.ERR_GENERIC
        if cls == "systemd":
            if request.action in ("monitor", "status"):
                return 0 if raw == 0 else ocf.OcfExit.NOT_RUNNING
            return 0 if raw == 0 else ocf.OcfExit.ERR_GENERIC
        return ocf.ocf_exit(raw)

    # ------------------------------------------------------------ recurring

    def start_recurring(self, request: Request) -> None:
        """Run ``request`` (a monitor with an interval) every interval until
        ``cancel_recurring``; the handler hears of the first result and of
        every change of rc, as Pacemaker reports recurring monitors."""
        if request.interval_ms <= 0:
            raise ValueError("a recurring operation needs an interval")
        self.cancel_recurring(request.key)
        entry = _Recurring(request, asyncio.get_running_loop().create_task(self._repeat(request)))
        self._recurring[request.key] = entry

    async def _repeat(self, request: Request) -> None:
        while True:
            await asyncio.sleep(request.interval_ms / 1000)
            result = await self._run(request)
            self._record(result)
            entry = self._recurring.get(request.key)
            changed = entry is None or entry.last_rc != result.rc
            if entry is not None:
                entry.last_rc = result.rc
            if changed and self.on_result is not None:
                self.on_result(result)

    def cancel_recurring(self, key: tuple[str, str, int]) -> bool:
        entry = self._recurring.pop(key, None)
        if entry is None:
            return False
        entry.task.cancel()
        return True

    def recurring(self) -> list[Request]:
        return [e.request for e in self._recurring.values()]

    async def close(self) -> None:
        """Cancel every recurring operation (running agents finish or time out)."""
        tasks = [e.task for e in self._recurring.values()]
        self._recurring.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read(OUTPUT_LIMIT).decode("utf-8", "replace")
