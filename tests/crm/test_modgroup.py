"""``modgroup`` (issue 10, as crm configure modgroup): add a top-level
primitive to a group (last, or after/before a member), remove a member;
everything else, and constraints naming them, stays."""

from __future__ import annotations

import pytest

from paceline.cib.model import Cib, Group
from paceline.core.errors import ConfigError
from paceline.crm import load, modgroup, show

BASE = """\
primitive a Dummy
primitive b Dummy
primitive c Dummy
primitive d Dummy
group g a b
group h d
clone cl c
location l-c c 100: n1
"""


def _members(cib: Cib, group: str) -> list[str]:
    found = next(r for r in cib.configuration.resources if r.id == group)
    assert isinstance(found, Group)
    return [child.id for child in found.children]


def base() -> Cib:
    cib, _ = load(Cib(), BASE)
    return cib


def test_add_last_after_and_before() -> None:
    cib, _ = load(Cib(), BASE + "primitive e Dummy\nprimitive f Dummy\n")
    cib = modgroup(cib, "g", "add", "e")
    assert _members(cib, "g") == ["a", "b", "e"]
    cib = modgroup(cib, "g", "add", "f", position="before", anchor="b")
    assert _members(cib, "g") == ["a", "f", "b", "e"]
    assert all(r.id not in ("e", "f") for r in cib.configuration.resources)
    assert "location l-c c 100: n1" in show(cib)


def test_remove_puts_the_member_back_at_the_top_level() -> None:
    cib = modgroup(base(), "g", "remove", "a")
    assert _members(cib, "g") == ["b"]
    assert "a" in [r.id for r in cib.configuration.resources]
    assert cib.epoch == 0  # staged


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("g", "add", "d"), "d is already in group h"),
        (("g", "add", "c"), "c is already in clone cl"),
        (("g", "add", "a"), "a is already in the group"),
        (("g", "add", "nothing"), "nothing is not a primitive"),
        (("cl", "add", "a"), "cl is not a group"),
        (("h", "remove", "d"), "d is the last member of group h"),
        (("g", "remove", "c"), "c is not in group g"),
        (("g", "move", "a"), "unknown action"),
    ],
)
def test_refusals_change_nothing(args: tuple[str, str, str], message: str) -> None:
    cib = base()
    before = show(cib)
    with pytest.raises(ConfigError, match=message):
        modgroup(cib, *args)
    assert show(cib) == before
