"""Paceline's membership daemon in lab nodes: configure, start, stop, ask.

``conf_text`` writes a corosync.conf for the lab's nodes in either style
(3.x ``nodelist`` on one or two rings, or 1.x ``interface { bindnetaddr;
mcastaddr }`` multicast on ring 0); ``install`` puts it and a shared authkey
in each node's ``/etc/paceline``; ``start`` runs
``python -m paceline.runtime.membershipd`` in the background inside a node;
``ask(lab, node, op)`` calls the daemon's control socket from the host
(the node's ``/run`` is a host directory, so its Unix socket is reachable).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from paceline.lab.lab import Lab
from paceline.lab.sh import LabError
from paceline.runtime.control import ControlError, call

DAEMON_MODULE = "paceline.runtime.membershipd"
SOCKET = "paceline/membership.sock"  # under the node's /run
OUT = "/var/log/paceline/membershipd.out"
MCAST_GROUP = "239.0.0.1"
MCAST_PORT = 6800


def conf_text(
    lab: Lab,
    nodes: Sequence[str] | None = None,
    *,
    token: int | None = 500,
    rings: int = 1,
    multicast: bool = False,
    quorum: str = "",
    secauth: bool = True,
) -> str:
    """A corosync.conf for ``nodes`` (default: all) of ``lab``."""
    plan = lab.plan
    names = list(nodes or plan.node_names)
    crypto = (
        "    crypto_hash: sha256\n    crypto_cipher: none\n" if secauth else "    secauth: off\n"
    )
    token_line = "" if token is None else f"    token: {token}\n"  # None: Paceline's default
    totem = f"totem {{\n    version: 2\n    cluster_name: {plan.prefix}\n{token_line}{crypto}"
    if multicast:
        net = plan.public_subnet(0).network_address
        totem += (
            "    interface {\n        ringnumber: 0\n"
            f"        bindnetaddr: {net}\n        mcastaddr: {MCAST_GROUP}\n"
            f"        mcastport: {MCAST_PORT}\n    }}\n"
        )
        body = totem + "}\n"
    else:
        totem += "    transport: knet\n"
        body = totem + "}\nnodelist {\n"
        for name in names:
            n = plan.node(name)
            body += f"    node {{\n        name: {n.name}\n        nodeid: {n.id}\n"
            for r in range(rings):
                body += f"        ring{r}_addr: {n.ports[r].address}\n"
            body += "    }\n"
        body += "}\n"
    if multicast and "expected_votes" not in quorum:
        quorum += f"    expected_votes: {len(names)}\n"  # no nodelist to count
    body += f"quorum {{\n    provider: corosync_votequorum\n{quorum}}}\n"
    return body


def install(
    lab: Lab, text: str, nodes: Sequence[str] | None = None, authkey: bytes | None = None
) -> None:
    """Write ``text`` as ``/etc/paceline/corosync.conf`` (and one authkey) on ``nodes``."""
    key = authkey if authkey is not None else os.urandom(64)
    for name in nodes or lab.plan.node_names:
        etc = lab.dirs(name).sub("etc.upper") / "paceline"
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "corosync.conf").write_text(text)
        keyfile = etc / "authkey"
        keyfile.unlink(missing_ok=True)
        fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, "wb") as f:
            f.write(key)


def socket_path(lab: Lab, name: str) -> Path:
    return lab.dirs(name).sub("run") / SOCKET


def ask(
    lab: Lab, name: str, op: str, args: dict[str, Any] | None = None, timeout: float = 5.0
) -> Any:
    return call(socket_path(lab, name), op, args, timeout=timeout)


def start(lab: Lab, name: str, *, timeout: float = 30.0) -> None:
    """Start the daemon in ``name`` and wait until its control socket answers."""
    cmd = f"mkdir -p /var/log/paceline && ({sys.executable} -m {DAEMON_MODULE} >>{OUT} 2>&1 </dev/null &)"
    env = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else None
    lab.exec(name, ["sh", "-c", cmd], env=env, check=True)
    try:
        wait(lambda: _answers(lab, name), timeout, f"{name}: membershipd did not start")
    except LabError as exc:
        tail = lab.exec(name, ["tail", "-n", "5", OUT]).stdout.strip()
        raise LabError(f"{exc}; {OUT} ends: {tail}") from None


def _answers(lab: Lab, name: str) -> bool:
    try:
        ask(lab, name, "ops", timeout=1.0)
    except ControlError:
        return False
    return True


def pid(lab: Lab, name: str) -> int | None:
    """The daemon's PID inside the node (its pid file), if it runs."""
    f = lab.dirs(name).sub("run") / "paceline/membershipd.pid"
    try:
        return int(f.read_text())
    except (FileNotFoundError, ValueError):
        return None


def stop(lab: Lab, name: str, timeout: float = 10.0) -> None:
    """SIGTERM the node's daemon by its PID and wait for its socket to go."""
    p = pid(lab, name)
    if p is None or not lab.running(name):
        return
    lab.exec(name, ["kill", str(p)])
    wait(
        lambda: not socket_path(lab, name).exists(),
        timeout,
        f"{name}: membershipd {p} did not stop",
    )


def wait(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise LabError(f"{what} within {timeout:g} s")
        time.sleep(interval)


def view(lab: Lab, name: str) -> tuple[tuple[int, int], tuple[int, ...]] | None:
    """``(ring, members)`` of the node's installed view, None before one (or when it is down)."""
    try:
        v = ask(lab, name, "members", timeout=2.0)["view"]
    except ControlError:
        return None
    if v is None:
        return None
    seq, rep = v["ring"]
    return (int(seq), int(rep)), tuple(int(m) for m in v["members"])
