"""XML comments of the configuration: read into the objects that own them,
written back as the first children of those objects' elements (where crmsh
4.4 puts the ``#`` lines of crm text: ``<!--# web tier-->``)."""

from __future__ import annotations

import pytest
from cibtest import CORPUS
from lxml import etree

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import Clone, Group, NvSet, Primitive
from paceline.core.errors import ConfigError

# What crmsh 4.4 writes for crm text with a comment line before each object.
CRMSH_WRITTEN = """\
<cib validate-with="pacemaker-3.9" epoch="2" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <!--# property comment-->
        <nvpair name="stonith-enabled" value="false" id="cib-bootstrap-options-stonith-enabled"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node uname="node1" id="node1">
        <!--# comment on node-->
      </node>
    </nodes>
    <resources>
      <template id="tpl" class="ocf" provider="pacemaker" type="Dummy">
        <!--# template comment-->
      </template>
      <group id="g1">
        <!--# group comment-->
        <primitive id="d1" class="ocf" provider="pacemaker" type="Dummy">
          <!--# comment for d1-->
          <!--# second line for d1-->
          <operations>
            <op name="monitor" interval="10s" id="d1-monitor-10s"/>
          </operations>
        </primitive>
        <primitive id="d2" class="ocf" provider="pacemaker" type="Dummy"/>
      </group>
      <clone id="c1">
        <!--# clone comment-->
        <primitive id="d3" class="ocf" provider="pacemaker" type="Dummy"/>
      </clone>
    </resources>
    <constraints>
      <rsc_location id="l1" rsc="g1" score="100" node="node1">
        <!--# location comment-->
      </rsc_location>
      <rsc_order id="o1" kind="Mandatory" first="g1" then="c1">
        <!--# order comment-->
      </rsc_order>
    </constraints>
    <fencing-topology>
      <!--# fencing comment-->
      <fencing-level target="node1" devices="d1" index="1" id="fl1"/>
    </fencing-topology>
    <rsc_defaults>
      <meta_attributes id="rsc-options">
        <!--# rsc defaults comment-->
        <nvpair name="resource-stickiness" value="100" id="rsc-options-resource-stickiness"/>
      </meta_attributes>
    </rsc_defaults>
    <alerts>
      <alert id="a1" path="/bin/true"><!--# alert comment--></alert>
    </alerts>
    <tags>
      <tag id="t1">
        <!--# tag comment-->
        <obj_ref id="d1"/>
      </tag>
    </tags>
    <acls>
      <acl_role id="r1"><!--# role comment--><acl_permission id="p1" kind="read" xpath="/cib"/></acl_role>
      <acl_target id="u1"><!--# target comment--><role id="r1"/></acl_target>
    </acls>
  </configuration>
  <status/>
</cib>
"""


def _comments_by_parent(xml: bytes) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for comment in etree.fromstring(xml).iter(etree.Comment):
        parent = comment.getparent()
        assert parent is not None
        key = str(parent.get("id", parent.tag))
        found.setdefault(key, []).append(str(comment.text))
    return found


def test_comments_read_into_the_objects_that_own_them() -> None:
    cfg = decode_cib(CRMSH_WRITTEN).configuration
    group, clone = cfg.resources
    assert isinstance(group, Group) and isinstance(clone, Clone)
    assert group.comments == ("# group comment",)
    assert group.children[0].comments == ("# comment for d1", "# second line for d1")
    assert group.children[1].comments == ()
    assert clone.comments == ("# clone comment",)
    assert clone.child.comments == ()
    assert cfg.nodes[0].comments == ("# comment on node",)
    assert cfg.templates[0].comments == ("# template comment",)
    assert [c.comments for c in cfg.constraints] == [("# location comment",), ("# order comment",)]
    assert cfg.fencing_topology_comments == ("# fencing comment",)
    block = cfg.crm_config[0]
    assert isinstance(block, NvSet) and block.comments == ("# property comment",)
    defaults = cfg.rsc_defaults[0]
    assert isinstance(defaults, NvSet) and defaults.comments == ("# rsc defaults comment",)
    assert cfg.alerts[0].comments == ("# alert comment",)
    assert cfg.tags[0].comments == ("# tag comment",)
    assert [a.comments for a in cfg.acls] == [("# role comment",), ("# target comment",)]


def test_comments_are_written_where_crmsh_writes_them() -> None:
    cib = decode_cib(CRMSH_WRITTEN)
    written = encode_cib(cib)
    assert _comments_by_parent(written) == _comments_by_parent(CRMSH_WRITTEN.encode())
    for comment in etree.fromstring(written).iter(etree.Comment):
        parent = comment.getparent()
        assert parent is not None
        assert all(isinstance(c, etree._Comment) for c in parent[: parent.index(comment)])
    assert decode_cib(written) == cib


