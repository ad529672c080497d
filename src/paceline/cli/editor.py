"""Run the user's editor on a text (``configure edit``)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from paceline.core.errors import PacelineError


def editor_command() -> list[str]:
    """``$VISUAL``, else ``$EDITOR``, else ``vi`` (as the crm shell)."""
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def edit_text(text: str) -> str | None:
    """Let the user edit ``text``; the edited text, or None if the editor failed."""
    fd, name = tempfile.mkstemp(prefix="paceline-edit-", suffix=".crm")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        command = editor_command()
        try:
            status = subprocess.call([*command, str(path)])
        except OSError as exc:
            raise PacelineError(f"cannot run the editor {command[0]!r}: {exc.strerror}") from None
        if status != 0:
            raise PacelineError(
                f"the editor {command[0]!r} exited with status {status}; nothing changed"
            )
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
