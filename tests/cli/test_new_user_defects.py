"""Issue 10's defects found by using the CLI as a new user would: real runs of
``.venv/bin/paceline`` on real files. Each failure is one error line, exit 1,
and the CIB file byte-identical."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_configure_cli import PACELINE, SEED, Run, assert_one_line_error, paceline

ROOT = os.geteuid() == 0


def snapshot(cib: Path) -> tuple[bytes, bytes]:
    return cib.read_bytes(), Path(str(cib) + ".sig").read_bytes()


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "load", "replace", str(SEED))
    assert run.code == 0, run.err
    return cib


# ----------------------------------------------------------- control characters


@pytest.mark.parametrize(
    "args",
    [
        ("primitive", "p1", "ocf:heartbeat:Dummy", "params", "state=a\x01b"),
        ("primitive", "p1", "ocf:heartbeat:Dummy", "meta", "description=x\x1fy"),
    ],
)
def test_control_character_in_a_parameter_is_an_error(seeded: Path, args: tuple[str]) -> None:
    before = snapshot(seeded)
    run = paceline(seeded, "configure", *args)
    assert_one_line_error(run, "control character", "cannot be stored in a CIB")
    assert snapshot(seeded) == before


def test_nul_in_crm_text_is_an_error_with_its_line_and_column(seeded: Path, tmp_path: Path) -> None:
    text = tmp_path / "bad.crm"
    text.write_bytes(b"primitive p1 ocf:heartbeat:Dummy\nprimitive p2 ocf:heartbeat:Du\x00mmy\n")
    before = snapshot(seeded)
    run = paceline(seeded, "configure", "load", "update", str(text))
    assert_one_line_error(run, f"{text}:2:30:", "U+0000")
    assert snapshot(seeded) == before


def test_utf8_bom_is_not_an_unknown_statement(tmp_path: Path) -> None:
    text = tmp_path / "bom.crm"
    text.write_bytes(b"\xef\xbb\xbfprimitive p1 ocf:heartbeat:Dummy\n")
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "load", "replace", str(text))
    assert run.code == 0, run.err
    assert "primitive p1 " in paceline(cib, "configure", "show").out


# ----------------------------------------------------------- the file system


@pytest.mark.skipif(not shutil.which("setpriv"), reason="needs setpriv")
def test_cib_directory_not_writable(tmp_path: Path) -> None:
    """The directory belongs to nobody; we run without the capability that lets
    root write anywhere (as a non-root user we would simply lack the permission)."""
    directory = tmp_path / "cibdir"
    directory.mkdir()
    cib = directory / "cib.xml"
    assert paceline(cib, "configure", "load", "replace", str(SEED)).code == 0
    directory.chmod(0o755)
    if ROOT:
        os.chown(directory, 65534, 65534)
    else:
        directory.chmod(0o555)
    before = snapshot(cib)
    drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override"] if ROOT else []
    result = subprocess.run(
        [
            *drop,
            str(PACELINE),
            "--cib",
            str(cib),
            "configure",
            "primitive",
            "p9",
            "ocf:heartbeat:Dummy",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    run = Run(result.returncode, result.stdout, result.stderr)
    assert_one_line_error(run, "cannot write the CIB", "Permission denied")
    assert snapshot(cib) == before
    assert sorted(p.name for p in directory.iterdir()) == ["cib.xml", "cib.xml.sig"]


@pytest.mark.skipif(not ROOT or not shutil.which("unshare"), reason="needs root to mount")
def test_full_disk(tmp_path: Path) -> None:
    """A real full file system: a 256 KiB tmpfs in a private mount namespace."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = f"""
