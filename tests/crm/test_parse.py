"""Each construct of the configure language: what it parses to, and how it shows."""

from __future__ import annotations

import pytest

from paceline.cib.model import (
    INFINITY,
    MINUS_INFINITY,
    AclGroup,
    AclRole,
    AclTarget,
    Action,
    AgentClass,
    BooleanOp,
    Bundle,
    Cib,
    Colocation,
    DateExpression,
    DateOp,
    Discovery,
    Expression,
    ExprOp,
    ExprType,
    FencingLevel,
    Location,
    LossPolicy,
    Node,
    NodeType,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetRef,
    OnFail,
    Order,
    OrderKind,
    Primitive,
    ResourceSet,
    Role,
    Rule,
    Score,
    Tag,
    Template,
    Ticket,
    ValueSource,
)
from paceline.core.errors import ConfigError
from paceline.crm import load, parse, parse_statement, show
from paceline.crm.statements import CloneDef, FencingDef, GroupDef, PropertiesDef, Section


def definition(text: str) -> object:
    return parse_statement(text).definition


def shown(text: str) -> str:
    """Load ``text`` (plus the resources it names) and show it back."""
    cib, _ = load(Cib(), text)
    return show(cib)


NODES_AND_RESOURCES = "node n1\nnode n2\n" + "".join(
    f"primitive {r} ocf:pacemaker:Dummy\n" for r in ("a", "b", "c", "d")
)


# -- nodes ---------------------------------------------------------------------
def test_node_forms() -> None:
    assert definition("node node1") == Node("node1", "node1")
    assert definition("node 3: node3:remote") == Node("3", "node3", type=NodeType.REMOTE)
    node = definition('node $id="2" node2 attributes standby=off utilization cpu=4')
    assert node == Node(
        "2",
        "node2",
        instance_attributes=(
            NvSet(
                "node2-instance_attributes",
                (NvPair("node2-instance_attributes-standby", "standby", "off"),),
            ),
        ),
        utilization=(NvSet("node2-utilization", (NvPair("node2-utilization-cpu", "cpu", "4"),)),),
    )
    assert shown("node $id=2 node2 standby=off") == "node 2: node2 \\\n\tattributes standby=off\n"


# -- primitives ------------------------------------------------------------------
def test_primitive_agent_spellings() -> None:
    vip = definition("primitive vip IPaddr2 params ip=198.18.0.64")
    assert isinstance(vip, Primitive)
    assert (vip.agent_class, vip.provider, vip.agent_type) == (
        AgentClass.OCF,
        "heartbeat",
        "IPaddr2",
    )
    full = definition("primitive vip ocf:heartbeat:IPaddr2 ip=198.18.0.64")
    assert full == vip  # 'params' is optional for the first list
    web = definition("primitive web lsb:apache2")
    assert isinstance(web, Primitive)
    assert (web.agent_class, web.provider, web.agent_type) == (AgentClass.LSB, None, "apache2")
    fence = definition("primitive st stonith:fence_xvm")
    assert isinstance(fence, Primitive) and fence.agent_class is AgentClass.STONITH
    assert shown("primitive vip ocf:heartbeat:IPaddr2 params ip=198.18.0.64") == (
        "primitive vip IPaddr2 \\\n\tparams ip=198.18.0.64\n"
    )
    assert shown("primitive d ocf:pacemaker:Dummy") == "primitive d ocf:pacemaker:Dummy\n"


