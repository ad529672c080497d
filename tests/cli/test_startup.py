"""Start-up: a command imports only what it needs (issue 10; the figures are
in ``bench/bench_cli.py``). Checked by the modules a real run has loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_configure_cli import SEED, paceline

HEAVY = ("prompt_toolkit", "rich", "paceline.crm.verify", "paceline.lab", "paceline.cli.shell")


def loaded_after(*argv: str) -> list[str]:
    """The heavy modules loaded by ``paceline ARGV`` run in a fresh interpreter."""
    code = (
        "import sys, json\n"
        "from paceline.cli.main import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_configure_show_loads_no_shell_no_rich_no_verify(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    assert paceline(cib, "configure", "load", "replace", str(SEED)).code == 0
    assert loaded_after("--cib", str(cib), "configure", "show") == []


def test_version_loads_no_verb(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom paceline.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('paceline.c')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "paceline.cli.configure" not in done.stdout
    assert "paceline.cib" not in done.stdout