set -e
mount -t tmpfs -o size=256k paceline-cli-enospc {mnt}
{PACELINE} --cib {mnt}/cib.xml configure load replace {SEED}
cp {mnt}/cib.xml {tmp_path}/before.xml
cp {mnt}/cib.xml.sig {tmp_path}/before.sig
dd if=/dev/zero of={mnt}/filler bs=4k 2>/dev/null || true
set +e
{PACELINE} --cib {mnt}/cib.xml configure primitive p9 ocf:heartbeat:Dummy 2>{tmp_path}/err
echo $? >{tmp_path}/rc
cmp {mnt}/cib.xml {tmp_path}/before.xml && cmp {mnt}/cib.xml.sig {tmp_path}/before.sig \
  && echo same >{tmp_path}/same
ls -A {mnt} >{tmp_path}/files
"""
    subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        check=True,
        timeout=120,
    )
    run = Run(int((tmp_path / "rc").read_text()), "", (tmp_path / "err").read_text())
    assert_one_line_error(run, "cannot write the CIB", "No space left on device")
    assert (tmp_path / "same").exists()
    assert (tmp_path / "files").read_text().split() == ["cib.xml", "cib.xml.sig", "filler"]


def test_symlinked_cib_is_written_through_the_link(seeded: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.xml"
    link.symlink_to(seeded)
    run = paceline(link, "configure", "primitive", "p9", "ocf:heartbeat:Dummy")
    assert run.code == 0, run.err
    assert link.is_symlink()
    assert "primitive p9" in paceline(seeded, "configure", "show").out
    assert "primitive p9" in paceline(link, "configure", "show").out


def test_hand_edited_cib_says_how_to_recover(seeded: Path) -> None:
    seeded.write_text(seeded.read_text().replace('value="100"', 'value="200"'))
    run = paceline(seeded, "configure", "show")
    assert_one_line_error(run, "does not match its digest", "--force commit", "verify")
    run = paceline(seeded, "configure", "--force", "commit")
    assert run.code == 0, run.err
    assert "resource-stickiness=200" in paceline(seeded, "configure", "show").out
    assert paceline(seeded, "verify").code in (0, 78)
    assert "digest" not in paceline(seeded, "verify").out


def test_typo_cib_path_is_not_silent(tmp_path: Path) -> None:
    # issue 10: a --cib in a directory that does not exist is an error naming it
    # (it was a warning and exit 0), for reading and for changing alike
    for command in (["show"], ["primitive", "d", "ocf:pacemaker:Dummy"], []):
        run = paceline(tmp_path / "typo" / "cib.xml", "configure", *command)
        assert_one_line_error(run, str(tmp_path / "typo" / "cib.xml"), "no such directory")
        assert not (tmp_path / "typo").exists()
    # a missing file in a directory that exists is a new, empty CIB
    run = paceline(tmp_path / "cib.xml", "configure", "show")
    assert run.code == 0 and run.err.startswith("paceline: warning: ")
    assert "no such CIB file" in run.err and str(tmp_path / "cib.xml") in run.err


# ----------------------------------------------------------- input limits


def test_load_of_an_endless_file_is_refused(seeded: Path) -> None:
    before = snapshot(seeded)
    run = paceline(seeded, "configure", "load", "update", "/dev/zero")
    assert_one_line_error(run, "/dev/zero", "larger than")
    assert snapshot(seeded) == before


def test_verify_of_an_endless_file_is_refused() -> None:
    result = subprocess.run(
        [str(PACELINE), "verify", "-x", "/dev/zero"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PACELINE_MAX_INPUT": "1000000"},
    )
    assert result.returncode == 78
    assert "larger than 1000000 bytes" in result.stdout


def test_limit_is_configurable_and_a_long_token_is_cut(seeded: Path, tmp_path: Path) -> None:
    big = tmp_path / "token.crm"
    big.write_text("x" * 2_000_000 + "\n")
    run = paceline(seeded, "configure", "load", "update", str(big))
    assert run.code == 1
    assert len(run.err) < 1000, run.err[:200]
    small = paceline(
        seeded, "configure", "load", "update", str(big), env={"PACELINE_MAX_INPUT": "1000"}
    )
    assert_one_line_error(small, "larger than 1000 bytes", "PACELINE_MAX_INPUT")
