"""``configure edit ID`` on the real CLI: an edit changes what the text
changed, nothing else (the group, clone and constraints around an edited
object stay, as in crmsh)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACELINE = REPO / ".venv" / "bin" / "paceline"
SEED = REPO / "examples" / "seed-cluster.crm"


def paceline(cib: Path, *args: str, editor: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACELINE_")}
    env.pop("VISUAL", None)
    if editor is not None:
        env["EDITOR"] = editor
    return subprocess.run(
        [str(PACELINE), "--cib", str(cib), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    cib = tmp_path / "cib.xml"
    run = paceline(cib, "configure", "load", "replace", str(SEED))
    assert run.returncode == 0, run.stderr
    return cib


def show(cib: Path) -> str:
    run = paceline(cib, "configure", "show")
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_edit_of_a_group_member_keeps_it_in_its_group(seeded: Path) -> None:
    before = show(seeded)
    run = paceline(seeded, "configure", "edit", "apache", editor="sed -i s/apache2/httpd/")
    assert run.returncode == 0, run.stderr
    after = show(seeded)
    assert "group webapp vip apache mysql" in after
    assert "primitive apache lsb:httpd" in after
    assert after == before.replace("lsb:apache2", "lsb:httpd")


def test_edit_of_a_cloned_primitive_keeps_the_clone_and_its_constraints(seeded: Path) -> None:
    before = show(seeded)
    assert 'interval="30s"' in before or "interval=30s" in before
    run = paceline(seeded, "configure", "edit", "drbd", editor="sed -i s/30s/20s/")
    assert run.returncode == 0, run.stderr
    after = show(seeded)
    assert after == before.replace("30s", "20s")
    for name in ("ms_drbd", "fs-w-drbd", "fs-aft-drbd"):
        assert name in after


def test_edit_that_drops_an_object_deletes_it_with_the_cascade(seeded: Path) -> None:
    run = paceline(seeded, "configure", "edit", "apache", editor="sed -i /apache/d")
    assert run.returncode == 0, run.stderr
    after = show(seeded)
    assert "primitive apache" not in after
    assert "group webapp vip mysql" in after
