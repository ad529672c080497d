"""Entry point of the ``paceline`` command.

Each verb group lives in its own module under ``paceline.cli`` and exposes
``register(subparsers)``; the module is imported lazily so that a broken or
heavy verb does not slow down or break the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from paceline import __version__
from paceline.cli.paths import add_path_arguments
from paceline.core.errors import ConfigError, PacelineError

# (module, verbs it registers). Order is the order of `paceline --help`.
VERB_MODULES: tuple[str, ...] = (
    "paceline.cli.configure",
    "paceline.cli.verify",
    "paceline.cli.ra",
    "paceline.cli.simulate",
    "paceline.cli.lab",
    "paceline.cli.membership",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paceline",
        description="Paceline high-availability cluster stack",
    )
    parser.add_argument("--version", action="version", version=f"paceline {__version__}")
    add_path_arguments(parser)
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in VERB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # verb group not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        rc = args.func(args)
    except ConfigError as exc:
        print(f"paceline: error: {exc}", file=sys.stderr)
        return 1
    except PacelineError as exc:
        print(f"paceline: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the file system failed where no command expected it
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"paceline: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