def test_primitive_with_everything() -> None:
    text = (
        'primitive d1 ocf:pacemaker:Dummy description="a dummy" params state=/tmp/a '
        "meta target-role=Started utilization mem=1 "
        "op monitor interval=10s timeout=20s role=Slave on-fail=restart OCF_CHECK_LEVEL=10 "
        "op start timeout=30s op_params a=1 op_meta b=2"
    )
    d1 = definition(text)
    assert isinstance(d1, Primitive)
    assert d1.description == "a dummy"
    monitor, start = d1.operations
    assert (monitor.id, monitor.interval, monitor.timeout) == ("d1-monitor-10s", "10s", "20s")
    assert monitor.role is Role.UNPROMOTED and monitor.on_fail is OnFail.RESTART
    assert monitor.instance_attributes == (
        NvSet(
            "d1-monitor-10s-instance_attributes",
            (
                NvPair(
                    "d1-monitor-10s-instance_attributes-OCF_CHECK_LEVEL", "OCF_CHECK_LEVEL", "10"
                ),
            ),
        ),
    )
    assert (start.id, start.interval) == ("d1-start-0", "0")
    assert start.meta_attributes[0].id == "d1-start-0-meta_attributes"
    assert shown(text) == (
        "primitive d1 ocf:pacemaker:Dummy \\\n"
        '\tdescription="a dummy" \\\n'
        '\tparams state="/tmp/a" \\\n'
        "\tmeta target-role=Started \\\n"
        "\tutilization mem=1 \\\n"
        "\top monitor interval=10s timeout=20s role=Unpromoted on-fail=restart \\\n"
        "\top_params OCF_CHECK_LEVEL=10 \\\n"
        # as crmsh prints it: attributes as typed, a missing interval last
        "\top start timeout=30s interval=0 \\\n"
        "\top_params a=1 \\\n"
        "\top_meta b=2\n"
    )


def test_attribute_list_ids_scores_rules_and_references() -> None:
    text = (
        "primitive d1 Dummy meta target-role=Started\n"
        "primitive d2 Dummy params $id=p2 fake=1 params 2: rule #uname eq node1 fake=2 "
        "meta $id-ref=d1-meta_attributes"
    )
    d2 = parse(text)[1].definition
    assert isinstance(d2, Primitive)
    first, second = d2.instance_attributes
    assert first == NvSet("p2", (NvPair("p2-fake", "fake", "1"),))
    assert isinstance(second, NvSet) and second.score == Score(2)
    assert second.rule == Rule(
        "d2-instance_attributes-rule",
        (Expression("d2-instance_attributes-rule-expression", "#uname", ExprOp.EQ, "node1"),),
        score=INFINITY,
    )
    assert d2.meta_attributes == (NvSetRef("d1-meta_attributes"),)
    assert "\tmeta $id-ref=d1-meta_attributes" in shown(text)
    assert "\tmeta $id=d1-meta_attributes target-role=Started" in shown(text)


def test_nvpair_references_and_explicit_ids() -> None:
    d = definition("primitive d Dummy params $ip1:ip=198.18.0.1 @ip1:addr @other")
    assert isinstance(d, Primitive) and isinstance(d.instance_attributes[0], NvSet)
    assert d.instance_attributes[0].nvpairs == (
        NvPair("ip1", "ip", "198.18.0.1"),
        NvPairRef("ip1", "addr"),
        NvPairRef("other"),
    )


def test_operations_id_and_reference() -> None:
    d4 = definition("primitive d4 Dummy operations $id=d4-ops op monitor interval=5")
    assert isinstance(d4, Primitive)
    assert d4.operations_id == "d4-ops" and d4.operations[0].id == "d4-ops-monitor-5"
    text = "primitive a Dummy operations $id=ops op monitor interval=5\nprimitive b Dummy operations $id-ref=ops"
    out = shown(text)
    assert "primitive b Dummy \\\n\toperations  $id-ref=ops\n" in out  # two spaces, as crmsh


def test_templates() -> None:
    text = "rsc_template tpl ocf:pacemaker:Dummy params state=x\nprimitive d5 @tpl"
    tpl, d5 = (s.definition for s in parse(text))
    assert isinstance(tpl, Template) and tpl.agent_type == "Dummy"
    assert isinstance(d5, Primitive) and d5.template == "tpl"
    assert shown(text) == (
        "rsc_template tpl ocf:pacemaker:Dummy \\\n\tparams state=x\nprimitive d5 @tpl\n"
    )


