"""The offline configure session: a CIB file, and the staged copy edits go to.

Edits (statements, load, delete, edit) replace ``staged`` with a new
immutable ``Cib`` and never touch the file; ``commit`` writes ``staged`` once,
atomically, through ``paceline.cib.store`` with the epoch bumped. A file that
does not exist yet reads as an empty configuration and is created by the
first commit only.

The crm language (``paceline.crm``) and the checks (``paceline.crm.verify``)
are pure; this module is where they meet the file system (the CIB file, the
installed agents and the filesystem types this host supports).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from lxml import etree

from paceline import crm
from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.codec.encode import configuration_to_element, object_element
from paceline.cib.model import Cib, Configuration
from paceline.cib.store import read_cib, resolve, sig_path, write_cib
from paceline.cib.versions import bump_epoch
from paceline.cli.limits import max_input
from paceline.core.errors import ConfigError
from paceline.crm.migrate import AgentExists, FilesystemSupported, Notice
from paceline.executor.agents import AgentCatalog
from paceline.executor.filesystems import FilesystemSupport

if TYPE_CHECKING:
    from paceline.crm.verify import Finding


def read_cib_file(path: Path, *, force: bool = False) -> Cib | None:
    """The CIB in ``path`` (None if there is no file). A file written by another
    tool has no digest file: it is read without verifying one; so is any file
    with ``force`` (the way out of a hand-edited CIB: the next commit re-signs it)."""
    if not path.exists():
        return None
    verify = not force and sig_path(resolve(path)).exists()
    return read_cib(path, verify=verify, max_bytes=max_input())


def digest_matches(path: Path) -> bool:
    """False when ``path`` has a digest file that its configuration does not match."""
    if not path.exists() or not sig_path(resolve(path)).exists():
        return True
    try:
        read_cib(path)
    except ConfigError:
        return False
    return True


# Characters XML 1.0 cannot hold: a CIB can never store them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
BOM = "\ufeff"


def check_text(text: str, *, file: str | None, line: int = 1) -> str:
    """``text`` without a leading byte order mark; a ``ConfigError`` at the first
    character no CIB can hold (a NUL, a control character)."""
    text = text.removeprefix(BOM)
    bad = _NOT_XML.search(text)
    if bad is None:
        return text
    before = text[: bad.start()]
    row = before.count("\n")
    column = bad.start() - (before.rfind("\n") + 1) + 1
    raise ConfigError(
        f"control character U+{ord(bad.group()):04X} cannot be stored in a CIB",
        file=file,
        line=line + row,
        column=column,
        expected="printable text (tabs and newlines are fine)",
    )


def looks_like_xml(text: str) -> bool:
    """crm text or CIB XML? Decided by content: XML starts with ``<``."""
    return text.lstrip().startswith("<")


class HostFacts(TypedDict):
    """The keyword arguments of ``crm.load`` and its kin that describe this host."""

    agent_exists: AgentExists
    filesystem_supported: FilesystemSupported | None


@dataclass
class Session:
    """A CIB file and its staged configuration."""

    path: Path
    agents: AgentCatalog
    committed: Cib | None = None
    staged: Cib = field(default_factory=Cib)
    filesystem_supported: FilesystemSupported | None = None
    """Which filesystem types this host supports (None: no parameter substitutions)."""
    unsigned: bool = False
    """The file's digest does not match it (opened with ``force``): commit re-signs it."""
    committer: Callable[[Cib, Cib], Cib] | None = None
    """Where ``commit`` sends the new CIB instead of writing the file: the live
    cluster (``cli.cluster.live_committer``: through the DC, refused when the
    base version is stale); it returns the CIB the cluster now has."""

    @classmethod
    def open(
        cls,
        path: Path,
        agents: AgentCatalog,
        filesystem_supported: FilesystemSupported | None = None,
        *,
        force: bool = False,
    ) -> Session:
        """The session on ``path``; ``filesystem_supported`` defaults to this host's
        answer (``executor.filesystems``), probed only when a load asks. With ``force``
        a CIB whose digest does not match is opened anyway (``unsigned``)."""
        current = read_cib_file(path, force=force)
        if filesystem_supported is None:
            filesystem_supported = FilesystemSupport().supported
        return cls(
            path,
            agents,
            current,
            current if current is not None else Cib(),
            filesystem_supported,
            unsigned=force and not digest_matches(path),
        )

    # ------------------------------------------------------------------ state

    @property
    def dirty(self) -> bool:
        base = self.committed if self.committed is not None else Cib()
        return self.staged.configuration != base.configuration

    def refresh(self) -> None:
        """Drop staged changes and re-read the file."""
        self.committed = read_cib_file(self.path)
        self.staged = self.committed if self.committed is not None else Cib()

    # ------------------------------------------------------------------ edits

    def _host(self) -> HostFacts:
        """What the migrations ask about this host, for every call that loads text."""
        return {
            "agent_exists": self.agents.exists,
            "filesystem_supported": self.filesystem_supported,
        }

    def apply(self, text: str, *, file: str | None = None, line: int = 1) -> list[Notice]:
        """One crm configure statement (keyword and arguments) onto the staged CIB;
        ``line`` is where it starts in ``file`` (errors and notices say so)."""
        text = check_text(text, file=file, line=line)
        try:
            cib, notices = crm.apply_statement(
                self.staged,
                text,
                file=file,
                **self._host(),
            )
        except ConfigError as exc:
            raise _shifted(exc, line - 1) from None
        self.staged = cib
        return [_shift_notice(n, line - 1) for n in notices]

    def load(self, mode: str, text: str, *, file: str) -> list[Notice]:
        """``load replace|update``: crm text or CIB XML, detected by content.

        Both go through the same migrations and substitutions, each reported
        as a notice (for XML, with what reading an older schema changed)."""
        text = check_text(text, file=file)
        if looks_like_xml(text):
            loaded = decode_cib(text.encode("utf-8"), file=file)
            cib, notices = crm.load_cib(
                self.staged,
                loaded,
                mode,
                file=file,
                **self._host(),
            )
            self.staged = cib
            return notices
        cib, notices = crm.load(
            self.staged,
            text,
            mode,
            file=file,
            **self._host(),
        )
        self.staged = cib
        return notices

    def delete(self, ids: list[str]) -> list[Notice]:
        cib, notices = crm.delete(self.staged, ids, cascade=True)
        self.staged = cib
        return notices

    def rename(self, old: str, new: str) -> list[Notice]:
        cib, notices = crm.rename(self.staged, old, new)
        self.staged = cib
        return notices

    def modgroup(
        self, group: str, action: str, rsc: str, position: str | None, anchor: str | None
    ) -> None:
        self.staged = crm.modgroup(
            self.staged, group, action, rsc, position=position, anchor=anchor
        )

    def erase(self, *, nodes: bool = False) -> None:
        """``erase [nodes]``: the whole configuration cleared but its nodes (as crm's),
        and with ``nodes`` those too."""
        kept = Configuration(nodes=() if nodes else self.staged.configuration.nodes)
        self.staged = replace(self.staged, configuration=kept)

    def replace_text(self, text: str, *, file: str) -> list[Notice]:
        """``edit``: the whole configuration becomes ``text``."""
        return self.load("replace", text, file=file)

    def edit_objects(self, ids: list[str], text: str, *, file: str) -> list[Notice]:
        """``edit ID...``: the objects ``ids`` become the statements in ``text``."""
        cib, notices = crm.edit_objects(
            self.staged,
            ids,
            text,
            file=file,
            **self._host(),
        )
        self.staged = cib
        return notices

    # ------------------------------------------------------------------ views

    def show(self, ids: list[str] | None = None, *, obscure: bool = True) -> str:
        if obscure:
            return crm.show(self.staged, ids or None)
        return crm.show(self.staged, ids or None, obscure=())

    def changed(self, since: Cib | None = None) -> list[str]:
        """Ids of the objects the staged changes add or modify (``show changed``),
        or that changed since the staged CIB was ``since``."""
        if since is None:
            since = self.committed if self.committed is not None else Cib()
        before = _objects(since)
        after = _objects(self.staged)
        return [ident for ident, text in after.items() if before.get(ident) != text]

    def show_xml(self, ids: list[str] | None = None) -> str:
        if not ids:
            return encode_cib(self.staged).decode("utf-8")
        return xml_elements(self.staged, ids)

    def verify(self) -> tuple[Finding, ...]:
        from paceline.crm.verify import verify

        return verify(self.staged, agent_exists=self.agents.exists)

    # ------------------------------------------------------------------ commit

    def commit(self) -> Cib:
        """Write the staged CIB (epoch + 1) atomically; it becomes the committed one."""
        if not self.dirty and self.committed is not None and not self.unsigned:
            return self.committed
        base = self.committed if self.committed is not None else Cib()
        new = bump_epoch(replace(self.staged, admin_epoch=base.admin_epoch, epoch=base.epoch))
        if self.committer is not None:
            self.committed = self.staged = self.committer(base, new)
            self.unsigned = False
            return self.committed
        try:
            resolve(self.path).parent.mkdir(parents=True, exist_ok=True)
            write_cib(self.path, new)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the CIB: {exc.strerror or exc}", file=str(self.path)
            ) from None
        self.committed = self.staged = new
        self.unsigned = False
        return new


