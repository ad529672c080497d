"""A Paceline cluster on a lab's nodes: configuration files, daemons, the live CLI.

``setup(lab, nodes, cib=...)`` writes ``/etc/paceline/corosync.conf`` (a
nodelist of the lab's addresses, ``two_node`` for two nodes) and one
authkey into every node and, optionally, a first CIB into the first one
(the highest CIB version wins when the cluster forms, so the others take
it). ``start``/``stop`` run ``paceline cluster start|stop`` inside a node;
``paceline(lab, node, *args)`` runs any ``paceline`` command there;
``status`` reads the node daemon's ``status`` op.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from paceline.cib.codec import encode_cib
from paceline.cib.model import Cib
from paceline.cib.versions import config_digest
from paceline.lab.lab import Lab
from paceline.lab.sh import LabError

CONF = "/etc/paceline/corosync.conf"
GROUP_CONFIG = """\
primitive vip ocf:heartbeat:IPaddr2 params ip={vip} cidr_netmask=24 op monitor interval=2s timeout=20s
primitive d1 ocf:pacemaker:Dummy op monitor interval=2s timeout=20s
group g vip d1
property stonith-enabled=false
rsc_defaults resource-stickiness=100
"""
"""The lab tests' and benchmarks' cluster: a VIP (``{vip}``) and a Dummy in one group."""
KEY = "/etc/paceline/authkey"


def conf_text(
    lab: Lab, nodes: Sequence[str], *, token: int | None = None, name: str = "paceline"
) -> str:
    lines = ["totem {", "    version: 2", f"    cluster_name: {name}", "    crypto_cipher: none"]
    lines += ["    crypto_hash: sha256", f"    keyfile: {KEY}"]
    if token is not None:
        lines.append(f"    token: {token}")
    lines += ["}", "nodelist {"]
    for n in nodes:
        plan = lab.plan.node(n)
        lines += ["    node {", f"        name: {plan.name}", f"        nodeid: {plan.id}"]
        lines += [f"        ring0_addr: {plan.address}", "    }"]
    lines += ["}", "quorum {", "    provider: corosync_votequorum"]
    if len(nodes) == 2:
        lines.append("    two_node: 1")
    lines += ["}"]
    return "\n".join(lines) + "\n"


def paceline(lab: Lab, node: str, *args: str, timeout: float = 60.0, check: bool = True) -> str:
    proc = lab.exec(node, [sys.executable, "-m", "paceline.cli.main", *args], timeout=timeout)
    if check and proc.returncode != 0:
        raise LabError(
            f"{node}: paceline {' '.join(args)}: exit {proc.returncode}: {proc.stderr.strip()[-600:]}"
        )
    return proc.stdout


def write_file(lab: Lab, node: str, path: str, data: bytes | str, mode: int = 0o600) -> None:
    text = data.hex() if isinstance(data, bytes) else data.encode().hex()
    lab.exec(
        node,
        [sys.executable, "-c",
         "import os,sys; p=sys.argv[1]; os.makedirs(os.path.dirname(p), exist_ok=True); "
         "open(p,'wb').write(bytes.fromhex(sys.stdin.read())); os.chmod(p, int(sys.argv[2]))",
         path, str(mode)],
        input=text, check=True,
    )  # fmt: skip


def setup(
    lab: Lab, nodes: Sequence[str], *, cib: Cib | None = None, token: int | None = None
) -> None:
    """Configuration files in every node (old daemon state removed), the CIB in the first."""
    key = os.urandom(128)
    text = conf_text(lab, nodes, token=token)
    for n in nodes:
        stop(lab, n)
        lab.exec(n, ["sh", "-c", "rm -rf /var/lib/paceline/* /run/paceline/*"], check=True)
        write_file(lab, n, CONF, text, 0o644)
        write_file(lab, n, KEY, key, 0o400)
    if cib is not None:
        write_file(lab, nodes[0], "/var/lib/paceline/cib.xml", encode_cib(cib))
        write_file(
            lab, nodes[0], "/var/lib/paceline/cib.xml.sig", config_digest(cib.configuration) + "\n"
        )


def start(lab: Lab, node: str) -> None:
    paceline(lab, node, "cluster", "start")


def stop(lab: Lab, node: str) -> None:
    if lab.running(node):
        paceline(lab, node, "cluster", "stop", check=False)


def rpc(lab: Lab, node: str, op: str) -> Any:
    """The answer of the node daemon's control op ``op`` (no arguments)."""
    code = (
        "import json,sys; from paceline.runtime.control import call; "
        f"print(json.dumps(call('/run/paceline/node.sock', {op!r})))"
    )
    proc = lab.exec(node, [sys.executable, "-c", code], timeout=30)
    if proc.returncode != 0:
        raise LabError(f"{node}: {op}: {proc.stderr.strip()[-400:]}")
    return json.loads(proc.stdout)


def status(lab: Lab, node: str) -> dict[str, Any]:
    result: dict[str, Any] = rpc(lab, node, "status")
    return result


def daemon_pid(lab: Lab, node: str) -> int | None:
    proc = lab.exec(node, ["cat", "/run/paceline/pacelined.pid"])
    text = proc.stdout.strip()
    return int(text) if text.isdigit() else None


def wait(predicate: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> float:
    """Poll ``predicate`` until true; the seconds it took (raises after ``timeout``)."""
    start_t = time.monotonic()
    last: Exception | None = None
    while time.monotonic() - start_t < timeout:
        try:
            if predicate():
                return time.monotonic() - start_t
        except (LabError, ValueError, KeyError) as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(
        f"{what} not reached within {timeout:.0f}s" + (f" (last error: {last})" if last else "")
    )


def log_tail(lab: Lab, node: str, lines: int = 60) -> str:
    if not lab.running(node):
        return f"{node} is off"
    proc = lab.exec(
        node,
        [
            "sh",
            "-c",
            f"tail -n {lines} /var/log/paceline/pacelined.log /var/log/paceline/pacelined.out 2>&1",
        ],
    )
    return proc.stdout


def running_on(lab: Lab, nodes: Sequence[str]) -> Mapping[str, list[str]]:
    """Each running node's daemon's own account of the resources running there."""
    out: dict[str, list[str]] = {}
    for n in nodes:
        if lab.running(n):
            try:
                out[n] = list(status(lab, n)["running"])
            except LabError:
                out[n] = []
    return out
