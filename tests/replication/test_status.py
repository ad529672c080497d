"""/proc/drbd and drbdadm status layouts."""

from __future__ import annotations

from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.status import (
    Progress,
    VolumeStatus,
    drbdadm_status,
    dstate_line,
    proc_drbd,
    role_line,
)

UP = DiskState.UP_TO_DATE


def vol(**kw: object) -> VolumeStatus:
    base: dict[str, object] = {
        "name": "r0",
        "minor": 1,
        "cstate": ConnState.CONNECTED,
        "role": Role.PRIMARY,
        "peer_role": Role.SECONDARY,
        "disk": UP,
        "peer_disk": UP,
        "peer_name": "node2",
    }
    base.update(kw)
    return VolumeStatus(**base)  # type: ignore[arg-type]


def test_proc_drbd_connected() -> None:
    text = proc_drbd([vol(counters={"dr": 656, "ep": 1})])
    lines = text.splitlines()
    assert lines[2] == " 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----"
    assert lines[3] == ("    ns:0 nr:0 dw:0 dr:656 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0")


def test_proc_drbd_resync_progress_bar() -> None:
    p = Progress(total_kib=303096, left_kib=246420, speed_kib=5400, avg_kib=5100, want_kib=10240)
    text = proc_drbd(
        [
            vol(
                cstate=ConnState.SYNC_TARGET,
                role=Role.SECONDARY,
                disk=DiskState.INCONSISTENT,
                progress=p,
            )
        ]
    )
    bar, finish = text.splitlines()[4:6]
    assert bar == "\t[==>.................] sync'ed: 18.6% (246420/303096)K"
    assert finish == "\tfinish: 0:00:45 speed: 5,400 (5,100) want: 10,240 K/sec"


def test_proc_blank_line_between_non_consecutive_minors() -> None:
    lines = proc_drbd([vol(minor=0), vol(minor=3)]).splitlines()
    assert lines[4] == "" and lines[5].startswith(" 3: cs:")


def test_drbdadm_status_layouts() -> None:
    assert drbdadm_status(vol()) == (
        "r0 role:Primary\n  disk:UpToDate\n  node2 role:Secondary\n    peer-disk:UpToDate\n"
    )
    assert drbdadm_status(vol(cstate=ConnState.WF_CONNECTION, peer_disk=DiskState.DUNKNOWN)) == (
        "r0 role:Primary\n  disk:UpToDate\n  node2 connection:Connecting\n"
    )
    p = Progress(1000, 578, 1, 1, 1)
    s = drbdadm_status(
        vol(cstate=ConnState.SYNC_SOURCE, peer_disk=DiskState.INCONSISTENT, progress=p)
    )
    assert s.splitlines()[-1] == "    replication:SyncSource peer-disk:Inconsistent done:42.20"
    assert role_line(vol()) == "Primary/Secondary" and dstate_line(vol()) == "UpToDate/UpToDate"


def test_events2_exists_then_changes_then_destroy() -> None:
    from paceline.replication.status import event_objects, events2

    first = event_objects(vol(peer_node_id=2))
    lines = events2({}, first, exists=True)
    assert lines == [
        "exists resource name:r0 role:Primary suspended:no",
        "exists connection name:r0 peer-node-id:2 conn-name:node2 connection:Connected"
        " role:Secondary",
        "exists device name:r0 volume:0 minor:1 disk:UpToDate",
        "exists peer-device name:r0 peer-node-id:2 conn-name:node2 volume:0"
        " replication:Established peer-disk:UpToDate resync-suspended:no",
    ]
    cut = event_objects(
        vol(peer_node_id=2, cstate=ConnState.WF_CONNECTION, peer_disk=DiskState.DUNKNOWN)
    )
    assert events2(first, cut) == [
        "change connection name:r0 peer-node-id:2 conn-name:node2 connection:Connecting"
        " role:Unknown",
        "change peer-device name:r0 peer-node-id:2 conn-name:node2 volume:0"
        " replication:Off peer-disk:DUnknown",
    ]
    assert events2(cut, cut) == []
    assert events2(cut, {}) == [
        "destroy peer-device name:r0 peer-node-id:2 conn-name:node2 volume:0",
        "destroy device name:r0 volume:0 minor:1",
        "destroy connection name:r0 peer-node-id:2 conn-name:node2",
        "destroy resource name:r0",
    ]
    assert events2({}, cut)[0].startswith("create resource name:r0")


def test_events2_shows_resync_progress() -> None:
    from paceline.replication.status import event_objects

    p = Progress(total_kib=1000, left_kib=250, speed_kib=10, avg_kib=10, want_kib=10)
    objs = event_objects(vol(cstate=ConnState.SYNC_SOURCE, progress=p))
    assert objs["peer-device"]["replication"] == "SyncSource"
    assert objs["peer-device"]["done"] == "75.00"


def test_a_detached_volume_is_still_configured_in_proc_drbd() -> None:
    text = proc_drbd([vol(cstate=ConnState.STAND_ALONE, disk=DiskState.DISKLESS,
                          role=Role.SECONDARY, peer_role=Role.UNKNOWN,
                          peer_disk=DiskState.DUNKNOWN)])  # fmt: skip
    assert " 1: cs:StandAlone ro:Secondary/Unknown ds:Diskless/DUnknown C r-----" in text
