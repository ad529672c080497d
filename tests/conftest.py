"""Project-wide test fixtures: where the shared corpus lives, and markers' gating."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The shared folder sits beside the checkout (../shared); CI lays a copy there too.
SHARED = Path(os.environ.get("PACELINE_SHARED", REPO.parent / "shared")).resolve()
CORPUS = SHARED / "scheduler-corpus"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared folder is missing: {SHARED} (set PACELINE_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "scheduler-corpus"


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO
