"""``paceline resource``: start, stop, restart, move, ban, clear, cleanup, status.

    paceline resource start|stop RSC                      target-role Started / Stopped
    paceline resource restart RSC [--timeout S]           stop, wait, start, wait (live only)
    paceline resource move RSC [NODE] [--lifetime ISO] [--promoted]
    paceline resource ban RSC [NODE] [--lifetime ISO] [--promoted]
    paceline resource clear RSC [NODE]
    paceline resource cleanup RSC [--node NODE]
    paceline resource status RSC                          where it runs (crm_resource --locate)

The constraints are those ``crm_resource --move/--ban`` write
(``cli-prefer-RSC``, ``cli-ban-RSC-on-NODE``); ``--lifetime`` is an ISO 8601
duration, as for crm_resource, written as a rule ``date lt END``. Each verb
is one function of a ``Backend`` (``paceline.cli.admin_backend``): with
``--cib FILE`` it edits that file, without it the running cluster (the
change goes through the DC). ``restart`` sets ``target-role=Stopped``,
waits until no instance runs, restores the ``target-role`` the resource
had, and waits until it runs again where it ran, as ``crm_resource
--restart`` does; each wait is bounded by the sum of the resource's stop
(start) timeouts plus a margin, or ``--timeout``.
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
from paceline.admin.resources import (
    action_timeout_s,
    active_nodes,
    locate,
    primitives,
    target_role_of,
)
from paceline.cli.admin_backend import Backend, LiveBackend, backend, report
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
    p = verb("restart", "stop the resource, wait, start it again, wait (on the running cluster)")
    p.add_argument("--timeout", type=float, metavar="S", help="seconds to wait for each step")
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


def start(b: Backend, rsc: str) -> Edit:
    return b.apply(lambda cib: resource_target_role(cib, rsc, "Started"))


def stop(b: Backend, rsc: str) -> Edit:
    return b.apply(lambda cib: resource_target_role(cib, rsc, "Stopped"))


RESTART_MARGIN_S = 10.0


def restart(b: Backend, rsc: str, timeout: float | None = None, out: Output | None = None) -> Edit:
    """``crm_resource --restart``: stop, wait until stopped, restore, wait until running."""
    if not isinstance(b, LiveBackend):
        raise ConfigError(
            "restart needs the running cluster: on a CIB file it changes nothing",
            field="resource",
            text=rsc,
            expected="stop and start, or no --cib",
        )
    cib = b.read()
    prims = primitives(cib, rsc)
    was = {p: active_nodes(cib, p, b.now()) for p in prims}
    if not any(was.values()):
        raise ConfigError(
            "the resource is not running", field="resource", text=rsc, expected="resource start"
        )
    original = target_role_of(cib, rsc)
    say = out.info if out is not None else (lambda _t: None)
    say(f"Waiting for {len(prims)} resources to stop:")
    for p in prims:
        say(f" * {p}")
    stop(b, rsc)
    try:
        b.wait(
            lambda c: not any(active_nodes(c, p, b.now()) for p in prims),
            timeout or action_timeout_s(cib, rsc, "stop") + RESTART_MARGIN_S,
            f"{rsc} to stop",
        )
    finally:  # started or not, the resource gets back the role it had
        edit = b.apply(lambda c: resource_target_role(c, rsc, original))
    say(f"Waiting for {len(prims)} resources to start again:")
    for p in prims:
        say(f" * {p}")
    b.wait(
        lambda c: all(len(active_nodes(c, p, b.now())) >= len(was[p]) for p in prims),
        timeout or action_timeout_s(cib, rsc, "start") + RESTART_MARGIN_S,
        f"{rsc} to start again",
    )
    return edit


def move(
    b: Backend,
    rsc: str,
    node: str | None,
    lifetime: str | None = None,
    promoted: bool = False,
) -> Edit:
    now = b.now()
    return b.apply(
        lambda cib: resource_move(cib, rsc, node, now=now, lifetime=lifetime, promoted=promoted)
    )


def ban(
    b: Backend,
    rsc: str,
    node: str | None,
    lifetime: str | None = None,
    promoted: bool = False,
) -> Edit:
    now = b.now()
    return b.apply(
        lambda cib: resource_ban(cib, rsc, node, now=now, lifetime=lifetime, promoted=promoted)
    )


def clear(b: Backend, rsc: str, node: str | None = None) -> Edit:
    return b.apply(lambda cib: resource_clear(cib, rsc, node))


def cleanup(b: Backend, rsc: str, node: str | None = None) -> Edit:
    return b.apply(lambda cib: resource_cleanup(cib, rsc, node))


def status(b: Backend, rsc: str) -> list[str]:
    return locate(b.read(), rsc, b.now())


def run(args: argparse.Namespace) -> int:
    out = Output()
    verb, rsc = args.rsc_verb, args.rsc
    node = getattr(args, "node", None)
    b = backend(args, f"resource {verb} {rsc}{' ' + node if node else ''}", out)
    if verb == "status":
        for line in status(b, rsc):
            out.line(line)
        return 0
    if verb == "cleanup" and isinstance(b, LiveBackend):
        from paceline.cli.cluster import live_cleanup

        return live_cleanup(args)  # the DC also tells the nodes to forget their history
    if verb in ("move", "ban"):
        fn = move if verb == "move" else ban
        edit = fn(b, rsc, node, args.lifetime, args.promoted)
    elif verb == "clear":
        edit = clear(b, rsc, node)
    elif verb == "cleanup":
        edit = cleanup(b, rsc, node)
    elif verb == "restart":
        edit = restart(b, rsc, args.timeout, out)
    else:
        edit = {"start": start, "stop": stop}[verb](b, rsc)
    report(out, edit)
    return 0
