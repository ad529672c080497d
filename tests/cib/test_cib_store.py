"""The file store: atomic writes, digest verification, refused writes leave
the files byte-identical."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from cibtest import CORPUS

from paceline.cib.codec import decode_cib
from paceline.cib.model import Cib
from paceline.cib.store import read_cib, sig_path, write_cib
from paceline.cib.versions import bump_epoch, config_digest
from paceline.core.errors import ConfigError


@pytest.fixture
def cib() -> Cib:
    return decode_cib((CORPUS / "1360.xml").read_bytes())


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_write_then_read(tmp_path: Path, cib: Cib) -> None:
    path = tmp_path / "cib.xml"
    digest = write_cib(path, cib)
    assert digest == config_digest(cib.configuration)
    assert sig_path(path).read_text().strip() == digest
    assert read_cib(path) == cib
    assert sorted(snapshot(tmp_path)) == ["cib.xml", "cib.xml.sig"]  # no leftovers


def test_tampered_file_is_reported(tmp_path: Path, cib: Cib) -> None:
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    data = path.read_bytes()
    path.write_bytes(data.replace(b'value="false"', b'value="true"', 1))
    with pytest.raises(ConfigError) as info:
        read_cib(path)
    assert info.value.file == str(path)
    assert "does not match its digest" in str(info.value)
    assert read_cib(path, verify=False) != cib  # the edit is there, just not trusted


def test_reformatting_keeps_digest_valid(tmp_path: Path, cib: Cib) -> None:
    """The digest is over the configuration's canonical form, not the bytes."""
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    path.write_bytes(path.read_bytes().replace(b"\n  ", b"\n\t\t"))
    assert read_cib(path) == cib


def test_missing_digest(tmp_path: Path, cib: Cib) -> None:
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    sig_path(path).unlink()
    with pytest.raises(ConfigError, match=r"digest file .* is missing"):
        read_cib(path)
    assert read_cib(path, verify=False) == cib


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the CIB"):
        read_cib(tmp_path / "nope.xml")


@pytest.mark.parametrize("delta", [0, -1])
def test_stale_write_refused_and_files_untouched(tmp_path: Path, cib: Cib, delta: int) -> None:
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    before = snapshot(tmp_path)
    stale = replace(cib, num_updates=cib.num_updates + delta, dc_uuid="other")
    with pytest.raises(ConfigError, match="refusing to write CIB version"):
        write_cib(path, stale)
    assert snapshot(tmp_path) == before
    write_cib(path, stale, allow_older=True)
    assert read_cib(path) == stale


def test_newer_write_replaces(tmp_path: Path, cib: Cib) -> None:
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    newer = bump_epoch(replace(cib, configuration=replace(cib.configuration, tags=())))
    write_cib(path, newer)
    assert read_cib(path) == newer


def test_failure_before_rename_leaves_old_pair(
    tmp_path: Path, cib: Cib, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    before = snapshot(tmp_path)
    calls = 0
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the new cib.xml's data
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        write_cib(path, bump_epoch(cib))
    assert snapshot(tmp_path) == before
    assert read_cib(path) == cib


def test_crash_between_renames_reads_new(
    tmp_path: Path, cib: Cib, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    newer = bump_epoch(replace(cib, configuration=replace(cib.configuration, nodes=())))
    calls = 0
    real_replace = os.replace

    def crashing_replace(src: Path, dst: Path) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # cib.xml renamed, its digest not yet
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crashing_replace)
    with pytest.raises(KeyboardInterrupt):
        write_cib(path, newer)
    monkeypatch.undo()
    assert read_cib(path) == newer  # the pending digest vouches for it
    newest = bump_epoch(newer)
    write_cib(path, newest)
    assert read_cib(path) == newest
    assert sorted(snapshot(tmp_path)) == ["cib.xml", "cib.xml.sig"]


WRITER = textwrap.dedent(
    """
    import sys
    from dataclasses import replace
    from pathlib import Path
    from paceline.cib.codec import decode_cib
    from paceline.cib.store import write_cib
    from paceline.cib.model import NvSet
    path = Path(sys.argv[1])
    cib = decode_cib(Path(sys.argv[2]).read_bytes())
    epoch = int(sys.argv[3])
    print("ready", flush=True)
    while True:
        epoch += 1
        cfg = replace(cib.configuration, crm_config=(NvSet(f"s{epoch}"),))
        write_cib(path, replace(cib, configuration=cfg, epoch=epoch, num_updates=0))
    """
)


def test_kill_during_writes_leaves_a_whole_cib(tmp_path: Path, cib: Cib) -> None:
    """SIGKILL a process that rewrites the CIB in a loop: the file on disk is
    always a whole CIB whose digest verifies (old or new, never partial)."""
    path = tmp_path / "cib.xml"
    write_cib(path, replace(cib, epoch=1, num_updates=0))
    rng = random.Random(7)
    epoch = 1
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(CORPUS / "1360.xml"), str(epoch)],
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        try:
            proc.wait(timeout=rng.uniform(0.01, 0.15))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        now = read_cib(path)
        assert now.epoch >= epoch
        epoch = now.epoch


def test_damaged_file_refuses_write_unless_forced(tmp_path: Path, cib: Cib) -> None:
    """A CIB on disk that does not parse cannot be proven older: refuse."""
    path = tmp_path / "cib.xml"
    write_cib(path, cib)
    path.write_bytes(path.read_bytes()[:200])
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match="not well-formed"):
        write_cib(path, bump_epoch(cib))
    assert snapshot(tmp_path) == before
    write_cib(path, bump_epoch(cib), allow_older=True)
    assert read_cib(path) == bump_epoch(cib)
