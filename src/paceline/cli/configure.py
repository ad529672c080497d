"""``paceline configure``: the crm configure level, offline, on a CIB file.

    paceline configure                         the shell (batch when stdin is not a TTY)
    paceline configure show [xml] [changed|ID...]
    paceline configure save [xml] FILE
    paceline configure load [xml] replace|update FILE|-
    paceline configure delete ID...
    paceline configure edit [ID...]
    paceline configure verify [-V]
    paceline configure primitive vip ocf:heartbeat:IPaddr2 params ip=198.18.0.64
    paceline configure group|clone|ms|location|colocation|order|property|... ...

A one-shot command that changes the configuration commits at once (epoch + 1,
atomic write); a failing one prints one line, exits 1 and leaves the CIB
file as it was. A change that adds configuration errors (``verify``) is
refused unless ``-F``/``--force``; errors the CIB already had do not block.
The file is ``--cib FILE`` / ``PACELINE_CIB``, else
``ROOT/var/lib/paceline/cib.xml``; it is created (with an empty
configuration) by the first write. A missing file reads as an empty
configuration (with a warning); a ``--cib`` whose directory does not exist is
an error (a typo), and nothing is created.

Shadow CIBs (``cib new|use|commit|delete|list|diff``, ``paceline.cli.shadow``):
with one in use (``CIB_shadow``, or ``cib use NAME``), every command acts on
that copy; ``cib commit`` sends it to the live CIB.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from functools import partial
from pathlib import Path

from paceline.cib.store import resolve
from paceline.cli.commands import COMMANDS, STATEMENTS, Interpreter, never_asked
from paceline.cli.editor import edit_text
from paceline.cli.output import Output
from paceline.cli.paths import cib_path
from paceline.cli.session import Session
from paceline.cli.shadow import ShadowDesk, ShadowError, Shadows
from paceline.cli.verify import EXIT_OK
from paceline.executor.agents import scan_agents

READ_ONLY = frozenset({"show", "save", "verify", "help", "?"})


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    usage_lines = "\n".join("  " + usage for usage in COMMANDS.values())
    parser = subparsers.add_parser(
        "configure",
        help="edit the cluster configuration (crm configure)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The crm configure level on a CIB file. Without a command: the "
        "interactive shell (or batch input when stdin is not a TTY).",
        epilog="commands:\n"
        + usage_lines
        + "\ncrm statements (one-shot, committed at once):\n"
        + textwrap.fill(" ".join(STATEMENTS), initial_indent="  ", subsequent_indent="  "),
    )
    parser.add_argument(
        "-F",
        "--force",
        action="store_true",
        help="commit a one-shot change even if it adds configuration errors (as crm -F); "
        "open a CIB whose digest does not match (the next commit re-signs it)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="a command and its arguments")
    parser.set_defaults(func=run)


_PLAIN_WORD = re.compile(r"""[^\s"'\\]+""")
_KEY_VALUE = re.compile(r"""([A-Za-z0-9_.#$@:-]+)=(.*)""", re.DOTALL)


def crm_word(word: str) -> str:
    """One shell argument as crm text: quoted only when it must be
    (``description=My web`` becomes ``description="My web"``)."""
    if _PLAIN_WORD.fullmatch(word):
        return word
    pair = _KEY_VALUE.fullmatch(word)
    if pair is not None:
        return f"{pair.group(1)}={_quote(pair.group(2))}"
    return _quote(word)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(args: argparse.Namespace) -> int:
    out = Output()
    path = cib_path(args)
    words: list[str] = args.command
    directory = resolve(path).parent
    if args.cib and not directory.is_dir() and words[:1] not in (["help"], ["?"]):
        # a typo in --cib: nothing to show, and a change must not make up directories
        out.error(
            f"{path}: no such directory {directory} (check --cib / PACELINE_CIB); nothing done"
        )
        return 1
    if words and words[0] in READ_ONLY - {"help", "?"} and not path.exists():
        out.warning(
            f"{path}: no such CIB file, showing an empty configuration "
            "(check --cib / PACELINE_CIB / --root; the first change creates it)"
        )
    agents = scan_agents()

    def open_live() -> Session:
        live = Session.open(path, agents, force=args.force)
        if not args.cib:
            from paceline.cli.cluster import live_committer

            live.committer = live_committer(args)  # None: no node daemon, the file it is
        return live

    def open_file(file: Path) -> Session:
        return Session.open(file, agents, force=args.force)

    shadows = ShadowDesk(Shadows.of(path), open_live, open_file)
    try:
        shadow = shadows.shadows.in_use()
        session = open_live() if shadow is None else open_file(shadows.shadows.existing(shadow))
    except ShadowError as exc:
        out.error(f"{exc} (CIB_shadow / 'cib use' chose it)")
        return 1
    if session.unsigned:
        out.warning(f"{session.path}: its digest does not match; the next commit re-signs it")
    interactive = sys.stdin.isatty()
    interp = Interpreter(session, out, ask=never_asked, edit_text=edit_text, shadows=shadows)
    if interactive or not words:
        # the shell (and prompt_toolkit) only when someone can be asked, or for batch input
        from paceline.cli.shell import ask_yes_no, run_batch, run_interactive

        if interactive:
            interp.ask = partial(ask_yes_no, input)
    if not words:
        if interactive:
            from prompt_toolkit import PromptSession

            return run_interactive(interp, PromptSession(), session.path.name)
        return run_batch(interp, sys.stdin)
    interp.run(" ".join(crm_word(word) for word in words), file="<command line>")
    if words[0] == "verify":
        return interp.verify_status
    if words[0] not in READ_ONLY and interp.session.dirty:
        interp.commit(["force"] if args.force else [])
    return EXIT_OK
