"""The lab half of ``bench_membership`` (root only): see that module's docstring.

Ratios are against the *effective* token (Corosync's ``token +
(nodes - 2) * token_coefficient``: 2950 ms for five nodes at token 1000),
the time after which both stacks declare a silent peer lost.

Times come from the daemons' own event records (wall clock when the core
emitted the event, stamped by the driver thread, so a busy daemon loop does
not add to them; host and nodes share one kernel clock) and
from Corosync's ``timestamp: hires`` log lines, both against the host's
wall clock just before ``Lab.power_off`` pulls the plug.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import bench_membership as cfg
from paceline.lab import corosync
from paceline.lab import membership as mb
from paceline.lab.lab import Lab
from paceline.membership.config import load

NAMES = tuple(f"node{i}" for i in range(1, cfg.LAB_NODES + 1))
SURVIVOR = "node1"
CS_TRIALS = 3 if cfg.QUICK else 10


def _summary(values: list[float], token: float | None = None) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    out: dict[str, Any] = {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 1),
        "min_ms": round(min(values) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }
    if len(values) >= 2:
        out["p95_ms"] = round(statistics.quantiles(values, n=20, method="inclusive")[-1] * 1000, 1)
    if token:
        out["median_ratio_of_token"] = round(statistics.median(values) / token, 3)
        out["max_ratio_of_token"] = round(max(values) / token, 3)
    return out


def _wait(check: Any, timeout: float = 60.0) -> Any:
    end = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except Exception:
            result = None
        if result:
            return result
        if time.monotonic() > end:
            raise TimeoutError("bench: the cluster did not settle")
        time.sleep(0.05)


def _whole(lab: Lab, names: tuple[str, ...] = NAMES) -> tuple[int, int]:
    want = tuple(range(1, len(names) + 1))

    def check() -> Any:
        vs = {mb.view(lab, n) for n in names}
        return len(vs) == 1 and (v := vs.pop()) is not None and v[1] == want and v[0]

    return _wait(check)  # type: ignore[no-any-return]


def _daemon_pids(lab: Lab, name: str) -> list[int]:
    out = []
    for pid in lab.processes(name):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if mb.DAEMON_MODULE.encode() in cmd or b"corosync" in cmd.split(b"\0")[0]:
            out.append(pid)
    return out


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def idle_cpu(lab: Lab, seconds: float) -> dict[str, Any]:
    """Percent of one core per node used by its membership process over ``seconds``."""
    pids = {n: _daemon_pids(lab, n) for n in NAMES}
    before = {n: _cpu_ticks(p) for n, p in pids.items()}
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    hz = os.sysconf("SC_CLK_TCK")
    per = {n: (_cpu_ticks(p) - before[n]) / hz / elapsed * 100 for n, p in pids.items()}
    return {
        "seconds": round(elapsed, 1),
        "per_node_percent": {n: round(v, 3) for n, v in per.items()},
        "max_percent": round(max(per.values()), 3),
    }


def _events_after(lab: Lab, name: str, since: int) -> list[dict[str, Any]]:
    return list(mb.ask(lab, name, "events", {"since": since}))


def _last_event(lab: Lab, name: str) -> int:
    events = mb.ask(lab, name, "events")
    return int(events[-1]["n"]) if events else 0


def paceline_trials(lab: Lab, token: float, trials: int) -> dict[str, Any]:
    detect, view, total = [], [], []
    victims = NAMES[1:]
    for i in range(trials):
        victim = victims[i % len(victims)]
        vid = int(victim.removeprefix("node"))
        _whole(lab)
        since = _last_event(lab, SURVIVOR)
        t0 = time.time()
        lab.power_off(victim)

        def seen(since: int = since, vid: int = vid) -> Any:
            evs = _events_after(lab, SURVIVOR, since)
            down = [
                e
                for e in evs
                if e["type"] == "LinkChanged" and e["event"] == f"link 0 to {vid} down"
            ]
            views = [e for e in evs if e["type"] == "ViewInstalled" and f"-[{vid}]" in e["event"]]
            return (down[0]["time"], views[0]["time"]) if down and views else None

        t_down, t_view = _wait(seen, 30.0)
        detect.append(t_down - t0)
        view.append(t_view - t_down)
        total.append(t_view - t0)
        lab.power_on(victim)
        mb.start(lab, victim)
    return {
        "detection": _summary(detect, token),
        "detection_to_view": _summary(view),
        "power_off_to_view": _summary(total, token),
    }


def false_suspicions(lab: Lab, seconds: float) -> dict[str, Any]:
    """Views that drop a live node while a CPU hog runs on every host core."""
    _whole(lab)
    since = {n: _last_event(lab, n) for n in NAMES}
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        time.sleep(seconds)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    drops = 0
    link_flaps = 0
    for n in NAMES:
        for e in _events_after(lab, n, since[n]):
            if e["type"] == "ViewInstalled" and not e["event"].endswith("-[]"):
                drops += 1
            if e["type"] == "LinkChanged" and e["event"].endswith("down"):
                link_flaps += 1
    return {
        "seconds": seconds,
        "hogs": len(hogs),
        "false_suspicions": drops,
        "link_down_events": link_flaps,
    }


_HIRES = re.compile(r"^(\w{3} \d{2} \d{2}:\d{2}:\d{2})\.(\d{3})")


def _log_time(line: str) -> float | None:
    m = _HIRES.match(line)
    if not m:
        return None
    year = time.localtime().tm_year
    base = time.mktime(time.strptime(f"{year} {m.group(1)}", "%Y %b %d %H:%M:%S"))
    return base + int(m.group(2)) / 1000


def corosync_trials(lab: Lab, trials: int, token_ms: int) -> dict[str, Any]:
    """Real corosync 3.1 (knet) on the same nodes, same token, same power-offs."""
    text = corosync.conf_text(lab, NAMES, {}, token=token_ms, cluster_name="mnetbench")
    for n in NAMES:
        corosync.write_conf(lab, n, text)
        corosync.start(lab, n)
    log = lab.dirs(SURVIVOR).sub("log") / Path(corosync.LOG_PATH).name

    def members_ok() -> bool:
        st = corosync.parse_status(corosync.quorumtool(lab, SURVIVOR)[1])
        return st is not None and len(st.members) == len(NAMES)

    detect, view, total = [], [], []
    idle = None
    try:
        _wait(members_ok, 60)
        idle = idle_cpu(lab, min(cfg.IDLE_SECONDS, 20))
        for i in range(trials):
            victim = NAMES[1 + i % (len(NAMES) - 1)]
            _wait(members_ok, 60)
            offset = log.stat().st_size
            t0 = time.time()
            lab.power_off(victim)

            def seen(offset: int = offset) -> Any:
                with open(log) as f:
                    f.seek(offset)
                    lines = f.read().splitlines()
                lost = [
                    ln
                    for ln in lines
                    if "A processor failed" in ln or "Token has not been received" in ln
                ]
                formed = [ln for ln in lines if "A new membership" in ln]
                if lost and formed:
                    return _log_time(lost[0]), _log_time(formed[0])
                return None

            t_lost, t_formed = _wait(seen, 30)
            if t_lost is not None and t_formed is not None:
                detect.append(t_lost - t0)
                view.append(t_formed - t_lost)
                total.append(t_formed - t0)
            lab.power_on(victim)
            corosync.start(lab, victim)
    finally:
        for n in NAMES:
            if lab.running(n):
                corosync.stop(lab, n)
    token = load(text)[0].totem.effective_token / 1000  # corosync's own formula, same file
    return {
        "token_ms": token_ms,
        "effective_token_ms": round(token * 1000),
        "idle_cpu": idle,
        "detection": _summary(detect, token),
        "detection_to_view": _summary(view),
        "power_off_to_view": _summary(total, token),
        "note": "corosync logs in ms resolution; 'detection' = its token-loss line",
    }


def run() -> dict[str, Any]:
    from paceline.lab.fixtures import running_lab, unavailable

    reason = unavailable()
    if reason:
        return {"skipped": reason}
    out: dict[str, Any] = {"nodes": len(NAMES), "trials": cfg.TRIALS}
    with running_lab(f"mnetbench{os.getpid()}", len(NAMES), power_api=False) as lab:
        text = mb.conf_text(lab, token=None)  # Paceline's default token: 1000 ms
        mb.install(lab, text)
        # a peer is lost after the effective token: token + token_coefficient per node past two
        token = load(text)[0].totem.effective_token / 1000
        for n in NAMES:
            mb.start(lab, n)
        _whole(lab)
        out["paceline"] = {
            "token_ms": cfg.TOKEN_MS,
            "effective_token_ms": round(token * 1000),
            "idle_cpu": idle_cpu(lab, cfg.IDLE_SECONDS),
            **paceline_trials(lab, token, cfg.TRIALS),
            "cpu_hog": false_suspicions(lab, cfg.HOG_SECONDS),
        }
        for n in NAMES:
            mb.stop(lab, n)
        try:
            out["corosync"] = corosync_trials(lab, CS_TRIALS, cfg.TOKEN_MS)
        except Exception as exc:  # the reference failing must not hide our figures
            out["corosync"] = {"error": f"{type(exc).__name__}: {exc}"}
    p = out["paceline"]
    c = out.get("corosync", {})
    if c.get("detection", {}).get("n"):
        out["ratios"] = {
            "detection_median_paceline_to_corosync": round(
                p["detection"]["median_ms"] / c["detection"]["median_ms"], 3
            ),
            "power_off_to_view_median_paceline_to_corosync": round(
                p["power_off_to_view"]["median_ms"] / c["power_off_to_view"]["median_ms"], 3
            ),
        }
    return out