def xml_elements(cib: Cib, ids: list[str]) -> str:
    """The configuration elements with these ids, as ``show xml ID...`` prints them.

    An object (``codec.object_element``) is encoded alone; an id of an element
    inside one (an op, a rule) is looked for in the encoded configuration."""
    parts: list[str] = []
    whole: etree._Element | None = None
    for ident in ids:
        element = object_element(cib.configuration, ident)
        if element is None:
            if whole is None:
                whole = configuration_to_element(cib.configuration)
            element = _inner_element(whole, ident)
        element.tail = None
        etree.indent(element)
        parts.append(etree.tostring(element, encoding="unicode") + "\n")
    return "".join(parts)


def _inner_element(configuration: etree._Element, ident: str) -> etree._Element:
    matches = configuration.xpath(".//*[@id=$ident]", ident=ident)
    found = (
        [n for n in matches if isinstance(n, etree._Element)] if isinstance(matches, list) else []
    )
    if not found:
        raise ConfigError(f"no such object: {ident}", text=ident)
    return copy.deepcopy(found[0])


def _shifted(exc: ConfigError, lines: int) -> ConfigError:
    if not lines or exc.line is None:
        return exc
    return ConfigError(
        exc.message,
        file=exc.file,
        line=exc.line + lines,
        column=exc.column,
        field=exc.field,
        text=exc.text,
        expected=exc.expected,
    )


def _shift_notice(notice: Notice, lines: int) -> Notice:
    if not lines or notice.line is None:
        return notice
    return replace(notice, line=notice.line + lines)


def _objects(cib: Cib) -> dict[str, str]:
    """Each object's crm text, by id (one printing pass for all of them)."""
    return dict(crm.show_objects(cib, obscure=()))
