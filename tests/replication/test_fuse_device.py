"""The FUSE front end and the loop device, for real: FUSE + losetup + mkfs.ext4 + mount.

Needs root, /dev/fuse, the loop driver and mkfs.ext4; skipped (saying which
is missing) otherwise. The unaligned-write path is tested without FUSE, on
the operations object over a real file store.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuse_env import needs_fuse, private_sh
from paceline.replication import device
from paceline.runtime.blockio import FileBlockStore

HELPER = Path(__file__).with_name("fuse_helper.py")
BLOCKS = 16384  # 64 MiB


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout


class Served:
    def __init__(self, tmp: Path, *, read_only: bool = False) -> None:
        self.image = tmp / "backing.img"
        self.mnt = tmp / "fuse"
        self.mnt.mkdir()
        with open(self.image, "wb") as f:
            f.truncate(BLOCKS * 4096)
        args = [sys.executable, str(HELPER), str(self.image), str(self.mnt), str(BLOCKS)]
        if read_only:
            args.append("--read-only")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        self.file = self.mnt / "volume"
        for _ in range(600):
            if self.file.exists():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"FUSE helper exited with {self.proc.returncode}")
            time.sleep(0.05)
        raise AssertionError("the FUSE file did not appear in 30 s")

    def stop(self) -> dict[str, int]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        if os.path.ismount(self.mnt):
            subprocess.run(["umount", "-l", str(self.mnt)], check=False)
        lines = out.strip().splitlines()
        return json.loads(lines[-1]) if lines else {}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = Served(tmp_path)
    yield s
    s.stop()


@needs_fuse
def test_ext4_on_loop_on_fuse_keeps_fsynced_data(served: Served, tmp_path: Path) -> None:
    root = tmp_path / "root"
    loop = device.attach(served.file)
    mnt = tmp_path / "ext4"
    mnt.mkdir()
    payload = os.urandom(3 * 1024 * 1024 + 123)
    try:
        assert device.find_loops(served.file) == [loop.path]
        device.make_links(root, "/dev/drbd1", "r0", loop.path)
        dev = root / "dev/drbd1"
        assert os.readlink(dev) == loop.path
        assert (root / "dev/drbd/by-res/r0").resolve() == Path(loop.path).resolve()
        _run("mkfs.ext4", "-q", "-F", str(root / "dev/drbd/by-res/r0"))
        src = tmp_path / "payload"
        src.write_bytes(payload)
        probe = f"{sys.executable} -c 'import sys; from paceline.replication import device; "
        probe += f'sys.exit(0 if device.in_use("{loop.path}") else 9)\''
        out = private_sh(  # a mount namespace of its own: see fuse_env.private_sh
            f"mount {dev} {mnt}\n{probe}\n"
            f"dd if={src} of={mnt}/data.bin bs=1M conv=fsync status=none\n"
            f"umount {mnt}\nmount -o ro {dev} {mnt}\ncmp {src} {mnt}/data.bin\numount {mnt}\n"
        )
        assert out.returncode == 0, out
        assert not device.in_use(loop.path)
    finally:
        device.remove_links(root, "/dev/drbd1", "r0")
        device.detach(loop.path)
    assert not (root / "dev/drbd1").exists()
    assert not (root / "dev/drbd/by-res/r0").is_symlink()
    stats = served.stop()
    assert stats["fsyncs"] > 0 and stats["writes"] > 0 and stats["errors"] == 0
    # The bytes went through the store into the backing image: mount it directly.
    plain = device.attach(served.image, direct_io=False)
    try:
        copy = tmp_path / "copy"
        out = private_sh(
            f"mount -o ro {plain.path} {mnt}\ncp {mnt}/data.bin {copy}\numount {mnt}\n"
        )
        assert out.returncode == 0, out
        got = copy.read_bytes()
    finally:
        device.detach(plain.path)
    assert hashlib.sha256(got).digest() == hashlib.sha256(payload).digest()


@needs_fuse
def test_read_only_file_refuses_writers(tmp_path: Path) -> None:
    s = Served(tmp_path, read_only=True)
    try:
        with pytest.raises(OSError) as exc:
            os.open(s.file, os.O_RDWR)
        assert exc.value.errno == errno.EROFS
        with pytest.raises(device.DeviceError):
            device.attach(s.file)  # losetup opens read-write
        fd = os.open(s.file, os.O_RDONLY)
        try:
            assert os.pread(fd, 4096, 4096) == bytes(4096)
        finally:
            os.close(fd)
    finally:
        stats = s.stop()
    assert stats["refused"] >= 1


def test_unaligned_writes_merge_with_their_blocks(tmp_path: Path) -> None:
    """The read-merge-write path, on the operations over a real file store."""
    pytest.importorskip("pyfuse3")
    from paceline.replication.fuse import VolumeOps

    async def main() -> bytes:
        store = FileBlockStore(tmp_path / "img", num_blocks=8)
        ops = VolumeOps(store)
        await ops.write(0, 0, b"\x11" * 4096 * 3)
        assert await ops.write(0, 4090, b"ABCDEFGHIJKL") == 12  # straddles blocks 0 and 1
        assert await ops.write(0, 9000, b"xyz") == 3  # inside block 2
        await ops.fsync(0, False)
        got = await ops.read(0, 4000, 5200)
        await store.aclose()
        return got

    got = asyncio.run(main())
    want = bytearray(b"\x11" * 4096 * 3)
    want[4090:4102] = b"ABCDEFGHIJKL"
    want[9000:9003] = b"xyz"
    assert got == bytes(want[4000:9200])
    assert (tmp_path / "img").read_bytes()[:12288] == bytes(want)
