"""Where the checkout and the shared folder are, for every test (one definition).

The shared folder sits beside the checkout (``../shared``), as CI lays it
out; ``PACELINE_SHARED`` points elsewhere. Test modules import this as
``shared_paths`` (pytest puts ``tests/`` on the path for its conftest).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PACELINE_SHARED", REPO.parent / "shared")).resolve()
CORPUS = SHARED / "scheduler-corpus"
