"""Volume I/O cost: writes through paceline-volumed (FUSE + loop) against the raw backing file.

Three targets, measured in the same run on the same disk:

- ``raw``: the backing image file itself (O_DIRECT writes, fdatasync);
- ``loop``: a plain loop device (direct I/O) on an image file: the kernel's
  own block path, the reference for "a block device on a file";
- ``volume``: ``/dev/drbdN`` of a Primary volume whose peer is absent
  (WFConnection): loop -> FUSE -> ``paceline-volumed`` (the replication
  core, every first write of a block marking the bitmap durably) -> the
  backing image. The figure is the cost of the Python data path; with a
  peer, protocol C adds the network round trip and the peer's write.

Then, between two lab nodes (``paceline.lab``), the same figures on the
Primary for protocols C and A, the initial full sync's rate against the
configured ``resync-rate``, and the bytes that crossed the replication
cable (its interface counters) per dirty byte after a cable pull.

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


# The measurement, as a script a lab node runs on its own /dev/drbdN.
MEASURE = """
import json, mmap, os, statistics, sys, time
dev, seq_mb, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
big = mmap.mmap(-1, 1 << 20); big.write(os.urandom(1 << 20))
t0 = time.perf_counter()
for i in range(seq_mb):
    os.pwrite(fd, big, i << 20)
os.fdatasync(fd)
seq = seq_mb / (time.perf_counter() - t0)
small = mmap.mmap(-1, 4096); small.write(os.urandom(4096))
lat = []
t0 = time.perf_counter()
for i in range(n):
    s = time.perf_counter()
    os.pwrite(fd, small, (i * 7919 % (seq_mb * 256)) * 4096)
    os.fdatasync(fd)
    lat.append(time.perf_counter() - s)
rate = n / (time.perf_counter() - t0)
lat.sort()
print(json.dumps({"seq_MBps": round(seq, 1), "sync4k_per_s": round(rate, 1),
                  "sync4k_p50_ms": round(statistics.median(lat) * 1000, 3),
                  "sync4k_p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 3)}))
"""

LAB_RES = """\
resource {name} {{
    protocol {protocol};
    meta-disk internal;
    device /dev/drbd{minor} minor {minor};
    disk /var/lib/paceline/{name}.img;
    disk {{ resync-rate {rate}K; }}
    on node1 {{ address {a}:{port}; }}
    on node2 {{ address {b}:{port}; }}
}}
"""
LAB_IMAGE_MB = 48
RESYNC_RATE_KIB = 16 * 1024
LAB_SEQ_MB = 32
LAB_SYNC_WRITES = 200
DIRTY_BLOCKS = 256


def _replicated() -> dict[str, Any]:
    """Protocols C and A between two lab nodes; resync rate; bytes on the cable per dirty byte."""
    import json

    from paceline.lab import faults
    from paceline.lab.fixtures import running_lab

    py = sys.executable
    state_code = (
        "import json, sys; from paceline.runtime.control import call; "
        "print(json.dumps(call(f'/run/paceline/volume-{sys.argv[1]}.sock', 'status')))"
    )
    out: dict[str, Any] = {}
    with running_lab(f"rdevbench{os.getpid() % 10000}", 2) as lab:
        rep = lab.plan.reps[0]

        def vol(node: str, *args: str) -> None:
            lab.exec(node, [py, "-m", "paceline.cli.main", "volume", *args], check=True)

        def state(node: str, name: str) -> dict[str, Any]:
            got = lab.exec(node, [py, "-c", state_code, name], check=True).stdout
            return dict(json.loads(got))

        def wait(node: str, name: str, ok: Any, timeout: float = 300) -> None:
            deadline = time.monotonic() + timeout
            while not ok(state(node, name)):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} on {node}: timed out: {state(node, name)}")
                time.sleep(0.1)

        def in_sync(st: dict[str, Any]) -> bool:
            return bool(
                st["cstate"] == "Connected"
                and st["peer_disk"] == "UpToDate"
                and st["disk"] == "UpToDate"
                and st["counters"]["oos"] == 0
            )

        for minor, protocol in ((1, "C"), (2, "A")):
            name = f"r{protocol.lower()}"
            res = LAB_RES.format(
                name=name, protocol=protocol, minor=minor, rate=RESYNC_RATE_KIB,
                a=rep.address_of("node1"), b=rep.address_of("node2"), port=7788 + minor,
            )  # fmt: skip
            for node in ("node1", "node2"):
                with open(lab.dirs(node).sub("paceline") / f"{name}.img", "wb") as f:
                    f.truncate(LAB_IMAGE_MB << 20)
                lab.exec(node, ["mkdir", "-p", "/etc/paceline/volumes.d"], check=True)
                lab.exec(
                    node, ["tee", f"/etc/paceline/volumes.d/{name}.res"], input=res, check=True
                )
                vol(node, "create-md", name)
                vol(node, "up", name)
            wait("node1", name, lambda st: st["cstate"] == "Connected")
            t0 = time.monotonic()
            vol("node1", "primary", "--force", name)
            wait("node1", name, in_sync)
            sync_s = time.monotonic() - t0
            got = lab.exec(
                "node1",
                [py, "-c", MEASURE, f"/dev/drbd{minor}", str(LAB_SEQ_MB), str(LAB_SYNC_WRITES)],
                check=True,
            )
            fig = dict(json.loads(got.stdout))
            fig["initial_sync_KiBps"] = round(LAB_IMAGE_MB * 1024 / sync_s, 1)
            fig["initial_sync_vs_rate"] = round(LAB_IMAGE_MB * 1024 / sync_s / RESYNC_RATE_KIB, 3)
            # the source daemon's own timing, SyncStarted to SyncFinished (no CLI polling)
            timed = state("node1", name).get("last_sync") or {}
            if timed.get("kib_per_s"):
                fig["initial_sync_daemon_KiBps"] = timed["kib_per_s"]
                fig["initial_sync_daemon_vs_rate"] = round(timed["kib_per_s"] / RESYNC_RATE_KIB, 3)
            out[f"protocol_{protocol}"] = fig
            if protocol == "C":  # bytes on the cable per dirty byte after a cable pull
                faults.cable_pull(lab, rep.ifname)
                wait("node1", name, lambda st: st["cstate"] != "Connected", 30)
                dirty = (
                    "import mmap, os, sys\n"
                    "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)\n"
                    "b = mmap.mmap(-1, 4096); b.write(os.urandom(4096))\n"
                    f"for k in range({DIRTY_BLOCKS}): os.pwrite(fd, b, 4096 * 29 * k)\n"
                    "os.fsync(fd)\n"
                )
                lab.exec("node1", [py, "-c", dirty, f"/dev/drbd{minor}"], check=True)
                counter = f"/sys/class/net/{rep.ifname}/statistics/tx_bytes"
                before = int(lab.exec("node1", ["cat", counter], check=True).stdout)
                faults.cable_plug(lab, rep.ifname)
                wait("node1", name, in_sync, 60)
                crossed = int(lab.exec("node1", ["cat", counter], check=True).stdout) - before
                out["link_bytes_per_dirty_byte"] = round(crossed / (DIRTY_BLOCKS * 4096), 3)
            for node in ("node2", "node1"):
                vol(node, "down", name)
    return out


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
        try:
            out["replicated"] = _replicated()
        except Exception as exc:  # the local figures stand without the lab
            out["replicated"] = {"error": f"{type(exc).__name__}: {exc}"}
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
