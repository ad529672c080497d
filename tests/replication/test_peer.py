"""The volume core on its own: two cores wired by hand, disks completing in order."""

from __future__ import annotations

import errno
from random import Random

import pytest

from paceline.core.errors import StateError
from paceline.core.ids import NodeId
from paceline.core.ports import BlockCompletion, BlockOp, BlockRequest
from paceline.replication import wire
from paceline.replication.gi import Policies
from paceline.replication.peer import VolumeConfig, VolumeCore
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.volstate import (
    DurableMeta,
    HandshakeDone,
    IoDone,
    MetaWrite,
    PeerError,
    Refused,
    SplitBrain,
    SyncFinished,
    VerifyFinished,
)

SIZE = 32
BLOCK = 4096


class Node:
    """One core, its metadata area and a disk that completes requests when ``run`` says."""

    def __init__(self, me: int, meta: DurableMeta | None = None, **options: object) -> None:
        options.setdefault("resync_rate_kib", 100_000)
        self.config = VolumeConfig("r0", NodeId(me), NodeId(3 - me), SIZE, **options)  # type: ignore[arg-type]
        self.meta = meta or DurableMeta.create(SIZE)
        self.rng = Random(me)
        self.core = VolumeCore(self.config, self.meta, self.rng, 0.0)
        self.blocks: dict[int, bytes] = {}
        self.queue: list[BlockRequest] = []
        self.events: list[object] = []
        self.fail: set[BlockOp] = set()
        self.out = b""

    def pump(self) -> None:
        for effect in self.core.take_effects():
            if isinstance(effect, MetaWrite):
                self.meta.apply(effect)
            else:
                self.queue.append(effect)
        self.out += self.core.data_to_send()
        while (event := self.core.next_event()) is not None:
            self.events.append(event)

    def complete_disk(self) -> bool:
        if not self.queue:
            return False
        request, self.queue = self.queue[0], self.queue[1:]
        if request.op in self.fail:
            self.core.disk_done(BlockCompletion(request, errno.EIO), 1.0)
        elif request.op is BlockOp.WRITE:
            self.blocks[request.index] = request.data
            self.core.disk_done(BlockCompletion(request), 1.0)
        elif request.op is BlockOp.READ:
            data = self.blocks.get(request.index, bytes(BLOCK))
            self.core.disk_done(BlockCompletion(request, 0, data), 1.0)
        else:
            self.core.disk_done(BlockCompletion(request), 1.0)
        self.pump()
        return True

    def of(self, kind: type) -> list[object]:
        return [e for e in self.events if isinstance(e, kind)]


def connect(a: Node, b: Node) -> None:
    a.core.connection_made(1.0)
    b.core.connection_made(1.0)
    a.pump()
    b.pump()
    settle(a, b)


BUSY = (
    ConnState.SYNC_SOURCE,
    ConnState.SYNC_TARGET,
    ConnState.WF_SYNC_UUID,
    ConnState.VERIFY_S,
    ConnState.VERIFY_T,
)


def settle(a: Node, b: Node, steps: int = 10_000) -> None:
    """Deliver bytes and complete disk requests until nothing moves; while a resync
    runs, advance the clock to the source's next deadline (its pacing)."""
    for _ in range(steps):
        moved = False
        for x, y in ((a, b), (b, a)):
            if x.out and y.core.conn is not None:
                data, x.out = x.out, b""
                y.core.receive_data(data, CLOCK[0])
                y.pump()
                moved = True
            moved = x.complete_disk() or moved
        if moved:
            continue
        syncing = [n for n in (a, b) if n.core.cstate in BUSY]
        if not syncing:
            return
        deadline = min(d for n in syncing if (d := n.core.next_deadline()) is not None)
        CLOCK[0] = max(CLOCK[0], deadline)
        for n in syncing:
            n.core.handle_timer(CLOCK[0])
            n.pump()
    raise AssertionError("no quiescence")


CLOCK = [1.0]


def data(n: int) -> bytes:
    return bytes([n]) * BLOCK


def fresh_pair(**options: object) -> tuple[Node, Node]:
    a, b = Node(1, **options), Node(2, **options)
    a.core.promote(0.0, force=True)
    a.pump()
    b.pump()
    connect(a, b)
    return a, b


def test_initial_full_sync_makes_both_up_to_date() -> None:
    a, b = fresh_pair()
    assert a.of(SyncFinished) and b.of(SyncFinished)
    assert a.core.cstate == b.core.cstate == ConnState.CONNECTED
    assert a.core.disk == b.core.disk == DiskState.UP_TO_DATE
    assert a.core.gi.current >> 1 == b.core.gi.current >> 1
    assert a.core.bitmap.count() == b.core.bitmap.count() == 0


