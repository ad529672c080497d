"""Issue 10: the migrations run on the model, and the data goes one way.

Loading CIB XML is XML -> model -> migrate(model); crm text is parse ->
model -> the same migrate(model). So a legacy configuration gives the same
notices, worded the same, and the same model whichever form it came in, and
an XML load keeps every object the migrations did not change as the codec
decoded it (no detour through crm statements).
"""

from __future__ import annotations

from pathlib import Path

from paceline import crm
from paceline.cib.codec import decode_cib
from paceline.cib.model import Cib, Clone, Configuration, Group, NvSet, Primitive
from paceline.crm.migrate import Notice, NoticeKind
from paceline.crm.modernize import Origins, Scope, modernize

DATA = Path(__file__).parent / "data"
XML = DATA / "legacy-cluster.xml"
TEXT = DATA / "legacy-cluster.crm"
# legacy-cluster.crm is legacy-cluster.xml as crm text, objects in the XML
# document order, so the two load to equal models, order included.
HERE = {"lsb:mariadb", "ocf:heartbeat:Filesystem", "ocf:heartbeat:Dummy"}


def agent_exists(spec: str) -> bool:
    return spec in HERE


def filesystem_supported(fstype: str) -> bool:
    return fstype == "ext4"


def _decoded() -> Cib:
    return decode_cib(XML.read_bytes(), file=XML.name)


def _from_xml() -> tuple[Cib, list[Notice]]:
    return crm.load_cib(
        Cib(),
        _decoded(),
        "replace",
        file=XML.name,
        agent_exists=agent_exists,
        filesystem_supported=filesystem_supported,
    )


def _from_text() -> tuple[Cib, list[Notice]]:
    return crm.load(
        Cib(),
        TEXT.read_text(),
        "replace",
        file=TEXT.name,
        agent_exists=agent_exists,
        filesystem_supported=filesystem_supported,
    )


def _said(notices: list[Notice]) -> list[tuple[NoticeKind, str, str]]:
    return [(n.kind, n.what, n.why) for n in notices]


def test_the_same_legacy_config_as_crm_text_and_as_xml_gives_the_same_notices_and_model() -> None:
    from_xml, xml_notices = _from_xml()
    from_text, text_notices = _from_text()
    assert from_xml.configuration == from_text.configuration
    assert _said(xml_notices) == _said(text_notices)
    whats = [n.what for n in xml_notices]
    assert whats == [
        "property dc-version=2.0.1-9e909a5bdd not stored",
        "property default-resource-stickiness=100 moved to rsc_defaults resource-stickiness=100",
        "ms ms_drbd: written as clone ms_drbd meta promotable=true",
        "ms ms_drbd: master-max=1 written as promoted-max=1",
        "primitive drbd: agent ocf:linbit:drbd replaced by ocf:paceline:drbd",
        "primitive fs: fstype reiserfs replaced by ext4",
        "primitive mysql: agent lsb:mysql replaced by lsb:mariadb",
        "rsc_defaults rsc-options: target-role=Slave written as Unpromoted",
    ]
    # each form says where: crm text its lines, XML its file
    assert {n.file for n in xml_notices} == {XML.name}
    assert [n.line for n in text_notices] == [2, 3, 7, 8, 9, 13, 14, 21]
    assert all(n.file == TEXT.name for n in text_notices)


def test_an_xml_load_keeps_what_no_migration_changed_as_decoded() -> None:
    decoded = _decoded()
    cib, notices = crm.load_cib(Cib(), decoded, "replace", file=XML.name, agent_exists=agent_exists)
    assert notices  # drbd, mysql, ms, properties were migrated ...
    before, after = decoded.configuration, cib.configuration
    # ... but the group holding only mysql's change is rebuilt around it alone,
    # and what nothing touched is the very object the codec made
    assert after.nodes is before.nodes
    assert after.constraints is before.constraints
    assert after.resources[2] is before.resources[2]  # dummy
    webapp_before, webapp_after = before.resources[1], after.resources[1]
    assert isinstance(webapp_before, Group) and isinstance(webapp_after, Group)
    assert webapp_after.children[0] is webapp_before.children[0]  # fs: no fs predicate
    assert webapp_after.children[1] is not webapp_before.children[1]  # mysql: substituted


def test_modernize_takes_a_configuration_and_returns_one() -> None:
    config = _decoded().configuration
    assert isinstance(config, Configuration)
    migration = modernize(config, None, agent_exists, filesystem_supported=filesystem_supported)
    assert isinstance(migration.config, Configuration)
    ms = migration.config.resources[0]
    assert isinstance(ms, Clone) and not ms.legacy_master
    assert [n.kind for n in migration.notices()].count(NoticeKind.SUBSTITUTED) == 3
    # nothing to do: the configuration itself comes back, with no notices
    again = modernize(
        migration.config, None, agent_exists, filesystem_supported=filesystem_supported
    )
    assert again.config is migration.config
    assert again.notices() == []


def test_a_scope_migrates_only_the_objects_an_edit_defined() -> None:
    config = _decoded().configuration
    migration = modernize(
        config,
        None,
        agent_exists,
        scope=Scope(resources=frozenset({"mysql"})),
        origins=Origins("edit.crm"),
    )
    assert [n.what for n in migration.notices()] == [
        "primitive mysql: agent lsb:mysql replaced by lsb:mariadb"
    ]
    ms = migration.config.resources[0]
    assert isinstance(ms, Clone) and ms.legacy_master  # not in the scope: as it was
    assert isinstance(ms.child, Primitive) and ms.child.provider == "linbit"
    assert migration.config.crm_config == config.crm_config


def test_a_one_shot_legacy_property_moves_into_the_existing_defaults_block() -> None:
    base, _ = crm.load(Cib(), "rsc_defaults rsc_defaults-options: migration-threshold=3\n")
    cib, notices = crm.apply_statement(base, "property default-resource-stickiness=50")
    assert [n.kind for n in notices] == [NoticeKind.MOVED]
    (block,) = cib.configuration.rsc_defaults
    assert isinstance(block, NvSet)
    assert block.id == "rsc_defaults-options"
    assert (block.get("migration-threshold"), block.get("resource-stickiness")) == ("3", "50")
