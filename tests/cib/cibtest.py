"""Helpers shared by the cib tests: where the corpus and Pacemaker's schemas are."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from shared_paths import CORPUS

SCHEMA_DIR = Path("/usr/share/pacemaker")


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.xml"))


@functools.cache
def relaxng(version: str) -> etree.RelaxNG:
    """Pacemaker's own RelaxNG schema ``version`` (e.g. ``pacemaker-3.9``)."""
    return etree.RelaxNG(etree.parse(str(SCHEMA_DIR / f"{version}.rng")))
