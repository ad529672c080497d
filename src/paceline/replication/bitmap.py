"""The dirty bitmap: one bit per 4 KiB block, set = differs from the peer (pure).

Bits live in memory; ``dirty_pages`` says which 4 KiB bitmap pages changed
since they were last written, so the metadata layer writes only those
(lazily, as DRBD does; the activity log covers what a crash loses).
"""

from __future__ import annotations

from collections.abc import Iterator

BM_BLOCK_SIZE = 4096
PAGE_BITS = BM_BLOCK_SIZE * 8  # bits in one 4 KiB bitmap page


class Bitmap:
    """``nbits`` bits, all clear; ``set``/``clear`` take block numbers."""

    def __init__(self, nbits: int) -> None:
        if nbits < 0:
            raise ValueError("negative bitmap size")
        self.nbits = nbits
        self._bits = bytearray((nbits + 7) // 8)
        self._count = 0
        self.dirty_pages: set[int] = set()

    # -- single bits -------------------------------------------------------

    def _check(self, block: int) -> None:
        if not 0 <= block < self.nbits:
            raise IndexError(f"block {block} outside the bitmap (0..{self.nbits - 1})")

    def test(self, block: int) -> bool:
        self._check(block)
        return bool(self._bits[block >> 3] & (1 << (block & 7)))

    def set(self, block: int) -> bool:
        """Set one bit; True if it was clear."""
        self._check(block)
        byte, mask = block >> 3, 1 << (block & 7)
        if self._bits[byte] & mask:
            return False
        self._bits[byte] |= mask
        self._count += 1
        self.dirty_pages.add(block // PAGE_BITS)
        return True

    def clear(self, block: int) -> bool:
        """Clear one bit; True if it was set."""
        self._check(block)
        byte, mask = block >> 3, 1 << (block & 7)
        if not self._bits[byte] & mask:
            return False
        self._bits[byte] &= ~mask & 0xFF
        self._count -= 1
        self.dirty_pages.add(block // PAGE_BITS)
        return True

    # -- ranges and sets ---------------------------------------------------

    def set_range(self, start: int, stop: int) -> int:
        """Set bits start..stop-1; the number newly set."""
        return sum(self.set(b) for b in range(start, stop))

    def set_all(self) -> None:
        self.set_range(0, self.nbits)

    def clear_all(self) -> None:
        for b in list(self.iter_set()):
            self.clear(b)

    def count(self) -> int:
        return self._count

    def iter_set(self, start: int = 0) -> Iterator[int]:
        """Set bits in ascending block order from ``start`` (resync order)."""
        byte = start >> 3
        while byte < len(self._bits):
            v = self._bits[byte]
            if v:
                for i in range(8):
                    b = (byte << 3) | i
                    if v & (1 << i) and start <= b < self.nbits:
                        yield b
            byte += 1

    def find_next(self, start: int) -> int | None:
        return next(self.iter_set(start), None)

    def merge(self, other: Bitmap) -> int:
        """OR ``other`` into this one (bitmap exchange); the number newly set."""
        if other.nbits != self.nbits:
            raise ValueError(f"bitmap sizes differ: {self.nbits} vs {other.nbits}")
        return sum(self.set(b) for b in other.iter_set())

    # -- pages (metadata I/O) ---------------------------------------------

    @property
    def num_pages(self) -> int:
        return max(1, (self.nbits + PAGE_BITS - 1) // PAGE_BITS)

    def page(self, index: int) -> bytes:
        """Bitmap page ``index`` as exactly 4 KiB."""
        chunk = self._bits[index * BM_BLOCK_SIZE : (index + 1) * BM_BLOCK_SIZE]
        return bytes(chunk) + bytes(BM_BLOCK_SIZE - len(chunk))

    def load_page(self, index: int, data: bytes) -> None:
        lo = index * BM_BLOCK_SIZE
        hi = min(len(self._bits), lo + BM_BLOCK_SIZE)
        old = self._bits[lo:hi]
        new = bytearray(data[: hi - lo])
        if hi == len(self._bits) and self.nbits % 8:
            new[-1] &= (1 << (self.nbits % 8)) - 1  # ignore bits past the end
        self._count += _popcount(new) - _popcount(old)
        self._bits[lo:hi] = new
        self.dirty_pages.discard(index)

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    @classmethod
    def from_bytes(cls, nbits: int, data: bytes) -> Bitmap:
        bm = cls(nbits)
        for i in range(bm.num_pages):
            bm.load_page(i, data[i * BM_BLOCK_SIZE : (i + 1) * BM_BLOCK_SIZE])
        return bm


def _popcount(data: bytes | bytearray) -> int:
    return int.from_bytes(data, "little").bit_count()