def test_a_comment_change_is_a_configuration_change() -> None:
    cib = decode_cib(CRMSH_WRITTEN)
    edited = decode_cib(CRMSH_WRITTEN.replace("# clone comment", "# cloned"))
    assert edited.configuration != cib.configuration


def _cib(resources: str) -> str:
    return (
        '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        "<configuration><crm_config/><nodes/>"
        f"<resources>{resources}</resources><constraints/></configuration></cib>"
    )


def test_comments_between_objects_go_with_the_next_one_and_trailing_with_the_last() -> None:
    xml = _cib(
        "<!-- first -->"
        '<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>'
        "<!-- before b --><!-- and more -->"
        '<primitive id="b" class="ocf" provider="pacemaker" type="Dummy"><!--inside b--></primitive>'
        "<!-- after everything -->"
    )
    a, b = decode_cib(xml).configuration.resources
    assert a.comments == (" first ",)
    assert b.comments == (" before b ", " and more ", "inside b", " after everything ")


def test_comments_deep_inside_an_object_belong_to_it() -> None:
    xml = _cib(
        '<primitive id="a" class="ocf" provider="pacemaker" type="Dummy">'
        '<instance_attributes id="a-ia"><!--params--><nvpair id="a-p" name="p" value="1"/>'
        "</instance_attributes>"
        '<operations><!--ops--><op id="a-m" name="monitor" interval="10s"/></operations>'
        "</primitive>"
    )
    (a,) = decode_cib(xml).configuration.resources
    assert isinstance(a, Primitive)
    assert a.comments == ("params", "ops")
    block = a.instance_attributes[0]
    assert isinstance(block, NvSet) and block.comments == ()


def test_comments_outside_every_object_go_with_the_next_object() -> None:
    xml = (
        '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        "<!-- about the file --><configuration><!-- about the configuration -->"
        "<crm_config><!-- empty section --></crm_config><nodes/><resources>"
        '<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"><!-- own --></primitive>'
        "</resources><constraints/><!-- at the end --></configuration>"
        "<status><!-- the cluster's, not kept --></status><!-- after all --></cib>"
    )
    cib = decode_cib(xml)
    (a,) = cib.configuration.resources
    assert a.comments == (
        " about the file ",
        " about the configuration ",
        " empty section ",
        " own ",
        " at the end ",
        " after all ",
    )
    assert decode_cib(encode_cib(cib)) == cib


def test_comments_of_an_empty_fencing_topology_are_kept() -> None:
    """The section is one object even with no level (the schema allows that)."""
    xml = (
        '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        "<configuration><crm_config/><nodes/><resources/><constraints/>"
        "<fencing-topology><!-- levels to come --></fencing-topology></configuration></cib>"
    )
    cib = decode_cib(xml)
    assert cib.configuration.fencing_topology_comments == (" levels to come ",)
    assert decode_cib(encode_cib(cib)) == cib


def test_comments_with_no_object_to_go_with_are_not_kept() -> None:
    xml = _cib("<!-- nothing follows -->")
    assert b"<!--" not in encode_cib(decode_cib(xml))


def test_errors_still_name_the_line_when_comments_moved() -> None:
    xml = _cib("<!-- a -->\n<primitive id='a' class='ocf' type='Dummy' bogus='1'/>")
    with pytest.raises(ConfigError) as caught:
        decode_cib(xml)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    "name",
    [
        "bug-cl-5212",
        "bug-cl-5213",
        "bug-lf-2153",
        "colocation-influence",
        "dc-fence-ordering",
        "force-anon-clone-max",
        "location-date-rules-2",
        "nested-remote-recovery",
        "nvpair-date-rules-1",
        "per-op-failcount",
        "utilization-complex",
        "utilization-shuffle",
        "value-source",
        "year-2038",
    ],
)
def test_corpus_comments_outside_the_status_are_kept(name: str) -> None:
    path = CORPUS / f"{name}.xml"
    original = etree.fromstring(path.read_bytes())
    expected = sorted(
        str(c.text)
        for c in original.iter(etree.Comment)
        if not any(a.tag == "status" for a in c.iterancestors())
    )
    assert expected, "the corpus file has no comment to keep"
    written = etree.fromstring(encode_cib(decode_cib(path.read_bytes(), file=name)))
    assert sorted(str(c.text) for c in written.iter(etree.Comment)) == expected
