"""The executor runs real agents: Debian's Dummy and Stateful, an LSB script,
hanging agents that must be killed with their whole process group."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

from paceline.executor.runner import Agent, Executor, OpResult, Request
from paceline.executor.tools import FileAttributes

run = asyncio.run

DUMMY = Agent("ocf", "Dummy", "heartbeat")


def dummy(action: str, state: Path, **kw: int) -> Request:
    return Request("d1", DUMMY, action, params={"state": str(state)}, **kw)


def test_dummy_start_monitor_stop_and_the_history(tmp_path: Path, executor_factory) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "d1.state"

    async def scenario() -> list[OpResult]:
        ex: Executor = executor_factory()
        results = [await ex.execute(dummy(a, state)) for a in ("monitor", "start", "monitor")]
        assert state.exists()
        results += [await ex.execute(dummy(a, state)) for a in ("stop", "monitor")]
        assert ex.history[("d1", "monitor", 0)] is results[-1]
        assert list(ex.log) == results
        return results

    results = run(scenario())
    assert [r.rc for r in results] == [7, 0, 0, 0, 7]
    assert [r.call_id for r in results] == [1, 2, 3, 4, 5]
    assert all(r.exec_ms >= 0 and r.queue_ms >= 0 for r in results)
    assert results[0].rc_text == "not running" and results[0].succeeded
    assert not state.exists()


def test_missing_agent_and_bad_parameters(tmp_path: Path, executor_factory) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[OpResult, OpResult]:
        ex: Executor = executor_factory()
        missing = await ex.execute(Request("x", Agent("ocf", "NoSuchAgent", "heartbeat"), "start"))
        # IPaddr2 without its required ip: not configured, with the agent's reason
        bad = await ex.execute(Request("v", Agent("ocf", "IPaddr2", "heartbeat"), "validate-all"))
        return missing, bad

    missing, bad = run(scenario())
    assert missing.rc == 199 and "cannot run" in missing.stderr
    assert bad.rc in (2, 6) and bad.exit_reason


def write_agent(root: Path, name: str, body: str) -> Path:
    path = root / "resource.d" / "exectest" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (not yet reaped by its parent) is dead for our purpose
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_hanging_agent_is_killed_with_its_process_group(tmp_path: Path, executor_factory) -> None:  # type: ignore[no-untyped-def]
    pids = tmp_path / "pids"
    write_agent(
        tmp_path / "ocf",
        "Hang",
        # a child that ignores SIGTERM, and the agent itself ignoring it too
        f"trap '' TERM\n(trap '' TERM; sleep 300) &\necho $! >> {pids}\necho $$ >> {pids}\n"
        "while :; do sleep 1; done\n",
    )

    async def scenario() -> OpResult:
        ex: Executor = executor_factory(ocf_root=str(tmp_path / "ocf"), kill_grace=0.5)
        return await ex.execute(
            Request("h", Agent("ocf", "Hang", "exectest"), "start", timeout_ms=500)
        )

    result = run(scenario())
    assert result.rc == 198 and result.timed_out and result.rc_text == "Timed Out"
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == 2
    for _ in range(100):  # SIGKILL is delivered asynchronously; wait for the kernel
        if not any(alive(p) for p in started):
            break
        run(asyncio.sleep(0.05))
    assert not any(alive(p) for p in started)


def test_a_recurring_monitor_sees_the_state_file_removed(tmp_path: Path, executor_factory) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "d1.state"

    async def scenario() -> list[OpResult]:
        seen: list[OpResult] = []
        changed = asyncio.Event()

        def heard(result: OpResult) -> None:
            seen.append(result)
            if result.interval_ms and result.rc == 7:
                changed.set()

        ex: Executor = executor_factory(on_result=heard)
        assert (await ex.execute(dummy("start", state))).rc == 0
        ex.start_recurring(dummy("monitor", state, interval_ms=200))
        while not [r for r in seen if r.interval_ms]:
            await asyncio.sleep(0.05)
        state.unlink()
        await asyncio.wait_for(changed.wait(), 60)
        await ex.close()
        assert ex.recurring() == []
        return seen

    seen = run(scenario())
    monitors = [r for r in seen if r.interval_ms == 200]
    # reported: the first result (running), then the change (not running), once
    assert [r.rc for r in monitors] == [0, 7]
    assert monitors[0].call_id < monitors[1].call_id


def test_concurrent_actions_are_limited(tmp_path: Path, executor_factory) -> None:  # type: ignore[no-untyped-def]
    write_agent(tmp_path / "ocf", "Slow", "sleep 0.3\nexit 0\n")

    async def scenario() -> tuple[Executor, list[OpResult]]:
        ex: Executor = executor_factory(ocf_root=str(tmp_path / "ocf"), max_concurrent=2)
        requests = [Request(f"s{i}", Agent("ocf", "Slow", "exectest"), "start") for i in range(5)]
        return ex, list(await asyncio.gather(*(ex.execute(r) for r in requests)))

    ex, results = run(scenario())
    assert ex.peak_running == 2
    assert sorted(r.call_id for r in results) == [1, 2, 3, 4, 5]
    assert sum(r.queue_ms > 0 for r in results) >= 3  # three had to wait for a slot


LSB_SCRIPT = """
STATE={state}
case "$1" in
  start) touch $STATE; exit 0 ;;
  stop) rm -f $STATE; exit 0 ;;
  status) [ -e $STATE ] && exit 0; [ -e $STATE.pid ] && exit 1; exit 3 ;;
  *) exit 3 ;;
