"""Loading CIB XML goes through the same migrations and substitutions as crm text.

A user may bring the CIB XML of their Pacemaker cluster instead of its crm
text; both must load alike (DESIGN.md, Substitutions), with every change
reported, including what reading an older schema changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paceline import crm
from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import Cib, Primitive, find_resource
from paceline.crm.migrate import NoticeKind
from shared_paths import CORPUS

# The crm text path re-indents a multi-line XML comment carried in an `xml`
# statement (trailing blanks); the XML path keeps it as written.
TEXT_PATH_REINDENTS = {"nvpair-date-rules-1"}

CLASSIC = b"""<cib validate-with="pacemaker-1.0" epoch="3" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="dc-version" value="1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b"/>
        <nvpair id="o2" name="default-resource-stickiness" value="100"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <master id="ms_drbd">
        <primitive id="drbd" class="ocf" provider="linbit" type="drbd">
          <instance_attributes id="drbd-ia">
            <nvpair id="drbd-ia-res" name="drbd_resource" value="r0"/>
          </instance_attributes>
        </primitive>
      </master>
      <primitive id="fs" class="ocf" provider="heartbeat" type="Filesystem">
        <instance_attributes id="fs-ia">
          <nvpair id="fs-ia-fstype" name="fstype" value="reiserfs"/>
        </instance_attributes>
      </primitive>
      <primitive id="mysql" class="lsb" type="mysql"/>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
"""


def agent_exists(spec: str) -> bool:
    return spec in {"lsb:mariadb", "ocf:heartbeat:Filesystem"}


def filesystem_supported(fstype: str) -> bool:
    return fstype == "ext4"


def classic() -> Cib:
    return decode_cib(CLASSIC, file="classic.xml")


def agent_of(cib: Cib, rsc: str) -> str:
    found = find_resource(cib.configuration, rsc)
    assert isinstance(found, Primitive)
    provider = f"{found.provider}:" if found.provider else ""
    return f"{found.agent_class}:{provider}{found.agent_type}"


def test_xml_gets_the_substitutions_crm_text_gets() -> None:
    cib, notices = crm.load_cib(
        Cib(),
        classic(),
        "replace",
        file="classic.xml",
        agent_exists=agent_exists,
        filesystem_supported=filesystem_supported,
    )
    assert agent_of(cib, "drbd") == "ocf:paceline:drbd"
    assert agent_of(cib, "mysql") == "lsb:mariadb"
    assert "fstype=ext4" in crm.show(cib)
    kinds = [n.kind for n in notices]
    assert kinds.count(NoticeKind.SUBSTITUTED) == 3
    assert all(n.file == "classic.xml" for n in notices)
    # The same configuration as crm text loads to the same result.
    via_text, _ = crm.load(
        Cib(),
        crm.show(classic(), obscure=()),
        "replace",
        file="classic.crm",
        agent_exists=agent_exists,
        filesystem_supported=filesystem_supported,
    )
    assert crm.show(via_text) == crm.show(cib)


def test_older_schema_changes_are_reported_not_silent() -> None:
    cib, notices = crm.load_cib(Cib(), classic(), "replace", file="classic.xml")
    texts = [str(n) for n in notices]
    # the codec's upgrade moved default-resource-stickiness; crm's table drops dc-version
    assert any("default-resource-stickiness" in t for t in texts), texts
    assert any("dc-version" in t and "not stored" in t for t in texts), texts
    assert "resource-stickiness=100" in crm.show(cib)
    # no predicates: nothing is substituted
    assert agent_of(cib, "drbd") == "ocf:linbit:drbd"


def test_nothing_to_migrate_keeps_the_configuration_exactly() -> None:
    text = b"""<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
      <configuration><crm_config/><nodes/><resources>
        <primitive id="d" class="ocf" provider="pacemaker" type="Dummy">
          <operations><op id="my-odd-op-id" name="monitor" interval="10s"/></operations>
        </primitive></resources><constraints/></configuration><status/></cib>"""
    loaded = decode_cib(text, file="x.xml")
    cib, notices = crm.load_cib(Cib(), loaded, "replace", file="x.xml")
    assert notices == []
    assert cib.configuration == loaded.configuration  # ids not regenerated


def test_update_merges_by_id() -> None:
    base, _ = crm.load(Cib(), "primitive keep Dummy\nprimitive fs Dummy\n", file="base.crm")
    cib, _ = crm.load_cib(base, classic(), "update", file="classic.xml")
    assert find_resource(cib.configuration, "keep") is not None
    assert agent_of(cib, "fs") == "ocf:heartbeat:Filesystem"


def test_the_corpus_is_there() -> None:
    assert len(list(CORPUS.glob("*.xml"))) == 534, CORPUS


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.xml")), ids=lambda p: p.stem)
def test_corpus_xml_and_its_crm_text_load_alike(path: Path) -> None:
    loaded = decode_cib(path.read_bytes(), file=path.name)
    cib, notices = crm.load_cib(Cib(), loaded, "replace", file=path.name)
    encode_cib(cib)  # writable
    if not notices:
        assert cib.configuration == loaded.configuration
        return
    if path.stem in TEXT_PATH_REINDENTS:
        return
    via_text, _ = crm.load(Cib(), crm.show(loaded, obscure=()), "replace", file=path.name)
    assert crm.show(cib, obscure=()) == crm.show(via_text, obscure=())
