"""Membership verbs: ``paceline keygen`` (as corosync-keygen), and the live status
verbs ``paceline quorum`` (as ``corosync-quorumtool -s``) and ``paceline links``
(as ``corosync-cfgtool -s``), which ask the running daemon over its control
socket (``ROOT/run/paceline/node.sock`` when ``pacelined`` runs, else the
stand-alone ``membership.sock``) and print Corosync's layout.

paceline keygen [-k FILE] [-r RANDOMFILE] [-s BYTES] [-l]
paceline quorum [-s] [--socket PATH]       exit 0 quorate, 2 not quorate, 1 error
paceline links [-s] [--socket PATH]        exit 0, 1 if a link to some peer is down

Heavy modules are imported inside the handlers (the CLI imports verb
modules on every start).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from paceline.core.errors import ConfigError

KEY_SIZE_DEFAULT = 256
KEY_SIZE_MIN = 128
KEY_SIZE_MAX = 4096


def register(subparsers: Any) -> None:
    k = subparsers.add_parser("keygen", help="write a cluster authkey (as corosync-keygen)")
    k.add_argument(
        "-k", dest="keyfile", default=None, help="key file (default /etc/paceline/authkey)"
    )
    k.add_argument("-r", "-m", dest="random", default="/dev/urandom", help="random source")
    k.add_argument("-s", dest="size", type=int, default=KEY_SIZE_DEFAULT, help="key size in bytes")
    k.add_argument("-l", dest="less", action="store_true", help="ignored (compatibility)")
    k.set_defaults(func=_keygen)
    q = subparsers.add_parser("quorum", help="quorum and membership (as corosync-quorumtool -s)")
    q.add_argument("-s", dest="status", action="store_true", help="status (the default)")
    q.add_argument("--socket", default=None, help="control socket of the daemon to ask")
    q.set_defaults(func=_quorum)
    li = subparsers.add_parser("links", help="per-link peer state (as corosync-cfgtool -s)")
    li.add_argument("-s", dest="status", action="store_true", help="status (the default)")
    li.add_argument("--socket", default=None, help="control socket of the daemon to ask")
    li.set_defaults(func=_links)


SOCKETS = ("node.sock", "membership.sock")
"""Control sockets that serve the membership ops, in the order they are tried."""


def ask(args: argparse.Namespace, op: str, timeout: float = 5.0) -> Any:
    """Call ``op`` on this node's membership (``args.socket``, else the first of
    ``SOCKETS`` that exists); ``ControlError`` when no daemon answers."""
    from paceline.cli.paths import paths_from
    from paceline.runtime.control import call

    if getattr(args, "socket", None):
        path = args.socket
    else:
        run = paths_from(args).run
        path = next((run / n for n in SOCKETS if (run / n).exists()), run / SOCKETS[-1])
    return call(path, op, timeout=timeout)


def _quorum(args: argparse.Namespace) -> int:
    import time

    from paceline.membership.quorum import QuorumState, exit_code, render_status
    from paceline.runtime.control import ControlError

    try:
        reply = ask(args, "quorum")
    except ControlError as exc:
        print(f"Cannot initialize QUORUM service: {exc.message}", file=sys.stderr)
        return 1
    raw = reply.get("state")
    if raw is None:
        print("Quorum information: no membership view yet", file=sys.stderr)
        return exit_code(None)
    state = QuorumState(**{**raw, "members": tuple(raw["members"])})
    ring = reply.get("ring") or (0, 0)
    sys.stdout.write(
        render_status(
            state,
            date=time.ctime(),
            local=int(reply["node"]),
            ring_id=(int(ring[0]), int(ring[1])),
            names={int(k): v for k, v in reply.get("names", {}).items()},
            votes={int(k): int(v) for k, v in reply.get("votes", {}).items()},
            provider=reply.get("provider", "corosync_votequorum"),
        )
    )
    return exit_code(state)


def _links(args: argparse.Namespace) -> int:
    from paceline.membership.links import LinkStatus, links_exit_code, render_links
    from paceline.runtime.control import ControlError

    try:
        reply = ask(args, "links")
    except ControlError as exc:
        print(f"Could not initialize corosync configuration API: {exc.message}", file=sys.stderr)
        return 1
    links = [
        LinkStatus(
            int(x["link"]), str(x["address"]), {int(k): bool(v) for k, v in x["peers"].items()}
        )
        for x in reply["links"]
    ]
    sys.stdout.write(render_links(int(reply["node"]), links, str(reply.get("transport", "knet"))))
    return links_exit_code(links)


def _keygen(args: argparse.Namespace) -> int:
    from paceline.membership.config import DEFAULT_KEYFILE

    path = args.keyfile or DEFAULT_KEYFILE
    if not KEY_SIZE_MIN <= args.size <= KEY_SIZE_MAX:
        raise ConfigError(
            f"key size {args.size} out of range",
            field="-s",
            expected=f"{KEY_SIZE_MIN}..{KEY_SIZE_MAX} bytes",
        )
    print("Corosync Cluster Engine Authentication key generator.")
    print(f"Gathering {args.size * 8} bits for key from {args.random}.")
    with open(args.random, "rb") as src:
        material = src.read(args.size)
    if len(material) != args.size:
        raise ConfigError(f"{args.random} gave only {len(material)} bytes", file=args.random)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    try:
        os.write(fd, material)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    print(f"Writing corosync key to {path}.")
    sys.stdout.flush()
    return 0
