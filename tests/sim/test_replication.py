"""The replicated volume in the simulator: seeds pass, and every checker catches a broken core."""

from __future__ import annotations

import pytest

from paceline.replication import gi, peer, wire
from paceline.replication.completion import Ev
from paceline.replication.peer import VolumeCore
from paceline.sim.replication import FAULTS, Fault, Settings, draw_faults, run

SEEDS = 200
"""The issue asks for >= 200 seeds in CI, each with several faults (~0.1 s a seed)."""


def names(result: object) -> set[str]:
    return {v.checker for v in result.violations}  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", range(1, SEEDS + 1))
def test_random_faults_pass_every_checker(seed: int) -> None:
    result = run(seed)
    assert result.ok, "\n".join(map(str, result.violations))


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["A", "B", "C"])
def test_more_seeds_more_faults(protocol: str) -> None:
    failed = []
    for seed in range(1000, 1040):
        result = run(seed, count=8, settings=Settings(protocol=protocol, csums_alg="md5"))
        if not result.ok:
            failed.append(f"{seed}: {result.violations[0]}")
    assert not failed, failed


def test_same_seed_same_trace() -> None:
    assert run(7).trace == run(7).trace


def test_the_faults_drawn_cover_every_kind() -> None:
    from random import Random

    seen = {f.kind for seed in range(30) for f in draw_faults(Random(seed), 4, 0.3, 2.0)}
    assert seen == set(FAULTS)


# -- scripted scenarios, each run on the real core (passes) and a broken one (caught) --------

SECONDARY_CRASH_THEN_FAILOVER = [
    Fault("crash", 1.0, 0.3, "n2"),
    Fault("failover", 2.0, 0.4, "n1"),
]
POWER_CUT = [Fault("power", 1.0, 0.3, "n1")]
PROMOTE_WHILE_PRIMARY = [Fault("promote", 1.0, 0.0, "n2")]
CUT = [Fault("cut", 0.8, 1.0, "n1")]
SPLIT_BRAIN = [Fault("split-brain", 0.8, 1.5, "n2")]


class AcksBeforeWriting(VolumeCore):
    """A Secondary that acknowledges writes and barriers on receipt, before its disk has them."""

    def _on_data(self, m: wire.Data, now: float) -> None:
        self._send(wire.WriteAck(m.seq))
        self._queue(peer.BlockRequest.write(m.block, m.data), lambda completion: None)

    def _on_barrier(self, m: wire.Barrier, now: float) -> None:
        self._send(wire.BarrierAck(m.epoch, True))


class SkipsTheFlush(VolumeCore):
    """A Primary whose flush returns at once, flushing nothing anywhere."""

    def flush(self, now: float) -> int:
        self._now = now
        req = self.tracker.submit(-1, False)
        self._requests[req.rid] = ("flush", -1)
        self.tracker.inflight[req.rid].connected = True
        self.tracker.inflight[req.rid].peer = 3
        self._feed(req.rid, Ev.LOCAL_DONE)
        return req.rid


class GrantsEverything(VolumeCore):
    """Promotes without asking whether the peer is Primary."""

    def _promote_refusal(self, force: bool) -> str:
        return ""

    def _on_role_request(self, m: wire.RoleRequest, now: float) -> None:
        self._send(wire.RoleReply(m.n, True, ""))

    def _on_state(self, m: wire.State, now: float) -> None:
        pass


class ForgetsTheTransferLog(VolumeCore):
    """Loses track of in-flight writes when the connection breaks (no bitmap bits)."""

    def _lose(self, now: float, reason: str, then: peer.ConnState, *, error: bool = False) -> None:
        if self.conn is not None:
            self.conn.tl.clear()
        saved = self.bitmap.set
        self.bitmap.set = lambda block: False  # type: ignore[method-assign]
        try:
            super()._lose(now, reason, then, error=error)
        finally:
            self.bitmap.set = saved  # type: ignore[method-assign]


class IgnoresSplitBrain(VolumeCore):
    """Treats a split brain as an ordinary resync, silently discarding one side."""

    def _decide(self, now: float) -> None:
        real = peer.sync_handshake

        def quiet(me: gi.Side, other: gi.Side, pol: gi.Policies, rc: bool) -> gi.Decision:
            d = real(me, other, pol, rc)
            if d.split_brain:
                hg = 1 if rc else -1
                outcome = gi.Outcome.SOURCE if hg > 0 else gi.Outcome.TARGET
                return gi.Decision(hg, d.rule, outcome)
            return d

        peer.sync_handshake = quiet  # type: ignore[assignment]
        try:
            super()._decide(now)
        finally:
            peer.sync_handshake = real


@pytest.mark.parametrize(
    ("broken", "faults", "protocol", "checker"),
    [
        (AcksBeforeWriting, SECONDARY_CRASH_THEN_FAILOVER, "C", "S2-no-lost-write"),
        (SkipsTheFlush, POWER_CUT, "C", "S2-no-lost-write"),
        (GrantsEverything, PROMOTE_WHILE_PRIMARY, "C", "S1-one-primary"),
        # protocol A keeps writing into the dead link: the transfer log is long
        (ForgetsTheTransferLog, CUT, "A", "S3-replicas-identical"),
        (IgnoresSplitBrain, SPLIT_BRAIN, "C", "S7-split-brain-detected"),
    ],
    ids=lambda x: x.__name__ if isinstance(x, type) else None,
)
def test_checker_catches_a_broken_core(
    broken: type[VolumeCore], faults: list[Fault], protocol: str, checker: str
) -> None:
    settings = Settings(protocol=protocol)
    good = [run(seed, faults=faults, settings=settings) for seed in (1, 2, 3)]
    assert all(r.ok for r in good), [str(v) for r in good for v in r.violations]
    bad = [run(seed, faults=faults, factory=broken, settings=settings) for seed in (1, 2, 3)]
    assert any(checker in names(r) for r in bad), [str(v) for r in bad for v in r.violations]


def test_protocol_a_and_b_pass_too() -> None:
    for protocol in ("A", "B"):
        for seed in (1, 2, 3, 4):
            result = run(seed, settings=Settings(protocol=protocol))
            assert result.ok, (protocol, seed, [str(v) for v in result.violations])


def test_regression_seed_183_invalidate_remote_while_the_link_is_already_cut() -> None:
    """invalidate-remote on the Primary after the link broke but before the ping timeout:
    its SyncUuid was lost, the still UpToDate peer was promoted, and the next handshake
    (rule 70) silently discarded the first Primary's writes. Now the target discards its
    data before the source starts (``verbs.py``), so this is a detected split brain."""
    result = run(183)
    assert result.ok, "\n".join(map(str, result.violations))
    assert "invalidate-remote" in result.scenario or "invalidate-remote" in str(result.trace)


@pytest.mark.parametrize("seed", [2020, 2049])
def test_regression_the_nemesis_never_discards_the_last_good_copy(seed: int) -> None:
    """Seed 2020: a failed disk, then invalidate of the only good copy; 2049: eio racing
    an invalidate-remote. Both left two Inconsistent disks (S3 failed): a double fault
    by design, which the nemesis now avoids, as it already did for eio."""
    result = run(seed, count=8, settings=Settings(protocol="A", csums_alg="md5"))
    assert result.ok, "\n".join(map(str, result.violations))
