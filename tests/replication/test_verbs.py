"""drbdadm's state verbs in the core: primary --force while Connected, invalidate,
invalidate-remote, detach, with DRBD's refusals (two cores wired by hand)."""

from __future__ import annotations

import pytest
from tests.replication.test_peer import CLOCK, Node, connect, data, fresh_pair, settle, write_alone

from paceline.core.ports import BlockOp
from paceline.replication import wire
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.verbs import BUSY, READS_THROUGH_PEER
from paceline.replication.volstate import (
    HandlerCall,
    Refused,
    SyncFinished,
    SyncStarted,
    VerifyFinished,
)


def refusals(n: Node, verb: str) -> list[str]:
    return [e.reason for e in n.of(Refused) if e.what == verb]  # type: ignore[attr-defined]


def cut(a: Node, b: Node) -> None:
    for n in (a, b):
        n.core.connection_lost("cut", 2.0)
        n.pump()


def in_sync(a: Node, b: Node) -> None:
    assert a.core.cstate == b.core.cstate == ConnState.CONNECTED
    assert a.core.disk == b.core.disk == DiskState.UP_TO_DATE
    assert a.core.bitmap.count() == b.core.bitmap.count() == 0
    zero = bytes(4096)
    for block in range(a.config.size):
        assert a.blocks.get(block, zero) == b.blocks.get(block, zero), block


def test_primary_force_while_connected_makes_this_node_the_full_sync_source() -> None:
    a, b = Node(1), Node(2)
    a.blocks = {i: data(i + 1) for i in range(4)}
    connect(a, b)
    assert (a.core.disk, b.core.disk) == (DiskState.INCONSISTENT, DiskState.INCONSISTENT)
    a.core.promote(1.0, force=True)
    a.pump()
    settle(a, b)
    assert a.core.role == Role.PRIMARY and b.core.role == Role.SECONDARY
    started = [e for e in a.of(SyncStarted)]
    assert [(e.source, e.full) for e in started] == [(True, True)]  # type: ignore[attr-defined]
    in_sync(a, b)
    assert b.blocks[3] == data(4)
    assert a.core.stats["connects"] == 1  # no reconnection on the way


def test_primary_without_force_on_inconsistent_connected_data_is_refused() -> None:
    a, b = Node(1), Node(2)
    connect(a, b)
    a.core.promote(1.0)
    a.pump()
    assert a.core.role == Role.SECONDARY
    assert "UpToDate" in refusals(a, "primary")[-1]


def test_primary_force_is_refused_when_the_connected_peer_is_up_to_date() -> None:
    a, b = fresh_pair()
    a.core.demote(1.0)
    a.pump()
    settle(a, b)
    b.core.invalidate(1.0)  # b becomes a full-sync target: Inconsistent while it runs
    b.pump()
    b.core.promote(1.0, force=True)
    b.pump()
    assert b.core.role == Role.SECONDARY
    assert refusals(b, "primary")


def test_invalidate_while_connected_resyncs_everything_from_the_peer() -> None:
    a, b = fresh_pair()
    write_alone(a, 2)  # connected: replicated
    settle(a, b)
    b.blocks[7] = data(99)  # behind the volume's back
    b.core.invalidate(1.0)
    b.pump()
    settle(a, b)
    targets = [e for e in b.of(SyncStarted) if not e.source and e.full]  # type: ignore[attr-defined]
    assert targets and targets[-1].blocks == a.config.size  # type: ignore[attr-defined]
    assert b.of(SyncFinished)
    assert b.blocks[7] == a.blocks.get(7, bytes(4096))
    in_sync(a, b)


def test_invalidate_on_a_primary_is_refused_and_changes_nothing() -> None:
    a, _b = fresh_pair()
    a.core.invalidate(1.0)
    a.pump()
    assert refusals(a, "invalidate") == [READS_THROUGH_PEER]
    assert a.core.disk == DiskState.UP_TO_DATE and a.core.cstate == ConnState.CONNECTED


def test_invalidate_on_both_at_once_is_refused_by_each_peer() -> None:
    """Each discarded its data before asking: both stay Inconsistent, as DRBD's would."""
    a, b = fresh_pair()
    a.core.demote(1.0)
    a.pump()
    settle(a, b)
    a.core.invalidate(1.0)
    b.core.invalidate(1.0)
    a.pump()
    b.pump()
    settle(a, b)
    for n in (a, b):
        assert BUSY in refusals(n, "invalidate")[-1]
        assert n.core.disk == DiskState.INCONSISTENT and n.core.conn is None


