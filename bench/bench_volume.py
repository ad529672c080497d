"""Volume I/O cost: ext4 on paceline-volumed (FUSE + loop) against references, in one run.

Every target is measured the same way, through a fresh ext4 (``mkfs.ext4``
without lazy init, mounted), by one script (``MEASURE``): sequential MB/s
(a file of ``SEQ_MB`` written in 1 MiB buffered writes, then one fsync), and
4 KiB writes into that file each followed by fdatasync (per second, and
latency p50/p99 in ms). Targets, all on the same disk:

- ``raw``: a file on the host's own file system (no ext4 of ours);
- ``loop`` (c): ext4 on a plain loop device (direct I/O) on an image file;
- ``volume`` (a): ext4 on ``/dev/drbdN`` of a Primary whose peer is absent
  (WFConnection): loop -> FUSE -> ``paceline-volumed`` (the replication core,
  the first write of a block marking the bitmap durably) -> the image;
- ``mirror`` (b): the same daemon writing a second image on the same disk
  with the same fsyncs (``PACELINE_MIRROR_DISK``, in parallel on a second
  thread): what a replica costs at best on this one machine, where both
  replicas share the disk and the two cores;
- ``replicated.protocol_C`` / ``protocol_A``: the Primary of two lab nodes
  (``paceline.lab``), the peer over the replication cable; also the initial
  full sync's rate against the configured ``resync-rate`` and the bytes that
  crossed the cable (its interface counters) per dirty byte after a cable pull.

``cpu_s_per_GB``: CPU seconds (user + system) of the volume daemons — both
nodes' for a replicated volume — per GB written by the sequential write.
Ratios: ``C_vs_volume`` and ``C_vs_mirror`` (the issue's goals: >= 0.5 and
>= 0.9), ``volume_vs_raw``, ``volume_vs_loop``. Needs root, /dev/fuse and
the loop driver; otherwise the result says why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

SEQ_MB = 48
SYNC_WRITES = 300
IMAGE_MB = 96
FIGURES = ("seq_MBps", "sync4k_per_s")
TICK = os.sysconf("SC_CLK_TCK")

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

Run = Callable[[list[str]], str]
"""Runs a command (on the host, or in a lab node) and returns its stdout."""


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (FUSE, losetup)"
    for path in ("/dev/fuse", "/dev/loop-control"):
        if not os.path.exists(path):
            return f"{path} is absent"
    for tool in ("losetup", "mkfs.ext4"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


# The measurement, as a script run on the host or in a lab node: ``seq FILE MB``
# writes the file, ``sync FILE MB N`` overwrites 4 KiB blocks of it with fdatasync.
MEASURE = """
import json, os, statistics, sys, time
mode, path, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "seq":
    big = os.urandom(1 << 20)
    t0 = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for i in range(mb):
        os.write(fd, big)
    os.fsync(fd)
    os.close(fd)
    print(json.dumps({"seq_MBps": round(mb / (time.perf_counter() - t0), 1)}))
