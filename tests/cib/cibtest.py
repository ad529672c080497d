"""Helpers shared by the cib tests: where the corpus and Pacemaker's schemas are."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PACELINE_SHARED", REPO.parent / "shared")).resolve()
CORPUS = SHARED / "scheduler-corpus"
SCHEMA_DIR = Path("/usr/share/pacemaker")


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.xml"))


@functools.cache
def relaxng(version: str) -> etree.RelaxNG:
    """Pacemaker's own RelaxNG schema ``version`` (e.g. ``pacemaker-3.9``)."""
    return etree.RelaxNG(etree.parse(str(SCHEMA_DIR / f"{version}.rng")))
