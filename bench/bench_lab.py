"""Lab costs: up/down times of a 2-node lab (bare and lamp), memory per node with Apache + MariaDB.

References measured in the same run, so ratios compare like with like on a
loaded machine: ``ip netns add`` + ``del`` of one namespace, and one
``unshare --pid --fork --mount-proc true`` (the kernel work a node's boot
cannot avoid). Memory is RSS and PSS (``/proc/PID/smaps_rollup``) summed
over every process of a node, with both services started from their init
scripts. Needs root; without it the result says why and measures nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPEAT = 5


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _median_ms(fn: Callable[[], object], n: int = REPEAT) -> float:
    return round(statistics.median(_timed(fn) for _ in range(n)) * 1000, 2)


def _netns_add_del() -> None:
    name = f"plbench{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "netns", "del", name], check=True)


def _unshare_true() -> None:
    subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], check=True)


def _memory_kib(pids: list[int]) -> dict[str, int]:
    total = {"rss_kib": 0, "pss_kib": 0}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                total[f"{key.lower()}_kib"] += int(rest.split()[0])
    return total


def _lab_cycle(scenario: str) -> dict[str, Any]:
    from paceline.lab.lab import Lab

    name = f"bench-{scenario}-{os.getpid()}"
    start = time.perf_counter()
    lab = Lab.up(name, 2, scenario_name=scenario, owner="bench")
    out: dict[str, Any] = {"up_ms": round((time.perf_counter() - start) * 1000, 1)}
    try:
        idle = {n: _memory_kib(lab.processes(n)) for n in ("node1", "node2")}
        out["idle_node_memory"] = idle
        if scenario == "lamp":
            jobs = [(n, s) for n in ("node1", "node2") for s in ("apache2", "mariadb")]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=4) as pool:
                rcs = list(
                    pool.map(
                        lambda j: lab.exec(j[0], [f"/etc/init.d/{j[1]}", "start"]).returncode, jobs
                    )
                )
            out["services_start_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["services_start_rc"] = rcs
            time.sleep(1.0)  # let the prefork workers settle
            procs = {n: lab.processes(n) for n in ("node1", "node2")}
            out["node_memory_with_apache_mariadb"] = {
                n: {**_memory_kib(pids), "processes": len(pids)} for n, pids in procs.items()
            }
    finally:
        start = time.perf_counter()
        lab.down()
        out["down_ms"] = round((time.perf_counter() - start) * 1000, 1)
    return out


def run() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {"skipped": "the lab needs root"}
    ref_netns = _median_ms(_netns_add_del)
    ref_unshare = _median_ms(_unshare_true)
    bare = _lab_cycle("bare")
    lamp = _lab_cycle("lamp")
    return {
        "reference": {"netns_add_del_ms": ref_netns, "unshare_pid_mountproc_ms": ref_unshare},
        "bare_2_nodes": bare,
        "lamp_2_nodes": lamp,
        "ratios": {
            "bare_up_over_netns_add_del": round(bare["up_ms"] / ref_netns, 1),
            "bare_up_over_unshare": round(bare["up_ms"] / ref_unshare, 1),
            "bare_down_over_netns_add_del": round(bare["down_ms"] / ref_netns, 1),
            "lamp_up_over_bare_up": round(lamp["up_ms"] / bare["up_ms"], 2),
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
