"""Errors are one line naming file, line and column, the offending text and what was expected;
the CIB given is never changed."""

from __future__ import annotations

import pytest

from paceline.cib.model import Cib
from paceline.core.errors import ConfigError
from paceline.crm import apply_statement, load, show

BASE = "node n1\nprimitive a Dummy\nprimitive b Dummy\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "primitve vip IPaddr2",
            "t.crm:1:1: unknown statement 'primitve' (near 'primitve'; expected "
            "acl_group, acl_target, alert, bundle, clone, colocation, fencing_topology, group, "
            "location, monitor, ms, node, op_defaults, order, primitive, property, role, "
            "rsc_defaults, rsc_template, rsc_ticket, tag)",
        ),
        (
            "node n1\nprimitive vip IPaddr2 \\\n   params ip=1 \\\n   op monitor interval",
            "t.crm:4:15: primitive vip: op monitor: attribute without a value (near 'interval'; "
            "expected name=value, such as interval=10s)",
        ),
        (
            "colocation c inf: a ( b c",
            "t.crm:1:21: colocation c: unmatched opening bracket (near '('; expected ')')",
        ),
        (
            "colocation c inf: a b ) c",
            "t.crm:1:23: colocation c: unmatched closing bracket (near ')')",
        ),
        (
            "colocation c inf: a ( b ] c",
            "t.crm:1:25: colocation c: mismatched closing bracket (near ']'; expected ')')",
        ),
        (
            "colocation c inf: a ( ) c",
            "t.crm:1:23: colocation c: empty resource set (near ')'; expected resources inside the brackets)",
        ),
        (
            "colocation c inf: ( a ( b ) )",
            "t.crm:1:23: colocation c: cannot nest resource sets (near '('; expected a closing bracket first)",
        ),
        (
            BASE + "primitive d Dummy \\\n\tmeta $id-ref=nothing",
            "t.crm:5:7: primitive d: $id-ref=nothing refers to nothing defined "
            "(near 'nothing'; expected a block id)",
        ),
        (
            BASE + "group g a c",
            "t.crm:4:11: group g: c is not defined (near 'c'; expected a primitive, group or clone)",
        ),
        (
            BASE + "location l a rule #uname foo n1",
            "t.crm:4:26: location l: unexpected word (near 'foo'; "
            "expected a comparison: lt, gt, lte, gte, eq or ne (optionally type:op))",
        ),
        (
            BASE + "order o Sometimes: a b",
            "t.crm:4:9: order o: unknown order kind 'Sometimes' (near 'Sometimes:'; "
            "expected Mandatory:, Optional:, Serialize: or a score such as inf:)",
        ),
        (
            BASE + "colocation c a b",
            "t.crm:4:14: colocation c: missing score (near 'a'; expected <score>: such as inf: or 100:)",
        ),
        (
            "primitive vip foo:bar:baz",
            "t.crm:1:15: primitive vip: unknown agent class 'foo' (near 'foo:bar:baz'; "
            "expected [class:[provider:]]type, e.g. ocf:heartbeat:IPaddr2 or lsb:apache2)",
        ),
        (
            BASE + "colocation c inf: a:Boss b",
            "t.crm:4:19: colocation c: unknown role 'Boss' (near 'a:Boss'; "
            "expected Started, Stopped, Promoted or Unpromoted)",
        ),
        (
            BASE + "location l a rule #uname eq n1 and x eq 1 or y eq 2",
            "t.crm:4:43: location l: a rule cannot mix 'and' and 'or' (near 'or'; expected and, or a new rule)",
        ),
        (
            "primitive a Dummy\nprimitive a Dummy",
            "t.crm:2:11: primitive a: id 'a' is already in use (near 'a')",
        ),
        (
            BASE + "location l c 100: n1",
            "t.crm:4:12: location l: resource c is not defined (near 'c'; "
            "expected a resource, template or tag)",
        ),
        (
            "primitive 123 Dummy",
            "t.crm:1:11: primitive 123: '123' is not a valid id (near '123'; "
            "expected a letter or '_' first, then letters, digits, '_', '.' or '-')",
        ),
        (
            "property 2: a=b",
            "t.crm:1:10: property: '2' is not a valid id (near '2:'; "
            "expected a letter or '_' first, then letters, digits, '_', '.' or '-')",
        ),
        (
            'primitive a Dummy params x="open',
            "t.crm:1:26: unterminated double quote (near 'x=\"open'; expected a closing \")",
        ),
        (
            "xml <rsc_order id='o' first='a' then='b' kind='Sometimes'/>",
            "t.crm:1: rsc_order/@kind: bad value for 'kind' of <rsc_order> (near 'Sometimes'; "
            "expected one of Optional, Mandatory, Serialize)",
        ),
    ],
)
def test_errors_are_located_one_liners(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(Cib(), text, file="t.crm")
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_the_given_cib_is_untouched() -> None:
    cib, _ = load(Cib(), BASE)
    before = show(cib)
    with pytest.raises(ConfigError):
        load(cib, "primitive c Dummy\ngroup g a nothing", mode="update")
    with pytest.raises(ConfigError):
        apply_statement(cib, "location l nothing 100: n1")
    assert show(cib) == before
    assert cib.epoch == 0  # a load stages: the epoch grows at commit (issue 10)


def test_apply_statement_takes_exactly_one() -> None:
    with pytest.raises(ConfigError, match="exactly one statement"):
        apply_statement(Cib(), "node a\nnode b")
