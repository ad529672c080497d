"""``paceline status``: the cluster at a glance, as ``crm_mon -1`` prints it.

    paceline status [--cib FILE] [-r] [-A] [--xml] [--live [--interval S]]

Reads the CIB (``--cib FILE`` offline, any CIB with a status section;
without it, from the running node daemon through ``ROOT/run/paceline/node.sock``
the CIB the DC last broadcast, status section included, and when no daemon
runs here the node's replica file under ``--root``) and prints Pacemaker
2.1's ``crm_mon`` sections: Cluster Summary, Node List, Active Resources
(``-r``: Full List of Resources, stopped ones too), Node Attributes (``-A``)
and Failed Resource Actions. ``--xml`` prints ``crm_mon --output-as=xml``'s
shape; ``--live`` redraws every ``--interval`` seconds until interrupted.
Times print in the local time zone, as ``crm_mon`` prints them.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, tzinfo
from pathlib import Path

from paceline.cib.model import Cib
from paceline.cli.paths import cib_path
from paceline.cli.session import read_cib_file
from paceline.core.errors import ConfigError, PacelineError
from paceline.monitor import TextOptions, render_text, render_xml, snapshot


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show the cluster's nodes, resources and failures (as crm_mon -1)",
        description="Show the cluster as Pacemaker's crm_mon -1 does.",
    )
    parser.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    parser.add_argument(
        "-r", "--inactive", action="store_true", help="also list resources that are not running"
    )
    parser.add_argument(
        "-A", "--show-node-attributes", action="store_true", help="add the Node Attributes section"
    )
    parser.add_argument(
        "--xml", action="store_true", help="print crm_mon --output-as=xml's document instead"
    )
    parser.add_argument(
        "--live", action="store_true", help="redraw until interrupted (on a terminal)"
    )
    parser.add_argument(
        "--interval",
        metavar="S",
        type=float,
        default=5.0,
        help="seconds between redraws with --live (default 5)",
    )
    parser.set_defaults(func=run)


def load(path: Path) -> Cib:
    """A CIB file; its digest is checked when it has one (a node's replica)."""
    cib = read_cib_file(path)
    if cib is None:
        raise ConfigError(
            "no such CIB file", file=str(path), expected="an existing CIB (--cib FILE)"
        )
    return cib


def local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def read(args: argparse.Namespace) -> Cib:
    """The CIB to show: ``--cib FILE``, else the live one, else the replica file."""
    if not args.cib:
        from paceline.cli.cluster import socket_path

        if socket_path(args).exists():
            from paceline.cli.admin_backend import LiveBackend

            try:
                return LiveBackend(args, "status").read()
            except PacelineError as exc:  # a socket left by a killed daemon
                print(f"paceline: warning: {exc}: showing {cib_path(args)}", file=sys.stderr)
    return load(cib_path(args))


def render(args: argparse.Namespace, now: int) -> str:
    cib = read(args)
    snap = snapshot(cib, now)
    tz = local_tz()
    if args.xml:
        return render_xml(snap, tz=tz, request="paceline status --xml")
    opts = TextOptions(inactive=args.inactive, attributes=args.show_node_attributes, tz=tz)
    return render_text(snap, opts)


def run(args: argparse.Namespace) -> int:
    if not args.live:
        sys.stdout.write(render(args, int(time.time())))
        sys.stdout.flush()
        return 0
    return live(args)


def live(args: argparse.Namespace) -> int:
    """Redraw in place on a terminal (Rich), as ``crm_mon`` without ``-1``."""
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(highlight=False)
    interval = max(args.interval, 0.2)
    try:
        with Live(console=console, screen=console.is_terminal, auto_refresh=False) as view:
            while True:
                try:
                    text = render(args, int(time.time()))
                except Exception as exc:
                    text = f"paceline: error: {exc}\n"
                view.update(Text(text.expandtabs(8)), refresh=True)
                time.sleep(interval)
    except KeyboardInterrupt:
        return 0
