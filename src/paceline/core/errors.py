"""Typed errors that say whose fault a failure is (DESIGN.md rule 9).

- ``ConfigError``: the user's input (a file, a command line) is wrong. It names
  the file, line and column and the offending text, so the CLI can print one
  line and exit 1 without a traceback.
- ``ProtocolError``: a peer sent something that breaks the protocol. The
  connection is dropped and counted; we keep running.
- ``StateError``: a state machine got an input it has no transition for
  (DESIGN.md rule 4); a bug on our side, never silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class PacelineError(Exception):
    """Base of every error Paceline raises on purpose."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a user's input something is: file, 1-based line and column."""

    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


QUOTE_LIMIT = 60
"""How much of the offending text an error message quotes."""


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` quoted for a one-line message, cut to ``limit`` characters."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"... ({len(text)} characters)"


_LONG_QUOTE = re.compile(f"'([^'\\n]{{{QUOTE_LIMIT + 1},}})'")


def cut_quotes(message: str) -> str:
    """``message`` with each quoted text longer than ``QUOTE_LIMIT`` cut (a 50 MB
    token quoted in full would make a 50 MB "one line" error)."""
    return _LONG_QUOTE.sub(lambda m: quoted(m.group(1)), message)


class ConfigError(PacelineError):
    """Bad configuration or user input, with its location.

    ``str(err)`` is the one-line message the CLI prints, of the form
    ``FILE:LINE:COL: MESSAGE (near 'TEXT'; expected ...)``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        text: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = cut_quotes(message)
        self.location = Location(file, line, column)
        self.field = field
        self.text = text
        self.expected = expected
        super().__init__(self.render())

    @property
    def file(self) -> str | None:
        return self.location.file

    @property
    def line(self) -> int | None:
        return self.location.line

    @property
    def column(self) -> int | None:
        return self.location.column

    def with_file(self, file: str) -> ConfigError:
        """The same error, attributed to ``file`` (for parsers fed a string)."""
        return ConfigError(
            self.message,
            file=file,
            line=self.line,
            column=self.column,
            field=self.field,
            text=self.text,
            expected=self.expected,
        )

    def render(self) -> str:
        out = f"{self.location}: "
        if self.field:
            out += f"{self.field}: "
        out += self.message
        extra = []
        if self.text is not None:
            extra.append(f"near {quoted(self.text)}")
        if self.expected:
            extra.append(f"expected {self.expected}")
        if extra:
            out += " (" + "; ".join(extra) + ")"
        return out


class ProtocolError(PacelineError):
    """A peer broke the wire protocol: disconnect it and count it, never trust it."""

    def __init__(self, message: str, *, peer: str | None = None) -> None:
        self.message = message
        self.peer = peer
        super().__init__(f"{peer}: {message}" if peer else message)


class StateError(PacelineError):
    """A state machine received an input it has no transition for."""

    def __init__(self, machine: str, state: object, event: object) -> None:
        self.machine = machine
        self.state = state
        self.event = event
        super().__init__(f"{machine}: no transition for {event!r} in state {state!r}")
