"""Shadow CIBs, as crmsh and Pacemaker's ``crm_shadow`` have them.

A shadow is a copy of the CIB kept beside it, ``shadow.NAME`` in the CIB's
directory (Pacemaker's ``/var/lib/pacemaker/cib/shadow.NAME``; ``CIB_shadow_dir``
moves them, as for crm_shadow). A user stages a change in a shadow, simulates
it (``paceline simulate --shadow NAME``), and commits it to the live CIB when
it looks right:

    paceline configure cib new NAME [--empty] [--force]   copy the CIB (and use it)
    paceline configure cib use [NAME|live]                later commands act on it
    paceline configure cib commit [NAME] [--force]        the shadow's configuration goes live
    paceline configure cib delete NAME
    paceline configure cib list
    paceline configure cib diff [NAME]                    live against the shadow, as crm text

Which CIB ``configure`` works on: the shadow named by ``CIB_shadow`` (crmsh's
environment variable) if set, else the one chosen by ``cib use`` (remembered
in ``shadow-in-use`` in that directory, so one-shot commands see it too), else
the live CIB. A commit to the live CIB goes the way every configure commit goes
(through the DC when the node daemon runs) and is refused when the live CIB
changed since the shadow was made (``shadow.NAME.base`` keeps that version):
``--force`` commits over it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from paceline.cib.model import Cib, CibVersion
from paceline.cib.store import resolve, sig_path, write_cib
from paceline.cib.versions import parse_version
from paceline.cli.session import Session
from paceline.core.errors import ConfigError, PacelineError

if TYPE_CHECKING:
    from paceline.cli.commands import Interpreter

__all__ = ["ENV", "ShadowDesk", "ShadowError", "Shadows", "run_cib", "shadow_file"]

ENV = "CIB_shadow"
DIR_ENV = "CIB_shadow_dir"
_IN_USE = "shadow-in-use"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class ShadowError(PacelineError):
    """A shadow command that cannot be done (nothing was changed)."""


@dataclass(frozen=True)
class Shadows:
    """The shadows of one CIB file ``live`` (the file the offline CLI names, or
    the node's replica when the daemon runs)."""

    live: Path
    directory: Path

    @classmethod
    def of(cls, live: Path, environ: dict[str, str] | None = None) -> Shadows:
        env = os.environ if environ is None else environ
        directory = env.get(DIR_ENV) or str(resolve(live).parent)
        return cls(live, Path(directory))

    # ---------------------------------------------------------------- names

    def path(self, name: str) -> Path:
        return self.directory / f"shadow.{_checked(name)}"

    def _base_path(self, name: str) -> Path:
        return self.directory / f"shadow.{_checked(name)}.base"

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def existing(self, name: str) -> Path:
        """The file of shadow ``name``; a clear error when there is none."""
        path = self.path(name)
        if not path.exists():
            known = self.names()
            hint = f" (shadows: {', '.join(known)})" if known else " (there are none)"
            raise ShadowError(
                f"no shadow CIB {name!r} in {self.directory}{hint}; "
                f"make it with 'paceline configure cib new {name}'"
            )
        return path

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        found = []
        for entry in self.directory.iterdir():
            name = entry.name.removeprefix("shadow.")
            if (
                name != entry.name
                and _NAME.fullmatch(name)
                and not name.endswith((".base", ".sig"))
            ):
                found.append(name)
        return sorted(found)

    # ---------------------------------------------------------------- in use

    def in_use(self, environ: dict[str, str] | None = None) -> str | None:
        """The shadow later commands act on: ``CIB_shadow``, else ``cib use``'s choice."""
        env = os.environ if environ is None else environ
        name = env.get(ENV)
        if name:
            return _checked(name)
        marker = self.directory / _IN_USE
        try:
            chosen = marker.read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return _checked(chosen) if chosen else None

    def use(self, name: str | None) -> None:
        """Later commands act on shadow ``name`` (None or ``live``: the live CIB)."""
        marker = self.directory / _IN_USE
        if name is None or name == "live":
            marker.unlink(missing_ok=True)
            return
        self.existing(name)
        _write_text(marker, name + "\n")

    # ---------------------------------------------------------------- verbs

    def new(self, name: str, current: Cib, *, empty: bool = False, force: bool = False) -> Path:
        """Shadow ``name``: a copy of ``current`` (the live CIB), or an empty
        configuration; an existing one is replaced only with ``force``."""
        path = self.path(name)
        if path.exists() and not force:
            raise ShadowError(
                f"shadow CIB {name!r} exists ({path}); use --force to replace it, "
                f"or 'paceline configure cib delete {name}'"
            )
        shadow = Cib(admin_epoch=current.admin_epoch, epoch=current.epoch) if empty else current
        self._drop(name)
        self.directory.mkdir(parents=True, exist_ok=True)
        _write(path, shadow)
        _write_text(self._base_path(name), f"{current.version}\n")
        return path

    def base(self, name: str) -> CibVersion | None:
        """The version of the live CIB the shadow was made from."""
        try:
            return parse_version(self._base_path(name).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def delete(self, name: str, environ: dict[str, str] | None = None) -> None:
        self.existing(name)
        if self.in_use(environ) == name:
            raise ShadowError(
                f"shadow CIB {name!r} is in use; 'paceline configure cib use live' first"
            )
        self._drop(name)

    def _drop(self, name: str) -> None:
        path = self.path(name)
        for leftover in (path, sig_path(path), self._base_path(name)):
            leftover.unlink(missing_ok=True)

    def check_base(self, name: str, live: Cib, *, force: bool = False) -> None:
        """Refuse (``ShadowError``) a commit of ``name`` over a live CIB that
        changed since the shadow was made, unless ``force``."""
        base = self.base(name)
        # the configuration's version: num_updates counts status changes, which a
        # running cluster makes all the time and which a commit does not replace
        now = live.version
        if force or base is None or (base.admin_epoch, base.epoch) == (now.admin_epoch, now.epoch):
            return
        raise ShadowError(
            f"commit of shadow {name!r} refused: the live CIB changed since the shadow "
            f"was made (version {base}, now {live.version}); see 'paceline configure cib "
            f"diff {name}', then commit with --force, or make the shadow again"
        )

    def committed(self, name: str, live: Cib) -> None:
        """The shadow now matches the live CIB ``live`` (after its commit)."""
        _write_text(self._base_path(name), f"{live.version}\n")


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ShadowError(
            f"bad shadow CIB name {name!r}: letters, digits, '_', '.' and '-', "
            "starting with a letter or digit"
        )
    return name


def _write(path: Path, cib: Cib) -> None:
    try:
        write_cib(path, cib, allow_older=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the shadow CIB: {exc.strerror or exc}", file=str(path)
        ) from None


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ConfigError(
            f"cannot write {path.name}: {exc.strerror or exc}", file=str(path)
        ) from None


def shadow_file(args: argparse.Namespace, name: str | None = None) -> Path | None:
    """The file of shadow ``name`` of the CIB the command line names (``--cib``,
    ``--root``), else of the shadow in use; None when there is none in use."""
    from paceline.cli.paths import cib_path

    shadows = Shadows.of(cib_path(args))
    name = name or shadows.in_use()
    return None if name is None else shadows.existing(name)


# -------------------------------------------------------------------- the command

USAGE = "cib new NAME [--empty] [--force]|use [NAME|live]|commit [NAME] [--force]|delete NAME|list|diff [NAME]"


@dataclass
class ShadowDesk:
    """What the ``cib`` command needs beyond the session: the shadows of the
    live CIB and how to open a session on the live CIB (with its committer)."""

    shadows: Shadows
    open_live: Callable[[], Session]
    open_file: Callable[[Path], Session]
    environ: dict[str, str] | None = None

    def session_for(self, name: str | None) -> Session:
        if name is None:
            return self.open_live()
        return self.open_file(self.shadows.existing(name))


def run_cib(interp: Interpreter, desk: ShadowDesk, args: list[str]) -> None:
    """``cib VERB ...`` in the configure shell or as a one-shot command."""
    flags = {a.lstrip("-") for a in args if a.startswith("-") or a in ("empty", "force")}
    words = [a for a in args if not a.startswith("-") and a not in ("empty", "force")]
    unknown = flags - {"empty", "force", "withstatus"}
    if not words or unknown:
        raise ShadowError(f"usage: {USAGE}")
    verb, names = words[0], words[1:]
    force = "force" in flags
    shadows, out = desk.shadows, interp.out
    if len(names) > 1 or (verb in ("new", "delete") and not names):
        raise ShadowError(f"usage: {USAGE}")
    name = names[0] if names else None
    if verb == "list":
        current = shadows.in_use(desk.environ)
        for known in shadows.names():
            out.line(f"{known}{' (in use)' if known == current else ''}")
        return
    if verb == "diff":
        _diff(interp, desk, name)
        return
    if verb == "delete":
        assert name is not None
        shadows.delete(name, desk.environ)
        out.info(f"shadow CIB {name} deleted")
        return
    if verb in ("new", "use"):
        _switch(interp, desk, verb, name, empty="empty" in flags, force=force)
        return
    if verb == "commit":
        _commit(interp, desk, name, force=force)
        return
    raise ShadowError(f"unknown cib command {verb!r} (new, use, commit, delete, list or diff)")


def _no_pending(interp: Interpreter, doing: str) -> None:
    if interp.session.dirty:
        raise ShadowError(
            f"cannot {doing} with uncommitted changes to {interp.session.path.name}; "
            "commit or refresh them first"
        )


def _switch(
    interp: Interpreter, desk: ShadowDesk, verb: str, name: str | None, *, empty: bool, force: bool
) -> None:
    shadows = desk.shadows
    target = None if name == "live" else name
    _no_pending(interp, f"{verb} a shadow CIB")
    if verb == "new":
        assert target is not None
        live = desk.open_live().committed or Cib()
        shadows.new(target, live, empty=empty, force=force)
        what = "an empty configuration" if empty else f"a copy of the live CIB ({live.version})"
        interp.out.info(f"shadow CIB {target} created: {what}")
    shadows.use(target)
    interp.session = desk.session_for(target)
    env = os.environ if desk.environ is None else desk.environ
    if env.get(ENV) and env[ENV] != target:
        interp.out.line(
            f"warning: {ENV}={env[ENV]} is set: it wins over 'cib use' for later commands",
            "yellow",
        )
    where = "the live CIB" if target is None else f"shadow CIB {target}"
    interp.out.info(f"configure now acts on {where}")


def _commit(interp: Interpreter, desk: ShadowDesk, name: str | None, *, force: bool) -> None:
    shadows = desk.shadows
    name = name or shadows.in_use(desk.environ)
    if name is None:
        raise ShadowError("no shadow CIB in use: say which one ('cib commit NAME')")
    path = shadows.existing(name)
    if interp.session.path == path:
        _no_pending(interp, "commit the shadow CIB")
    shadow = desk.open_file(path).staged
    live = desk.open_live()
    shadows.check_base(name, live.committed or Cib(), force=force)
    live.staged = replace(live.staged, configuration=shadow.configuration)
    if not live.dirty:
        interp.out.info(f"commit: shadow CIB {name} is the same as the live CIB")
        shadows.committed(name, live.committed or Cib())
        return
    cib = live.commit()
    shadows.committed(name, cib)
    interp.out.info(f"shadow CIB {name} committed to the live CIB (epoch {cib.epoch})")


def _diff(interp: Interpreter, desk: ShadowDesk, name: str | None) -> None:
    import difflib

    from paceline import crm

    name = name or desk.shadows.in_use(desk.environ)
    if name is None:
        raise ShadowError("no shadow CIB in use: say which one ('cib diff NAME')")
    shadow = desk.open_file(desk.shadows.existing(name)).staged
    live = desk.open_live().staged
    lines = difflib.unified_diff(
        crm.show(live, obscure=()).splitlines(),
        crm.show(shadow, obscure=()).splitlines(),
        "live",
        f"shadow.{name}",
        lineterm="",
    )
    text = "\n".join(lines)
    interp.out.line(text if text else f"shadow CIB {name} is the same as the live CIB")
