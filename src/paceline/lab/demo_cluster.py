"""The live part of ``make demo``: ``python -m paceline.lab.demo_cluster`` (root).

A two-node ``lamp`` lab, ``pacelined`` on both, a group of a VIP
(``ocf:heartbeat:IPaddr2``) and Apache (``ocf:heartbeat:apache``, whose
``/whoami.txt`` names the node). It prints ``paceline status``, then puts
the active node in standby and powers the active node off, each time with
the outage the host saw through the VIP (an HTTP probe every 50 ms), and
the final status. The lab is removed at the end, whatever happens.
"""

from __future__ import annotations

import os
import sys
import time

from paceline.cib.model import Cib
from paceline.crm import api
from paceline.lab import cluster as C
from paceline.lab.fixtures import running_lab
from paceline.lab.probe import Prober, probe_http
from paceline.lab.scenario import APACHE_PARAMS, WHOAMI_PATH

CONFIG = """\
primitive vip ocf:heartbeat:IPaddr2 params ip={vip} cidr_netmask=24 op monitor interval=5s timeout=20s
primitive web ocf:heartbeat:apache params {apache} op monitor interval=10s timeout=30s \\
    op start timeout=60s interval=0 op stop timeout=60s interval=0
group g vip web
property stonith-enabled=false
rsc_defaults resource-stickiness=100
"""


def heading(text: str) -> None:
    print(f"\n==== {text} ====", flush=True)


def outage(prober: Prober, since: float) -> tuple[float, str]:
    segs = [s for s in prober.segments() if s.last >= since]
    fails = [s for s in segs if not s.ok]
    gap = max((s.last - s.first + prober.period for s in fails), default=0.0)
    answers = " -> ".join(s.answer for s in segs if s.ok)
    return gap, answers


def main() -> int:
    if os.geteuid() != 0:
        print("the live cluster demo needs root (lab namespaces): skipped")
        return 0
    with running_lab(f"ctldemo{os.getpid()}", 2, scenario_name="lamp", power_api=False) as lab:
        nodes = list(lab.plan.node_names)
        vip = lab.plan.vip(0)
        apache = " ".join(f"{k}={v}" for k, v in APACHE_PARAMS.items())
        cib, _ = api.load(Cib(), CONFIG.format(vip=vip, apache=apache))
        url = f"http://{vip}{WHOAMI_PATH}"
        heading(
            f"two lab nodes {', '.join(nodes)}: pacelined on each, group g = VIP {vip} + Apache"
        )
        C.setup(lab, nodes, cib=cib)
        for n in nodes:
            C.start(lab, n)

        def answering() -> str | None:
            s = probe_http(url, timeout=0.5)
            return s.answer if s.ok else None

        took = C.wait(lambda: answering() in nodes, 120, "the web page through the VIP")
        print(f"{url} answers '{answering()}' {took:.1f}s after the daemons started")
        heading("paceline status")
        print(C.paceline(lab, nodes[0], "status"), end="")
        with Prober(lambda: probe_http(url, timeout=0.045)) as prober:
            active = answering()
            assert active is not None
            other = next(n for n in nodes if n != active)
            heading(f"paceline node standby {active}")
            t0 = time.monotonic()
            C.paceline(lab, other, "node", "standby", active)
            C.wait(lambda: answering() == other, 120, "the page from the other node")
            time.sleep(0.5)
            gap, answers = outage(prober, t0)
            print(f"outage seen through the VIP: {gap:.2f}s ({answers})")
            C.paceline(lab, other, "node", "online", active)
            heading(f"power-off of {other} (the active node now)")
            time.sleep(1.0)
            t1 = time.monotonic()
            lab.power_off(other)
            C.wait(lambda: answering() == active, 120, "the page from the survivor")
            time.sleep(0.5)
            gap, answers = outage(prober, t1)
            print(f"outage seen through the VIP: {gap:.2f}s ({answers})")
        heading(f"paceline status on {active}")
        print(C.paceline(lab, active, "status"), end="")
        for n in nodes:
            C.stop(lab, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