@pytest.mark.parametrize("protocol", ["A", "B", "C"])
def test_write_and_flush_reach_the_peer(protocol: str) -> None:
    a, b = fresh_pair(protocol=protocol)
    w = a.core.write(5, data(7), 1.0)
    f = a.core.flush(1.0)
    a.pump()
    settle(a, b)
    done = {e.rid: e for e in a.of(IoDone)}  # type: ignore[attr-defined]
    assert done[w].error == 0 and done[w].replicated
    assert done[f].error == 0 and done[f].replicated
    assert b.blocks[5] == data(7)
    assert not a.core.conn.tl  # type: ignore[union-attr]  # the barrier released it


def test_disconnected_writes_mark_the_bitmap_and_resync_only_them() -> None:
    a, b = fresh_pair()
    a.core.connection_lost("cut", 2.0)
    b.core.connection_lost("cut", 2.0)
    a.pump()
    b.pump()
    for block in (3, 9):
        a.core.write(block, data(block), 2.0)
    a.pump()
    while a.complete_disk():
        pass
    assert sorted(a.core.bitmap.iter_set()) == [3, 9]
    assert a.meta.bitmap().count() == 2  # persisted
    a.events.clear()
    connect(a, b)
    starts = [e for e in a.events if type(e).__name__ == "SyncStarted"]
    assert [(s.source, s.blocks) for s in starts] == [(True, 2)]  # type: ignore[attr-defined]
    assert b.blocks[3] == data(3) and b.blocks[9] == data(9)
    assert a.core.bitmap.count() == 0 and b.core.cstate == ConnState.CONNECTED


def cut_and_promote_b(a: Node, b: Node) -> None:
    """The link breaks; b is promoted on its own side (a stays Primary)."""
    for n in (a, b):
        n.core.connection_lost("cut", 2.0)
        n.pump()
    b.core.promote(2.0)
    b.pump()


def write_alone(n: Node, block: int) -> None:
    n.core.write(block, data(block), 2.0)
    n.pump()
    while n.complete_disk():
        pass


def test_split_brain_is_detected_and_leaves_both_standalone_with_the_fix() -> None:
    a, b = fresh_pair()
    cut_and_promote_b(a, b)
    write_alone(a, 1)
    write_alone(b, 2)
    connect(a, b)
    for n in (a, b):
        sb = n.of(SplitBrain)
        assert sb and not sb[0].resolved  # type: ignore[attr-defined]
        assert "connect --discard-my-data r0" in sb[0].command  # type: ignore[attr-defined]
        assert n.core.cstate == ConnState.STAND_ALONE
    assert not a.core.wants_connection


def test_after_sb_discard_secondary_resolves_a_one_primary_split_brain() -> None:
    pol = Policies("discard-zero-changes", "discard-secondary", "disconnect")
    a, b = fresh_pair(policies=pol)
    cut_and_promote_b(a, b)
    write_alone(b, 2)
    b.core.demote(2.0)  # b wrote alone, then stepped down; a is still Primary
    b.pump()
    connect(a, b)
    handshakes = a.of(HandshakeDone)
    assert handshakes[-1].split_brain  # type: ignore[attr-defined]
    assert a.of(SplitBrain)[-1].resolved  # type: ignore[attr-defined]
    assert a.core.cstate == b.core.cstate == ConnState.CONNECTED
    assert b.blocks.get(2) != data(2)  # the Secondary's changes were discarded


def test_garbage_from_the_peer_is_a_counted_protocol_error() -> None:
    a = Node(1)
    a.core.connection_made(1.0)
    a.pump()
    a.core.receive_data(b"GARBAGE!" * 10, 1.5)
    a.pump()
    assert a.core.stats["protocol_errors"] == 1
    assert a.of(PeerError) and a.core.wants_close()
    a.core.connection_lost("closed", 1.5)
    assert a.core.wants_connection  # it will try again


def test_wrong_shared_secret_is_refused() -> None:
    a, b = Node(1, shared_secret="one"), Node(2, shared_secret="two")
    connect(a, b)
    assert a.of(PeerError) and b.of(PeerError)
    assert "HMAC" in str(a.of(PeerError)[0])


def test_a_message_out_of_state_is_a_protocol_error() -> None:
    a, b = Node(1), Node(2)
    a.core.connection_made(1.0)
    a.pump()
    codec = wire.WireCodec(NodeId(2), "r0", 0)
    bad = codec.encode(codec.hello(b"n" * 16)) + codec.encode(wire.RsDone((1, 2, 3, 4)))
    a.core.receive_data(bad, 1.0)
    a.pump()
    assert "unexpected RsDone" in str(a.of(PeerError)[0])
    del b


