"""A new group or clone takes over the constraints that named its members, as
crmsh does (issue 10; crmsh's commit test: "modified location:l1 from p3 to
pp3"); a constraint that would then tie the new resource to itself goes."""

from __future__ import annotations

from paceline.cib.model import Cib
from paceline.crm import NoticeKind, apply_statement, incremental, load, show

BASE = """\
node n1
primitive p1 Dummy
primitive p2 Dummy
primitive p3 Dummy
location l1 p3 100: n1
order o1 Mandatory: p3 p1
colocation cl1 inf: p2 p3
colocation cl2 inf: p1 p2
order o-set Optional: p1 ( p2 p3 )
"""


def base() -> Cib:
    cib, _ = load(Cib(), BASE)
    return cib


def test_grouping_redirects_the_members_constraints_with_a_note() -> None:
    cib, notices = apply_statement(base(), "group g p2 p3")
    text = show(cib)
    assert "location l1 g 100: n1" in text
    assert "order o1 Mandatory: g p1" in text
    assert "o-set" in text and "g g" not in text  # a set names g once, as crmsh's
    assert "colocation cl1" not in text  # g with g: gone
    assert "colocation cl2 inf: p1 g" in text
    said = [(n.kind, n.what) for n in notices]
    assert (NoticeKind.UPDATED, "modified location:l1 from p3 to g") in said
    assert (NoticeKind.UPDATED, "modified order:o1 from p3 to g") in said
    assert (NoticeKind.DELETED, "colocation:cl1 deleted") in said


def test_cloning_redirects_too_and_the_fast_path_agrees() -> None:
    cib, notices = apply_statement(base(), "clone c3 p3")
    assert "location l1 c3 100: n1" in show(cib)
    assert any(n.what == "modified location:l1 from p3 to c3" for n in notices)
    incremental.ENABLED = False
    try:
        general, _ = apply_statement(base(), "clone c3 p3")
    finally:
        incremental.ENABLED = True
    assert general.configuration == cib.configuration


def test_constraints_loaded_with_the_group_are_as_written() -> None:
    cib, notices = load(Cib(), BASE.replace("location l1 p3", "location l1 p1") + "group g p3\n")
    assert "location l1 p1 100: n1" in show(cib)
    assert "order o1 Mandatory: p3 p1" in show(cib)
    assert not any(n.kind is NoticeKind.UPDATED for n in notices)
