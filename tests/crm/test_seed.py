"""The reference configuration loads verbatim, with exactly the expected notices."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from paceline.cib.codec import encode_cib
from paceline.cib.model import Cib, Clone, Group, OrderKind, Role
from paceline.crm import Notice, NoticeKind, load, show

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-cluster.crm"
HERE = {
    "ocf:paceline:drbd",
    "ocf:heartbeat:IPaddr2",
    "ocf:heartbeat:Filesystem",
    "lsb:apache2",
    "lsb:mariadb",
}
FILESYSTEMS_HERE = {"ext4", "xfs"}  # a current kernel: no ReiserFS

EXPECTED_SHOW = """\
node node1
node node2
primitive apache lsb:apache2
primitive drbd ocf:paceline:drbd \\
\tparams drbd_resource=r0 \\
\top monitor interval=30s
primitive fs Filesystem \\
\tparams device="/dev/drbd/by-res/r0" directory="/var/cluster" fstype=ext4
primitive mysql lsb:mariadb
primitive vip IPaddr2 \\
\tparams ip=192.168.1.64
group webapp vip apache mysql
clone ms_drbd drbd \\
\tmeta promotable=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true
order fs-aft-drbd Mandatory: ms_drbd:promote fs:start
colocation fs-w-drbd inf: fs ms_drbd:Promoted
order webapp-aft-fs Mandatory: fs webapp
colocation webapp-w-fs inf: webapp fs
property cib-bootstrap-options: \\
\tstonith-enabled=false \\
\tno-quorum-policy=ignore
rsc_defaults rsc-options: \\
\tresource-stickiness=100
"""


def load_seed() -> tuple[Cib, list[Notice]]:
    return load(
        Cib(),
        SEED.read_text(),
        file=str(SEED),
        agent_exists=HERE.__contains__,
        filesystem_supported=FILESYSTEMS_HERE.__contains__,
    )


def test_seed_loads_with_exactly_the_expected_notices() -> None:
    _, notices = load_seed()
    summary = [(n.kind, n.line, n.what) for n in notices]
    assert summary == [
        (
            NoticeKind.SUBSTITUTED,
            4,
            "primitive drbd: agent ocf:linbit:drbd replaced by ocf:paceline:drbd",
        ),
        (NoticeKind.SUBSTITUTED, 8, "primitive fs: fstype reiserfs replaced by ext4"),
        (NoticeKind.SUBSTITUTED, 9, "primitive mysql: agent lsb:mysql replaced by lsb:mariadb"),
        # issue 10: the ms is migrated with its role names (verify then agrees)
        (NoticeKind.MODERNIZED, 13, "ms ms_drbd: written as clone ms_drbd meta promotable=true"),
        (NoticeKind.MODERNIZED, 14, "ms ms_drbd: master-max=1 written as promoted-max=1"),
        (NoticeKind.MODERNIZED, 14, "ms ms_drbd: master-node-max=1 written as promoted-node-max=1"),
        (NoticeKind.MODERNIZED, 15, "colocation fs-w-drbd: role Master written as Promoted"),
        (NoticeKind.MODERNIZED, 17, "order fs-aft-drbd: score inf written as kind Mandatory"),
        (NoticeKind.MODERNIZED, 18, "order webapp-aft-fs: score inf written as kind Mandatory"),
        (
            NoticeKind.DROPPED,
            20,
            "property dc-version=1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b not stored",
        ),
        (NoticeKind.DROPPED, 21, "property cluster-infrastructure=openais not stored"),
        (NoticeKind.DROPPED, 22, "property expected-quorum-votes=2 not stored"),
        (
            NoticeKind.MOVED,
            25,
            "property default-resource-stickiness=100 moved to rsc_defaults resource-stickiness=100",
        ),
    ]
    assert all(n.file == str(SEED) and n.why for n in notices)
    assert str(notices[1]) == (
        f"{SEED}:8: primitive fs: fstype reiserfs replaced by ext4 (ReiserFS is not"
        " supported by this kernel (removed from Linux 6.13); ext4 stands in for it)"
    )
    assert str(notices[11]).startswith(f"{SEED}:22: property expected-quorum-votes=2 not stored (")


def test_seed_model() -> None:
    cib, _ = load_seed()
    cfg = cib.configuration
    assert [n.uname for n in cfg.nodes] == ["node1", "node2"]
    assert [r.id for r in cfg.resources] == ["fs", "webapp", "ms_drbd"]
    webapp, ms = cfg.resources[1], cfg.resources[2]
    assert isinstance(webapp, Group) and [c.id for c in webapp.children] == [
        "vip",
        "apache",
        "mysql",
    ]
    assert isinstance(ms, Clone) and not ms.legacy_master and ms.child.id == "drbd"  # issue 10
    assert ms.child.operations[0].id == "drbd-monitor-30s"
    vip = webapp.children[0]
    assert vip.instance_attributes[0].id == "vip-instance_attributes"
    assert vip.instance_attributes[0].nvpairs[0].id == "vip-instance_attributes-ip"
    orders = [c for c in cfg.constraints if c.id.startswith(("fs-aft", "webapp-aft"))]
    assert all(getattr(o, "kind", None) is OrderKind.MANDATORY for o in orders)
    assert all(getattr(o, "score", None) is None for o in orders)
    colocation = next(c for c in cfg.constraints if c.id == "fs-w-drbd")
    assert getattr(colocation, "with_rsc_role", None) is Role.PROMOTED
    assert cib.epoch == 0  # a load stages: the epoch grows at commit (issue 10)


def test_seed_shows_as_crmsh_does_and_round_trips() -> None:
    cib, _ = load_seed()
    text = show(cib)
    assert text == EXPECTED_SHOW
    again, notices = load(
        Cib(),
        text,
        agent_exists=HERE.__contains__,
        filesystem_supported=FILESYSTEMS_HERE.__contains__,
    )
    assert notices == []
    assert show(again) == text
    # show sorts constraints by id: the same objects, in that order
    expected = replace(
        cib.configuration,
        constraints=tuple(sorted(cib.configuration.constraints, key=lambda c: c.id)),
    )
    assert again.configuration == expected


def test_without_a_predicate_nothing_is_substituted() -> None:
    cib, notices = load(Cib(), SEED.read_text(), file=str(SEED))
    assert not any(n.kind is NoticeKind.SUBSTITUTED for n in notices)
    assert "primitive drbd ocf:linbit:drbd" in show(cib)
    assert "primitive mysql lsb:mysql" in show(cib)
    assert "fstype=reiserfs" in show(cib)


@pytest.mark.crmsh
def test_seed_cib_passes_pacemakers_crm_verify(tmp_path: Path) -> None:
    """The CIB the seed loads into is valid for Pacemaker 2.1 (schema and checks)."""
    if shutil.which("crm_verify") is None:
        pytest.skip("pacemaker-cli-utils not installed")
    cib, _ = load_seed()
    path = tmp_path / "cib.xml"
    path.write_bytes(encode_cib(cib))
    done = subprocess.run(
        ["crm_verify", "-x", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_substitution_needs_the_original_absent_and_the_stand_in_available() -> None:
    text = "primitive d ocf:linbit:drbd\nprimitive m lsb:mysql\n"
    # nothing installed: our drbd agent ships with Paceline, MariaDB does not
    cib, notices = load(Cib(), text, agent_exists=lambda agent: False)
    assert [n.what for n in notices] == [
        "primitive d: agent ocf:linbit:drbd replaced by ocf:paceline:drbd"
    ]
    assert "primitive m lsb:mysql" in show(cib)
    # the originals are installed: nothing to replace
    _, notices = load(Cib(), text, agent_exists=lambda agent: True)
    assert notices == []
