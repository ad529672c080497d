"""The interactive ``paceline configure`` shell, and its batch mode.

On a TTY the shell reads with prompt_toolkit (history, completion of
commands, ids and agent names) behind crm's prompt style,
``paceline(cib.xml)configure# ``. When stdin is not a TTY it reads commands
line by line (``paceline configure < file``, like ``crm configure < file``):
a failing command prints one error line and the rest still runs, but then
nothing is committed at the end and the exit code is 1.

Leaving (``up``, ``quit``, Ctrl-D) with uncommitted changes asks "There are
changes pending. Do you want to commit them (y/n)?" on a TTY, as crm does;
in batch mode the changes are committed, as crm does, unless a command failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from paceline.cib.model import Configuration, walk_resources
from paceline.cli.commands import COMMANDS, LEAVE_WORDS, STATEMENTS, Interpreter, Outcome
from paceline.core.errors import PacelineError

STATEMENT_WORDS = (
    "params",
    "meta",
    "utilization",
    "op",
    "op_params",
    "op_meta",
    "rule",
    "inf:",
    "-inf:",
    "Mandatory:",
    "Optional:",
    "Serialize:",
    "and",
    "or",
    "defined",
    "not_defined",
)
AGENT_CLASSES = ("ocf:", "lsb:", "systemd:", "service:", "stonith:")


def prompt_text(cib_name: str) -> str:
    return f"paceline({cib_name})configure# "


def object_ids(config: Configuration) -> list[str]:
    """Ids a user names in commands: resources, templates, constraints, tags, nodes."""
    ids = [rsc.id for rsc, _parent in walk_resources(config.resources)]
    ids += [t.id for t in config.templates]
    ids += [c.id for c in config.constraints]
    ids += [t.id for t in config.tags]
    ids += [n.uname for n in config.nodes]
    return sorted(set(ids))


class ConfigureCompleter(Completer):
    """Completes the command word, then ids, agent names and statement keywords."""

    def __init__(self, ids: Callable[[], Iterable[str]], agents: Iterable[str]) -> None:
        self._ids = ids
        self._agents = sorted(agents)

    def candidates(self, text: str) -> tuple[str, list[str]]:
        """(the word being completed, what it may become) for the line ``text``."""
        words = text.split()
        current = "" if not text or text[-1].isspace() else words[-1]
        position = len(words) if current == "" else len(words) - 1
        if position == 0:
            return current, [*STATEMENTS, *COMMANDS, *LEAVE_WORDS]
        first = words[0]
        if first in ("primitive", "rsc_template") and position == 2:
            short = [a.removeprefix("ocf:heartbeat:") for a in self._agents]
            return current, [*AGENT_CLASSES, *self._agents, *short]
        if first == "show" and position == 1:
            return current, ["xml", *self._ids()]
        if first in ("show", "delete", "edit"):
            return current, list(self._ids())
        if first == "load":
            return current, ["xml", "replace", "update"] if position <= 2 else []
        if first == "save":
            return current, ["xml"] if position == 1 else []
        if first in STATEMENTS:
            return current, [*self._ids(), *STATEMENT_WORDS]
        return current, []

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        current, options = self.candidates(document.text_before_cursor)
        for option in sorted(set(options)):
            if option.startswith(current):
                yield Completion(option, start_position=-len(current))


def _statements(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each command; a trailing ``\\`` continues it."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if not pending:
            start = number
        pending.append(line)
        if line.rstrip().endswith("\\"):
            continue
        yield start, "\n".join(pending)
        pending = []
    if pending:
        yield start, "\n".join(pending)


def run_batch(interp: Interpreter, lines: Iterable[str], *, name: str = "<stdin>") -> int:
    """Commands from a file or pipe; 0 when all of them (and the final commit) succeeded."""
    interp.stdin_read = None  # the commands come from there
    errors = 0
    for number, text in _statements(lines):
        try:
            outcome = interp.run(text, file=name, lineno=number)
        except PacelineError as exc:
            interp.out.error(str(exc))
            errors += 1
            continue
        if outcome is Outcome.LEAVE:
            break
    if errors:
        if interp.session.dirty:
            interp.out.error(
                f"not committing: {errors} command(s) failed; {interp.session.path} is unchanged"
            )
        return 1
    return 0 if interp.leave() else 1


def yes_no(answer: str) -> bool | None:
    """y/yes, n/no (any case), else None."""
    word = answer.strip().lower()
    if word in ("y", "yes"):
        return True
    if word in ("n", "no"):
        return False
    return None


def ask_yes_no(read: Callable[[str], str], question: str) -> bool:
    """Ask until the answer is yes or no; end of input or Ctrl-C is no."""
    while True:
        try:
            answer = yes_no(read(question))
        except (EOFError, KeyboardInterrupt):
            return False
        if answer is not None:
            return answer


def run_interactive(interp: Interpreter, prompts: PromptSession[str], cib_name: str) -> int:
    """The TTY shell: read, run, print errors; leave on up/quit/Ctrl-D."""
    completer = ConfigureCompleter(
        lambda: object_ids(interp.session.staged.configuration),
        interp.session.agents.names,
    )

    interp.ask = partial(ask_yes_no, lambda question: prompts.prompt(question, completer=None))
    while True:
        try:
            text = prompts.prompt(prompt_text(cib_name), completer=completer)
            while text.rstrip().endswith("\\"):
                text += "\n" + prompts.prompt("> ", completer=completer)
        except KeyboardInterrupt:
            continue
        except EOFError:
            interp.out.line()
            if interp.leave():
                return 0
            continue
        try:
            outcome = interp.run(text)
        except PacelineError as exc:
            interp.out.error(str(exc))
            continue
        if outcome is Outcome.LEAVE and interp.leave():
            return 0
