"""Entry point of the ``paceline`` command.

Each verb group lives in its own module under ``paceline.cli`` and exposes
``register(subparsers)``; only the module of the verb being run is imported
(all of them for ``paceline --help``), so that a heavy verb does not slow
down the others and start-up costs what the command needs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from paceline import __version__
from paceline.cli.paths import add_path_arguments
from paceline.core.errors import ConfigError, PacelineError

# verb -> the module that registers it. Order is the order of `paceline --help`.
# A module registering a new verb must be named here, or the verb is unknown.
VERBS: dict[str, str] = {
    "configure": "paceline.cli.configure",
    "verify": "paceline.cli.verify",
    "ra": "paceline.cli.ra",
    "simulate": "paceline.cli.simulate",
    "sim": "paceline.cli.sim",
    "lab": "paceline.cli.lab",
    "keygen": "paceline.cli.membership",
    "quorum": "paceline.cli.membership",
    "links": "paceline.cli.membership",
    "status": "paceline.cli.status",
    "history": "paceline.cli.history",
    "cluster": "paceline.cli.cluster",
    "node": "paceline.cli.node",
    "resource": "paceline.cli.resource",
    "attribute": "paceline.cli.attribute",
    "volume": "paceline.cli.volume",
}
VERB_MODULES: tuple[str, ...] = tuple(dict.fromkeys(VERBS.values()))


def chosen_verb(argv: Sequence[str] | None) -> str | None:
    """The verb on the command line (None when there is none, or it is unknown)."""
    pre = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    add_path_arguments(pre)
    pre.add_argument("verb", nargs="?")
    try:
        known, _rest = pre.parse_known_args(argv)
    except argparse.ArgumentError:
        return None  # the full parser says what is wrong
    return known.verb if known.verb in VERBS else None


def build_parser(verb: str | None = None, *, verbs: bool = True) -> argparse.ArgumentParser:
    """The parser; with ``verb``, only that verb's module is imported (and none
    without ``verbs``: enough for ``--version``)."""
    parser = argparse.ArgumentParser(
        prog="paceline",
        description="Paceline high-availability cluster stack",
    )
    parser.add_argument("--version", action="version", version=f"paceline {__version__}")
    add_path_arguments(parser)
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in (VERBS[verb],) if verb else VERB_MODULES if verbs else ():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # verb group not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    verb = chosen_verb(words)
    parser = build_parser(verb, verbs=verb is not None or "--version" not in words)
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
