"""Fence agents' stdin protocol, as data (pure; the fencing issue builds on it).

A fence agent reads ``name=value`` lines on stdin (specs/pacemaker.md 9.1):
the device's parameters, ``action`` and the target as ``port`` or ``plug``
(Pacemaker's ``pcmk_host_argument``) plus ``nodename``. Its exit code is 0
on success; ``status`` answers 0 (on), 1 (unreachable) or 2 (off).
"""

from __future__ import annotations

from collections.abc import Mapping

ACTIONS = ("on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata")

# Parameters of a stonith resource that Pacemaker consumes and never passes on
PACEMAKER_ONLY_PREFIX = "pcmk_"


def fence_stdin(
    params: Mapping[str, str],
    action: str,
    *,
    target: str | None = None,
    host_argument: str = "port",
) -> str:
    """The text written to a fence agent's stdin for ``action`` (on ``target``)."""
    lines = [f"action={action}"]
    for name, value in params.items():
        if name.startswith(PACEMAKER_ONLY_PREFIX) or "\n" in value:
            continue
        lines.append(f"{name}={value}")
    if target is not None:
        argument = params.get("pcmk_host_argument", host_argument)
        if argument != "none":
            lines.append(f"{argument}={target}")
        lines.append(f"nodename={target}")
    return "\n".join(lines) + "\n"


def status_state(rc: int) -> str:
    """What a ``status`` exit code says about the target."""
    return {0: "on", 2: "off"}.get(rc, "unreachable")
