"""crm text meets deprecated cluster properties with the CIB upgrade's table
(``paceline.cib.upgrade.CLUSTER_PROPERTIES``) plus what is crm's own."""

from __future__ import annotations

from paceline.cib.model import Cib, NvPair, NvSet, first_value
from paceline.cib.upgrade import CLUSTER_PROPERTIES, Fate
from paceline.crm import PROPERTY_MIGRATIONS, NoticeKind, load
from paceline.crm.migrate import CRM_PROPERTIES, find_property_migration


def test_one_table_for_both_layers() -> None:
    assert PROPERTY_MIGRATIONS[: len(CLUSTER_PROPERTIES)] == CLUSTER_PROPERTIES
    assert PROPERTY_MIGRATIONS[len(CLUSTER_PROPERTIES) :] == CRM_PROPERTIES
    assert {r.old for r in CRM_PROPERTIES}.isdisjoint({r.old for r in CLUSTER_PROPERTIES})
    assert all(
        r.fate in (Fate.RENAME, Fate.RSC_DEFAULTS, Fate.OP_DEFAULTS, Fate.DROP)
        for r in PROPERTY_MIGRATIONS
    )
    assert all(r.why for r in PROPERTY_MIGRATIONS)


def test_dc_version_is_crm_only() -> None:
    entry = find_property_migration("dc-version", "2.1.5")
    assert entry is not None and entry.fate is Fate.DROP
    assert all(r.old != "dc-version" for r in CLUSTER_PROPERTIES)


def test_values_match_as_pacemaker_does() -> None:
    """Exactly, case included (upgrade-2.10.xsl's in-case-of)."""
    moved = find_property_migration("default-resource-failure-stickiness", "-INFINITY")
    assert moved is not None and moved.fate is Fate.RSC_DEFAULTS
    dropped = find_property_migration("default-resource-failure-stickiness", "-infinity")
    assert dropped is not None and dropped.fate is Fate.DROP
    assert find_property_migration("cluster-infrastructure", "openais") is not None
    assert find_property_migration("cluster-infrastructure", "OpenAIS") is None
    assert find_property_migration("cluster-infrastructure", "corosync") is None


def test_load_applies_the_shared_table() -> None:
    text = (
        "property cib-bootstrap-options: "
        "default_resource_failure_stickiness=-INFINITY default_migration_threshold=3 "
        "stonith_enabled=false cluster-infrastructure=corosync\n"
    )
    cib, notices = load(Cib(), text)
    cfg = cib.configuration
    props = cfg.crm_config[0]
    assert isinstance(props, NvSet)
    assert [(p.name, p.value) for p in props.nvpairs if isinstance(p, NvPair)] == [
        ("stonith-enabled", "false"),
        ("cluster-infrastructure", "corosync"),
    ]
    assert first_value(cfg.rsc_defaults, "migration-threshold") == "1"
    assert [(n.kind, n.what) for n in notices] == [
        (
            NoticeKind.MOVED,
            "property default_resource_failure_stickiness=-INFINITY moved to rsc_defaults "
            "migration-threshold=1",
        ),
        (NoticeKind.DROPPED, "property default_migration_threshold=3 not stored"),
        (NoticeKind.RENAMED, "property stonith_enabled=false stored as stonith-enabled=false"),
    ]