# -- groups and clones -----------------------------------------------------------------
def test_group_clone_ms_and_promotable_clone() -> None:
    assert definition("group g a b meta target-role=Stopped") == GroupDef(
        "g",
        ("a", "b"),
        meta_attributes=(
            NvSet(
                "g-meta_attributes",
                (NvPair("g-meta_attributes-target-role", "target-role", "Stopped"),),
            ),
        ),
    )
    assert definition("ms m a meta notify=true") == CloneDef(
        "m",
        "a",
        meta_attributes=(
            NvSet("m-meta_attributes", (NvPair("m-meta_attributes-notify", "notify", "true"),)),
        ),
        legacy_master=True,
    )
    text = (
        NODES_AND_RESOURCES + "group g a b\nclone cl g meta promotable=true interleave=true\nms m c"
    )
    out = shown(text)
    assert "group g a b\n" in out
    assert "clone cl g \\\n\tmeta promotable=true interleave=true\n" in out
    # issue 10: a loaded ms is written as the promotable clone it is (parsed, it stays ms)
    assert "clone m c \\\n\tmeta promotable=true\n" in out


# -- location ------------------------------------------------------------------
def test_location_score_node() -> None:
    assert definition("location l1 g1 100: node1") == Location(
        "l1", rsc="g1", score=Score(100), node="node1"
    )
    assert definition("location l4 /d.*/ role=Master -inf: node2") == Location(
        "l4", rsc_pattern="d.*", role=Role.PROMOTED, score=MINUS_INFINITY, node="node2"
    )
    loc = definition("location l5 { d1 d3 } resource-discovery=never 10: node1")
    assert loc == Location(
        "l5",
        resource_sets=(ResourceSet("l5-0", ("d1", "d3")),),
        score=Score(10),
        node="node1",
        resource_discovery=Discovery.NEVER,
    )
    assert definition("location l g +inf: n1") == Location("l", rsc="g", score=INFINITY, node="n1")


def test_location_rules_from_the_spec() -> None:
    l4 = definition("location l4 m5 rule -inf: not_defined pingd or pingd lte 0")
    assert l4 == Location(
        "l4",
        rsc="m5",
        rules=(
            Rule(
                "l4-rule",
                (
                    Expression("l4-rule-expression", "pingd", ExprOp.NOT_DEFINED),
                    Expression("l4-rule-expression-0", "pingd", ExprOp.LTE, "0"),
                ),
                boolean_op=BooleanOp.OR,
                score=MINUS_INFINITY,
            ),
        ),
    )
    l8 = definition(
        'location l8 m5 rule inf: #uname eq node1 and pingd gt 0 and date spec years="2009" hours="09-17"'
    )
    assert isinstance(l8, Location)
    (rule,) = l8.rules
    assert isinstance(rule, Rule) and rule.boolean_op is None and rule.score == INFINITY
    date = rule.expressions[2]
    assert isinstance(date, DateExpression) and date.operation is DateOp.DATE_SPEC
    assert date.date_spec is not None and (date.date_spec.years, date.date_spec.hours) == (
        "2009",
        "09-17",
    )
    # the spec's display quirks: inf: rule score hidden, -inf: and numbers kept, quotes dropped
    assert shown(
        NODES_AND_RESOURCES + "location l8 a rule inf: #uname eq node1 and pingd gt 0 and "
        'date spec years="2009" hours="09-17"\nlocation l2 a rule $id=l2-rule1 100: #uname eq node1'
    ).endswith(
        "location l2 a \\\n\trule 100: #uname eq node1\n"
        "location l8 a \\\n\trule #uname eq node1 and pingd gt 0 and date spec years=2009 hours=09-17\n"
    )


