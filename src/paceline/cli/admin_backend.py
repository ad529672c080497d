"""Where the ``node``, ``resource`` and ``attribute`` verbs read and change the CIB.

Every verb is one function taking a ``Backend``: it reads the CIB, computes
an ``paceline.admin.Edit`` with the pure functions, and hands the edit to
the backend, so both paths run the same code:

- ``FileBackend`` works on a CIB file (``--cib FILE``): the new CIB is
  written atomically with its digest, only when it changed;
- ``LiveBackend`` works on the running cluster through the node daemon's
  socket: it reads the live CIB, and commits a configuration change through
  the DC with the version it read (``cib-replace``: a concurrent change is
  refused, and the edit is redone once on a fresh read), a change of
  transient (``reboot``) node attributes as ``node-attr`` changes. An edit
  of the operation history is refused (``cleanup`` has its own op).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from paceline.admin.edit import Edit
from paceline.cib.model import Cib
from paceline.cib.store import resolve, write_cib
from paceline.cli.output import Output
from paceline.cli.status import load
from paceline.controller.status import node_state, transient
from paceline.core.errors import ConfigError, PacelineError

POLL_S = 0.2


class Backend(Protocol):
    def read(self) -> Cib: ...

    def apply(self, change: Callable[[Cib], Edit]) -> Edit:
        """Apply ``change`` to the current CIB and keep the result."""
        ...

    def now(self) -> int: ...


@dataclass
class FileBackend:
    path: Path

    def read(self) -> Cib:
        return load(self.path)

    def apply(self, change: Callable[[Cib], Edit]) -> Edit:
        try:
            edit = change(self.read())
        except ConfigError as exc:  # name the file the request was about
            if exc.file is not None:
                raise
            raise ConfigError(
                exc.message,
                file=str(self.path),
                field=exc.field,
                text=exc.text,
                expected=exc.expected,
            ) from None
        if edit.changed:
            try:
                write_cib(resolve(self.path), edit.cib)
            except OSError as exc:
                raise ConfigError(
                    f"cannot write the CIB: {exc.strerror or exc}", file=str(self.path)
                ) from None
        return edit

    def now(self) -> int:
        return int(time.time())


@dataclass
class LiveBackend:
    """The running cluster, through ``ROOT/run/paceline/node.sock``; ``what`` is
    the audit trail's description of the change."""

    args: argparse.Namespace
    what: str
    out: Output | None = None

    def _read(self) -> tuple[Cib, str]:
        from paceline.cib.codec import decode_cib
        from paceline.cli.cluster import call

        got = call(self.args, "cib")
        return decode_cib(str(got["xml"]).encode(), file="<live CIB>"), str(got["version"])

    def read(self) -> Cib:
        return self._read()[0]

    def status(self) -> dict[str, object]:
        from paceline.cli.cluster import call

        got: dict[str, object] = call(self.args, "status")
        return got

    def apply(self, change: Callable[[Cib], Edit]) -> Edit:
        from paceline.cli.cluster import call, who

        for attempt in (1, 2):
            before, version = self._read()
            edit = change(before)
            if not edit.changed:
                return edit
            lrm_changed = [
                ns.uname
                for ns in edit.cib.status.node_states
                if (old := node_state(before, ns.uname or "")) is not None and old.lrm != ns.lrm
            ]
            if lrm_changed:
                raise ConfigError(
                    "this change edits the operation history, which only the DC writes",
                    field="status",
                    text=", ".join(str(n) for n in lrm_changed),
                )
            if edit.cib.configuration != before.configuration:
                from paceline.cib.codec import encode_cib

                try:
                    res = call(
                        self.args,
                        "cib-replace",
                        xml=encode_cib(edit.cib).decode(),
                        base=version,
                        what=self.what,
                        who=who(),
                    )
                except PacelineError as exc:
                    if attempt == 1 and "changed since" in str(exc):
                        continue  # someone else committed meanwhile: redo on a fresh read
                    raise
                self.say(res)
            for node, name, value in transient_changes(before, edit.cib):
                res = call(
                    self.args,
                    "node-attr",
                    node=node,
                    name=name,
                    value=value,
                    lifetime="reboot",
                    who=who(),
                )
                self.say(res)
            return edit
        raise AssertionError("unreachable")  # pragma: no cover

    def say(self, res: dict[str, object]) -> None:
        if self.out is not None:
            self.out.line(f"{res['message']} (CIB {res['version']})")

    def now(self) -> int:
        return int(time.time())

    def wait(self, done: Callable[[Cib], bool], timeout: float, what: str) -> Cib:
        """Poll the live CIB until ``done`` holds (a ``PacelineError`` after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while True:
            cib = self.read()
            if done(cib):
                return cib
            if time.monotonic() > deadline:
                raise PacelineError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(POLL_S)


def transient_changes(before: Cib, after: Cib) -> list[tuple[str, str, str | None]]:
    """(node, name, new value or None) of every transient attribute that differs."""
    out: list[tuple[str, str, str | None]] = []
    for ns in after.status.node_states:
        node = ns.uname or ""
        old, new = transient(before, node), transient(after, node)
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                out.append((node, name, new.get(name)))
    return out


def backend(args: argparse.Namespace, what: str, out: Output | None = None) -> Backend:
    """``--cib FILE`` (or ``PACELINE_CIB``): that file; else the running cluster."""
    if getattr(args, "cib", None):
        return FileBackend(Path(args.cib))
    return LiveBackend(args, what, out)


def report(out: Output, edit: Edit) -> None:
    """The tool's notices, one line each on stderr (crm_resource prints its
    warnings there); a no-op edit says so."""
    for note in edit.notes:
        out.info(note)
    if not edit.changed and not edit.notes:
        out.info("nothing to change")
