"""``#`` comments in crm text: kept with the statement that follows them,
stored as XML comments inside the object's element, shown again before the
object, as crmsh 4.4 does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from show_compare import compare

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import Cib, NvSet, Primitive
from paceline.crm import LoadMode, NoticeKind, apply_statement, load, parse, show, show_objects

# Every kind of object crmsh attaches comments to, written in show order and
# layout, so that show gives it back unchanged.
COMMENTED = """\
# the nodes
node node1
node node2
# a template
rsc_template tpl ocf:pacemaker:Dummy
# comment for d1
# second line for d1
primitive d1 ocf:pacemaker:Dummy \\
\top monitor interval=10s
primitive d2 ocf:pacemaker:Dummy
primitive d3 ocf:pacemaker:Dummy
#no space after the hash
primitive d4 @tpl
# fifth
primitive d5 ocf:pacemaker:Dummy
### banner ###
primitive st stonith:fence_dummy
# group comment
group g1 d1 d2
# clone comment
clone c1 d3
# tag comment
tag t1 d1 d2
# colocation comment
colocation col1 inf: g1 c1
# location comment
location l1 g1 100: node1
# order comment
order o1 Mandatory: g1 c1
# fencing comment
fencing_topology \\
\tnode1: st
# ticket comment
rsc_ticket tk1 ticketA: d2
# property comment
property cib-bootstrap-options: \\
\tstonith-enabled=false
# rsc defaults comment
rsc_defaults rsc-options: \\
\tresource-stickiness=100
# op defaults comment
op_defaults op-options: \\
\ttimeout=30s
# role comment
role r1 \\
\tread cib
# target comment
acl_target u1 \\
\tr1
# alert comment
alert a1 "/bin/true"
"""


def loaded(text: str = COMMENTED) -> Cib:
    cib, notices = load(Cib(), text, file="commented.crm")
    assert notices == []
    return cib


def test_crm_text_with_comments_shows_back_identical() -> None:
    assert show(loaded(), obscure=()) == COMMENTED


def test_comments_survive_the_cib_xml() -> None:
    cib = loaded()
    again = decode_cib(encode_cib(cib))
    assert again.configuration == cib.configuration
    assert show(again) == COMMENTED


def test_comments_are_stored_as_crmsh_stores_them() -> None:
    root = etree.fromstring(encode_cib(loaded()))
    where = {
        str(c.text): str(c.getparent().get("id", c.getparent().tag))  # type: ignore[union-attr]
        for c in root.iter(etree.Comment)
    }
    assert where["# comment for d1"] == "d1"
    assert where["# group comment"] == "g1"
    assert where["# property comment"] == "cib-bootstrap-options"
    assert where["# rsc defaults comment"] == "rsc-options"
    assert where["# fencing comment"] == "fencing-topology"
    assert where["### banner ###"] == "st"
    d1 = root.find(".//primitive[@id='d1']")
    assert d1 is not None
    assert [str(c.text) for c in d1[:2]] == ["# comment for d1", "# second line for d1"]


def test_each_object_keeps_its_own_comments() -> None:
    cfg = loaded().configuration
    by_id = {s.id: s for s in parse(COMMENTED)}
    assert by_id["d1"].comments == ("# comment for d1", "# second line for d1")
    assert by_id["d2"].comments == ()
    node1, node2 = cfg.nodes
    assert (node1.comments, node2.comments) == (("# the nodes",), ())
    block = cfg.crm_config[0]
    assert isinstance(block, NvSet) and block.comments == ("# property comment",)
    assert cfg.fencing_topology_comments == ("# fencing comment",)


def test_shown_objects_carry_their_comments() -> None:
    objects = dict(show_objects(loaded()))
    assert objects["g1"] == "# group comment\ngroup g1 d1 d2"
    assert objects["d2"] == "primitive d2 ocf:pacemaker:Dummy"


def test_a_trailing_comment_is_reported_not_kept() -> None:
    cib, notices = load(Cib(), "primitive a Dummy\n\n# the end\n# really\n", file="f.crm")
    assert show(cib) == "primitive a Dummy\n"
    assert len(notices) == 1
    assert notices[0].kind is NoticeKind.DROPPED
    assert (notices[0].file, notices[0].line) == ("f.crm", 3)


def test_a_blank_line_does_not_detach_a_comment() -> None:
    assert show(loaded("# a\n\nprimitive a Dummy\n")) == "# a\nprimitive a Dummy\n"


def test_an_xml_comment_shows_as_crmsh_shows_it() -> None:
    cib = decode_cib(
        '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        "<configuration><crm_config/><nodes/><resources>"
        '<primitive id="a" class="ocf" provider="pacemaker" type="Dummy">'
        "<!-- plain --><!--#tight--><!--\n  two\n  lines\n-->"
        "</primitive></resources><constraints/></configuration></cib>"
    )
    assert show(cib) == "# plain\n#tight\n# two\n# lines\nprimitive a ocf:pacemaker:Dummy\n"


def test_an_object_shown_as_xml_holds_its_comments_inside() -> None:
    text = "primitive a Dummy\nprimitive b Dummy\n# why\ncolocation c inf: a b\n"
    cib = loaded(text)
    c = cib.configuration.constraints[0]
    from dataclasses import replace

    cib = replace(
        cib, configuration=replace(cib.configuration, constraints=(replace(c, influence="false"),))
    )
    shown = show(cib)
    assert "\n# why" not in shown
    assert "<!--# why-->" in shown
    again = loaded(shown)
    assert again.configuration == cib.configuration


def test_comments_before_an_xml_statement_go_with_its_object() -> None:
    text = '# raw\nxml <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>\n'
    (rsc,) = loaded(text).configuration.resources
    assert rsc.comments == ("# raw",)


def test_a_comment_xml_cannot_hold_is_spaced_out_and_reported() -> None:
    cib, notices = load(Cib(), "# a -- b -\nprimitive a Dummy\n", file="f.crm")
    (rsc,) = cib.configuration.resources
    assert rsc.comments == ("# a - - b - ",)
    assert [n.kind for n in notices] == [NoticeKind.SUBSTITUTED]
    assert decode_cib(encode_cib(cib)).configuration == cib.configuration


def test_update_keeps_or_replaces_comments() -> None:
    cib = loaded("# old\nprimitive a Dummy\n# props\nproperty stonith-enabled=false\n")
    cib, _ = load(
        cib, "# new\nprimitive a Dummy\nproperty no-quorum-policy=stop\n", LoadMode.UPDATE
    )
    (rsc,) = cib.configuration.resources
    assert rsc.comments == ("# new",)
    block = cib.configuration.crm_config[0]
    assert isinstance(block, NvSet) and block.comments == ("# props",)


def test_a_monitor_statement_gives_its_comments_to_the_primitive() -> None:
    cib = loaded("primitive a Dummy\n# watch it\nmonitor a 10s\n")
    (rsc,) = cib.configuration.resources
    assert isinstance(rsc, Primitive) and rsc.comments == ("# watch it",)


def test_a_one_shot_statement_keeps_its_comment() -> None:
    cib, _ = apply_statement(Cib(), "# vip\nprimitive vip Dummy")
    assert show(cib) == "# vip\nprimitive vip Dummy\n"


@pytest.mark.crmsh
def test_show_matches_crmsh_on_a_commented_configuration(tmp_path: Path) -> None:
    """crmsh loads the commented text (``load update``, the way comments are
    kept), then its show and its CIB are compared with ours."""
    if shutil.which("crm") is None or shutil.which("cibadmin") is None:
        pytest.skip("crmsh/pacemaker-cli-utils not installed")
    cib_file = tmp_path / "cib.xml"
    empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True)
    cib_file.write_text(empty.stdout)
    source = tmp_path / "commented.crm"
    source.write_text(COMMENTED)
    env = {**os.environ, "CIB_file": str(cib_file), "TERM": "dumb"}
    subprocess.run(
        ["crm", "configure", "load", "update", str(source)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    done = subprocess.run(
        ["crm", "configure", "show"], env=env, capture_output=True, text=True, timeout=120
    )
    theirs = decode_cib(cib_file.read_bytes(), file=str(cib_file))
    assert theirs.configuration.resources, "crmsh did not commit the configuration"
    result = compare(show(loaded()), done.stdout)
    assert result.equal, (result.ours, result.theirs)
    assert not result.exceptions.keys() - {"crmsh-log"}, result.exceptions
    assert "# group comment" in done.stdout
    ours = loaded()
    assert _comments(theirs) == _comments(ours)


def _comments(cib: Cib) -> list[tuple[str, str]]:
    """(owner id, comment) of every XML comment, sorted."""
    root = etree.fromstring(encode_cib(cib))
    found = []
    for comment in root.iter(etree.Comment):
        parent = comment.getparent()
        assert parent is not None
        found.append((str(parent.get("id", parent.tag)), str(comment.text)))
    return sorted(found)


def test_a_bundle_and_its_primitive_keep_their_comments() -> None:
    text = (
        "# inside\nprimitive d5 ocf:pacemaker:Dummy\n"
        "# the container\nbundle b1 \\\n\tdocker image=img \\\n\tprimitive d5\n"
    )
    cib = loaded(text)
    assert show(cib) == text
    assert decode_cib(encode_cib(cib)).configuration == cib.configuration
