"""Debian's real Corosync in lab nodes: the reference Paceline's membership is compared with.

As ``/work/shared/baseline`` does it (corosync 3.1, knet), but on a lab's
nodes: ``write_conf`` puts a ``corosync.conf`` for the chosen nodes and
quorum options in each node's ``/etc/corosync`` (the node's own ``/etc``
layer, which survives a power cycle), ``start`` runs ``corosync -f`` in the
background inside the node, ``stop`` kills that process by its PID (read
inside the node), and ``quorumtool`` runs ``corosync-quorumtool -s`` there.
``parse_status`` reads that text back into the fields Paceline compares.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from paceline.lab.lab import Lab
from paceline.lab.sh import LabError

CONF_PATH = "/etc/corosync/corosync.conf"
LOG_PATH = "/var/log/corosync-lab.log"
OUT_PATH = "/var/log/corosync-lab.out"


def conf_text(
    lab: Lab,
    nodes: Sequence[str],
    quorum: Mapping[str, str | int] | None = None,
    *,
    token: int = 300,
    cluster_name: str = "lab",
) -> str:
    """A knet, unauthenticated corosync.conf for ``nodes`` (node ids as the lab's)."""
    plan = lab.plan
    lines = [
        "totem {", "    version: 2", f"    cluster_name: {cluster_name}", "    transport: knet",
        "    crypto_cipher: none", "    crypto_hash: none", f"    token: {token}", "}", "nodelist {",
    ]  # fmt: skip
    for name in nodes:
        n = plan.node(name)
        lines += [
            "    node {", f"        name: {n.name}", f"        nodeid: {n.id}",
            f"        ring0_addr: {n.address}", "    }",
        ]  # fmt: skip
    lines += ["}", "quorum {", "    provider: corosync_votequorum"]
    lines += [f"    {k}: {v}" for k, v in (quorum or {}).items()]
    lines += ["}", "logging {", "    to_logfile: yes", f"    logfile: {LOG_PATH}"]
    lines += ["    to_syslog: no", "    to_stderr: no", "    timestamp: hires", "}"]
    return "\n".join(lines) + "\n"


def write_conf(lab: Lab, name: str, text: str) -> None:
    lab.exec(
        name, ["sh", "-c", f"mkdir -p /etc/corosync /var/lib/corosync && cat > {CONF_PATH}"],
        input=text, check=True,
    )  # fmt: skip


def pid(lab: Lab, name: str) -> int | None:
    """The PID (inside the node) of its corosync, if it runs."""
    out = lab.exec(name, ["pidof", "corosync"]).stdout.split()
    return int(out[0]) if out else None


def start(lab: Lab, name: str) -> None:
    if pid(lab, name) is not None:
        return
    lab.exec(
        name, ["sh", "-c", f"(corosync -f >{OUT_PATH} 2>&1 </dev/null &)"], check=True
    )  # fmt: skip


def stop(lab: Lab, name: str, timeout: float = 10.0) -> None:
    """Kill the node's corosync (SIGKILL, by PID): the node leaves without a goodbye."""
    p = pid(lab, name)
    if p is None:
        return
    lab.exec(name, ["kill", "-9", str(p)])
    end = time.monotonic() + timeout
    while pid(lab, name) is not None:
        if time.monotonic() > end:
            raise LabError(f"{name}: corosync {p} survived SIGKILL")
        time.sleep(0.05)


def quorumtool(lab: Lab, name: str) -> tuple[int, str]:
    """``corosync-quorumtool -s`` in the node: exit status and text."""
    proc = lab.exec(name, ["corosync-quorumtool", "-s"], timeout=30)
    return proc.returncode, proc.stdout


@dataclass(frozen=True, slots=True)
class Status:
    """The fields of ``corosync-quorumtool -s`` Paceline compares with its own."""

    date: str
    ring: tuple[int, int]
    """The ``Ring ID:`` value's two hex numbers, as printed."""
    local: int
    members: tuple[int, ...]
    names: dict[int, str]
    votes: dict[int, int]
    quorate: bool


_ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\S+)( \(local\))?$")


def parse_status(text: str) -> Status | None:
    """The fields of one ``-s`` output, or None when it is not one (corosync not up yet)."""
    fields: dict[str, str] = {}
    members: list[int] = []
    names: dict[int, str] = {}
    votes: dict[int, int] = {}
    table = False
    for line in text.splitlines():
        if line.startswith("    Nodeid"):
            table = True
            continue
        if table:
            m = _ROW.match(line)
            if m:
                node = int(m.group(1))
                members.append(node)
                votes[node] = int(m.group(2))
                names[node] = m.group(3)
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    try:
        ring_a, ring_b = fields["Ring ID"].split(".")
        return Status(
            fields["Date"], (int(ring_a, 16), int(ring_b, 16)), int(fields["Node ID"]),
            tuple(members), names, votes, fields["Quorate"] == "Yes",
        )  # fmt: skip
    except (KeyError, ValueError):
        return None
