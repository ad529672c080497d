"""Parameter substitutions (``migrate.PARAMETER_SUBSTITUTIONS``): what a classic
configuration sets that cannot hold here, replaced with a notice, and only
when the caller's predicate says so."""

from __future__ import annotations

import pytest

from paceline.cib.model import Cib, NvSet, Primitive
from paceline.crm import NoticeKind, apply_statement, load, migrate, show
from paceline.crm.migrate import (
    PARAMETER_SUBSTITUTIONS,
    Needs,
    ParameterSubstitution,
    find_parameter_substitution,
)

FS = (
    "primitive fs ocf:heartbeat:Filesystem \\\n"
    '    params device="/dev/drbd1" directory="/var/cluster" fstype="reiserfs"\n'
)
WHY = "ReiserFS is not supported by this kernel (removed from Linux 6.13); ext4 stands in for it"


def supported(*types: str) -> migrate.FilesystemSupported:
    return set(types).__contains__


def fstype(cib: Cib, rsc_id: str = "fs") -> str | None:
    rsc = next(r for r in cib.configuration.resources if r.id == rsc_id)
    assert isinstance(rsc, Primitive)
    block = rsc.instance_attributes[0]
    assert isinstance(block, NvSet)
    return block.get("fstype")


def test_the_table_has_the_reiserfs_entry() -> None:
    entry = find_parameter_substitution(
        "ocf:heartbeat:Filesystem", "fstype", "reiserfs", filesystem_supported=supported("ext4")
    )
    assert entry is PARAMETER_SUBSTITUTIONS[0]
    assert (entry.needs, entry.new_name, entry.new_value, entry.why) == (
        Needs.FILESYSTEM,
        None,
        "ext4",
        WHY,
    )


def test_unsupported_reiserfs_becomes_ext4_with_a_notice_at_its_line() -> None:
    cib, notices = load(Cib(), FS, file="site.crm", filesystem_supported=supported("ext4"))
    assert fstype(cib) == "ext4"
    assert "fstype=ext4" in show(cib)
    assert len(notices) == 1
    notice = notices[0]
    assert notice.kind is NoticeKind.SUBSTITUTED
    assert notice.what == "primitive fs: fstype reiserfs replaced by ext4"
    assert notice.why == WHY
    assert (notice.file, notice.line) == ("site.crm", 2)
    assert str(notice) == f"site.crm:2: primitive fs: fstype reiserfs replaced by ext4 ({WHY})"


def test_the_nvpair_keeps_its_id() -> None:
    cib, _ = load(Cib(), FS, filesystem_supported=supported("ext4"))
    rsc = cib.configuration.resources[0]
    assert isinstance(rsc, Primitive) and isinstance(rsc.instance_attributes[0], NvSet)
    ids = [p.id for p in rsc.instance_attributes[0].nvpairs if hasattr(p, "id")]
    assert ids[-1] == "fs-instance_attributes-fstype"


def test_supported_reiserfs_stays() -> None:
    cib, notices = load(Cib(), FS, filesystem_supported=supported("reiserfs", "ext4"))
    assert fstype(cib) == "reiserfs"
    assert notices == []


def test_no_stand_in_without_ext4_either() -> None:
    """Replacing one unusable filesystem by another would help nobody."""
    cib, notices = load(Cib(), FS, filesystem_supported=supported())
    assert fstype(cib) == "reiserfs"
    assert notices == []


def test_without_a_predicate_nothing_is_substituted() -> None:
    cib, notices = load(Cib(), FS, agent_exists=lambda agent: True)
    assert fstype(cib) == "reiserfs"
    assert notices == []


@pytest.mark.parametrize(
    "text",
    [
        # another agent's fstype is not the Filesystem agent's
        'primitive x ocf:heartbeat:Dummy params fstype="reiserfs"\n',
        # another filesystem type
        'primitive fs ocf:heartbeat:Filesystem params fstype="xfs"\n',
    ],
)
def test_only_what_the_table_names(text: str) -> None:
    _, notices = load(Cib(), text, filesystem_supported=supported("ext4"))
    assert notices == []


