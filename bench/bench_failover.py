"""Failover of a two-node Paceline cluster in the lab, beside real Pacemaker.

The cluster of ``tests/lab/test_ctl_cluster.py`` (IPaddr2 VIP + Dummy in a
group, stonith-enabled=false, two_node), and the baseline's TCP listener
(``../shared/baseline/listener.py``) in each node: a prober on the host
connects to VIP:8080 every 50 ms and reads which node answers. The figures
are defined as ``../shared/baseline/measure.py`` defines them:

- ``poweroff_s``: power-off of the active node (every process dies at once)
  until the first answer from the survivor;
- ``standby_outage_s``: ``paceline node standby`` of the active node, from
  the last answer of the old node to the first of the new one;
- ``rss_mib`` / ``pss_mib``: every pacelined process (daemon + supervisor)
  of a node, summed, median over the trials.

Ours runs at its default token (1000 ms) and at 3000 ms (corosync's
default, so both sides are compared at each one's default and at equal
tokens). Reference: with ``PACELINE_BENCH_BASELINE=1`` the baseline's
``measure.sh`` runs in this run, beside ours (about 6 minutes: both token
settings, ``TRIALS`` each); otherwise the figures of
``../shared/baseline/REPORT.md`` (same machine, earlier run) are reported
as ``recorded`` and the ratios say so. Needs root.

The baseline's ``measure.py`` as shipped does not run (line 23 is a shell
line, a SyntaxError): the run uses a copy outside ``/tmp`` (a baseline node
hides the host's ``/tmp``, and its listener must stay visible) with that
line replaced by the script's own directory, and says so in the output.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

TRIALS = 3
PORT = 8080
TOKENS = (None, 3000)  # ours: the default (1000 ms) and corosync's default
RECORDED = {
    "poweroff_default_s": 7.4,
    "poweroff_token1000_s": 2.4,
    "standby_outage_s": 0.15,
    "rss_mib": 200,
}
PATCH = ("HERE = ", "HERE = os.path.dirname(os.path.abspath(__file__))")


def _shared() -> Path:
    if os.environ.get("PACELINE_SHARED"):
        return Path(os.environ["PACELINE_SHARED"])
    beside = Path(__file__).resolve().parents[2] / "shared"  # ../shared of the checkout
    return beside if beside.is_dir() else Path("/work/shared")


def run() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {"skipped": "needs root (lab namespaces)"}
    out: dict[str, Any] = {"trials": TRIALS}
    for token in TOKENS:
        out[f"paceline_token{token or 'default'}"] = _ours(token)
    ref = _baseline()
    out["reference"] = ref
    ours = out["paceline_tokendefault"]
    equal = out["paceline_token3000"]
    if "error" not in ours and "error" not in equal:
        pairs = (
            ("poweroff_ratio_defaults", ours["poweroff_s"]["median"], "poweroff_default_s"),
            ("poweroff_ratio_token1000", ours["poweroff_s"]["median"], "poweroff_token1000_s"),
            ("poweroff_ratio_token3000", equal["poweroff_s"]["median"], "poweroff_default_s"),
            ("standby_outage_ratio", ours["standby_outage_s"]["median"], "standby_outage_s"),
            ("rss_ratio", ours["rss_mib"], "rss_mib"),
        )
        for name, value, key in pairs:
            if ref.get(key):
                out[name] = value / ref[key]
    return out


def _ours(token: int | None) -> dict[str, Any]:
    from paceline.cib.model import Cib
    from paceline.crm import api
    from paceline.lab import cluster as C
    from paceline.lab.fixtures import running_lab
    from paceline.lab.probe import Prober, probe_tcp

    listener = _shared() / "baseline" / "listener.py"
    poweroff: list[float] = []
    standby: list[float] = []
    rss: list[float] = []
    pss: list[float] = []
    with running_lab(f"mcoreb{os.getpid()}", 2, power_api=False) as lab:
        nodes = list(lab.plan.node_names)
        vip = lab.plan.vip(0)
        cib, _ = api.load(Cib(), C.GROUP_CONFIG.format(vip=vip))

        def start_all() -> None:
            for n in nodes:
                if not lab.running(n):
                    lab.power_on(n)
                lab.exec(n, ["sh", "-c", f"(python3 {listener} {n} >/dev/null 2>&1 </dev/null &)"])
                C.start(lab, n)

        def active() -> str | None:
            w = {n: r for n, r in C.running_on(lab, nodes).items() if sorted(r) == ["d1", "vip"]}
            return next(iter(w)) if len(w) == 1 else None

        def answer() -> str:
            s = probe_tcp(vip, PORT, 0.2)
            return s.answer if s.ok else ""

        C.setup(lab, nodes, cib=cib, token=token)
        start_all()
        try:
            C.wait(lambda: active() is not None and answer() != "", 90, "group up")
            for _ in range(TRIALS):
                node = active()
                assert node is not None
                other = next(n for n in nodes if n != node)
                r, p = _memory(lab, node)
                rss.append(r)
                pss.append(p)
                with Prober(lambda: probe_tcp(vip, PORT, 0.045)) as prober:
                    time.sleep(0.5)
                    C.paceline(lab, node, "node", "standby", node)
                    C.wait(lambda o=other: answer() == o, 60, "moved")
                    time.sleep(0.3)
                standby.append(_outage(prober.samples, node, other))
                C.paceline(lab, node, "node", "online", node)
                time.sleep(2.0)
                # power-off of the active one (now ``other``)
                with Prober(lambda: probe_tcp(vip, PORT, 0.045)) as prober:
                    time.sleep(0.5)
                    off_at = time.monotonic()
                    lab.power_off(other)
                    C.wait(lambda o=node: answer() == o, 60, "failed over")
                    time.sleep(0.3)
                first = min(s.at for s in prober.samples if s.at >= off_at and s.answer == node)
                poweroff.append(first - off_at)
                start_all()
                C.wait(lambda o=other: len(C.status(lab, o)["members"]) == 2, 60, "rejoined")
                time.sleep(2.0)
        except AssertionError as exc:
            return {"error": str(exc), "logs": {n: C.log_tail(lab, n) for n in nodes}}
        finally:
            for n in nodes:
                C.stop(lab, n)
    return {
        "token_ms": token or 1000,
        "poweroff_s": {"median": statistics.median(poweroff), "all": poweroff},
        "standby_outage_s": {"median": statistics.median(standby), "all": standby},
        "rss_mib": statistics.median(rss),
        "pss_mib": statistics.median(pss),
    }


def _outage(samples: list[Any], old: str, new: str) -> float:
    """From the last answer of ``old`` to the first of ``new`` after it (measure.py's outage)."""
    first_new = min(s.at for s in samples if s.ok and s.answer == new)
    last_old = max(s.at for s in samples if s.ok and s.answer == old and s.at < first_new)
    return first_new - last_old


def _memory(lab: Any, node: str) -> tuple[float, float]:
    """VmRSS and PSS (MiB) of the node's pacelined processes, summed."""
    code = (
        "import os,re\nr=p=0\nfor d in os.listdir('/proc'):\n"
        " try:\n  c=open(f'/proc/{d}/cmdline','rb').read()\n"
        "  if b'paceline.runtime' in c:\n"
        "   r+=int(re.search(r'VmRSS:\\s+(\\d+)',open(f'/proc/{d}/status').read()).group(1))\n"
        "   p+=int(re.search(r'Pss:\\s+(\\d+)',open(f'/proc/{d}/smaps_rollup').read()).group(1))\n"
        " except Exception: pass\nprint(r,p)"
    )
    proc = lab.exec(node, ["python3", "-c", code])
    r, p = (int(x) for x in proc.stdout.split())
    return r / 1024, p / 1024


def _baseline() -> dict[str, Any]:
    if os.environ.get("PACELINE_BENCH_BASELINE") != "1":
        return {"source": "recorded: ../shared/baseline/REPORT.md (not this run)", **RECORDED}
    work = Path(f"/var/tmp/paceline-bench-baseline-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(_shared() / "baseline", work / "baseline")
    script = work / "baseline" / "measure.py"
    lines = script.read_text().splitlines(keepends=True)
    patched = [PATCH[1] + "\n" if ln.startswith(PATCH[0]) else ln for ln in lines]
    script.write_text("".join(patched))
    results = work / "results"
    env = {**os.environ, "PB_RESULTS": str(results)}
    try:
        proc = subprocess.run(
            [str(work / "baseline" / "measure.sh"), str(TRIALS)],
            env=env, timeout=2400, capture_output=True, text=True,
        )  # fmt: skip
        if proc.returncode != 0:
            return {"error": f"measure.sh exit {proc.returncode}", "stderr": proc.stderr[-3000:]}
        return {
            "source": "measured in this run by ../shared/baseline/measure.sh",
            "patched": "measure.py line 23 (a shell line) replaced by: " + PATCH[1],
            **_figures(results),
        }
    finally:
        subprocess.run([str(work / "baseline" / "down.sh")], timeout=300, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def _figures(results: Path) -> dict[str, Any]:
    def rows(kind: str, tag: str) -> list[dict[str, Any]]:
        path = results / f"{kind}-{tag}.jsonl"
        if not path.exists():
            return []
        return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]

    out: dict[str, Any] = {}
    for tag in ("default", "token1000"):
        kills = [r["failover_ms"] / 1000 for r in rows("kill", tag)]
        outages = [r["outage_ms"] / 1000 for r in rows("standby", tag) if r["outage_ms"]]
        if kills:
            out[f"poweroff_{tag}_s"] = statistics.median(kills)
            out[f"poweroff_{tag}_all_s"] = kills
        if outages:
            out[f"standby_outage_{tag}_s"] = statistics.median(outages)
            out[f"standby_outage_{tag}_all_s"] = outages
        for r in rows("rss", f"{tag}-idle"):
            totals = {n: p["TOTAL"] for n, p in r["nodes"].items()}
            out[f"rss_{tag}_mib"] = {n: t["VmRSS"] / 1024 for n, t in totals.items()}
            out[f"pss_{tag}_mib"] = {n: t["Pss"] / 1024 for n, t in totals.items()}
    both = out.get("standby_outage_default_all_s", []) + out.get(
        "standby_outage_token1000_all_s", []
    )
    if both:
        out["standby_outage_s"] = statistics.median(both)
    rss = out.get("rss_default_mib")
    if rss:
        out["rss_mib"] = statistics.median(rss.values())
    return out
