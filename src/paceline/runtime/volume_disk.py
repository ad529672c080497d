"""A volume's backing disk and metadata area: where they are, ``create-md``, reading (I/O edge).

``meta-disk internal`` puts the metadata (``replication.metadata``) at the
end of the backing device, after the data blocks; an external meta disk
holds it from block 0 (or from ``INDEX * 128 MiB`` for ``DEVICE[INDEX]``,
DRBD's fixed-size external slots). Sizes are whole 4 KiB blocks.

``create-md`` is offline work (no daemon running): it writes fresh
metadata with the ``Step``s of ``Metadata.create`` and flushes.

Example::

    layout = Layout.of(resource, resource.host("node1"))
    print(create_md(layout))            # "New drbd meta data block successfully created."
    md = read_md(layout)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from paceline.core.errors import ConfigError
from paceline.replication.bitmap import BM_BLOCK_SIZE
from paceline.replication.metadata import (
    Metadata,
    MetadataError,
    internal_data_blocks,
    md_blocks,
    run_sync,
)
from paceline.replication.resconf import Host, Resource

__all__ = ["FileSyncStore", "Layout", "create_md", "device_blocks", "read_md"]

BLOCK = BM_BLOCK_SIZE
EXTERNAL_SLOT_BLOCKS = 128 * 1024 * 1024 // BLOCK  # DRBD's indexed external meta-disk slot


def device_blocks(path: str | Path) -> int:
    """Whole 4 KiB blocks of a file or block device."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.lseek(fd, 0, os.SEEK_END) // BLOCK
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where one host's volume lives: data blocks on ``disk``; metadata on
    ``meta`` (the same path when internal) from block ``meta_base``."""

    resource: str
    disk: str
    data_blocks: int
    meta: str
    meta_base: int

    @property
    def internal(self) -> bool:
        return self.meta == self.disk

    @classmethod
    def of(cls, res: Resource, host: Host) -> Layout:
        if not host.disk:
            raise ConfigError(
                f"resource {res.name}: host {host.name} has no backing disk",
                file=res.file,
                line=res.line,
                field="disk",
                expected="disk /dev/... (or a file)",
            )
        if not os.path.exists(host.disk):
            raise ConfigError(
                f"resource {res.name}: backing disk {host.disk} does not exist",
                file=res.file,
                line=res.line,
                field="disk",
            )
        blocks = device_blocks(host.disk)
        if host.meta_disk == "internal":
            try:
                data = internal_data_blocks(blocks)
            except ValueError as exc:
                raise ConfigError(
                    f"resource {res.name}: {exc}", file=res.file, line=res.line, field="disk"
                ) from None
            return cls(res.name, host.disk, data, host.disk, data)
        base = (host.meta_index or 0) * EXTERNAL_SLOT_BLOCKS
        if not os.path.exists(host.meta_disk):
            raise ConfigError(
                f"resource {res.name}: meta disk {host.meta_disk} does not exist",
                file=res.file,
                line=res.line,
                field="meta-disk",
            )
        meta_blocks = device_blocks(host.meta_disk)
        if base + md_blocks(blocks) > meta_blocks:
            raise ConfigError(
                f"resource {res.name}: meta disk {host.meta_disk} has {meta_blocks} blocks, "
                f"{base + md_blocks(blocks)} needed",
                file=res.file,
                line=res.line,
                field="meta-disk",
            )
        return cls(res.name, host.disk, blocks, host.meta_disk, base)

    @property
    def meta_end(self) -> int:
        return self.meta_base + md_blocks(self.data_blocks)


class FileSyncStore:
    """``metadata.SyncStore`` on a file or device (blocking; offline commands)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR)

    def read_block(self, index: int) -> bytes:
        return os.pread(self.fd, BLOCK, index * BLOCK).ljust(BLOCK, b"\0")

    def write_block(self, index: int, data: bytes) -> None:
        if os.pwrite(self.fd, data, index * BLOCK) != len(data):
            raise OSError(f"short write at block {index}")

    def flush(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


def read_md(layout: Layout) -> Metadata:
    """The metadata as it is on disk; ``MetadataError`` when there is none."""
    store = FileSyncStore(layout.meta)
    try:
        return Metadata.open(store.read_block, layout.meta_base)
    finally:
        store.close()


def has_md(layout: Layout) -> bool:
    try:
        read_md(layout)
    except MetadataError:
        return False
    return True


def create_md(layout: Layout) -> str:
    """Write fresh metadata (the caller asked before overwriting); the line drbdadm prints."""
    md, steps = Metadata.create(layout.meta_base, layout.data_blocks)
    store = FileSyncStore(layout.meta)
    try:
        run_sync(store, steps)
    finally:
        store.close()
    assert md.end == layout.meta_end
    return "New drbd meta data block successfully created."