def test_rule_expressions() -> None:
    loc = definition(
        "location l g rule $role=Promoted pingd: defined pingd "
        "rule 10: version string:lt 2.0 and x eq param{y} "
        "rule date lt 2024-01-01 rule date in start=2020-01-01 weeks=2"
    )
    assert isinstance(loc, Location)
    first, second, third, fourth = loc.rules
    assert isinstance(first, Rule) and first.role is Role.PROMOTED
    assert first.score is None and first.score_attribute == "pingd"
    assert isinstance(second, Rule)
    assert second.expressions == (
        Expression("l-rule-0-expression", "version", ExprOp.LT, "2.0", type=ExprType.STRING),
        Expression("l-rule-0-expression-0", "x", ExprOp.EQ, "y", value_source=ValueSource.PARAM),
    )
    assert isinstance(third, Rule) and third.expressions == (
        DateExpression("l-rule-1-expression", DateOp.LT, end="2024-01-01"),
    )
    assert isinstance(fourth, Rule)
    date = fourth.expressions[0]
    assert isinstance(date, DateExpression) and date.duration is not None
    assert date.duration.id == "l-rule-2-expression-duration" and date.duration.weeks == "2"


# -- colocation ------------------------------------------------------------------
def test_colocation_simple_and_roles() -> None:
    assert definition("colocation c inf: A B") == Colocation(
        "c", score=INFINITY, rsc="A", with_rsc="B"
    )
    col = definition("colocation c2 inf: m5:Master g1:Started node-attribute=site")
    assert col == Colocation(
        "c2",
        score=INFINITY,
        rsc="m5",
        with_rsc="g1",
        rsc_role=Role.PROMOTED,
        with_rsc_role=Role.STARTED,
        node_attribute="site",
    )


def test_colocation_sets() -> None:
    col = definition("colocation c-2 -100: d1 ( g1 c1 ) [ m1:Promoted ]")
    assert col == Colocation(
        "c-2",
        score=Score(-100),
        resource_sets=(
            ResourceSet("c-2-0", ("d1",)),
            ResourceSet("c-2-1", ("g1", "c1"), sequential=False),
            ResourceSet("c-2-2", ("m1",), sequential=False, require_all=False, role=Role.PROMOTED),
        ),
    )
    three = definition("colocation c3 inf: a b c")
    assert isinstance(three, Colocation) and three.resource_sets == (
        ResourceSet("c3-0", ("a", "b", "c")),
    )
    roles = definition("colocation c4 inf: a b:Started c:Started")
    assert isinstance(roles, Colocation)
    assert [(s.resources, s.role) for s in roles.resource_sets if isinstance(s, ResourceSet)] == [
        (("a",), None),
        (("b", "c"), Role.STARTED),
    ]


# -- order -------------------------------------------------------------------------
def test_order_kinds_scores_actions_symmetrical() -> None:
    assert definition("order o1 Mandatory: d1 g1") == Order(
        "o1", first="d1", then="g1", kind=OrderKind.MANDATORY
    )
    assert definition("order o2 Optional: g1:start m5:promote symmetrical=false") == Order(
        "o2",
        first="g1",
        then="m5",
        first_action=Action.START,
        then_action=Action.PROMOTE,
        kind=OrderKind.OPTIONAL,
        symmetrical=False,
    )
    inf = parse_statement("order o3 inf: a b")
    assert inf.definition == Order("o3", first="a", then="b", kind=OrderKind.MANDATORY)
    assert [n.what for n in inf.notices] == ["order o3: score inf written as kind Mandatory"]
    assert definition("order o4 0: a b") == Order(
        "o4", first="a", then="b", kind=OrderKind.OPTIONAL
    )
    assert definition("order o5 serialize: a b") == Order(
        "o5", first="a", then="b", kind=OrderKind.SERIALIZE
    )
    assert definition("order o6 a b") == Order("o6", first="a", then="b")


