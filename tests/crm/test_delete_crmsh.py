"""Cascading deletes do what ``crm configure delete`` does (crmsh 4.4, offline CIB)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from show_compare import compare

from paceline.cib.model import Cib
from paceline.crm import delete, load, rename, select, show

BASE = Path(__file__).resolve().parent / "data" / "delete-base.crm"


def crm(cib_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CIB_file": str(cib_file), "TERM": "dumb"}
    return subprocess.run(["crm", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.crmsh
@pytest.mark.parametrize("victim", ["cl", "db", "g", "db2", "vip"])
def test_cascade_matches_crmsh(tmp_path: Path, victim: str) -> None:
    if shutil.which("crm") is None or shutil.which("cibadmin") is None:
        pytest.skip("crmsh/pacemaker-cli-utils not installed")
    cib_file = tmp_path / "cib.xml"
    cib_file.write_text(
        subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout
    )
    script = tmp_path / "in.crm"
    script.write_text("configure\n" + BASE.read_text() + "commit\n")
    crm(cib_file, "-f", str(script))
    crm(cib_file, "configure", "delete", victim)
    theirs = crm(cib_file, "configure", "show").stdout
    assert "primitive web" in theirs, "crmsh did not load the base configuration"
    cib, _ = load(Cib(), BASE.read_text())
    ours, _ = delete(cib, [victim], cascade=True)
    result = compare(show(ours), theirs)
    assert result.equal, f"\n{result.theirs}\n---\n{result.ours}"


@pytest.mark.crmsh
@pytest.mark.parametrize(
    ("old", "new"), [("cl", "clx"), ("db", "dbx"), ("g", "gx"), ("vip", "vipx")]
)
def test_rename_matches_crmsh(tmp_path: Path, old: str, new: str) -> None:
    """Same result as ``crm configure rename``, except that tags follow the rename
    (crmsh 4.4 leaves a tag naming the old id, which no longer exists)."""
    if shutil.which("crm") is None or shutil.which("cibadmin") is None:
        pytest.skip("crmsh/pacemaker-cli-utils not installed")
    cib_file = tmp_path / "cib.xml"
    cib_file.write_text(
        subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout
    )
    script = tmp_path / "in.crm"
    script.write_text("configure\n" + BASE.read_text() + "commit\n")
    crm(cib_file, "-f", str(script))
    crm(cib_file, "configure", "rename", old, new)
    theirs = crm(cib_file, "configure", "show").stdout
    assert f" {new}" in theirs, "crmsh did not rename"
    theirs = re.sub(rf"^(tag .*) {old}\b", rf"\1 {new}", theirs, flags=re.M)
    cib, _ = load(Cib(), BASE.read_text())
    ours, notices = rename(cib, old, new)
    result = compare(show(ours), theirs)
    assert result.equal, f"\n{result.theirs}\n---\n{result.ours}"
    assert all(n.what.endswith(f"now names {new}") for n in notices)


@pytest.mark.crmsh
def test_show_filters_match_crmsh(tmp_path: Path) -> None:
    if shutil.which("crm") is None or shutil.which("cibadmin") is None:
        pytest.skip("crmsh/pacemaker-cli-utils not installed")
    cib_file = tmp_path / "cib.xml"
    cib_file.write_text(
        subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout
    )
    script = tmp_path / "in.crm"
    script.write_text("configure\n" + BASE.read_text() + "commit\n")
    crm(cib_file, "-f", str(script))
    cib, _ = load(Cib(), BASE.read_text())
    for filters in (
        ["related:cl"],
        ["related:db"],
        ["tag:t"],
        ["type:primitive", "and", "v*"],
        ["related:lsb:mariadb"],
    ):
        theirs = crm(cib_file, "configure", "show", *filters).stdout
        assert theirs.strip(), filters
        result = compare(show(cib, select(cib, filters)), theirs)
        assert result.equal, f"{filters}\n{result.theirs}\n---\n{result.ours}"
