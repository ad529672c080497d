"""The CIB on disk: ``cib.xml`` and its digest ``cib.xml.sig`` (the only I/O of ``cib``).

Writing is atomic: both files are first written in full to temporary files
in the same directory and fsynced, then ``cib.xml`` is renamed over the old
one, then ``cib.xml.sig``, and the directory is fsynced. A crash leaves either
the old pair, or the new ``cib.xml`` with the new digest still pending in
``.cib.xml.sig.new`` (reading accepts that, and the next write tidies up), or
the new pair; never a partial ``cib.xml``.

A write of a version that is not newer than the one on disk is refused
(``ConfigError``) and leaves the files untouched, unless ``allow_older``; so
is a write over a file that does not parse (its version is unknown). The
store assumes one writer (the node daemon); it takes no lock. Reading
verifies the digest and says clearly when it does not match, and how to
recover. A symbolic link is followed: the file it points to is read and
written (its digest beside it), the link stays a link. Every failure of the
file system (a directory that is not writable, a full disk) leaves the
old pair and raises the ``OSError`` (the CLI turns it into one line).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model.cib import Cib
from paceline.cib.versions import config_digest
from paceline.core.errors import ConfigError

SIG_SUFFIX = ".sig"
MAX_BYTES = 64 * 1024 * 1024
"""The largest CIB (or crm text) read by default: Pacemaker's own CIBs stay far below."""
PENDING_SUFFIX = ".new"


def sig_path(path: Path) -> Path:
    return path.with_name(path.name + SIG_SUFFIX)


def resolve(path: Path) -> Path:
    """The file ``path`` names, through symbolic links (itself when it is none)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _pending(path: Path) -> Path:
    return path.with_name("." + path.name + PENDING_SUFFIX)


def read_bounded(
    source: Path | BinaryIO, *, name: str, max_bytes: int = MAX_BYTES, what: str = "input"
) -> bytes:
    """All of ``source`` (a file, or an open stream such as stdin), refused with a
    ``ConfigError`` beyond ``max_bytes`` (``/dev/zero`` never ends)."""
    try:
        if isinstance(source, Path):
            with source.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        else:
            data = source.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the {what}: {exc.strerror or exc}", file=name) from None
    if len(data) > max_bytes:
        raise ConfigError(
            f"the {what} is larger than {max_bytes} bytes",
            file=name,
            expected="a smaller file (or raise the limit: PACELINE_MAX_INPUT=BYTES)",
        )
    return data


def read_cib(path: Path, *, verify: bool = True, max_bytes: int = MAX_BYTES) -> Cib:
    """Read ``path``; with ``verify`` its digest file must exist and match."""
    path = resolve(path)
    data = read_bounded(path, name=str(path), max_bytes=max_bytes, what="CIB")
    cib = decode_cib(data, file=str(path))
    if verify:
        _verify(path, cib)
    return cib


def _read_sig(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the digest file: {exc}", file=str(path)) from None


def _verify(path: Path, cib: Cib) -> None:
    actual = config_digest(cib.configuration)
    sig = sig_path(path)
    recorded = _read_sig(sig)
    if recorded == actual:
        return
    if _read_sig(_pending(sig)) == actual:
        return  # a write was interrupted between its two renames
    if recorded is None:
        raise ConfigError(
            f"the digest file {sig} is missing",
            file=str(path),
            expected="a digest file written with the CIB (or read it without verifying)",
        )
    raise ConfigError(
        f"the configuration does not match its digest in {sig}: the file was changed "
        "outside Paceline or is damaged; check it with 'paceline verify -x FILE', then "
        "re-sign it with 'paceline configure --force commit' or replace it with "
        "'paceline configure --force load replace FILE'",
        file=str(path),
        text=actual[:16],
        expected=f"digest {recorded[:16]}...",
    )


def write_cib(path: Path, cib: Cib, *, allow_older: bool = False) -> str:
    """Write ``cib`` and its digest atomically; returns the digest.

    Refuses (``ConfigError``, files untouched) when the file on disk holds a
    version at least as new, unless ``allow_older``; an ``OSError`` (permissions,
    a full disk) leaves them untouched too.
    """
    path = resolve(path)
    current: Cib | None = None
    if path.exists():
        try:
            current = read_cib(path, verify=False)
        except ConfigError:
            if not allow_older:
                raise  # a damaged file cannot be proven older
    if current is not None:
        _finish_interrupted(path, current)
    if not allow_older and current is not None:
        if current.version >= cib.version:
            raise ConfigError(
                f"refusing to write CIB version {cib.version}: the file has {current.version}",
                file=str(path),
                expected=f"a version newer than {current.version}",
            )
    data = encode_cib(cib)
    digest = config_digest(cib.configuration)
    sig = sig_path(path)
    tmp_cib = _pending(path)
    tmp_sig = _pending(sig)
    try:
        _write_synced(tmp_sig, (digest + "\n").encode("ascii"))
        _write_synced(tmp_cib, data)
        os.replace(tmp_cib, path)
    except BaseException:
        for leftover in (tmp_cib, tmp_sig):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise
    # From here on the new cib.xml is in place; its digest is pending in
    # tmp_sig until this rename (read_cib accepts it meanwhile).
    os.replace(tmp_sig, sig)
    _fsync_dir(path.parent)
    return digest


def _finish_interrupted(path: Path, current: Cib) -> None:
    """A write killed between its two renames left the file's digest pending:
    put it in place before this write replaces the pending one (else a kill
    early in this write would leave a file that matches neither digest)."""
    sig = sig_path(path)
    pending = _pending(sig)
    recorded = _read_sig(pending)
    if recorded is not None and recorded == config_digest(current.configuration):
        os.replace(pending, sig)
        _fsync_dir(path.parent)


def _write_synced(path: Path, data: bytes) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # left by an interrupted write
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