def test_invalidate_of_a_disconnected_secondary_makes_it_the_full_sync_target() -> None:
    a, b = fresh_pair()
    cut(a, b)
    b.core.invalidate(2.0)
    b.pump()
    assert b.core.disk == DiskState.INCONSISTENT
    assert b.meta.bitmap().count() == b.config.size  # persisted before anything else
    connect(a, b)
    last = b.of(SyncStarted)[-1]
    assert not last.source and last.blocks == b.config.size  # type: ignore[attr-defined]
    in_sync(a, b)


def test_invalidate_needs_protocol_2() -> None:
    old = wire.PROTOCOL_VERSION_MAX
    wire.PROTOCOL_VERSION_MAX = 1  # both ends agree on 1, as with a peer not yet upgraded
    try:
        a, b = fresh_pair()
    finally:
        wire.PROTOCOL_VERSION_MAX = old
    a.core.demote(1.0)
    a.pump()
    settle(a, b)
    a.core.invalidate(1.0)
    a.pump()
    assert "protocol 1" in refusals(a, "invalidate")[-1]


def test_invalidate_remote_while_connected_resyncs_the_peer_fully() -> None:
    a, b = fresh_pair()
    b.blocks[5] = data(42)
    a.core.invalidate_remote(1.0)
    a.pump()
    settle(a, b)
    assert [e.full for e in a.of(SyncStarted)][-1] is True  # type: ignore[attr-defined]
    in_sync(a, b)
    assert b.blocks[5] == a.blocks.get(5, bytes(4096))


def test_invalidate_remote_refusals() -> None:
    a, b = fresh_pair()
    b.core.invalidate_remote(1.0)  # toward a Primary
    b.pump()
    assert "Primary" in refusals(b, "invalidate-remote")[-1]
    cut(a, b)
    b.core.invalidate_remote(2.0)  # a disconnected Secondary
    b.pump()
    assert "disconnected Secondary" in refusals(b, "invalidate-remote")[-1]
    fresh = Node(1)
    fresh.core.invalidate_remote(2.0)
    fresh.pump()
    assert "UpToDate" in refusals(fresh, "invalidate-remote")[-1]


def test_invalidate_remote_of_a_disconnected_primary_resyncs_all_on_connect() -> None:
    a, b = fresh_pair()
    cut(a, b)
    a.core.invalidate_remote(2.0)
    a.pump()
    assert a.meta.bitmap().count() == a.config.size
    b.blocks[1] = data(77)
    connect(a, b)
    in_sync(a, b)


def test_detach_a_secondary_then_nothing_reaches_its_disk() -> None:
    a, b = fresh_pair()
    b.core.detach(1.0)
    b.pump()
    settle(a, b)
    assert b.core.disk == DiskState.DISKLESS and b.core.cstate == ConnState.STAND_ALONE
    assert a.core.cstate == ConnState.WF_CONNECTION and a.core.peer_disk == DiskState.DUNKNOWN
    assert b.meta.flags & 1  # still Consistent on disk: attach resumes from the bitmap
    b.core.detach(1.0)
    b.pump()
    assert refusals(b, "detach") == ["the disk is already Diskless"]


def test_detach_of_a_primary_is_refused() -> None:
    a, _b = fresh_pair()
    a.core.detach(1.0)
    a.pump()
    assert refusals(a, "detach") == [READS_THROUGH_PEER]
    assert a.core.disk == DiskState.UP_TO_DATE


@pytest.mark.parametrize("verb", ["invalidate", "invalidate_remote"])
def test_a_full_sync_cannot_start_while_one_runs(verb: str) -> None:
    a, b = Node(1), Node(2)
    a.core.promote(0.0, force=True)
    a.pump()
    a.core.connection_made(1.0)
    b.core.connection_made(1.0)
    a.pump()
    b.pump()
    for _ in range(20):  # the handshake, but not the whole sync
        for x, y in ((a, b), (b, a)):
            if x.out:
                data_, x.out = x.out, b""
                y.core.receive_data(data_, 1.0)
                y.pump()
    assert a.core.cstate == ConnState.SYNC_SOURCE
    node = a if verb == "invalidate_remote" else b
    getattr(node.core, verb)(1.0)
    node.pump()
    assert refusals(node, verb.replace("_", "-"))


