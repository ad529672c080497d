"""Failover of a two-node Paceline cluster in the lab, beside real Pacemaker.

The cluster of ``tests/lab/test_ctl_cluster.py`` (IPaddr2 VIP + Dummy in a
group, stonith-enabled=false, two_node), and the baseline's TCP listener
(``../shared/baseline/listener.py``) in each node: a prober on the host
connects to VIP:8080 every 50 ms and reads which node answers.

- ``poweroff_s``: power-off of the active node (every process dies at once)
  until the VIP answers from the survivor (the prober's last failure);
- ``standby_outage_s``: ``paceline node standby`` of the active node, the
  longest run of failed probes;
- ``rss_mib``: RSS of every pacelined (daemon + supervisor) per node.

Reference: with ``PACELINE_BENCH_BASELINE=1`` the baseline's own scripts
(``up.sh``, ``measure.sh``) run in this run, beside ours; otherwise the
figures of ``../shared/baseline/REPORT.md`` (same machine, earlier run) are
reported as ``recorded`` and ratios say so. Needs root.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

TRIALS = 3
PORT = 8080
RECORDED = {
    "poweroff_default_s": 7.4,
    "poweroff_token1000_s": 2.4,
    "standby_outage_s": 0.15,
    "rss_mib": 200,
}


def _shared() -> Path:
    if os.environ.get("PACELINE_SHARED"):
        return Path(os.environ["PACELINE_SHARED"])
    beside = Path(__file__).resolve().parents[2] / "shared"  # ../shared of the checkout
    return beside if beside.is_dir() else Path("/work/shared")


def run() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {"skipped": "needs root (lab namespaces)"}
    from paceline.cib.model import Cib
    from paceline.crm import api
    from paceline.lab import cluster as C
    from paceline.lab.fixtures import running_lab
    from paceline.lab.probe import Prober, probe_tcp

    listener = _shared() / "baseline" / "listener.py"
    text = C.GROUP_CONFIG
    out: dict[str, Any] = {"trials": TRIALS}
    poweroff: list[float] = []
    standby: list[float] = []
    rss: list[float] = []
    with running_lab(f"ctlb{os.getpid()}", 2, power_api=False) as lab:
        nodes = list(lab.plan.node_names)
        vip = lab.plan.vip(0)
        cib, _ = api.load(Cib(), text.format(vip=vip))

        def start_all() -> None:
            for n in nodes:
                if not lab.running(n):
                    lab.power_on(n)
                lab.exec(n, ["sh", "-c", f"(python3 {listener} {n} >/dev/null 2>&1 </dev/null &)"])
                C.start(lab, n)

        def active() -> str | None:
            w = {n: r for n, r in C.running_on(lab, nodes).items() if sorted(r) == ["d1", "vip"]}
            return next(iter(w)) if len(w) == 1 else None

        C.setup(lab, nodes, cib=cib)
        start_all()
        try:
            C.wait(lambda: active() is not None and probe_tcp(vip, PORT, 0.2).ok, 90, "group up")
        except AssertionError as exc:
            return {"error": str(exc), "logs": {n: C.log_tail(lab, n) for n in nodes}}
        for _ in range(TRIALS):
            node = active()
            assert node is not None
            other = next(n for n in nodes if n != node)
            rss.append(_rss(lab, node))
            with Prober(lambda: probe_tcp(vip, PORT, 0.045)) as prober:
                time.sleep(0.5)
                C.paceline(lab, node, "node", "standby", node)
                C.wait(lambda o=other: probe_tcp(vip, PORT, 0.2).answer == o, 60, "moved")
                time.sleep(0.5)
            fails = [s for s in prober.segments() if not s.ok]
            standby.append(max((s.last - s.first + 0.05 for s in fails), default=0.0))
            C.paceline(lab, node, "node", "online", node)
            time.sleep(1.0)
            # power-off of the active one (now ``other``)
            with Prober(lambda: probe_tcp(vip, PORT, 0.045)) as prober:
                time.sleep(0.5)
                off_at = time.monotonic()
                lab.power_off(other)
                C.wait(lambda o=node: probe_tcp(vip, PORT, 0.2).answer == o, 60, "failed over")
                time.sleep(0.3)
            fails = [s for s in prober.segments() if not s.ok and s.first >= off_at - 0.05]
            last_fail = max((s.last for s in fails), default=off_at)
            poweroff.append(last_fail + 0.05 - off_at)
            start_all()
            C.wait(lambda o=other: len(C.status(lab, o)["members"]) == 2, 60, "rejoined")
            time.sleep(2.0)
        for n in nodes:
            C.stop(lab, n)
    out["poweroff_s"] = {"median": statistics.median(poweroff), "all": poweroff}
    out["standby_outage_s"] = {"median": statistics.median(standby), "all": standby}
    out["rss_mib"] = statistics.median(rss)
    out["token_ms"] = 1000
    ref = _baseline()
    out["reference"] = ref
    pm = ref.get("poweroff_default_s")
    if pm:
        out["poweroff_ratio_vs_pacemaker_default"] = out["poweroff_s"]["median"] / pm
    if ref.get("poweroff_token1000_s"):
        out["poweroff_ratio_vs_pacemaker_token1000"] = (
            out["poweroff_s"]["median"] / ref["poweroff_token1000_s"]
        )
    if ref.get("rss_mib"):
        out["rss_ratio_vs_pacemaker"] = out["rss_mib"] / ref["rss_mib"]
    return out


def _rss(lab: Any, node: str) -> float:
    code = (
        "import os\nt=0\nfor p in os.listdir('/proc'):\n"
        " try:\n  c=open(f'/proc/{p}/cmdline','rb').read()\n"
        "  if b'paceline.runtime' in c:\n"
        "   t+=int([l for l in open(f'/proc/{p}/status') if l.startswith('VmRSS')][0].split()[1])\n"
        " except Exception: pass\nprint(t)"
    )
    proc = lab.exec(node, ["python3", "-c", code])
    return int(proc.stdout.strip() or 0) / 1024


def _baseline() -> dict[str, Any]:
    if os.environ.get("PACELINE_BENCH_BASELINE") != "1":
        return {"source": "recorded: ../shared/baseline/REPORT.md (not this run)", **RECORDED}
    import json
    import subprocess

    base = _shared() / "baseline"
    results = Path("/tmp/pcmk-baseline/results-ctl")
    env = {**os.environ, "PB_RESULTS": str(results)}
    try:
        subprocess.run([str(base / "up.sh")], check=True, env=env, timeout=900, capture_output=True)
        subprocess.run(
            [str(base / "measure.sh"), str(TRIALS)],
            check=True,
            env=env,
            timeout=1800,
            capture_output=True,
        )
    finally:
        subprocess.run([str(base / "down.sh")], env=env, timeout=300, capture_output=True)
    figures: dict[str, Any] = {"source": "measured in this run by ../shared/baseline/measure.sh"}
    for path in results.glob("*.jsonl"):
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        figures[path.stem] = rows
    return figures
