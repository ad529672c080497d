"""The project's own metadata uses the current forms, so `make setup` prints no deprecation wall."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_license_is_an_spdx_expression_not_a_table() -> None:
    # setuptools >= 77 warns (three times per install) about `license = { text = ... }`
    # and about license classifiers; PEP 639's plain SPDX string is the current form.
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert isinstance(project["license"], str)
    assert not any(c.startswith("License ::") for c in project.get("classifiers", ()))
