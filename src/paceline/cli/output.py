"""Terminal output of the offline CLI: colored with Rich on a TTY, plain text otherwise.

Every message is one line. Errors go to stderr as ``paceline: error: ...``;
verify findings and load notices go to stdout so that they can be piped.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # Rich is imported only when there is a terminal to color
    from rich.console import Console

    from paceline.crm.verify import Finding

_SEVERITY_STYLE = {"ERROR": "bold red", "WARNING": "yellow", "ADVICE": "cyan"}


class Output:
    """Where the CLI writes; ``color`` None means: color when the stream is a TTY."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        color: bool | None = None,
    ) -> None:
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self._console = self._make_console(self.out, color)
        self._err_console = self._make_console(self.err, color)

    @staticmethod
    def _make_console(stream: TextIO, color: bool | None) -> Console | None:
        use = color if color is not None else stream.isatty()
        if not use:
            return None
        from rich.console import Console

        return Console(
            file=stream, force_terminal=True, highlight=False, markup=False, soft_wrap=True
        )

    def _emit(self, stream: TextIO, console: Console | None, text: str, style: str) -> None:
        if console is None or not style:
            stream.write(text + "\n")
        else:
            from rich.text import Text

            console.print(Text(text, style=style))
        stream.flush()

    def line(self, text: str = "", style: str = "") -> None:
        self._emit(self.out, self._console, text, style)

    def text(self, text: str) -> None:
        """A block of text as is (``show`` output), newline-terminated."""
        self.out.write(text if text.endswith("\n") or not text else text + "\n")
        self.out.flush()

    def crm_text(self, text: str) -> None:
        """``show`` output: on a TTY, statement keywords and ids stand out (as in crm)."""
        if self._console is None:
            self.text(text)
            return
        from rich.text import Text

        for line in text.splitlines():
            styled = Text(line)
            words = line.split(" ")
            if line.startswith("\t"):  # continuation: params, meta, op ...
                styled.stylize("cyan", 1, 1 + len(words[0].strip()))
            elif words[0]:
                styled.stylize("bold green", 0, len(words[0]))
                if len(words) > 1:
                    start = len(words[0]) + 1
                    styled.stylize("bold", start, start + len(words[1]))
            self._console.print(styled)
        self.out.flush()

    def heading(self, text: str) -> None:
        self.line(f"== {text}", "bold")

    def error(self, text: str) -> None:
        self._emit(self.err, self._err_console, f"paceline: error: {text}", "bold red")

    def warning(self, text: str) -> None:
        self._emit(self.err, self._err_console, f"paceline: warning: {text}", "yellow")

    def info(self, text: str) -> None:
        self._emit(self.err, self._err_console, text, "green")

    def finding(self, finding: Finding, *, verbose: bool = False) -> None:
        self.line(str(finding), _SEVERITY_STYLE[finding.severity.name])
        if verbose and finding.hint:
            self.line(f"    hint: {finding.hint}", "dim")
