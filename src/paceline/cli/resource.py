"""``paceline resource``: start, stop, restart, move, ban, clear, cleanup, status.

    paceline resource start|stop RSC                      target-role Started / Stopped
    paceline resource move RSC [NODE] [--lifetime ISO] [--promoted]
    paceline resource ban RSC [NODE] [--lifetime ISO] [--promoted]
    paceline resource clear RSC [NODE]
    paceline resource cleanup RSC [--node NODE]
    paceline resource status RSC                          where it runs (crm_resource --locate)
    paceline resource restart RSC                         needs the running cluster

The constraints are those ``crm_resource --move/--ban`` write
(``cli-prefer-RSC``, ``cli-ban-RSC-on-NODE``); ``--lifetime`` is a duration,
as for crm_resource. Each verb is one function of a ``Backend``
(``paceline.cli.admin_backend``). Without ``--cib``, start/stop/move/ban/
clear/cleanup go to the running cluster (``paceline.cli.cluster``).
"""

from __future__ import annotations

import argparse

from paceline.admin import (
    Edit,
    resource_ban,
    resource_cleanup,
    resource_clear,
    resource_move,
    resource_target_role,
)
from paceline.admin.resources import locate
from paceline.cli.admin_backend import Backend, FileBackend, live, offline, report
from paceline.cli.output import Output
from paceline.core.errors import ConfigError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "resource",
        help="start, stop, move, ban, clean up resources",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    sub = parser.add_subparsers(dest="rsc_verb", metavar="VERB", required=True)

    def verb(name: str, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("rsc", metavar="RSC")
        p.add_argument(
            "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
        )
        p.set_defaults(func=run)
        return p

    verb("start", "let the cluster run the resource (target-role Started)")
    verb("stop", "stop the resource (target-role Stopped)")
    verb("restart", "stop and start the resource (on the running cluster)")
    verb("status", "where the resource runs")
    for name, text in (
        ("move", "prefer a node (cli-prefer-RSC); without NODE: away from where it runs"),
        ("ban", "keep the resource off a node (cli-ban-RSC-on-NODE; default: where it runs)"),
    ):
        p = verb(name, text)
        p.add_argument("node", nargs="?", metavar="NODE")
        p.add_argument(
            "--lifetime", metavar="ISO", help="ISO 8601 duration, e.g. PT1H: the constraint expires"
        )
        p.add_argument("--promoted", action="store_true", help="only the promoted role")
    p = verb("clear", "drop the move/ban constraints of the resource (only NODE's when given)")
    p.add_argument("node", nargs="?", metavar="NODE")
    p = verb("cleanup", "forget the resource's history and fail counts (re-probe)")
    p.add_argument("--node", "-N", metavar="NODE")


def start(backend: Backend, rsc: str) -> Edit:
    return backend.apply(lambda cib: resource_target_role(cib, rsc, "Started"))


def stop(backend: Backend, rsc: str) -> Edit:
    return backend.apply(lambda cib: resource_target_role(cib, rsc, "Stopped"))


def restart(backend: Backend, rsc: str) -> Edit:
    if isinstance(backend, FileBackend):
        raise ConfigError(
            "restart needs the running cluster: on a CIB file it changes nothing",
            field="resource",
            text=rsc,
            expected="stop and start, or no --cib",
        )
    stop(backend, rsc)
    return start(backend, rsc)


def move(
    backend: Backend,
    rsc: str,
    node: str | None,
    lifetime: str | None = None,
    promoted: bool = False,
) -> Edit:
    now = backend.now()
    return backend.apply(
        lambda cib: resource_move(cib, rsc, node, now=now, lifetime=lifetime, promoted=promoted)
    )


def ban(
    backend: Backend,
    rsc: str,
    node: str | None,
    lifetime: str | None = None,
    promoted: bool = False,
) -> Edit:
    now = backend.now()
    return backend.apply(
        lambda cib: resource_ban(cib, rsc, node, now=now, lifetime=lifetime, promoted=promoted)
    )


def clear(backend: Backend, rsc: str, node: str | None = None) -> Edit:
    return backend.apply(lambda cib: resource_clear(cib, rsc, node))


def cleanup(backend: Backend, rsc: str, node: str | None = None) -> Edit:
    return backend.apply(lambda cib: resource_cleanup(cib, rsc, node))


def status(backend: Backend, rsc: str) -> list[str]:
    return locate(backend.read(), rsc, backend.now())


def run(args: argparse.Namespace) -> int:
    out = Output()
    backend = offline(args)
    if backend is None:
        return live(args, "resource", args.rsc_verb)
    verb, rsc = args.rsc_verb, args.rsc
    if verb == "status":
        for line in status(backend, rsc):
            out.line(line)
        return 0
    if verb in ("move", "ban"):
        fn = move if verb == "move" else ban
        edit = fn(backend, rsc, args.node, args.lifetime, args.promoted)
    elif verb == "clear":
        edit = clear(backend, rsc, args.node)
    elif verb == "cleanup":
        edit = cleanup(backend, rsc, args.node)
    else:
        edit = {"start": start, "stop": stop, "restart": restart}[verb](backend, rsc)
    report(out, edit)
    return 0
