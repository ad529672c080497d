"""``paceline history``: who changed the CIB, when, and what.

    paceline history [--file FILE] [-n N]

Reads the node daemon's audit trail (``ROOT/var/lib/paceline/audit.jsonl``,
or ``--file``) and prints one line per change, oldest first (``-n``: the
last N only). Times print in the local time zone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paceline.cib.store import read_bounded
from paceline.cli.limits import max_input
from paceline.cli.paths import paths_from
from paceline.cli.status import local_tz
from paceline.core.errors import ConfigError
from paceline.monitor.history import parse_audit, render_history


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "history",
        help="the audit trail of CIB changes (who, when, what)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--file", metavar="FILE", help="an audit trail (default: the node's own)")
    parser.add_argument("-n", "--last", metavar="N", type=int, help="only the last N changes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paceline.runtime.pacelined import AUDIT_NAME  # the daemon names its trail

    path = Path(args.file) if args.file else paths_from(args).lib / AUDIT_NAME
    if not path.exists():
        raise ConfigError(
            "no audit trail here",
            file=str(path),
            expected="a node that ran pacelined, or --file FILE",
        )
    data = read_bounded(path, name=str(path), max_bytes=max_input(), what="audit trail")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("not UTF-8 text", file=str(path), expected=str(exc)) from None
    changes = parse_audit(text, file=str(path))
    if args.last is not None:
        changes = changes[-args.last :] if args.last > 0 else []
    sys.stdout.write(render_history(changes, tz=local_tz()))
    return 0
