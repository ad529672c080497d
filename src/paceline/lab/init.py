"""PID 1 of a lab node: ``python -m paceline.lab.init BOOT_JSON``.

Started by the host in fresh mount, UTS, IPC and PID namespaces (and the
node's network namespace). It moves itself into the node's cgroup (so a
freeze catches every descendant), sets the hostname, carries out the mount
table of ``paceline.lab.layout``, writes the ready file, then does what an
init must: reap every orphan (a zombie still answers ``kill -0`` and fools
pid-file checks in init scripts and OCF agents).

SIGTERM is a clean shutdown: SIGTERM to every process of the node, wait up
to the grace period, exit (the kernel kills what is left). SIGKILL from the
host is a power cut: the kernel kills the whole PID namespace at once.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType

from paceline.lab.layout import BootConfig, Mount

MS_BIND = 0x1000
MS_REC = 0x4000
MS_NOSUID = 0x2
MS_NODEV = 0x4

_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str) -> None:
    rc = _libc.mount(
        source.encode(),
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {fstype or 'bind'} {source} on {target}: {os.strerror(err)}")


def apply_mount(m: Mount) -> None:
    target = Path(m.target)
    if not target.exists() and not target.is_symlink():
        target.mkdir(parents=True)
    if m.fstype is None:
        _mount(m.source, m.target, None, MS_BIND | MS_REC, "")
    else:
        flags = MS_NOSUID | MS_NODEV if m.fstype in ("tmpfs", "mqueue") else 0
        _mount(m.source, m.target, m.fstype, flags, m.options)
    if m.mode is not None:
        os.chmod(m.target, m.mode)


def setup(cfg: BootConfig) -> None:
    if cfg.cgroup_procs:
        Path(cfg.cgroup_procs).write_text("0\n")
    # Hold the directories to bind back before any mount hides them.
    held = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in cfg.rebinds]
    socket.sethostname(cfg.hostname)
    for m in cfg.mounts:
        apply_mount(m)
    for path, fd in held:
        Path(path).mkdir(parents=True, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, "")
        os.close(fd)
    os.chdir("/")


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _shutdown(grace: float) -> None:
    try:
        os.kill(-1, signal.SIGTERM)  # every process of the namespace but us
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap()
        try:
            os.kill(-1, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    sys.exit(0)


def serve(cfg: BootConfig) -> None:
    """Reap forever; a signal (SIGCHLD, SIGTERM) wakes the loop through a pipe."""
    rfd, wfd = os.pipe()
    os.set_blocking(rfd, False)
    os.set_blocking(wfd, False)
    stop = False

    def on_term(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGCHLD, lambda s, f: None)
    signal.set_wakeup_fd(wfd)
    Path(cfg.ready_file).write_text(f"{cfg.node}\n")
    while not stop:
        _reap()
        select.select([rfd], [], [], 5.0)
        try:
            os.read(rfd, 4096)
        except BlockingIOError:
            pass
    _shutdown(cfg.shutdown_grace)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or os.getpid() != 1:
        print("usage: python -m paceline.lab.init BOOT_JSON (as PID 1 of a node)", file=sys.stderr)
        return 2
    cfg = BootConfig.from_json(json.loads(Path(argv[1]).read_text()))
    try:
        setup(cfg)
    except OSError as exc:
        print(f"paceline-lab-init: {cfg.node}: {exc}", file=sys.stderr, flush=True)
        return 1
    serve(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
