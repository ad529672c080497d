"""Property tests: generated configurations survive crm text both ways.

Hypothesis writes crm text for random configurations (nodes, primitives with
attribute blocks and ops, groups, clones, constraints with roles, actions,
sets and rules, properties), loads it, shows it, loads that again: the
shown text is a fixed point and the configuration does not change.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paceline.cib.model import Cib
from paceline.core.errors import ConfigError
from paceline.crm import load, show

_KEYWORDS = {
    "params",
    "meta",
    "utilization",
    "operations",
    "op",
    "op_params",
    "op_meta",
    "rule",
    "attributes",
    "description",
    "and",
    "or",
}
names = st.from_regex(r"[a-z][a-z0-9_-]{0,7}", fullmatch=True).filter(lambda n: n not in _KEYWORDS)
# crm quoting cannot carry a backslash before a quote or a newline (crmsh neither)
values = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\\\n\r"), max_size=12
)
scores = st.sampled_from(["inf", "-inf", "100", "-5", "0"])
roles = st.sampled_from(["", ":Started", ":Promoted", ":Unpromoted"])
actions = st.sampled_from(["", ":start", ":stop", ":promote", ":demote"])


def quote(value: str) -> str:
    return '"' + value.replace('"', '\\"') + '"'


@st.composite
def pairs(draw: st.DrawFn) -> str:
    keys = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    return " ".join(f"{k}={quote(draw(values))}" for k in keys)


@st.composite
def primitive(draw: st.DrawFn, rid: str) -> str:
    agent = draw(
        st.sampled_from(["Dummy", "ocf:pacemaker:Stateful", "lsb:apache2", "stonith:fence_xvm"])
    )
    words = [f"primitive {rid} {agent}"]
    if draw(st.booleans()):
        words.append(f"params {draw(pairs())}")
    if draw(st.booleans()):
        words.append(f"meta {draw(pairs())}")
    if draw(st.booleans()):
        words.append(f"utilization {draw(pairs())}")
    intervals = draw(
        st.lists(st.sampled_from(["0", "10s", "20s", "1min"]), max_size=3, unique=True)
    )
    for interval in intervals:
        op = draw(st.sampled_from(["monitor", "start", "stop"]))
        extra = draw(
            st.sampled_from(
                ["", " timeout=20s", " role=Promoted on-fail=restart", " OCF_CHECK_LEVEL=10"]
            )
        )
        words.append(f"op {op} interval={interval}{extra}")
    return " \\\n\t".join(words)


@st.composite
def rule(draw: st.DrawFn) -> str:
    exprs = draw(
        st.lists(
            st.sampled_from(
                [
                    "#uname eq n1",
                    "pingd gt 0",
                    "defined pingd",
                    "not_defined x",
                    "v version:lt 2.1",
                    "date gt 2020-01-01",
                    "date spec hours=9-17 weekdays=1-5",
                    "date in start=2020-01-01 end=2021-01-01",
                ]
            ),
            min_size=1,
            max_size=3,
        )
    )
    op = draw(st.sampled_from([" and ", " or "])) if len(exprs) > 1 else " and "
    role = draw(st.sampled_from(["", "$role=Promoted "]))
    return f"rule {role}{draw(scores)}: {op.join(exprs)}"


@st.composite
def configuration(draw: st.DrawFn) -> str:
    ids = draw(st.lists(names, min_size=4, max_size=9, unique=True))
    nodes, rest = ["n1", "n2"], [i for i in ids if i not in ("n1", "n2")]
    prims = rest  # other objects get upper-case ids, which never clash with these
    lines = [f"node {n}" for n in nodes]
    lines += [draw(primitive(p)) for p in prims]
    constraint_ids = iter(f"C{i}" for i in range(10))  # generated names are lowercase
    if len(prims) >= 3 and draw(st.booleans()):
        lines.append(f"group G-{prims[0]} {prims[0]} {prims[1]}")
    if draw(st.booleans()):
        lines.append(f"clone CL-{prims[-1]} {prims[-1]} meta interleave=true")
    a, b = prims[0], prims[-1]
    lines.append(f"location {next(constraint_ids)} {a} {draw(scores)}: n1")
    lines.append(f"location {next(constraint_ids)} {b} {draw(rule())}")
    lines.append(
        f"colocation {next(constraint_ids)} {draw(scores)}: {a}{draw(roles)} {b}{draw(roles)}"
    )
    kind = draw(st.sampled_from(["", "Mandatory: ", "Optional: ", "Serialize: "]))
    if len(prims) >= 3:
        members = " ".join(f"{p}{draw(actions)}" for p in prims[:3])
        bracket = draw(st.sampled_from(["{}", "( {} )", "[ {} ]"]))
        lines.append(f"order {next(constraint_ids)} {kind}{bracket.format(members)} {prims[-1]}")
    else:
        lines.append(f"order {next(constraint_ids)} {kind}{a}{draw(actions)} {b}{draw(actions)}")
    lines.append(f"property {draw(pairs())}")
    if draw(st.booleans()):
        lines.append(f"rsc_defaults {draw(pairs())}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configuration())
def test_generated_configurations_round_trip(text: str) -> None:
    first, _ = load(Cib(), text)
    shown = show(first, obscure=())
    second, notices = load(Cib(), shown)
    assert notices == []
    assert show(second, obscure=()) == shown
    third, _ = load(Cib(), show(second, obscure=()))
    assert third.configuration == second.configuration


_STATEMENTS = [
    "node",
    "primitive",
    "group",
    "clone",
    "ms",
    "bundle",
    "location",
    "colocation",
    "order",
    "rsc_ticket",
    "property",
    "rsc_defaults",
    "fencing_topology",
    "tag",
    "alert",
    "monitor",
    "xml",
    "role",
    "acl_target",
]

_WORDS = [
    *sorted(_KEYWORDS),
    *_STATEMENTS,
    "a",
    "b",
    "Dummy",
    "lsb:x",
    "inf:",
    "-inf:",
    "100:",
    "x:",
    "a:Master",
    "b:start",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "$id=i",
    "$id-ref=i",
    "@r",
    "k=v",
    "k=",
    "=v",
    '"q"',
    "#uname",
    "eq",
    "date",
    "in",
    "spec",
    "start=1",
    "hours=9",
    "defined",
    "to",
    "select",
    "docker",
    "image=i",
    "storage-mapping",
    "port-mapping",
    "\\",
    "<node",
    "/>",
]


_LINE = st.tuples(
    st.sampled_from(_STATEMENTS), st.lists(st.sampled_from(_WORDS), min_size=1, max_size=12)
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE, max_size=6))
def test_any_input_either_loads_or_fails_with_a_located_config_error(
    lines: list[tuple[str, list[str]]],
) -> None:
    """Whatever the text, load raises only ConfigError (never a crash), with a location."""
    text = "\n".join(" ".join([keyword, *words]) for keyword, words in lines)
    try:
        load(Cib(), text, file="fuzz.crm")
    except ConfigError as err:
        assert err.file == "fuzz.crm"
        assert "\n" not in str(err)
