"""``paceline node``: standby, online, maintenance, ready, list.

    paceline node standby [NODE] [--lifetime forever|reboot] [--cib FILE]
    paceline node online|maintenance|ready [NODE] [--cib FILE]
    paceline node list [--cib FILE]

NODE defaults to this host's name. ``--cib FILE`` edits that file, written as
``crm_attribute`` writes node attributes; without it, ``standby``, ``online``
and ``list`` go to the running cluster (``paceline.cli.cluster``).
Each offline verb is one function of a ``Backend`` (``paceline.cli.admin_backend``).
"""

from __future__ import annotations

import argparse
import socket

from paceline.admin import Edit, node_list, node_maintenance, node_standby
from paceline.cli.admin_backend import Backend, live, offline, report
from paceline.cli.output import Output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "node", help="put nodes in standby or maintenance, or list them", description=__doc__
    )
    parser.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    sub = parser.add_subparsers(dest="node_verb", metavar="VERB", required=True)
    for name, text in (
        ("standby", "keep resources off the node"),
        ("online", "end standby"),
        ("maintenance", "stop managing the node's resources"),
        ("ready", "end maintenance"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("node", nargs="?", metavar="NODE", help="default: this host")
        if name == "standby":
            p.add_argument(
                "--lifetime",
                choices=("forever", "reboot"),
                default="forever",
                help="forever (a node attribute, default) or reboot (until the node leaves)",
            )
        p.add_argument(
            "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
        )
        p.set_defaults(func=run)
    p = sub.add_parser("list", help="the nodes, their state and attributes")
    p.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    p.set_defaults(func=run)


def standby(backend: Backend, node: str, lifetime: str = "forever") -> Edit:
    return backend.apply(lambda cib: node_standby(cib, node, on=True, lifetime=lifetime))


def online(backend: Backend, node: str) -> Edit:
    return backend.apply(lambda cib: node_standby(cib, node, on=False))


def maintenance(backend: Backend, node: str) -> Edit:
    return backend.apply(lambda cib: node_maintenance(cib, node, on=True))


def ready(backend: Backend, node: str) -> Edit:
    return backend.apply(lambda cib: node_maintenance(cib, node, on=False))


def listing(backend: Backend) -> list[str]:
    return node_list(backend.read(), backend.now())


def run(args: argparse.Namespace) -> int:
    out = Output()
    backend = offline(args)
    if backend is None:
        return live(args, "node", args.node_verb)
    verb = args.node_verb
    if verb == "list":
        for line in listing(backend):
            out.line(line)
        return 0
    node = args.node or socket.gethostname()
    if verb == "standby":
        edit = standby(backend, node, args.lifetime)
    else:
        edit = {"online": online, "maintenance": maintenance, "ready": ready}[verb](backend, node)
    report(out, edit)
    return 0