def test_second_connection_is_a_state_error() -> None:
    a = Node(1)
    a.core.connection_made(1.0)
    with pytest.raises(StateError):
        a.core.connection_made(1.0)


def test_promotion_is_refused_while_the_peer_is_primary() -> None:
    a, b = fresh_pair()
    b.core.promote(1.0)
    b.pump()
    settle(a, b)
    assert b.core.role == Role.SECONDARY
    assert "Primary" in str(b.of(Refused)[-1])


def test_switchover_while_connected() -> None:
    a, b = fresh_pair()
    a.core.demote(1.0)
    a.pump()
    settle(a, b)
    b.core.promote(1.0)
    b.pump()
    settle(a, b)
    assert (a.core.role, b.core.role) == (Role.SECONDARY, Role.PRIMARY)
    assert a.core.peer_role == Role.PRIMARY


def test_io_on_a_secondary_is_refused() -> None:
    _a, b = fresh_pair()
    rid = b.core.write(0, data(1), 1.0)
    b.pump()
    assert [e.error for e in b.of(IoDone) if e.rid == rid] == [errno.EROFS]  # type: ignore[attr-defined]


def test_local_write_error_detaches_and_fails_the_request() -> None:
    a, b = fresh_pair()
    a.fail.add(BlockOp.WRITE)
    rid = a.core.write(4, data(4), 1.0)
    a.pump()
    settle(a, b)
    assert a.core.disk == DiskState.DISKLESS
    assert a.core.cstate == ConnState.STAND_ALONE
    done = [e for e in a.of(IoDone) if e.rid == rid]
    assert len(done) == 1
    assert a.meta.flags & 8  # FULL_SYNC: the next attach resyncs everything


def test_crashed_primary_marks_its_activity_log_out_of_sync() -> None:
    a, _b = fresh_pair(al_extent_blocks=4)
    a.core.write(9, data(9), 1.0)
    a.pump()  # the activity log extent is persisted before the write is issued
    assert 2 in a.meta.al
    again = VolumeCore(a.config, a.meta, Random(5), 2.0)  # power cut, reboot
    assert sorted(again.bitmap.iter_set()) == [8, 9, 10, 11]
    assert again.role == Role.SECONDARY and again.disk == DiskState.CONSISTENT


def reconnect(a: Node, b: Node) -> None:
    for n in (a, b):
        n.core.connection_lost("cut", 2.0)
        n.pump()
    connect(a, b)


def test_online_verify_finds_a_block_corrupted_behind_our_back() -> None:
    a, b = fresh_pair(verify_alg="sha1")
    a.core.write(5, data(5), 1.0)
    a.pump()
    settle(a, b)
    b.blocks[5] = b"\x01" + data(5)[1:]  # bit rot on the Secondary
    a.core.verify(1.0)
    a.pump()
    assert a.core.cstate == ConnState.VERIFY_S
    settle(a, b)
    for n in (a, b):
        done = n.of(VerifyFinished)
        assert len(done) == 1 and done[0].found == (5,)  # type: ignore[attr-defined]
        assert done[0].lines == ("Out of sync: start=40, size=8 (sectors)",)  # type: ignore[attr-defined]
        assert n.core.cstate == ConnState.CONNECTED
    reconnect(a, b)  # as drbdadm: disconnect, connect resyncs what verify marked
    assert b.blocks[5] == data(5)
    assert a.core.bitmap.count() == b.core.bitmap.count() == 0


def test_verify_needs_an_algorithm() -> None:
    a, _b = fresh_pair()
    a.core.verify(1.0)
    a.pump()
    assert "Need a verify algorithm" in str(a.of(Refused)[-1])


def test_csums_resync_sends_only_blocks_that_differ() -> None:
    a, b = fresh_pair(csums_alg="md5")
    for n in (a, b):
        n.core.connection_lost("cut", 2.0)
        n.pump()
    write_alone(a, 3)
    write_alone(a, 9)
    b.blocks[9] = data(9)  # the peer already holds block 9 (say, restored from a backup)
    sent = a.core.stats["sent_data"]
    connect(a, b)
    done = [e for e in a.of(SyncFinished) if e.equal]  # type: ignore[attr-defined]
    assert done and done[-1].equal == 1  # type: ignore[attr-defined]
    assert "50 % had equal checksums" in done[-1].summary  # type: ignore[attr-defined]
    assert b.blocks[3] == data(3) and a.core.stats["sent_data"] == sent
