"""``paceline keygen``: a key file the frame layer accepts, mode 0400."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from paceline.core.keys import Keyring


def test_keygen_writes_a_usable_authkey(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "authkey"
    out = subprocess.run(
        [sys.executable, "-m", "paceline.cli.main", "keygen", "-k", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Gathering 2048 bits for key from /dev/urandom." in out.stdout
    assert f"Writing corosync key to {path}." in out.stdout
    data = path.read_bytes()
    assert len(data) == 256
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    Keyring.from_authkey(data, file=str(path))


def test_keygen_refuses_bad_size(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "paceline.cli.main", "keygen", "-k", str(tmp_path / "k"), "-s", "16"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 1 and "key size 16 out of range" in out.stderr
    assert not (tmp_path / "k").exists()
