"""``paceline node``: standby, online, maintenance, ready, list.

    paceline node standby [NODE] [--lifetime forever|reboot] [--cib FILE]
    paceline node online|maintenance|ready [NODE] [--cib FILE]
    paceline node list [--cib FILE]
    paceline node delete NODE [--cib FILE]     (crm_node --remove: a node that is down)

NODE defaults to this node. ``--cib FILE`` edits that file, written as
``crm_attribute`` writes node attributes; without it, the verbs work on the
running cluster (the change goes through the DC). Each verb is one function
of a ``Backend`` (``paceline.cli.admin_backend``), the same on both paths.
``maintenance`` is the node attribute ``maintenance=true``: the scheduler
leaves the node's resources alone (no start, stop or monitor there) until
``ready``.
"""

from __future__ import annotations

import argparse
import socket

from paceline.admin import Edit, node_delete, node_list, node_maintenance, node_standby
from paceline.cib.model import Cib
from paceline.cli.admin_backend import Backend, LiveBackend, backend, report
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
    p = sub.add_parser("delete", help="remove a node that is down from the CIB (nodes and status)")
    p.add_argument("node", metavar="NODE")
    p.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    p.set_defaults(func=run)
    p = sub.add_parser("list", help="the nodes, their state and attributes")
    p.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    p.set_defaults(func=run)


def standby(b: Backend, node: str, lifetime: str = "forever") -> Edit:
    return b.apply(lambda cib: node_standby(cib, node, on=True, lifetime=lifetime))


def online(b: Backend, node: str) -> Edit:
    return b.apply(lambda cib: node_standby(cib, node, on=False))


def maintenance(b: Backend, node: str) -> Edit:
    return b.apply(lambda cib: node_maintenance(cib, node, on=True))


def ready(b: Backend, node: str) -> Edit:
    return b.apply(lambda cib: node_maintenance(cib, node, on=False))


def delete(b: Backend, node: str) -> Edit:
    """On the live cluster the DC decides (it knows the members); on a file, a node
    whose state says it is in the membership is a member."""
    if isinstance(b, LiveBackend):
        from paceline.cli.cluster import call, who

        res = call(b.args, "node-delete", node=node, who=who())
        b.say(res)
        return Edit(b.read(), ())

    def members(cib: Cib) -> frozenset[str]:
        return frozenset(
            ns.uname or "" for ns in cib.status.node_states if ns.in_ccm not in (None, "false", "0")
        )

    return b.apply(lambda cib: node_delete(cib, node, members(cib)))


def listing(b: Backend) -> list[str]:
    return node_list(b.read(), b.now())


def this_node(b: Backend) -> str:
    """The node the command runs on: the daemon's name for it, else the host name."""
    if isinstance(b, LiveBackend):
        return str(b.status()["node"])
    return socket.gethostname()


def run(args: argparse.Namespace) -> int:
    out = Output()
    verb = args.node_verb
    node_arg = getattr(args, "node", None)
    b = backend(args, f"node {verb} {node_arg or ''}".strip(), out)
    if verb == "list":
        for line in listing(b):
            out.line(line)
        return 0
    node = node_arg or this_node(b)
    if verb == "standby":
        edit = standby(b, node, args.lifetime)
    elif verb == "delete":
        edit = delete(b, node)
    else:
        edit = {"online": online, "maintenance": maintenance, "ready": ready}[verb](b, node)
    report(out, edit)
    return 0
