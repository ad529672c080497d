"""The configure commands, shared by the shell, batch input and one-shot use.

One ``Interpreter`` runs one command line at a time against a ``Session``:
crm statements (``primitive``, ``group``, ... ``rsc_template``) stage an edit;
``show``, ``save``, ``load``, ``delete``, ``edit``, ``verify``, ``commit``,
``refresh``, ``help``, ``up``/``quit`` do what the crm shell's do. Errors are
``ConfigError``; the caller prints them (one line) and decides whether to go
on. Questions (commit pending changes? commit despite errors? edit again?)
go through ``ask``, which answers None when nobody can be asked (batch).
"""

from __future__ import annotations

import difflib
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from paceline import crm
from paceline.cib.model import Cib, Primitive, Template, find_resource
from paceline.cib.store import read_bounded
from paceline.cli.help import SYNTAX
from paceline.cli.limits import max_input
from paceline.cli.output import Output
from paceline.cli.session import Session
from paceline.cli.verify import report
from paceline.core.errors import ConfigError, PacelineError
from paceline.crm.migrate import Notice, NoticeKind
from paceline.crm.modernize import agent_spec
from paceline.crm.parser import ALIASES, KEYWORDS
from paceline.executor.params import parameter_warnings

if TYPE_CHECKING:
    from paceline.cli.shadow import ShadowDesk
    from paceline.crm.verify import Finding

STATEMENTS: tuple[str, ...] = KEYWORDS
"""The words that open a crm statement: the crm parser's own."""
LEAVE_WORDS = ("up", "end", "cd", "quit", "exit", "bye", "q")
COMMANDS: dict[str, str] = {
    "show": "show [xml] [changed|ID|type:KIND|tag:TAG|related:ID|GLOB [and ...]...]\n"
    "                                the staged configuration (crm text or XML)",
    "save": "save [xml] FILE             write the staged configuration to FILE",
    "load": "load [xml] replace|update FILE|-   crm text or CIB XML (detected by content)",
    "delete": "delete ID...                remove objects (constraints naming them follow, with a notice)",
    "rename": "rename OLD NEW               give an object a new id (what names it follows)",
    "modgroup": "modgroup G add RSC [after|before M] | modgroup G remove RSC\n"
    "                                change a group's members",
    "erase": "erase [nodes]                clear the configuration but its nodes (and those too)",
    "filter": "filter COMMAND [ID...]       pipe the crm text through a shell command; its output replaces it",
    "edit": "edit [ID...]                edit the configuration (or some objects) in $EDITOR",
    "verify": "verify [-V]                 check the staged configuration (as crm_verify)",
    "commit": "commit [force]              write the staged changes to the CIB file",
    "cib": "cib new NAME [--empty] [--force] | cib use [NAME|live] | cib commit [NAME] [--force]\n"
    "                                | cib delete NAME | cib list | cib diff [NAME]\n"
    "                                shadow CIBs: stage a change, simulate it, commit it",
    "refresh": "refresh                     drop staged changes and re-read the CIB file",
    "help": "help [COMMAND|STATEMENT]    this list, or one command's or statement's syntax",
    "up": "up | end | quit | exit       leave (asks about uncommitted changes)",
}

Ask = Callable[[str], bool | None]
EditText = Callable[[str], str | None]


def read_text(source: Path | BinaryIO, name: str) -> str:
    """A file or stream as UTF-8 text, at most ``max_input()`` bytes of it."""
    data = read_bounded(source, name=name, max_bytes=max_input())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte {exc.start + 1})", file=name, expected="crm text or CIB XML"
        ) from None


# Notices that report a consequence of the user's command, not a change to their input.
_FOLLOW_UPS = frozenset({NoticeKind.UPDATED, NoticeKind.DELETED})


_COMMAND_ALIASES = {"del": "delete", "rm": "delete", "?": "help", "end": "up", "quit": "up"}
_FILTER_PREFIXES = ("type:", "tag:", "related:")


def _is_filter(word: str) -> bool:
    """Is ``word`` one of show's filters rather than an id?"""
    return word == "and" or word.startswith(_FILTER_PREFIXES) or any(c in word for c in "*?[")


