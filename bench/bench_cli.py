"""CLI start-up: wall time of a few ``paceline`` commands against crmsh's
``crm configure show`` on the same CIB (``CIB_file``), as ratios.

Each command is a fresh process (best of a few rounds); ``python -c pass`` is
the floor any Python command pays. ``run()`` returns seconds and the ratio
``paceline / crm configure show``; nothing is asserted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACELINE = REPO / ".venv" / "bin" / "paceline"
SEED = REPO / "examples" / "seed-cluster.crm"


def _best(rounds: int, argv: list[str], env: dict[str, str]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=False, timeout=300)
        best = min(best, time.perf_counter() - start)
    return best


def run(rounds: int = 5) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PACELINE_", "CIB_"))}
    with tempfile.TemporaryDirectory(prefix="paceline-bench-cli-") as tmp:
        cib = Path(tmp) / "cib.xml"
        subprocess.run(
            [str(PACELINE), "--cib", str(cib), "configure", "load", "replace", str(SEED)],
            env=env,
            capture_output=True,
            check=True,
        )
        base = [str(PACELINE), "--cib", str(cib)]
        commands = {
            "paceline_version": [str(PACELINE), "--version"],
            "paceline_configure_show": [*base, "configure", "show"],
            "paceline_configure_help": [*base, "configure", "help", "primitive"],
            "paceline_verify": [*base, "verify"],
            "paceline_configure_property": [
                *base,
                "configure",
                "property",
                "no-quorum-policy=stop",
            ],
        }
        figures: dict[str, object] = {
            "rounds": rounds,
            "python_floor_s": round(_best(rounds, [sys.executable, "-c", "pass"], env), 4),
        }
        for name, argv in commands.items():
            figures[f"{name}_s"] = round(_best(rounds, argv, env), 4)
        crm = shutil.which("crm")
        if crm is None:
            figures["crm_configure_show_s"] = None
            return figures
        # crmsh reads the same CIB through CIB_file (its offline mode)
        crm_env = {**env, "CIB_file": str(cib)}
        reference = _best(rounds, [crm, "configure", "show"], crm_env)
        figures["crm_configure_show_s"] = round(reference, 4)
        for name in commands:
            seconds = figures[f"{name}_s"]
            assert isinstance(seconds, float)
            figures[f"ratio_{name}_over_crm"] = round(seconds / reference, 2)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