else:
    n = int(sys.argv[4])
    small = os.urandom(4096)
    fd = os.open(path, os.O_WRONLY)
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        s = time.perf_counter()
        os.pwrite(fd, small, (i * 7919 % (mb * 256)) * 4096)
        os.fdatasync(fd)
        lat.append(time.perf_counter() - s)
    rate = n / (time.perf_counter() - t0)
    os.close(fd)
    lat.sort()
    print(json.dumps({"sync4k_per_s": round(rate, 1),
                      "sync4k_p50_ms": round(statistics.median(lat) * 1000, 3),
                      "sync4k_p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 3)}))
"""


def _host(argv: list[str]) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=600).stdout


def _cpu_seconds(run: Run, pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (as the node running it sees it)."""
    fields = run(["cat", f"/proc/{pid}/stat"]).rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _files(run: Run, path: str, cpu: Callable[[], float] | None = None) -> dict[str, Any]:
    """``MEASURE`` on ``path``; with ``cpu``, the daemons' CPU per GB of the sequential write."""
    py = [sys.executable, "-c", MEASURE]
    before = cpu() if cpu else 0.0
    out = dict(json.loads(run([*py, "seq", path, str(SEQ_MB)])))
    if cpu:
        out["cpu_s_per_GB"] = round((cpu() - before) / (SEQ_MB / 1024), 2)
    out.update(json.loads(run([*py, "sync", path, str(SEQ_MB), str(SYNC_WRITES)])))
    return out


def _ext4(run: Run, dev: str, mnt: str, cpu: Callable[[], float] | None = None) -> dict[str, Any]:
    """A fresh ext4 on ``dev``, mounted on ``mnt``, measured, unmounted."""
    run(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", dev])
    run(["mkdir", "-p", mnt])
    run(["mount", dev, mnt])
    try:
        return _files(run, f"{mnt}/bench.dat", cpu)
    finally:
        run(["umount", mnt])


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
RESYNC_RATE_KIB = 16 * 1024
DIRTY_BLOCKS = 256


def _on(lab: Any, node: str) -> Run:
    return lambda argv: str(lab.exec(node, argv, check=True, timeout=600).stdout)


def _lab_cpu(lab: Any, pids: dict[str, int]) -> float:
    return sum(_cpu_seconds(_on(lab, node), pid) for node, pid in pids.items())


def _replicated() -> dict[str, Any]:
    """Protocols C and A between two lab nodes; resync rate; bytes on the cable per dirty byte."""
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
                    f.truncate(IMAGE_MB << 20)
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
            pids = {node: int(state(node, name)["pid"]) for node in ("node1", "node2")}

            cpu = partial(_lab_cpu, lab, pids)
            fig = _ext4(_on(lab, "node1"), f"/dev/drbd{minor}", f"/mnt/{name}", cpu)
            fig["initial_sync_KiBps"] = round(IMAGE_MB * 1024 / sync_s, 1)
            fig["initial_sync_vs_rate"] = round(IMAGE_MB * 1024 / sync_s / RESYNC_RATE_KIB, 3)
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


def _cli(root: Path, *args: str, env: dict[str, str] | None = None) -> None:
    cmd = [sys.executable, "-m", "paceline.cli.main", "--root", str(root)]
    subprocess.run(
        [*cmd, "volume", "--node", "benchnode", *args],
        check=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


def _local_volume(work: Path, tag: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """(a), or (b) with ``PACELINE_MIRROR_DISK`` in ``env``: a Primary without its peer."""
    root = work / f"root-{tag}"
    disk = work / f"{tag}.img"
    with open(disk, "wb") as f:
        f.truncate(IMAGE_MB << 20)
    conf = root / "etc/paceline/volumes.d"
    conf.mkdir(parents=True)
    (conf / "benchvol.res").write_text(RES.format(disk=disk))
    _cli(root, "create-md", "benchvol")
    _cli(root, "up", "benchvol", env=env)
    try:
        _cli(root, "primary", "--force", "benchvol")
        from paceline.runtime.control import call

        pid = int(call(str(root / "run/paceline/volume-benchvol.sock"), "status")["pid"])
        dev = os.path.realpath(root / "dev/drbd9")
        try:
            return _ext4(_host, dev, str(work / f"mnt-{tag}"), lambda: _cpu_seconds(_host, pid))
        finally:
            _wait_free(dev)
    finally:
        _cli(root, "down", "benchvol")


def _wait_free(dev: str, timeout: float = 60) -> None:
    """After umount, udev's probe may hold the device a while (longer than down waits)."""
    from paceline.replication import device

    deadline = time.monotonic() + timeout
    while device.in_use(dev) and time.monotonic() < deadline:
        time.sleep(0.2)


def _ratios(of: dict[str, Any], to: dict[str, Any]) -> dict[str, float]:
    return {k: round(of[k] / to[k], 3) for k in FIGURES if of.get(k) and to.get(k)}


def run() -> dict[str, Any]:
    why = _why_not()
    if why:
        return {"skipped": why}
    from paceline.replication import device

    work = Path(tempfile.mkdtemp(prefix="paceline-bench-volume-", dir="/var/tmp"))
    out: dict[str, Any] = {"seq_MB": SEQ_MB, "sync_writes": SYNC_WRITES, "image_MB": IMAGE_MB}
    try:
        out["raw"] = _files(_host, str(work / "raw.dat"))
        image = work / "loop.img"
        with open(image, "wb") as f:
            f.truncate(IMAGE_MB << 20)
        loop = device.attach(image)
        try:
            out["loop"] = _ext4(_host, loop.path, str(work / "mnt-loop"))
            out["loop"]["direct_io"] = loop.direct_io
        finally:
            device.detach(loop.path)
        out["volume"] = _local_volume(work, "volume")
        out["mirror"] = _local_volume(
            work, "mirror", {"PACELINE_MIRROR_DISK": str(work / "mirror-second.img")}
        )
        try:
            out["replicated"] = _replicated()
        except Exception as exc:  # the local figures stand without the lab
            out["replicated"] = {"error": f"{type(exc).__name__}: {exc}"}
        for ref in ("raw", "loop"):
            out[f"volume_vs_{ref}"] = _ratios(out["volume"], out[ref])
        for proto in ("C", "A"):
            fig = out["replicated"].get(f"protocol_{proto}")
            if fig:
                out[f"{proto}_vs_volume"] = _ratios(fig, out["volume"])
                out[f"{proto}_vs_mirror"] = _ratios(fig, out["mirror"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
