"""Golden tests: our scheduler against Pacemaker 2.1.5 on the shared corpus.

Every corpus test passes (summary and graph, as score.py compares them) or
has a line in known_failures.txt; a listed test that starts passing must
leave the list (strict xfail), so the list only shrinks.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from golden import check, known_failures, scorer

from shared_paths import CORPUS

NAMES = sorted(p.stem for p in CORPUS.glob("*.xml")) if CORPUS.is_dir() else []
KNOWN = known_failures()


@pytest.fixture(scope="module")
def score() -> ModuleType:
    return scorer(CORPUS)


def _param(name: str) -> object:
    if name in KNOWN:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN[name]))
    return name


@pytest.mark.skipif(not NAMES, reason="the shared scheduler corpus is not there")
@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_corpus(name: str, score: ModuleType) -> None:
    assert check(CORPUS, name, score) == []


def test_known_failures_are_corpus_tests() -> None:
    if NAMES:
        assert set(KNOWN) <= set(NAMES)
