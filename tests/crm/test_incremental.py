"""Edits are linear (issue 10): an edit that adds objects changes the model
where it adds them and keeps every other object as it is (the same object),
gives the configuration the general path gives, and stages: the epoch grows
only when the edits are committed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.bench_crm import lines

from paceline.cib.model import Cib
from paceline.core.errors import ConfigError
from paceline.crm import apply_statement, incremental, load, show

SEED = (Path(__file__).resolve().parents[2] / "examples" / "seed-cluster.crm").read_text()
SEED_STATEMENTS = [
    s.strip() for s in SEED.replace("\\\n", " ").splitlines() if s.strip() and s[0] != "#"
]

SCRIPT = [
    "node n1",
    "node n2 attributes standby=off",
    "primitive a Dummy op monitor interval=10s",
    "primitive b Dummy params fake=1 meta target-role=Started",
    "rsc_template tpl ocf:heartbeat:Dummy",
    "primitive c @tpl",
    "group g a b",
    "primitive d Dummy",
    "clone cl-d d meta interleave=true",
    "primitive e Dummy",
    "ms ms-e e meta master-max=1",
    "location l-g g 100: n1",
    "location l-rule g rule 50: #uname eq n2",
    "colocation co inf: g cl-d",
    "order o Mandatory: cl-d g",
    "order o-set Optional: a ( c d )",
    "tag t a c",
    "property stonith-enabled=false",
    "property no-quorum-policy=ignore",
    "rsc_defaults resource-stickiness=100",
    "op_defaults timeout=60s",
    "primitive a2 Dummy",
    "primitive a3 Dummy",
    "group g2 a2 a3",
    "clone cl-g2 g2",
    "alert al /usr/bin/true to /tmp/al.log",
    "role r1 read xpath:/cib",
    "acl_target alice r1",
    "primitive b Dummy params fake=2",  # a redefinition: the general path
    "fencing_topology n1: a",
    "monitor c 20s",
]


@pytest.fixture
def general() -> Iterator[None]:
    incremental.ENABLED = False
    try:
        yield
    finally:
        incremental.ENABLED = True


def _one_at_a_time(statements: list[str]) -> Cib:
    cib = Cib()
    for statement in statements:
        cib, _ = apply_statement(cib, statement)
    return cib


def _general(statements: list[str]) -> Cib:
    incremental.ENABLED = False
    try:
        return _one_at_a_time(statements)
    finally:
        incremental.ENABLED = True


@pytest.mark.parametrize(
    "statements",
    [SCRIPT, lines(120), SEED_STATEMENTS],
    ids=["kinds", "bench", "seed"],
)
def test_adding_gives_what_the_general_path_and_one_load_give(statements: list[str]) -> None:
    fast = _one_at_a_time(statements)
    assert fast.configuration == _general(statements).configuration
    if statements is not SCRIPT:  # SCRIPT redefines b: one load would merge it
        loaded, _ = load(Cib(), "\n".join(statements) + "\n")
        assert fast.configuration == loaded.configuration
    assert show(fast) == show(_general(statements))


def test_an_added_object_leaves_every_other_object_as_it_was() -> None:
    cib = _one_at_a_time(SCRIPT[:12])
    after, _ = apply_statement(cib, "primitive z Dummy")
    before_cfg, after_cfg = cib.configuration, after.configuration
    assert len(after_cfg.resources) == len(before_cfg.resources) + 1
    # the group and the clones are the very same objects: nothing was rebuilt
    assert all(
        new is old for new, old in zip(after_cfg.resources[:-1], before_cfg.resources, strict=True)
    )
    assert all(
        new is old for new, old in zip(after_cfg.constraints, before_cfg.constraints, strict=True)
    )
    assert after_cfg.nodes is before_cfg.nodes


def test_the_general_path_rebuilds(general: None) -> None:
    """The test above can fail: the general path makes new groups and clones."""
    cib = _one_at_a_time(SCRIPT[:12])
    after, _ = apply_statement(cib, "primitive z Dummy")
    group = next(r for r in cib.configuration.resources if r.id == "g")
    assert all(r is not group for r in after.configuration.resources)


def test_edits_stage_and_do_not_bump_the_epoch() -> None:
    cib = Cib(epoch=7)
    for statement in SCRIPT[:6]:
        cib, _ = apply_statement(cib, statement)
    assert cib.epoch == 7 and cib.num_updates == 0
    cib, _ = load(cib, "primitive y Dummy\n", mode="update")
    assert cib.epoch == 7


def test_a_branch_of_an_edited_cib_is_edited_as_itself() -> None:
    """Two edits of one CIB: the facts one edit updated are not the other's."""
    base = _one_at_a_time(SCRIPT[:8])
    left, _ = apply_statement(base, "group gl c d")
    right, _ = apply_statement(base, "primitive c2 Dummy")
    with pytest.raises(ConfigError):
        apply_statement(left, "group gx c")  # c is in gl now
    again, _ = apply_statement(right, "group gr c d")  # c and d are free here
    assert [r.id for r in again.configuration.resources][-1] == "gr"
    assert show(again) == show(_general([*SCRIPT[:8], "primitive c2 Dummy", "group gr c d"]))


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("group gx a", "a is already in group g"),
        ("group gx nothing", "nothing is not defined"),
        ("location lx nothing 100: n1", "resource nothing is not defined"),
        ("clone cx cl-d", "cannot clone cl-d"),
    ],
)
def test_errors_are_the_general_paths(statement: str, message: str) -> None:
    cib = _one_at_a_time(SCRIPT[:12])
    with pytest.raises(ConfigError) as fast:
        apply_statement(cib, statement)
    incremental.ENABLED = False
    try:
        with pytest.raises(ConfigError) as slow:
            apply_statement(cib, statement)
    finally:
        incremental.ENABLED = True
    assert message in str(fast.value)
    assert str(fast.value) == str(slow.value)
