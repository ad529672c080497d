"""crmsh's ``operations $id-ref=RSC`` and ``rule $id-ref=CONSTRAINT`` (its
confbasic test): an id-ref naming a resource means that resource's operations
block, one naming a location that location's first rule, as crmsh resolves
them (issue 10)."""

from __future__ import annotations

import pytest

from paceline.cib.model import Cib, Location, Primitive, RuleRef
from paceline.core.errors import ConfigError
from paceline.crm import apply_statement, load, show

TEXT = """\
node node1
primitive d1 ocf:pacemaker:Dummy \\
\toperations $id=d1-ops \\
\top monitor interval=60m
primitive s5 ocf:pacemaker:Stateful \\
\toperations $id-ref=d1-ops
primitive s6 ocf:pacemaker:Stateful \\
\toperations $id-ref=d1
location l2 d1 \\
\trule $id=l2-rule1 100: #uname eq node1
location l6 s5 \\
\trule $id-ref=l2-rule1
location l7 s5 \\
\trule $id-ref=l2
"""


def test_an_id_ref_to_an_object_means_its_block_as_crmsh_reads_it() -> None:
    cib, _ = load(Cib(), TEXT)
    text = show(cib)
    assert (
        "primitive s6 ocf:pacemaker:Stateful \\\n\toperations  $id-ref=d1-ops\n" in text
    )  # crmsh prints two spaces
    assert "location l7 s5 \\\n\trule $id-ref=l2-rule1\n" in text
    s6 = next(r for r in cib.configuration.resources if r.id == "s6")
    assert isinstance(s6, Primitive) and s6.operations_ref == "d1-ops"
    l7 = next(c for c in cib.configuration.constraints if c.id == "l7")
    assert isinstance(l7, Location) and l7.rules == (RuleRef("l2-rule1"),)


def test_one_shot_statements_resolve_too() -> None:
    cib, _ = load(Cib(), TEXT.split("primitive s5")[0])
    cib, _ = apply_statement(cib, "primitive s9 ocf:pacemaker:Stateful operations $id-ref=d1")
    assert "operations  $id-ref=d1-ops" in show(cib, ["s9"])


def test_an_id_ref_to_nothing_is_still_an_error() -> None:
    with pytest.raises(ConfigError, match="refers to nothing defined"):
        load(Cib(), "primitive s ocf:pacemaker:Stateful operations $id-ref=nothing\n")