def test_order_sets_from_the_spec() -> None:
    order = definition("order c Mandatory: apache:start ip_1 ip_2 ip_3")
    assert isinstance(order, Order)
    assert [(s.resources, s.action) for s in order.resource_sets if isinstance(s, ResourceSet)] == [
        (("apache",), Action.START),
        (("ip_1", "ip_2", "ip_3"), None),
    ]
    either = definition("order order_2 Mandatory: [ A B ] C")
    assert isinstance(either, Order)
    assert either.resource_sets == (
        ResourceSet("order_2-0", ("A", "B"), sequential=False, require_all=False),
        ResourceSet("order_2-1", ("C",)),
    )
    out = shown(NODES_AND_RESOURCES + "order order_2 Mandatory: [ a b ] c")
    assert "order order_2 Mandatory: [ a b ] c\n" in out
    out = shown(
        NODES_AND_RESOURCES
        + "colocation cm inf: [ a b sequential=true ] [ c:Master sequential=true ]"
    )
    assert "colocation cm inf: [ a b sequential=true ] [ c:Promoted sequential=true ]\n" in out


# -- properties, defaults -------------------------------------------------------------
def test_property_forms() -> None:
    legacy = definition('property $id="cib-bootstrap-options" stonith-enabled="false"')
    modern = definition("property cib-bootstrap-options: stonith-enabled=false")
    bare = definition("property stonith-enabled=false")
    assert legacy == modern == bare
    assert bare == PropertiesDef(
        Section.CRM_CONFIG,
        NvSet(
            "cib-bootstrap-options",
            (NvPair("cib-bootstrap-options-stonith-enabled", "stonith-enabled", "false"),),
        ),
    )
    assert definition("rsc_defaults failure-timeout=10m") == PropertiesDef(
        Section.RSC_DEFAULTS,
        NvSet("rsc-options", (NvPair("rsc-options-failure-timeout", "failure-timeout", "10m"),)),
    )
    ops = definition("op_defaults timeout=30s")
    assert isinstance(ops, PropertiesDef) and ops.block.id == "op-options"
    assert shown("property cib-bootstrap-options: fencing-enabled=false enable-acl=true") == (
        "property cib-bootstrap-options: \\\n\tfencing-enabled=false \\\n\tenable-acl=true\n"
    )


def test_property_with_rule() -> None:
    other = definition("property other: rule #uname eq node1 foo=bar")
    assert isinstance(other, PropertiesDef) and isinstance(other.block, NvSet)
    assert other.block.rule is not None
    assert shown("property other: rule #uname eq node1 foo=bar") == (
        "property other: \\\n\trule #uname eq node1 \\\n\tfoo=bar\n"
    )


def test_two_property_statements_merge() -> None:
    cib, _ = load(Cib(), "property a=1 b=2\nproperty b=3 c=4")
    (block,) = cib.configuration.crm_config
    assert isinstance(block, NvSet)
    assert [(p.name, p.value) for p in block.nvpairs if isinstance(p, NvPair)] == [
        ("a", "1"),
        ("b", "3"),
        ("c", "4"),
    ]


# -- fencing, tags, tickets ----------------------------------------------------------
def test_fencing_topology_targets() -> None:
    fencing = definition("fencing_topology node1: d1,d3 d4 node2: d1 attr:rack=1 d5 pattern:n.* d6")
    assert isinstance(fencing, FencingDef)
    assert fencing.levels == (
        FencingLevel("fencing", 1, ("d1", "d3"), target="node1"),
        FencingLevel("fencing-0", 2, ("d4",), target="node1"),
        FencingLevel("fencing-1", 1, ("d1",), target="node2"),
        FencingLevel("fencing-2", 1, ("d5",), target_attribute="rack", target_value="1"),
        FencingLevel("fencing-3", 1, ("d6",), target_pattern="n.*"),
    )


def test_fencing_topology_without_targets_covers_every_node() -> None:
    text = "node n1\nnode n2\nprimitive s1 stonith:fence_xvm\nprimitive s2 stonith:fence_xvm\nfencing_topology s1 s2"
    cib, _ = load(Cib(), text)
    levels = cib.configuration.fencing_topology
    assert [(lv.target, lv.index, lv.devices) for lv in levels] == [
        ("n1", 1, ("s1",)),
        ("n1", 2, ("s2",)),
        ("n2", 1, ("s1",)),
        ("n2", 2, ("s2",)),
    ]
    assert show(cib).endswith("fencing_topology s1 s2\n")


