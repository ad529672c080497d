"""LSB init scripts as Pacemaker runs them (pure).

Pacemaker calls an init script's ``status`` for a monitor and maps its exit
codes onto OCF's (Pacemaker's ``services_lsb.c``, specs/pacemaker.md 8.1):
status 0 is running, 1, 2 and 3 (dead with a pid file, dead with a lock
file, not running) are "not running", its own 150 and 151 are "not
installed" and "insufficient privileges", anything else (4: unknown) is a
generic error. Every other action's 0-7 pass through, anything else is 1.
"""

from __future__ import annotations

INIT_D = "/etc/init.d"

STATUS_OK = 0
STATUS_VAR_PID = 1
STATUS_VAR_LOCK = 2
STATUS_NOT_RUNNING = 3
STATUS_UNKNOWN = 4
STATUS_NOT_INSTALLED = 150
STATUS_INSUFFICIENT_PRIV = 151

_STATUS_TO_OCF = {
    STATUS_OK: 0,
    STATUS_VAR_PID: 7,
    STATUS_VAR_LOCK: 7,
    STATUS_NOT_RUNNING: 7,
    STATUS_NOT_INSTALLED: 5,
    STATUS_INSUFFICIENT_PRIV: 4,
}


def lsb_action(action: str) -> str:
    """The script's verb for an executor action: a monitor is ``status``."""
    return "status" if action == "monitor" else action


def lsb_to_ocf(action: str, rc: int) -> int:
    """The OCF exit code for an init script's exit code ``rc`` of ``action``."""
    if lsb_action(action) == "status":
        return _STATUS_TO_OCF.get(rc, 1)
    return rc if 0 <= rc <= 7 else 1


def script_path(name: str, init_d: str = INIT_D) -> str:
    return f"{init_d}/{name}"
