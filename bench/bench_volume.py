"""Volume I/O cost: writes through paceline-volumed (FUSE + loop) against the raw backing file.

Three targets, measured in the same run on the same disk:

- ``raw``: the backing image file itself (O_DIRECT writes, fdatasync);
- ``loop``: a plain loop device (direct I/O) on an image file: the kernel's
  own block path, the reference for "a block device on a file";
- ``volume``: ``/dev/drbdN`` of a standalone Primary volume (no peer):
  loop -> FUSE -> ``paceline-volumed`` -> the backing image.

For each: sequential MB/s (1 MiB O_DIRECT writes, then one fdatasync), and
4 KiB writes each followed by fdatasync (per second, and latency p50/p99 in
ms). Ratios are ``volume / raw`` and ``volume / loop``. Needs root,
/dev/fuse and the loop driver; otherwise the result says why.
"""

from __future__ import annotations

import mmap
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SEQ_MB = 128
SYNC_WRITES = 400
IMAGE_MB = 256

RES = """\
resource benchvol {{
    protocol C;
    meta-disk internal;
    device /dev/drbd9 minor 9;
    disk {disk};
    on benchnode {{ address 198.19.9.1:7789; }}
    on benchpeer {{ address 198.19.9.2:7789; }}
}}
"""


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (FUSE, losetup)"
    for path in ("/dev/fuse", "/dev/loop-control"):
        if not os.path.exists(path):
            return f"{path} is absent"
    if shutil.which("losetup") is None:
        return "losetup is not installed"
    return None


def _aligned(size: int) -> mmap.mmap:
    buf = mmap.mmap(-1, size)
    buf.write(os.urandom(size))
    return buf


def _measure(path: str, offset: int = 0) -> dict[str, float]:
    """Sequential and 4 KiB fdatasync'ed writes to ``path`` (file or device)."""
    fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    try:
        big = _aligned(1 << 20)
        t0 = time.perf_counter()
        for i in range(SEQ_MB):
            os.pwrite(fd, big, offset + i * (1 << 20))
        os.fdatasync(fd)
        seq = SEQ_MB / (time.perf_counter() - t0)
        small = _aligned(4096)
        lat = []
        t0 = time.perf_counter()
        for i in range(SYNC_WRITES):
            s = time.perf_counter()
            os.pwrite(fd, small, offset + (i * 7919 % (SEQ_MB * 256)) * 4096)
            os.fdatasync(fd)
            lat.append(time.perf_counter() - s)
        rate = SYNC_WRITES / (time.perf_counter() - t0)
    finally:
        os.close(fd)
    lat.sort()
    return {
        "seq_MBps": round(seq, 1),
        "sync4k_per_s": round(rate, 1),
        "sync4k_p50_ms": round(statistics.median(lat) * 1000, 3),
        "sync4k_p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 3),
    }


def _cli(root: Path, *args: str) -> None:
    cmd = [sys.executable, "-m", "paceline.cli.main", "--root", str(root)]
    subprocess.run([*cmd, "volume", "--node", "benchnode", *args], check=True, timeout=120)


def run() -> dict[str, Any]:
    why = _why_not()
    if why:
        return {"skipped": why}
    from paceline.replication import device

    work = Path(tempfile.mkdtemp(prefix="paceline-bench-volume-", dir="/var/tmp"))
    out: dict[str, Any] = {"seq_MB": SEQ_MB, "sync_writes": SYNC_WRITES}
    root = work / "root"
    try:
        raw = work / "raw.img"
        with open(raw, "wb") as f:
            f.truncate(IMAGE_MB << 20)
        out["raw"] = _measure(str(raw))

        loop = device.attach(raw)
        try:
            out["loop"] = _measure(loop.path)
            out["loop"]["direct_io"] = loop.direct_io
        finally:
            device.detach(loop.path)

        disk = work / "vol.img"
        with open(disk, "wb") as f:
            f.truncate(IMAGE_MB << 20)
        conf = root / "etc/paceline/volumes.d"
        conf.mkdir(parents=True)
        (conf / "benchvol.res").write_text(RES.format(disk=disk))
        _cli(root, "create-md", "benchvol")
        _cli(root, "up", "benchvol")
        try:
            _cli(root, "primary", "--force", "benchvol")
            dev = os.path.realpath(root / "dev/drbd9")
            out["volume"] = _measure(dev)
        finally:
            _cli(root, "down", "benchvol")
        for ref in ("raw", "loop"):
            out[f"volume_vs_{ref}"] = {
                k: round(out["volume"][k] / out[ref][k], 3)
                for k in ("seq_MBps", "sync4k_per_s")
                if out[ref][k]
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
