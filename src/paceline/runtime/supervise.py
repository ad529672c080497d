"""What systemd's ``Restart=on-failure`` does for ``pacelined``, where there is no systemd
(lab nodes): ``python -m paceline.runtime.supervise --root DIR``.

It starts the node daemon, and restarts it after a delay whenever it dies
other than by a clean exit (a ``kill -9``, a crash), at most
``MAX_RESTARTS`` times in ``WINDOW`` seconds. The daemon's modules are
imported here once and each daemon is a ``fork`` of this process, so a
restart takes milliseconds, not the second of Python imports: a daemon
killed on the active node is back within the membership token, before the
peer would recover its resources elsewhere (which would restart them). SIGTERM/SIGINT are passed on
to the daemon, and the supervisor exits once it has stopped. Its pid file
is ``ROOT/run/paceline/supervise.pid``; the daemon writes its own.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from paceline.core.paths import Paths

PID_NAME = "supervise.pid"
RESTART_DELAY = 0.2
MAX_RESTARTS = 10
WINDOW = 60.0


def _warm() -> None:
    """Import what the daemon imports (before any thread exists: we fork)."""
    import paceline.membership.core
    import paceline.runtime.membershipd
    import paceline.runtime.pacelined
    import paceline.scheduler  # noqa: F401


def _spawn(root: str, out: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:  # the daemon
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        from paceline.runtime.pacelined import main as daemon_main

        code = daemon_main(["--root", root])
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="paceline-supervise")
    parser.add_argument("--root", default=os.environ.get("PACELINE_ROOT", "/"))
    args = parser.parse_args(argv)
    paths = Paths(Path(args.root))
    paths.run.mkdir(parents=True, exist_ok=True)
    paths.log.mkdir(parents=True, exist_ok=True)
    pidfile = paths.run / PID_NAME
    pidfile.write_text(f"{os.getpid()}\n")
    stopping = False
    child: int | None = None

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    restarts: deque[float] = deque()
    _warm()
    out = open(paths.log / "pacelined.out", "ab", buffering=0)  # noqa: SIM115 (the process's lifetime)
    try:
        while True:
            child = _spawn(args.root, out.fileno())
            while True:
                try:
                    _, status = os.waitpid(child, 0)
                    break
                except InterruptedError:
                    continue
            rc = os.waitstatus_to_exitcode(status)
            child = None
            if stopping or rc == 0:
                return 0
            now = time.monotonic()
            restarts.append(now)
            while restarts and now - restarts[0] > WINDOW:
                restarts.popleft()
            if len(restarts) > MAX_RESTARTS:
                out.write(
                    f"supervise: pacelined died {len(restarts)} times in {WINDOW:.0f}s: giving up\n".encode()
                )
                return 1
            out.write(f"supervise: pacelined exited with {rc}: restarting\n".encode())
            time.sleep(RESTART_DELAY)
            if stopping:
                return 0
    finally:
        out.close()
        pidfile.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
