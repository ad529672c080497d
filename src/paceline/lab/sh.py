"""Running the host's tools (``ip``, ``nsenter``, ``nft``, ``losetup`` ...) with one-line errors."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from paceline.core.errors import PacelineError
from paceline.lab.cgroup import wrap

CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class LabError(PacelineError):
    """A lab operation failed on this machine (a tool's error, a node that did not boot)."""


def run(
    argv: Sequence[str],
    *,
    input: str | None = None,
    check: bool = True,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(argv), input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise LabError(f"{argv[0]}: not installed (see packaging/debian-packages.txt)") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{' '.join(argv)}: no answer after {timeout:g} s") from exc
    if check and proc.returncode != 0:
        err = " / ".join(x.strip() for x in (proc.stderr or proc.stdout).strip().splitlines())
        raise LabError(f"{' '.join(argv)}: exit {proc.returncode}: {err[:400]}")
    return proc


def in_netns(netns: str | None, argv: Sequence[str]) -> list[str]:
    """``argv`` run in a lab network namespace (None = the host), /sys left alone."""
    if netns is None:
        return list(argv)
    return ["nsenter", f"--net=/run/netns/{netns}", "--", *argv]


def ip_batch(
    lines: Sequence[str],
    netns: str | None = None,
    *,
    check: bool = True,
    group: Path | None = None,
    tool: str = "ip",
) -> None:
    """Several ``ip`` commands (or ``tc``: same options) in one process (``-force`` goes on
    after a failing line), run in cgroup ``group`` if given (so that a teardown after a crash
    can kill it too)."""
    if not lines:
        return
    argv = (
        [tool]
        + (["-n", netns] if netns else [])
        + (["-batch", "-"] if check else ["-force", "-batch", "-"])
    )
    run(wrap(group, argv), input="\n".join(lines) + "\n", check=check)