def run_filter(command: str, text: str) -> str:
    """``text`` piped through the shell ``command`` (``configure filter``)."""
    import subprocess

    try:
        done = subprocess.run(
            ["/bin/sh", "-c", command], input=text, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise PacelineError(f"cannot run the filter: {exc.strerror}") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or [""]
        raise PacelineError(
            f"the filter exited with status {done.returncode}; nothing changed {detail[0]}".rstrip()
        )
    return done.stdout


class Outcome(Enum):
    CONTINUE = "continue"
    LEAVE = "leave"


def never_asked(question: str) -> bool | None:
    """The answer when nobody can be asked (batch input): neither yes nor no."""
    return None


@dataclass
class Interpreter:
    session: Session
    out: Output
    ask: Ask = never_asked
    edit_text: EditText | None = None
    stdin_read: Callable[[], str] | None = field(
        default=lambda: read_text(sys.stdin.buffer, "<stdin>")
    )
    """Reads ``load ... -``; None when stdin holds the commands themselves."""
    shadows: ShadowDesk | None = None
    """The shadow CIBs of the live CIB (the ``cib`` command); None: not offered."""
    verify_status: int = field(default=0, init=False)
    """crm_verify's exit code for the last ``verify`` (0, or 78 with errors or warnings)."""
    _file: str | None = field(default=None, init=False)
    _line: int = field(default=1, init=False)

    # ----------------------------------------------------------------- dispatch

    def run(self, line: str, *, file: str | None = None, lineno: int = 1) -> Outcome:
        """Run one command line (a statement may span continuation lines)."""
        self._file, self._line = file, lineno
        text = line.strip()
        if not text or text.startswith("#"):
            return Outcome.CONTINUE
        keyword, *rest = text.split()
        before = self.session.staged
        if keyword in STATEMENTS and rest in (["--help"], ["-h"]):
            self.help([keyword])
            return Outcome.CONTINUE
        if keyword in STATEMENTS:
            self._notices(self.session.apply(text, file=file, line=lineno))
            if keyword in ("primitive", "rsc_template"):
                self._check_agent(text.split()[1])
            self._check_parameters(before)
            return Outcome.CONTINUE
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise self._usage(str(exc), text=text) from None
        command, args = words[0], words[1:]
        if "--help" in args or "-h" in args:
            self.help([command])
            return Outcome.CONTINUE
        if command in LEAVE_WORDS:
            if command == "cd" and args not in ([".."], []):
                raise self._usage("only 'cd ..' leaves configure", text=" ".join(args))
            return Outcome.LEAVE
        handler = self._handlers().get(command)
        if handler is None:
            raise self._usage(
                f"unknown command {command!r}",
                text=command,
                expected="a crm statement or one of " + ", ".join(sorted(COMMANDS)),
            )
        handler(args)
        self._check_parameters(before)
        return Outcome.CONTINUE

    def _usage(
        self, message: str, *, text: str | None = None, expected: str | None = None
    ) -> ConfigError:
        """A usage error located at the command being run."""
        return ConfigError(message, file=self._file, line=self._line, text=text, expected=expected)

    def _handlers(self) -> dict[str, Callable[[list[str]], None]]:
        return {
            "show": self.show,
            "save": self.save,
            "load": self.load,
            "delete": self.delete,
            "del": self.delete,
            "rm": self.delete,
            "rename": self.rename,
            "modgroup": self.modgroup,
            "erase": self.erase,
            "filter": self.filter,
            "edit": self.edit,
            "verify": self.verify,
            "commit": self.commit,
            "cib": self.cib,
            "refresh": self.refresh,
            "help": self.help,
            "?": self.help,
        }

    def _check_agents(self, before: Cib, where: str) -> None:
        """Warn about the agents of what changed since ``before`` (load, edit, filter)."""
        for ident in self.session.changed(since=before):
            self._check_agent(ident, where)

    def _check_agent(self, ident: str, where: str | None = None) -> None:
        """Say at once when a statement names an agent this host does not have
        (crm refuses such a primitive; we keep it, as the agent may be installed
        before the cluster runs it, but a typo should not wait for verify)."""
        cfg = self.session.staged.configuration
        # a statement's object is mostly at the top level: found there without
        # indexing the whole configuration again after each statement
        rsc = next((r for r in cfg.resources if r.id == ident), None) or find_resource(cfg, ident)
        if not isinstance(rsc, Primitive):
            rsc = next((t for t in cfg.templates if t.id == ident), None)
        if not isinstance(rsc, Primitive | Template):
            return
        spec = agent_spec(rsc)
        agents = self.session.agents
        if spec is None or agents.exists(spec):
            return
        close = difflib.get_close_matches(spec, sorted(agents.names), n=3, cutoff=0.8)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        prefix = f"{where}: " if where else ""
        self.out.line(
            f"warning: {prefix}{ident}: agent {spec} is not installed on this host{hint}",
            "yellow",
        )

    def _check_parameters(self, before: Cib) -> None:
        """Warn about parameters the agent's meta-data does not declare, for each
        primitive or template the command added or changed (crm checks them too;
        we keep them, as crm does with a warning)."""
        for line in parameter_warnings(before, self.session.staged, self.session.agents):
            self.out.line(line, "yellow")

    def _notices(self, notices: list[Notice]) -> None:
        """One line each. What the input said and we changed (a deprecated name,
        an agent substituted) is a warning; what followed from a command (a
        constraint updated along with a deleted resource) is a notice."""
        for notice in notices:
            where = f"{notice.location}: " if notice.file or notice.line else ""
            if notice.kind in _FOLLOW_UPS:
                self.out.line(f"notice: {where}{notice.what} ({notice.why})", "cyan")
            else:
                self.out.line(f"warning: {where}{notice.what} ({notice.why})", "yellow")

    # ----------------------------------------------------------------- commands

    def show(self, args: list[str]) -> None:
        xml, ids = _xml_flag(args)
        if ids == ["changed"]:
            ids = self.session.changed()
            if not ids:
                return
        elif any(_is_filter(word) for word in ids):
            ids = crm.select(self.session.staged, ids)
            if not ids:
                return
        if xml:
            self.out.text(self.session.show_xml(ids))
        else:
            self.out.crm_text(self.session.show(ids))

    def save(self, args: list[str]) -> None:
        xml, rest = _xml_flag(args)
        if len(rest) != 1:
            raise self._usage("save needs one file name", expected="save [xml] FILE")
        text = self.session.show_xml() if xml else self.session.show(obscure=False)
        if rest[0] == "-":
            self.out.text(text)
            return
        target = Path(rest[0])
        try:
            target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write: {exc.strerror}", file=str(target)) from None

    def load(self, args: list[str]) -> None:
        _xml, rest = _xml_flag(args)  # the content says whether it is XML
        if len(rest) != 2 or rest[0] not in ("replace", "update"):
            raise self._usage(
                "load needs a mode and a file",
                text=" ".join(args) or None,
                expected="load [xml] replace|update FILE|-",
            )
        mode, source = rest
        if source == "-":
            if self.stdin_read is None:
                raise self._usage("'-' cannot be loaded here: stdin holds the commands")
            text, name = self.stdin_read(), "<stdin>"
        else:
            text, name = read_text(Path(source), source), source
        before = self.session.staged
        self._notices(self.session.load(mode, text, file=name))
        self._check_agents(before, name)

    def delete(self, args: list[str]) -> None:
        if not args:
            raise self._usage("delete needs at least one id", expected="delete ID...")
        self._notices(self.session.delete(args))

    def edit(self, args: list[str]) -> None:
        if self.edit_text is None:
            raise PacelineError("edit is not available here")
        original = self.session.show(args, obscure=False)
        text = original
        before = self.session.staged
        while True:
            edited = self.edit_text(text)
            if edited is None or edited == original:
                self.out.info("edit: no changes")
                return
            try:
                if args:
                    notices = self.session.edit_objects(args, edited, file="<edit>")
                else:
                    notices = self.session.replace_text(edited, file="<edit>")
            except ConfigError as exc:
                self.out.error(str(exc))
                if self.ask("Edit again (y/n)? "):
                    text = edited
                    continue
                raise PacelineError("edit aborted: the configuration is unchanged") from None
            self._notices(notices)
            self._check_agents(before, "<edit>")
            return

    def rename(self, args: list[str]) -> None:
        if len(args) != 2:
            raise self._usage("rename needs the old and the new id", expected="rename OLD NEW")
        self._notices(self.session.rename(args[0], args[1]))

    def modgroup(self, args: list[str]) -> None:
        usage = "modgroup GROUP add RSC [after|before MEMBER] | modgroup GROUP remove RSC"
        if len(args) not in (3, 5) or args[1] not in ("add", "remove"):
            raise self._usage("modgroup: expected a group, add or remove, and a resource",
                              text=" ".join(args), expected=usage)  # fmt: skip
        position, anchor = (args[3], args[4]) if len(args) == 5 else (None, None)
        self.session.modgroup(args[0], args[1], args[2], position, anchor)

    def erase(self, args: list[str]) -> None:
        if args not in ([], ["nodes"]):
            raise self._usage("erase takes only 'nodes'", text=" ".join(args))
        self.session.erase(nodes=bool(args))

    def filter(self, args: list[str]) -> None:
        if not args or args[0] == "xml":
            raise self._usage(
                "filter needs a shell command (on crm text)", expected="filter COMMAND [ID...]"
            )
        command, ids = args[0], args[1:]
        before = self.session.staged
        edited = run_filter(command, self.session.show(ids, obscure=False))
        if ids:
            notices = self.session.edit_objects(ids, edited, file="<filter>")
        else:
            notices = self.session.replace_text(edited, file="<filter>")
        self._notices(notices)
        self._check_agents(before, "<filter>")

    def verify(self, args: list[str]) -> None:
        verbose = any(a.startswith("-V") for a in args)
        self.verify_status = report(
            self.out, self.session.verify(), verbose=verbose, prefix="verify"
        )

    def commit(self, args: list[str]) -> None:
        force = args == ["force"]
        if args and not force:
            raise self._usage("commit takes no arguments but 'force'", text=" ".join(args))
        if not self.session.dirty and not self.session.unsigned:
            self.out.info("commit: nothing to commit")
            return
        from paceline.crm.verify import Severity

        new_problems = self._new_problems()
        for finding in new_problems:
            self.out.finding(finding)
        if any(f.severity is Severity.ERROR for f in new_problems) and not force:
            answer = self.ask("Do you still want to commit (y/n)? ")
            if not answer:
                raise PacelineError(
                    "commit refused: the change adds configuration errors "
                    "(fix them, or use 'commit force')"
                )
        cib = self.session.commit()
        self.out.info(f"committed epoch {cib.epoch} to {self.session.path}")

    def _new_problems(self) -> list[Finding]:
        """Errors and warnings the staged changes add to the committed CIB."""
        from paceline.crm.verify import Severity, verify

        committed = self.session.committed
        before_cib = committed if committed is not None else Cib()
        before = {f.message for f in verify(before_cib, agent_exists=self.session.agents.exists)}
        return [
            f
            for f in self.session.verify()
            if f.severity >= Severity.WARNING and f.message not in before
        ]

    def refresh(self, args: list[str]) -> None:
        self.session.refresh()

    def cib(self, args: list[str]) -> None:
        if self.shadows is None:
            raise self._usage("shadow CIBs are not available here", text="cib")
        from paceline.cli.shadow import run_cib

        run_cib(self, self.shadows, args)

    def help(self, args: list[str]) -> None:
        if args and args[0] in SYNTAX:
            self.out.line(SYNTAX[args[0]])
            return
        command = _COMMAND_ALIASES.get(args[0], args[0]) if args else None
        if command in COMMANDS:
            self.out.line(COMMANDS[command])
            return
        if args:
            raise self._usage(
                f"no help for {args[0]!r}", text=args[0], expected="a command or a statement"
            )
        self.out.line("crm statements: " + " ".join(s for s in STATEMENTS if s not in ALIASES))
        for usage in COMMANDS.values():
            self.out.line("  " + usage)

    # ----------------------------------------------------------------- leaving

    def leave(self) -> bool:
        """Called on up/quit/EOF: True when it is fine to leave.

        With uncommitted changes, ask as crm does; when nobody can be asked
        (batch), commit them as crm does.
        """
        if not self.session.dirty:
            return True
        answer = self.ask("There are changes pending. Do you want to commit them (y/n)? ")
        if answer is False:
            return True
        try:
            self.commit([])
        except PacelineError as exc:
            self.out.error(str(exc))
            return answer is None  # batch: give up (unchanged); TTY: stay in the shell
        return True


def _xml_flag(args: list[str]) -> tuple[bool, list[str]]:
    if args and args[0] == "xml":
        return True, args[1:]
    return False, args
