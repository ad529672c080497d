"""Running Debian's ``crm_mon -1`` and ``paceline status`` on a corpus CIB, and
comparing them with the time stamps masked (shared by the comparison test and
by anyone refreshing its allowance list)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

from paceline.cib.codec import decode_cib
from paceline.monitor import TextOptions, render_text, snapshot

CRM_MON = shutil.which("crm_mon") or "/usr/sbin/crm_mon"
_LAST_UPDATED = re.compile(r"^(  \* Last updated:).*$", re.M)


def mask(text: str) -> str:
    """``Last updated`` is the clock of the run; ``Last change`` is the file's
    own ``cib-last-written`` text and stays."""
    return _LAST_UPDATED.sub(r"\1 <masked>", text)


def crm_mon(path: Path, *, inactive: bool = False) -> str:
    env = dict(os.environ, CIB_file=str(path), TZ="UTC", LC_ALL="C")
    argv = [CRM_MON, "-1"] + (["-r"] if inactive else [])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    return done.stdout


def ours(path: Path, *, inactive: bool = False) -> str:
    cib = decode_cib(path.read_bytes(), file=str(path))
    return render_text(snapshot(cib, 0), TextOptions(inactive=inactive, tz=UTC))


def first_difference(want: str, got: str) -> str:
    w, g = want.splitlines(), got.splitlines()
    for i, (a, b) in enumerate(zip(w, g, strict=False)):
        if a != b:
            return f"line {i + 1}: crm_mon {a!r} / ours {b!r}"
    return f"length: crm_mon {len(w)} lines / ours {len(g)} lines"
