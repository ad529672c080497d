"""The audit trail of CIB changes, as ``paceline history`` shows it.

The node daemon appends one JSON object per committed change to
``ROOT/var/lib/paceline/audit.jsonl``: ``who`` made it, from which node
(``origin``), ``when`` (the DC's wall clock, epoch seconds), ``what`` (one
sentence) and the CIB ``version`` it produced. ``parse_audit`` reads those
lines (a bad one is a ``ConfigError`` naming file, line and column and the
field); ``render_history`` prints one line per change, oldest first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from paceline.core.errors import ConfigError

MAX_LINE = 64 * 1024  # one record; a longer line is not one of ours


@dataclass(frozen=True, slots=True)
class Change:
    when: int
    who: str
    origin: str
    what: str
    version: str


def parse_audit(text: str, *, file: str = "<audit>") -> list[Change]:
    out: list[Change] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            raise ConfigError("audit record too long", file=file, line=number, column=1)
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"not a JSON record: {exc.msg}", file=file, line=number, column=exc.colno
            ) from None
        if not isinstance(raw, dict):
            raise ConfigError("not a JSON object", file=file, line=number, column=1)
        out.append(_change(raw, file, number))
    return out


def _change(raw: dict[str, object], file: str, line: int) -> Change:
    def text(name: str) -> str:
        value = raw.get(name)
        if not isinstance(value, str):
            raise ConfigError(
                "missing or not text",
                file=file,
                line=line,
                column=1,
                field=name,
                expected="a string",
            )
        return value

    when = raw.get("when")
    if not isinstance(when, int) or isinstance(when, bool) or when < 0:
        raise ConfigError(
            "missing or not a time",
            file=file,
            line=line,
            column=1,
            field="when",
            expected="epoch seconds",
        )
    return Change(when, text("who"), text("origin"), text("what"), text("version"))


def render_history(changes: Iterable[Change], *, tz: tzinfo = UTC) -> str:
    """``2026-12-03 14:05:28  0.7.0  root@node1  move g to node2``, one per change."""
    lines = []
    for c in changes:
        stamp = datetime.fromtimestamp(c.when, tz).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"{stamp}  {c.version:<8} {c.who}@{c.origin}  {c.what}")
    return "".join(line + "\n" for line in lines)
