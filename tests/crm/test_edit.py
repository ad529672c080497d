"""One-shot edits, update/replace loads and deletes (with crmsh's cascade)."""

from __future__ import annotations

import pytest

from paceline.cib.model import Cib, Clone, Colocation, Group, NvPair, NvSet, Order, Primitive
from paceline.core.errors import ConfigError
from paceline.crm import (
    NoticeKind,
    apply_statement,
    delete,
    load,
    rename,
    select,
    show,
    show_objects,
)

BASE = """\
node n1
node n2
primitive vip IPaddr2 params ip=198.18.0.1
primitive web lsb:apache2
primitive db lsb:mariadb
group g vip web
clone cl db
location l-g g 100: n1
colocation c-web inf: web db
order o-set Mandatory: vip web db
tag t vip db
property stonith-enabled=false
"""


def base() -> Cib:
    cib, _ = load(Cib(), BASE)
    return cib


def test_apply_statement_adds_and_replaces() -> None:
    cib = base()
    cib2, notices = apply_statement(
        cib, "primitive vip ocf:heartbeat:IPaddr2 params ip=198.18.0.64"
    )
    assert notices == []
    group = cib2.configuration.resources[0]
    assert isinstance(group, Group) and [c.id for c in group.children] == ["vip", "web"]
    vip = group.children[0]
    assert vip.instance_attributes == (
        NvSet(
            "vip-instance_attributes", (NvPair("vip-instance_attributes-ip", "ip", "198.18.0.64"),)
        ),
    )
    assert cib2.epoch == cib.epoch  # edits are staged: the epoch grows at commit (issue 10)
    cib3, _ = apply_statement(cib2, "primitive extra Dummy")
    assert [r.id for r in cib3.configuration.resources] == ["g", "cl", "extra"]


def test_apply_property_changes_only_the_named_pairs() -> None:
    cib, _ = apply_statement(base(), "property no-quorum-policy=ignore")
    (block,) = cib.configuration.crm_config
    assert isinstance(block, NvSet)
    assert [(p.name, p.value) for p in block.nvpairs if isinstance(p, NvPair)] == [
        ("stonith-enabled", "false"),
        ("no-quorum-policy", "ignore"),
    ]


def test_apply_a_deprecated_property_moves_it() -> None:
    cib, notices = apply_statement(base(), "property default-resource-stickiness=100", file="cli")
    assert [n.kind for n in notices] == [NoticeKind.MOVED]
    assert "rsc_defaults rsc-options: \\\n\tresource-stickiness=100\n" in show(cib)


def test_update_keeps_other_objects_and_replace_drops_them() -> None:
    cib = base()
    updated, _ = load(cib, "primitive extra Dummy", mode="update")
    assert "primitive vip IPaddr2" in show(updated) and "primitive extra Dummy" in show(updated)
    replaced, _ = load(cib, "node n1\nprimitive extra Dummy", mode="replace")
    assert show(replaced) == "node n1\nprimitive extra Dummy\n"


def test_update_does_not_reuse_ids_of_kept_objects() -> None:
    cib, _ = load(
        Cib(), "primitive a Dummy\nprimitive b Dummy params $id=x-instance_attributes v=1"
    )
    cib, _ = load(cib, "primitive x Dummy params v=2", mode="update")
    x = cib.configuration.resources[2]
    assert isinstance(x, Primitive) and x.instance_attributes[0].id == "x-instance_attributes-0"  # type: ignore[union-attr]


def test_update_matches_nodes_by_name() -> None:
    cib, _ = load(Cib(), "node 1: n1 attributes standby=off")
    cib, _ = load(cib, "node n1 attributes standby=on", mode="update")
    (node,) = cib.configuration.nodes
    assert node.id == "1"
    assert node.instance_attributes == (
        NvSet(
            "n1-instance_attributes", (NvPair("n1-instance_attributes-standby", "standby", "on"),)
        ),
    )


def test_delete_refuses_when_referenced() -> None:
    with pytest.raises(ConfigError) as err:
        delete(base(), ["db"])
    assert str(err.value) == (
        "<input>: cannot delete db: clone cl, colocation c-web, order o-set, tag t refers to it "
        "(near 'db'; expected delete those first, or ask to cascade)"
    )
    with pytest.raises(ConfigError, match="no such object: nothing"):
        delete(base(), ["nothing"])


def test_delete_refuses_when_a_block_inside_is_referenced() -> None:
    cib, _ = load(
        Cib(),
        "primitive a Dummy params $id=a-params state=1\n"
        "primitive b Dummy params $id-ref=a-params\n",
    )
    with pytest.raises(ConfigError, match="cannot delete a: primitive b refers to it"):
        delete(cib, ["a"])
    cib, _ = delete(cib, ["a", "b"])
    assert cib.configuration.resources == ()


def test_delete_unreferenced_and_together() -> None:
    cib, notices = delete(base(), ["l-g"])
    assert notices == [] and "l-g" not in show(cib)
    cib, _ = delete(base(), ["c-web", "o-set", "t", "cl", "db"])
    assert "db" not in show(cib)


def test_delete_cascades_as_crmsh() -> None:
    cib, notices = delete(base(), ["db"], cascade=True)
    kinds = [(n.kind, n.what) for n in notices]
    assert kinds == [
        (NoticeKind.DELETED, "clone cl deleted"),
        (NoticeKind.DELETED, "colocation c-web deleted"),
        (NoticeKind.UPDATED, "order o-set: db removed"),
        (NoticeKind.UPDATED, "tag t: db removed"),
    ]
    cfg = cib.configuration
    assert [r.id for r in cfg.resources] == ["g"]
    # two resources left in one set: a simple order now, as crmsh leaves it
    order = next(c for c in cfg.constraints if c.id == "o-set")
    assert isinstance(order, Order) and (order.first, order.then) == ("vip", "web")
    assert not order.resource_sets
    assert cfg.tags[0].refs == ("vip",)