def test_tag_and_ticket() -> None:
    assert definition("tag t1: d1 d3") == Tag("t1", ("d1", "d3"))
    assert definition("tag t1 d1 d3") == Tag("t1", ("d1", "d3"))
    assert definition("rsc_ticket tk1 ticket1: d1:Started loss-policy=fence") == Ticket(
        "tk1", "ticket1", rsc="d1", rsc_role=Role.STARTED, loss_policy=LossPolicy.FENCE
    )
    sets = definition("rsc_ticket tk2 ticket1: d1 m1:Master loss-policy=stop")
    assert isinstance(sets, Ticket) and len(sets.resource_sets) == 2


# -- xml statements ---------------------------------------------------------------
def test_xml_statement_round_trips() -> None:
    text = (
        NODES_AND_RESOURCES
        + 'xml <rsc_order id="o9" first="a" then="b" require-all="false"/>\n'
        + 'xml <rsc_colocation id="c9" rsc="a" with-rsc="b" score="INFINITY" \\\n  influence="false"/>\n'
    )
    cib, _ = load(Cib(), text)
    order, colocation = cib.configuration.constraints
    assert isinstance(order, Order) and order.require_all is False
    assert isinstance(colocation, Colocation) and colocation.influence == "false"
    out = show(cib)
    assert 'xml <rsc_colocation id="c9"' in out and 'xml <rsc_order id="o9"' in out
    again, _ = load(Cib(), out)
    assert sorted(again.configuration.constraints, key=lambda c: c.id) == [colocation, order]


@pytest.mark.parametrize(
    "text",
    [
        "primitive vip IPaddr2 params ip=198.18.0.1 cidr_netmask=24 op monitor interval=10s timeout=20s",
        "location l a rule -inf: not_defined pingd or pingd lte 0",
        "colocation rsc_colocation-master inf: [ a b sequential=true ] [ c:Promoted sequential=true ]",
        "order o Mandatory: [ a b ] c",
    ],
)
def test_shown_text_reads_back_identically(text: str) -> None:
    first = shown(NODES_AND_RESOURCES + text)
    assert shown(first) == first


# -- monitor, alert, legacy target-role ----------------------------------------------
def test_monitor_statement_adds_an_op() -> None:
    cib, _ = load(Cib(), "primitive d1 Dummy\nmonitor d1 60s:30s\nmonitor d1:Promoted 10s")
    (d1,) = cib.configuration.resources
    assert isinstance(d1, Primitive)
    assert [(o.id, o.interval, o.timeout, o.role) for o in d1.operations] == [
        ("d1-monitor-60s", "60s", "30s", None),
        ("d1-monitor-10s", "10s", None, Role.PROMOTED),
    ]
    assert show(cib) == (
        "primitive d1 Dummy \\\n\top monitor interval=60s timeout=30s \\\n"
        "\top monitor interval=10s role=Promoted\n"
    )


def test_alert_statement() -> None:
    text = (
        'alert a1 "/usr/share/pacemaker/alerts/alert_file.sh" attributes x=1 meta timeout=10s '
        "select nodes fencing attributes { standby shutdown } "
        'to "/var/log/cluster-alerts.log" attributes y=2 to { 198.18.0.2 meta timeout=5s }'
    )
    cib, _ = load(Cib(), text)
    (alert,) = cib.configuration.alerts
    assert [r.id for r in alert.recipients] == ["a1-recipient-1", "a1-recipient-2"]
    assert alert.select is not None and alert.select.nodes and alert.select.fencing
    assert alert.select.attributes == (("a1-0", "standby"), ("a1-1", "shutdown"))
    assert show(cib) == (
        'alert a1 "/usr/share/pacemaker/alerts/alert_file.sh" \\\n'
        "\tattributes x=1 \\\n"
        "\tmeta timeout=10s \\\n"
        "\tselect nodes fencing attributes { standby shutdown } \\\n"
        '\tto "/var/log/cluster-alerts.log" attributes y=2 \\\n'
        "\tto 198.18.0.2 meta timeout=5s\n"
    )


