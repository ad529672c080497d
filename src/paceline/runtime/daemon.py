"""The command line every node-level daemon shares: ``--root``, ``--node``,
logging, and a ``PacelineError`` turned into one line and exit code 1."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from paceline.core.errors import PacelineError
from paceline.core.paths import Paths

Serve = Callable[..., Coroutine[Any, Any, int]]


def run_daemon(prog: str, doc: str, serve: Serve, argv: Sequence[str] | None = None) -> int:
    """Parse the daemon's arguments and run ``serve(paths, nodeid=...)``."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    parser.add_argument("--root", default=os.environ.get("PACELINE_ROOT", "/"), metavar="DIR")
    parser.add_argument("--node", type=int, default=None, metavar="ID", help="this node's id")
    args = parser.parse_args(argv)
    short = prog.removeprefix("paceline-")
    logging.basicConfig(level=logging.WARNING, format=f"{short}: %(levelname)s %(message)s")
    try:
        return asyncio.run(serve(Paths(Path(args.root)), nodeid=args.node))
    except PacelineError as exc:
        print(f"{short}: error: {exc}", file=sys.stderr)
        return 1