def test_a_set_colocation_left_with_two_swaps_into_simple_form() -> None:
    cib, _ = load(
        Cib(), "primitive a Dummy\nprimitive b Dummy\nprimitive c Dummy\ncolocation x inf: a b c"
    )
    out, _ = delete(cib, ["c"], cascade=True)
    (colocation,) = out.configuration.constraints
    assert isinstance(colocation, Colocation)
    assert (colocation.rsc, colocation.with_rsc) == ("b", "a")  # the set placed a first


def test_deleting_a_group_keeps_its_members_and_redirects_constraints() -> None:
    cib, notices = delete(base(), ["g"], cascade=True)
    assert [r.id for r in cib.configuration.resources] == ["vip", "web", "cl"]
    location = next(c for c in cib.configuration.constraints if c.id == "l-g")
    assert getattr(location, "rsc", None) == "vip"
    assert [n.what for n in notices] == ["location l-g: now names vip"]


def test_deleting_the_last_member_deletes_the_container() -> None:
    cib, _ = load(Cib(), "primitive a Dummy\nprimitive b Dummy\nclone c a\nlocation l c 1: n1")
    out, notices = delete(cib, ["a"], cascade=True)
    assert [r.id for r in out.configuration.resources] == ["b"]
    assert not out.configuration.constraints
    assert [n.what for n in notices] == ["clone c deleted", "location l deleted"]
    assert isinstance(cib.configuration.resources[1], Clone)  # the argument is unchanged


def test_show_selected_objects_and_obscured_values() -> None:
    cib, _ = apply_statement(
        base(), "primitive st stonith:fence_ipmilan params passwd=secret login=root"
    )
    assert show(cib, ["web", "l-g"]) == "primitive web lsb:apache2\nlocation l-g g 100: n1\n"
    assert 'params passwd="******" login=root' in show(cib, ["st"])
    assert "params passwd=secret login=root" in show(cib, ["st"], obscure=())
    with pytest.raises(ConfigError, match="no such object: nope"):
        show(cib, ["nope"])


def test_rename_follows_every_reference() -> None:
    text = (
        "node n1\nprimitive st stonith:fence_xvm\nrsc_template tpl Dummy\nprimitive d @tpl\n"
        "fencing_topology n1: st\ntag t d st\nlocation l d 1: n1"
    )
    cib, _ = load(Cib(), text)
    out, notices = rename(cib, "st", "fence1")
    assert out.configuration.fencing_topology[0].devices == ("fence1",)
    assert out.configuration.tags[0].refs == ("d", "fence1")
    assert [n.what for n in notices] == [
        "fencing_topology fencing_topology: now names fence1",
        "tag t: now names fence1",
    ]
    out, _ = rename(out, "tpl", "base")
    assert "primitive d @base" in show(out) and "rsc_template base Dummy" in show(out)
    out, _ = rename(out, "l", "prefer-n1")
    assert "location prefer-n1 d 1: n1" in show(out)


def test_rename_refuses_unknown_and_taken_ids() -> None:
    cib = base()
    with pytest.raises(ConfigError, match="no object nope to rename"):
        rename(cib, "nope", "x")
    with pytest.raises(ConfigError, match="id web is already in use"):
        rename(cib, "vip", "web")
    with pytest.raises(ConfigError, match="id vip-instance_attributes is already in use"):
        rename(cib, "web", "vip-instance_attributes")


def test_comments_are_kept_and_only_a_trailing_one_is_reported() -> None:
    text = "# web tier\nprimitive a Dummy\n# b\n# c\nprimitive b Dummy\n# the end\n"
    cib, notices = load(Cib(), text, file="f.crm")
    assert show(cib) == "# web tier\nprimitive a Dummy\n# b\n# c\nprimitive b Dummy\n"
    assert [str(n) for n in notices] == [
        "f.crm:6: 1 comment line(s) after the last statement not stored "
        "(a comment is kept with the statement that follows it)"
    ]


def test_select_filters_as_crmsh_show() -> None:
    cib = base()
    assert select(cib, ["type:primitive"]) == ["vip", "web", "db"]
    assert select(cib, ["type:primitive", "and", "v*"]) == ["vip"]
    assert select(cib, ["tag:t"]) == ["vip", "db"]
    assert select(cib, ["related:db"]) == ["cl", "db", "c-web", "o-set", "t"]
    assert select(cib, ["related:lsb:apache2"]) == ["web"]
    assert select(cib, ["l-*", "or", "type:group"]) == ["l-g", "g"]
    with pytest.raises(ConfigError, match="no such object: nope"):
        select(cib, ["nope"])


def test_show_objects_gives_each_statement_with_its_id() -> None:
    cib = base()
    pairs = show_objects(cib)
    assert "".join(text + "\n" for _, text in pairs) == show(cib)
    assert dict(pairs)["l-g"] == "location l-g g 100: n1"


def test_a_primitive_named_like_a_node_is_accepted_one_shot_as_from_a_file() -> None:
    """crmsh test: ``node node1`` then ``primitive node1 ...``; node ids are a
    namespace of their own, one-shot as in one file."""
    from_file, _ = load(Cib(), "node node1\nprimitive node1 ocf:heartbeat:Dummy\n")
    cib, _ = load(Cib(), "node node1\n")
    one_shot, _ = apply_statement(cib, "primitive node1 ocf:heartbeat:Dummy")
    assert one_shot.configuration == from_file.configuration