esac
"""


def test_an_lsb_script_with_pacemakers_status_mapping(tmp_path: Path, executor_factory) -> None:  # type: ignore[no-untyped-def]
    init_d = tmp_path / "init.d"
    init_d.mkdir()
    state = tmp_path / "svc.state"
    script = init_d / "exec-svc"
    script.write_text("#!/bin/sh\n" + LSB_SCRIPT.format(state=state))
    script.chmod(0o755)
    svc = Agent("lsb", "exec-svc")

    async def scenario() -> list[int]:
        ex: Executor = executor_factory(init_d=str(init_d))
        rcs = []
        for action in ("monitor", "start", "monitor", "stop"):
            rcs.append((await ex.execute(Request("svc", svc, action))).rc)
        Path(f"{state}.pid").touch()  # dead, but its pid file is left: LSB 1
        rcs.append((await ex.execute(Request("svc", svc, "monitor"))).rc)
        rcs.append((await ex.execute(Request("svc", svc, "reload"))).rc)  # 3: unimplemented
        return rcs

    assert run(scenario()) == [7, 0, 0, 0, 7, 3]


def test_apache2_init_script_status_is_mapped(executor_factory) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    raw = subprocess.run(["/etc/init.d/apache2", "status"], capture_output=True, check=False)

    async def scenario() -> int:
        ex: Executor = executor_factory()
        return (await ex.execute(Request("web", Agent("lsb", "apache2"), "monitor"))).rc

    rc = run(scenario())
    assert raw.returncode in (0, 1, 2, 3, 4)
    assert rc == {0: 0, 1: 7, 2: 7, 3: 7, 4: 1}[raw.returncode]


def test_stateful_sets_its_promotion_score_through_our_crm_attribute(
    tmp_path: Path, executor_factory
) -> None:  # type: ignore[no-untyped-def]
    stateful = Agent("ocf", "Stateful", "pacemaker")
    params = {"state": str(tmp_path / "s.state")}

    async def scenario() -> list[int]:
        ex: Executor = executor_factory()
        rcs = []
        for action in ("start", "monitor", "promote", "monitor"):
            result = await ex.execute(Request("s:0", stateful, action, params=params))
            rcs.append(result.rc)
        return rcs

    assert run(scenario()) == [0, 0, 0, 8]
    store = FileAttributes(tmp_path / "root")
    # promote set the promoted score, on this node, transient, without the clone suffix
    assert store.get("exec-n1", "master-s", "reboot") == "10"
