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