def test_legacy_target_role_is_modernized_with_a_notice() -> None:
    cib, notices = load(
        Cib(), "primitive d1 Dummy\nms m d1 \\\n\tmeta target-role=Master", file="x"
    )
    assert "meta promotable=true target-role=Promoted" in show(cib)
    assert [str(n) for n in notices] == [
        "x:3: ms m: target-role=Master written as Promoted "
        "(Pacemaker 2.1 renamed the roles Master/Slave to Promoted/Unpromoted)",
        # issue 10: the role rename and the element agree
        "x:2: ms m: written as clone m meta promotable=true "
        "(Pacemaker 2.0 made <master> a clone with promotable=true; 3.0 removes <master>)",
    ]


def test_bundle_statement() -> None:
    text = (
        "primitive bp ocf:pacemaker:Dummy\n"
        "bundle b1 docker image=pcmk:http replicas=2 network control-port=3121 "
        "port-mapping id=b1-port port=80 storage storage-mapping id=b1-s source-dir=/srv "
        "target-dir=/srv options=rw primitive bp meta target-role=Started"
    )
    cib, _ = load(Cib(), text)
    (bundle,) = cib.configuration.resources
    assert isinstance(bundle, Bundle) and bundle.primitive is not None
    assert bundle.container.image == "pcmk:http" and bundle.container.replicas == 2
    assert bundle.network is not None and bundle.network.port_mappings[0].port == 80
    assert bundle.storage is not None and bundle.storage[0].source_dir == "/srv"
    assert show(cib) == (
        "primitive bp ocf:pacemaker:Dummy\n"
        "bundle b1 \\\n"
        "\tmeta target-role=Started \\\n"
        '\tdocker image="pcmk:http" replicas=2 \\\n'
        "\tnetwork control-port=3121 port-mapping id=b1-port port=80 \\\n"
        '\tstorage storage-mapping id=b1-s options=rw source-dir="/srv" target-dir="/srv" \\\n'
        "\tprimitive bp\n"
    )


def test_acl_roles_targets_and_groups() -> None:
    text = (
        "primitive d1 Dummy\n"
        'role admin description="can do all" write xpath:/cib read ref:d1 deny type:primitive attr:target-role\n'
        "role viewer read meta:d1:target-role write params:d1 read property:stonith-enabled read location:d1\n"
        "acl_target alice admin viewer\nuser bob role:viewer\nacl_group ops viewer\n"
    )
    cib, _ = load(Cib(), text)
    admin, viewer, alice, bob, ops = cib.configuration.acls
    assert isinstance(admin, AclRole) and [p.id for p in admin.permissions] == [
        "admin-0",
        "admin-1",
        "admin-2",
    ]
    assert isinstance(viewer, AclRole)
    assert (
        viewer.permissions[0].xpath
        == "//primitive[@id='d1']/meta_attributes/nvpair[@name='target-role']"
    )
    assert viewer.permissions[3].xpath == "//rsc_location[@id='cli-prefer-d1' and @rsc='d1']"
    assert isinstance(alice, AclTarget) and alice.roles == ("admin", "viewer")
    assert isinstance(bob, AclTarget) and bob.roles == ("viewer",)
    assert isinstance(ops, AclGroup) and ops.roles == ("viewer",)
    out = show(cib)
    assert "role viewer \\\n\tread meta:d1:target-role \\\n\twrite params:d1 \\\n" in out
    assert "acl_group ops \\\n\tviewer\n" in out
    again, _ = load(Cib(), out)
    assert again.configuration.acls == cib.configuration.acls


def test_acl_errors() -> None:
    with pytest.raises(ConfigError, match="acl_target alice: viewer is not defined"):
        load(Cib(), "acl_target alice viewer")
    with pytest.raises(ConfigError, match="meta needs an argument"):
        load(Cib(), "role r read meta")
