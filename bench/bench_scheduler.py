"""Scheduler speed against Debian's ``crm_simulate``, measured in the same run.

Three figures, each as a ratio ours / crm_simulate's:

- per invocation: every T1 corpus input scheduled by a fresh process,
  ``paceline simulate -x F -S`` versus ``crm_simulate -x F -S`` (what a user
  feels: start-up included);
- in one process: the same inputs decoded, scheduled and rendered (summary
  and graph) in this process, versus the sum of crm_simulate's times;
- a generated large CIB (16 nodes, primitives in groups and clones, with
  constraints and a status section): wall time and peak memory of one
  ``paceline simulate -R`` and one ``crm_simulate -R`` on the same file,
  each capped (a cap is reported as such).

``run()`` returns the figures; nothing is asserted.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACELINE = REPO / ".venv" / "bin" / "paceline"
CORPUS = Path(os.environ.get("PACELINE_SHARED", REPO.parent / "shared")) / "scheduler-corpus"
CAP_S = 600.0
# Pacemaker's digests of a parameterless ocf:pacemaker:Dummy (as in the corpus), so
# that crm_simulate sees no definition change in the generated status
START_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"
MONITOR_DIGEST = "4811cef7f7f94e3a35a70be7916cb2fd"


def _timed(argv: list[str], env: dict[str, str], cap: float = CAP_S) -> tuple[float, int, bool]:
    """(wall seconds, peak RSS in KiB, capped) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    capped = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > cap:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            capped = True
            break
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss, capped


def _t1() -> list[Path]:
    names = (CORPUS / "tier-T1.txt").read_text().split()
    return [CORPUS / f"{n}.xml" for n in names if (CORPUS / f"{n}.xml").exists()]


