"""Where the ``node`` and ``resource`` verbs read and change the CIB.

Every verb is one function taking a ``Backend``: it reads the CIB, computes
an ``paceline.admin.Edit`` with the pure functions, and hands the edit to
the backend. ``FileBackend`` works on a CIB file (``--cib FILE``): the new
CIB is written atomically with its digest, only when it changed. The live
path (through the node daemon's control socket, when ``--cib`` is not given)
is another ``Backend`` with the same two methods.
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


LiveFactory = Callable[[argparse.Namespace], Backend]
LIVE: list[LiveFactory] = []
"""The live backend's factory, registered by the module that talks to the node
daemon (``LIVE.append(factory)``); empty until then."""


def backend_for(args: argparse.Namespace) -> Backend:
    """``--cib FILE`` (or ``PACELINE_CIB``): that file; else the live cluster."""
    if getattr(args, "cib", None):
        return FileBackend(Path(args.cib))
    if LIVE:
        return LIVE[-1](args)
    raise ConfigError(
        "no running cluster to talk to (the live path is not built yet)",
        field="--cib",
        expected="--cib FILE to work on a CIB file",
    )


def report(out: Output, edit: Edit) -> None:
    """The tool's notices, one line each on stderr (crm_resource prints its
    warnings there); a no-op edit says so."""
    for note in edit.notes:
        out.info(note)
    if not edit.changed and not edit.notes:
        out.info("nothing to change")
