"""The simulator and the kernel stay pure at run time, not only in their own imports.

``tests/test_import_boundary.py`` reads our modules' import statements; this test
also catches a forbidden module pulled in transitively (by a dependency or a
helper), by running a whole simulation in a fresh interpreter and looking at
what got loaded. (``time`` is left out: the standard library loads it itself;
the static check keeps our code from using it.)
"""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN_AT_RUN_TIME = [
    "asyncio",
    "socket",
    "threading",
    "subprocess",
    "selectors",
    "signal",
    "multiprocessing",
]

PROGRAM = f"""
import json, sys
import paceline.core.frame, paceline.core.keys, paceline.core.replay, paceline.core.versions
from paceline.sim.scenario import SCENARIOS, run
assert run(3, SCENARIOS["chaos"]).ok
print(json.dumps(sorted(m for m in {FORBIDDEN_AT_RUN_TIME!r} if m in sys.modules)))
"""


def test_a_whole_simulation_loads_no_io_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_the_check_can_fail() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import asyncio\n" + PROGRAM],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "asyncio" in json.loads(out)
