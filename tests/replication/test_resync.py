"""Resync pacing, digests and verify's out-of-sync report."""

from __future__ import annotations

import pytest

from paceline.replication.resync import Pacer, csums_summary, digest, out_of_sync_lines


def test_pacer_spends_the_configured_rate() -> None:
    p = Pacer(400, now=0.0, burst_blocks=1000)  # 400 KiB/s = 100 blocks/s
    sent = 0
    now = 0.0
    while now < 10.0:
        now = max(now + 0.01, p.next_deadline())
        sent += p.take(now, 1000)
    assert 990 <= sent <= 1001  # 10 s at 100 blocks/s
    with pytest.raises(ValueError):
        Pacer(0, 0.0)


def test_digests_differ_on_one_bit() -> None:
    a, b = bytes(4096), bytes(4095) + b"\x01"
    for alg in ("md5", "sha1", "sha256", "crc32c"):
        assert digest(alg, a) != digest(alg, b) and digest(alg, a) == digest(alg, bytes(4096))
    with pytest.raises(ValueError):
        digest("rot13", a)


def test_out_of_sync_runs_in_sectors() -> None:
    assert out_of_sync_lines([5, 3, 4, 10]) == [
        "Out of sync: start=24, size=24 (sectors)",
        "Out of sync: start=80, size=8 (sectors)",
    ]
    assert out_of_sync_lines([]) == []


def test_csums_summary() -> None:
    assert (
        csums_summary(3, 1) == "75 % had equal checksums, eliminated: 12K; transferred 4K total 16K"
    )


def test_pacer_deadline_waits_for_a_quantum_capped_by_the_burst() -> None:
    p = Pacer(400, now=0.0, burst_blocks=8)  # 100 blocks/s
    assert p.next_deadline(5) == pytest.approx(0.05)
    assert p.next_deadline(50) == pytest.approx(0.08)  # never more than the burst
    assert p.take(0.05, 10) == 5
