"""End to end with Debian's Pacemaker: the XML that ``paceline configure show xml``
prints for the reference configuration passes ``crm_verify -x`` with no error,
and ``examples/demo.sh`` runs through and says so."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_configure_cli import PACELINE, REPO, SEED, paceline

pytestmark = [
    pytest.mark.crmsh,
    pytest.mark.skipif(shutil.which("crm_verify") is None, reason="crm_verify not installed"),
]


def test_seed_xml_passes_crm_verify(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    assert paceline(cib, "configure", "load", "replace", str(SEED)).code == 0
    shown = tmp_path / "shown.xml"
    shown.write_text(paceline(cib, "configure", "show", "xml").out)
    result = subprocess.run(
        ["crm_verify", "-V", "-x", str(shown)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower()
    # and our verdict is the same: valid (advice only)
    assert paceline(cib, "verify").code == 0


def test_demo_runs_and_checks_with_crm_verify() -> None:
    result = subprocess.run(
        ["bash", str(REPO / "examples" / "demo.sh")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PACELINE": str(PACELINE)},
    )
    assert result.returncode == 0, result.stderr
    for heading in (
        "what was migrated",
        "paceline configure show ====",
        "paceline configure show xml",
        "paceline verify -V",
        "crm_verify -x",
    ):
        assert heading in result.stdout
    assert "lsb:mysql replaced by lsb:mariadb" in result.stdout
    assert "crm_verify (Pacemaker 2.1.5): no errors" in result.stdout
