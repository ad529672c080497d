"""Project-wide test fixtures: where the shared corpus lives, and markers' gating."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_paths import REPO, SHARED


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