def test_short_agent_name_and_templates_are_substituted_too() -> None:
    text = (
        "primitive fs Filesystem params fstype=reiserfs\n"
        "rsc_template t ocf:heartbeat:Filesystem params fstype=reiserfs\n"
    )
    cib, notices = load(Cib(), text, filesystem_supported=supported("ext4"))
    assert [n.what for n in notices] == [
        "primitive fs: fstype reiserfs replaced by ext4",
        "rsc_template t: fstype reiserfs replaced by ext4",
    ]
    assert show(cib).count("fstype=ext4") == 2


def test_one_shot_statement_is_substituted_at_its_line() -> None:
    cib, notices = apply_statement(
        Cib(),
        'primitive fs Filesystem params device=/dev/sdb1 directory=/mnt fstype="reiserfs"',
        file="<shell>",
        filesystem_supported=supported("ext4"),
    )
    assert fstype(cib) == "ext4"
    assert [(n.kind, n.file, n.line, n.what) for n in notices] == [
        (NoticeKind.SUBSTITUTED, "<shell>", 1, "primitive fs: fstype reiserfs replaced by ext4")
    ]


def test_update_load_substitutes_only_what_the_text_brings() -> None:
    base, _ = load(Cib(), FS)  # stored earlier, without a predicate: reiserfs
    assert fstype(base) == "reiserfs"
    cib, notices = load(
        base,
        'primitive other Filesystem params fstype="reiserfs"\n',
        "update",
        filesystem_supported=supported("ext4"),
    )
    assert fstype(cib, "fs") == "reiserfs"  # not in the text: left alone
    assert fstype(cib, "other") == "ext4"
    assert [n.what for n in notices] == ["primitive other: fstype reiserfs replaced by ext4"]


def test_agent_and_parameter_substitutions_both_apply() -> None:
    """Entries match the agent as written, before it is substituted."""
    rename = ParameterSubstitution(
        "ocf:linbit:drbd",
        "drbd_resource",
        None,
        "a test rename",
        Needs.FILESYSTEM,
        new_name="volume",
        new_value="ext4",
    )
    table = (*PARAMETER_SUBSTITUTIONS, rename)
    text = "primitive d ocf:linbit:drbd params drbd_resource=reiserfs\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "PARAMETER_SUBSTITUTIONS", table)
        cib, notices = load(
            Cib(), text, agent_exists=lambda agent: False, filesystem_supported=supported("ext4")
        )
    assert [n.what for n in notices] == [
        "primitive d: agent ocf:linbit:drbd replaced by ocf:paceline:drbd",
        "primitive d: parameter drbd_resource=reiserfs replaced by volume=ext4",
    ]
    assert "primitive d ocf:paceline:drbd \\\n\tparams volume=ext4\n" in show(cib)
    rsc = cib.configuration.resources[0]
    assert isinstance(rsc, Primitive) and isinstance(rsc.instance_attributes[0], NvSet)
    assert [getattr(p, "id", None) for p in rsc.instance_attributes[0].nvpairs] == [
        "d-instance_attributes-volume"
    ]


def test_a_rename_does_not_overwrite_what_the_text_sets() -> None:
    rename = ParameterSubstitution(
        "ocf:heartbeat:Filesystem",
        "fstype",
        "reiserfs",
        "a test rename",
        Needs.FILESYSTEM,
        new_name="options",
        new_value="ext4",
    )
    text = "primitive fs Filesystem params fstype=reiserfs options=noatime\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "PARAMETER_SUBSTITUTIONS", (rename,))
        cib, notices = load(Cib(), text, filesystem_supported=supported("ext4"))
    assert notices == []
    assert "params fstype=reiserfs options=noatime" in show(cib)
