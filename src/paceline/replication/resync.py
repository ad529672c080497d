"""Resync pacing, checksum-based resync and online verify bookkeeping (pure).

``specs/drbd.md`` §4.2-§4.4. ``Pacer`` spends a fixed ``resync-rate``
(KiB/s, as with ``c-plan-ahead 0``) in 4 KiB blocks and says when it may
next send (``next_deadline``). ``digest`` uses the configured kernel digest
names. ``out_of_sync_lines`` coalesces contiguous mismatches as DRBD logs
them, in 512-byte sectors.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable

BLOCK_KIB = 4
SECTORS_PER_BLOCK = 8


def digest(alg: str, data: bytes) -> bytes:
    """The ``csums-alg``/``verify-alg`` digest of ``data``."""
    if alg in ("crc32", "crc32c"):
        # crc32c is not in the standard library; both ends use the same function
        return zlib.crc32(data).to_bytes(4, "little")
    if alg in ("md5", "sha1", "sha256", "sha512"):
        return hashlib.new(alg, data).digest()
    raise ValueError(f"unknown digest {alg!r}")


class Pacer:
    """A fixed-rate budget: ``take(now)`` says how many blocks may go now."""

    def __init__(self, rate_kib: int, now: float, burst_blocks: int = 64) -> None:
        if rate_kib <= 0:
            raise ValueError("resync-rate must be > 0")
        self.rate_blocks = rate_kib / BLOCK_KIB
        self.burst = burst_blocks
        self.credit = 0.0
        self.last = now

    def take(self, now: float, wanted: int) -> int:
        self.credit = min(self.burst, self.credit + (now - self.last) * self.rate_blocks)
        self.last = now
        n = min(wanted, int(self.credit))
        self.credit -= n
        return n

    def next_deadline(self, blocks: int = 1) -> float:
        """When at least ``blocks`` more blocks will be allowed (at most ``burst``)."""
        missing = max(0.0, min(blocks, self.burst) - self.credit)
        return self.last + missing / self.rate_blocks


def out_of_sync_lines(blocks: Iterable[int]) -> list[str]:
    """``Out of sync: start=S, size=N (sectors)`` per run of contiguous blocks."""
    out: list[str] = []
    run_start: int | None = None
    prev = -2
    for b in sorted(set(blocks)):
        if b != prev + 1:
            if run_start is not None:
                out.append(_line(run_start, prev))
            run_start = b
        prev = b
    if run_start is not None:
        out.append(_line(run_start, prev))
    return out


def _line(first: int, last: int) -> str:
    start = first * SECTORS_PER_BLOCK
    size = (last - first + 1) * SECTORS_PER_BLOCK
    return f"Out of sync: start={start}, size={size} (sectors)"


def csums_summary(equal: int, transferred: int) -> str:
    """The log line at the end of a checksum-based resync."""
    total = equal + transferred
    pct = equal * 100 // total if total else 0
    return (
        f"{pct} % had equal checksums, eliminated: {equal * BLOCK_KIB}K; "
        f"transferred {transferred * BLOCK_KIB}K total {total * BLOCK_KIB}K"
    )