def generate(n_nodes: int, n_prims: int) -> str:
    """A CIB of ``n_nodes`` nodes and about ``n_prims`` primitives: groups of
    four, anonymous clones and a promotable clone, locations, colocations and
    orders between groups, and a status section where most resources run."""
    nodes = [f"node{i + 1}" for i in range(n_nodes)]
    res: list[str] = []
    cons: list[str] = []
    running: dict[str, list[str]] = {n: [] for n in nodes}
    mon = '<operations><op id="{0}-mon" name="monitor" interval="10s"/></operations>'

    def prim(rid: str) -> str:
        return (
            f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f"{mon.format(rid)}</primitive>"
        )

    n_groups = max(1, (n_prims * 8 // 10) // 4)
    for g in range(n_groups):
        members = [f"g{g}r{k}" for k in range(4)]
        res.append(f'<group id="g{g}">' + "".join(prim(m) for m in members) + "</group>")
        node = nodes[g % n_nodes]
        if g % 5:
            running[node] += members
        cons.append(f'<rsc_location id="l{g}" rsc="g{g}" node="{node}" score="{100 + g % 7}"/>')
        if g % 10 == 1:
            cons.append(f'<rsc_order id="o{g}" first="g{g - 1}" then="g{g}" kind="Optional"/>')
        if g % 3 == 0 and g:
            cons.append(f'<rsc_colocation id="c{g}" rsc="g{g}" with-rsc="g{g - 1}" score="-50"/>')
    n_clones = max(1, (n_prims - n_groups * 4) // n_nodes)
    for c in range(n_clones):
        res.append(f'<clone id="cl{c}">{prim(f"cp{c}")}</clone>')
        for node in nodes[: n_nodes - 1]:
            running[node].append(f"cp{c}")
    res.append(
        '<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" '
        'value="true"/></meta_attributes>' + prim("st") + "</clone>"
    )
    status = []
    for i, node in enumerate(nodes):
        call = 1
        lrm = []
        for rid in running[node]:
            lrm.append(
                f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
                f'<lrm_rsc_op id="{rid}_last_0" operation="start" call-id="{call}" '
                f'rc-code="0" op-status="0" interval="0" crm_feature_set="3.0.1" '
                f'op-digest="{START_DIGEST}" '
                f'transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>'
                f'<lrm_rsc_op id="{rid}_monitor_10000" operation="monitor" '
                f'call-id="{call + 1}" rc-code="0" op-status="0" interval="10000" '
                f'crm_feature_set="3.0.1" op-digest="{MONITOR_DIGEST}" '
                f'transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x"/></lrm_resource>'
            )
            call += 2
        status.append(
            f'<node_state id="{i + 1}" uname="{node}" in_ccm="true" crmd="online" '
            f'join="member" expected="member"><lrm id="{i + 1}"><lrm_resources>'
            + "".join(lrm)
            + "</lrm_resources></lrm></node_state>"
        )
    node_xml = "".join(f'<node id="{i + 1}" uname="{n}"/>' for i, n in enumerate(nodes))
    return (
        '<cib validate-with="pacemaker-3.7" admin_epoch="0" epoch="1" num_updates="0" '
        'have-quorum="1" crm_feature_set="3.16.2"><configuration><crm_config>'
        '<cluster_property_set id="o"><nvpair id="o-s" name="stonith-enabled" value="false"/>'
        "</cluster_property_set></crm_config>"
        f"<nodes>{node_xml}</nodes><resources>{''.join(res)}</resources>"
        f"<constraints>{''.join(cons)}</constraints></configuration>"
        f"<status>{''.join(status)}</status></cib>"
    )


def _in_process(files: list[Path]) -> float:
    from paceline.cib.codec import decode_cib
    from paceline.cli.simulate import render
    from paceline.scheduler import schedule_with_state, to_dot

    start = time.perf_counter()
    for f in files:
        cluster, transition = schedule_with_state(decode_cib(f.read_bytes(), file=str(f)))
        render(cluster, transition, simulate=True)
        to_dot(transition)
    return time.perf_counter() - start


def _compiled() -> None:
    """Byte-compile the package, as installing it does (pip compiles on
    install): a fresh process then loads bytecode, checked against each
    source's time stamp, instead of compiling every module on every run
    (which an environment with PYTHONDONTWRITEBYTECODE would make it do)."""
    python = PACELINE.parent / "python"
    subprocess.run([str(python), "-m", "compileall", "-q", str(REPO / "src")], check=False)


def startup_breakdown(xml: Path, env: dict[str, str]) -> dict[str, float]:
    """Where a fresh ``paceline simulate -x XML -S`` spends its import time:
    milliseconds by group (``python -X importtime``, self times summed)."""
    python = PACELINE.parent / "python"
    argv = [str(python), "-X", "importtime", str(PACELINE), "simulate", "-x", str(xml), "-S"]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    groups = {
        "paceline.cib.model": "cib model (dataclasses)",
        "paceline.cib": "cib codec and helpers",
        "paceline.scheduler": "scheduler",
        "paceline": "paceline other (cli, core)",
        "lxml": "lxml",
    }
    out: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cum, name = line[len("import time:") :].split("|")
        name = name.strip()
        group = next((g for p, g in groups.items() if name == p or name.startswith(p + ".")), None)
        key = group or "python standard library"
        out[key] = out.get(key, 0.0) + int(self_us) / 1000
    out["imports total"] = sum(out.values())
    return {k: round(val, 1) for k, val in out.items()}


def run(sizes: tuple[int, ...] = (500, 2000)) -> dict[str, object]:
    crm = shutil.which("crm_simulate")
    files = _t1()
    out: dict[str, object] = {"t1_inputs": len(files)}
    _compiled()
    with tempfile.TemporaryDirectory(prefix="paceline-bench-sched-") as tmp:
        env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=tmp)
        ours = theirs = 0.0
        for f in files:  # alternately, so that a change of load hits both alike
            ours += _timed([str(PACELINE), "simulate", "-x", str(f), "-S"], env)[0]
            if crm is not None:
                theirs += _timed([crm, "-x", str(f), "-S"], env)[0]
        out["per_invocation_paceline_s"] = round(ours, 3)
        if files:
            out["startup_import_ms"] = startup_breakdown(files[0], env)
        batch = _in_process(files)
        out["in_process_paceline_s"] = round(batch, 3)
        if crm is None:
            out["crm_simulate"] = "not installed"
            return out
        out["per_invocation_crm_simulate_s"] = round(theirs, 3)
        out["per_invocation_ratio"] = round(ours / theirs, 2)
        out["in_process_ratio"] = round(batch / theirs, 2)
        large: dict[str, object] = {}
        for n in sizes:
            path = Path(tmp) / f"large-{n}.xml"
            path.write_text(generate(16, n), encoding="utf-8")
            # -R (compute, do not simulate execution): crm_simulate -S aborts on
            # these generated files while injecting the results
            o_s, o_kb, o_cap = _timed([str(PACELINE), "simulate", "-x", str(path), "-R"], env)
            c_s, c_kb, c_cap = _timed([crm, "-x", str(path), "-R"], env)
            large[str(n)] = {
                "paceline_s": round(o_s, 2),
                "paceline_peak_mb": round(o_kb / 1024, 1),
                "paceline_capped": o_cap,
                "crm_simulate_s": round(c_s, 2),
                "crm_simulate_peak_mb": round(c_kb / 1024, 1),
                "crm_simulate_capped": c_cap,
                "time_ratio": round(o_s / c_s, 2) if c_s else None,
                "memory_ratio": round(o_kb / c_kb, 2) if c_kb else None,
            }
        out["large_16_nodes"] = large
    out["self_rusage_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out