def verify_partly(a: Node, b: Node, now: float) -> float:
    """Run a's verify for 2 s at 10 blocks a second: about 20 of the 32 blocks."""
    for _ in range(40):
        now += 0.05
        for x, y in ((a, b), (b, a)):
            if x.out:
                data_, x.out = x.out, b""
                y.core.receive_data(data_, now)
                y.pump()
            x.complete_disk()
        a.core.handle_timer(now)
        a.pump()
    return now


def test_verify_reports_progress_on_both_sides() -> None:
    a, b = fresh_pair(verify_alg="sha1", resync_rate_kib=40)  # 10 blocks a second
    now = CLOCK[0]
    a.core.verify(now)
    a.pump()
    verify_partly(a, b, now)
    done_a, total_a = a.core.resync_progress()
    done_b, total_b = b.core.resync_progress()
    assert total_a == total_b == a.config.size
    assert 0 < done_a < total_a and 0 < done_b < total_b


def test_a_verify_cut_off_by_the_connection_goes_on_where_it_stopped() -> None:
    a, b = fresh_pair(verify_alg="sha1", resync_rate_kib=40)
    now = CLOCK[0]
    a.core.verify(now)
    a.pump()
    now = verify_partly(a, b, now)
    done, _total = a.core.resync_progress()
    cut(a, b)
    assert 0 < a.core.ov_resume <= done + 1
    a.out = b.out = b""
    connect(a, b)
    resume = a.core.ov_resume
    a.core.verify(CLOCK[0])
    a.pump()
    assert a.core.resync_progress() == (0, a.config.size - resume)  # from there to the end
    settle(a, b)
    assert a.core.ov_resume == 0 and a.of(VerifyFinished)


def failed_write_on_the_secondary(policy: str) -> tuple[Node, Node]:
    a, b = fresh_pair(on_io_error=policy)
    b.fail.add(BlockOp.WRITE)
    a.core.write(4, data(4), 1.0)
    a.pump()
    settle(a, b)
    return a, b


def test_on_io_error_pass_on_keeps_the_disk_inconsistent() -> None:
    a, b = failed_write_on_the_secondary("pass_on")
    # b keeps its disk (not Diskless), Inconsistent, the failed block marked; the
    # Primary drops the connection on the NegAck and marks the block too.
    assert b.core.disk == DiskState.INCONSISTENT and b.core.bitmap.test(4)
    assert a.core.bitmap.test(4) and a.core.cstate == ConnState.WF_CONNECTION
    assert not b.of(HandlerCall)


def test_on_io_error_call_local_io_error_runs_the_handler_then_detaches() -> None:
    _a, b = failed_write_on_the_secondary("call-local-io-error")
    assert [e.name for e in b.of(HandlerCall)] == ["local-io-error"]  # type: ignore[attr-defined]
    assert b.core.disk == DiskState.DISKLESS


def test_res_options_reach_the_core_8_3_syncer_included() -> None:
    from paceline.replication import resconf
    from paceline.runtime.volume_driver import core_config

    res = resconf.parse(
        "resource r0 { protocol C;\n"
        "  syncer { rate 10M; verify-alg sha1; csums-alg md5; }\n"
        "  disk { on-io-error pass_on; }\n"
        "  on a { device /dev/drbd0 minor 0; disk /x; meta-disk internal;"
        " address 198.18.0.1:7789; }\n"
        "  on b { device /dev/drbd0 minor 0; disk /x; meta-disk internal;"
        " address 198.18.0.2:7789; } }\n"
    ).resources["r0"]
    config = core_config(res, res.host("a"), res.host("b"), 100)
    assert (config.resync_rate_kib, config.verify_alg, config.csums_alg) == (10240, "sha1", "md5")
    assert config.on_io_error == "pass_on"


def test_each_sync_on_one_connection_counts_from_zero() -> None:
    """Two syncs on one connection (invalidate twice): each reports only its own blocks."""
    a, b = fresh_pair(csums_alg="md5")
    a.core.demote(1.0)
    a.pump()
    settle(a, b)
    for _ in range(2):
        b.core.invalidate(1.0)
        b.pump()
        settle(a, b)
        last = a.of(SyncFinished)[-1]
        assert (last.blocks, last.equal) == (a.config.size, a.config.size)  # type: ignore[attr-defined]
        assert "100 % had equal checksums" in last.summary  # type: ignore[attr-defined]
