"""Where the ``node`` and ``resource`` verbs read and change the CIB.

Every verb is one function taking a ``Backend``: it reads the CIB, computes
an ``paceline.admin.Edit`` with the pure functions, and hands the edit to
the backend. ``FileBackend`` works on a CIB file (``--cib FILE``): the new
CIB is written atomically with its digest, only when it changed. Without
``--cib`` the verbs go to the running cluster through ``live`` (the node
daemon's socket, ``paceline.cli.cluster``'s handlers); a live ``Backend``
(read the CIB, commit an edit through the DC) would let every verb use the
same functions on both paths.
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
from paceline.core.errors import ConfigError


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


def offline(args: argparse.Namespace) -> Backend | None:
    """``--cib FILE`` (or ``PACELINE_CIB``): that file; None means the live cluster."""
    if getattr(args, "cib", None):
        return FileBackend(Path(args.cib))
    return None


def live(args: argparse.Namespace, group: str, verb: str) -> int:
    """Run ``group verb`` on the running cluster, through the node daemon's
    socket (the handlers of ``paceline.cli.cluster``)."""
    from paceline.cli import cluster

    table = cluster.LIVE_NODE if group == "node" else cluster.LIVE_RESOURCE
    handler = table.get(verb)
    if handler is None:
        raise ConfigError(
            f"'{group} {verb}' works on a CIB file only so far",
            field=group,
            text=verb,
            expected="--cib FILE",
        )
    return handler(args)


def report(out: Output, edit: Edit) -> None:
    """The tool's notices, one line each on stderr (crm_resource prints its
    warnings there); a no-op edit says so."""
    for note in edit.notes:
        out.info(note)
    if not edit.changed and not edit.notes:
        out.info("nothing to change")
