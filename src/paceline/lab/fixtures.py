"""Labs for tests: one per test module, always torn down, and a sweep for crashed sessions.

``tests/lab/conftest.py`` wraps these in pytest fixtures; other test
packages can import them the same way::

    @pytest.fixture(scope="module")
    def lab():
        with running_lab("mymodule", nodes=2, scenario_name="lamp") as lab:
            yield lab

Labs made here are owned by ``pytest:<pid>``; ``sweep()`` removes those of
this process (at session end) and those whose owning process is gone (a
killed session), and never touches anybody else's lab.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from paceline.lab.lab import Lab, down_all
from paceline.lab.registry import LabRecord, Registry

OWNER_PREFIX = "pytest:"
OCF_ROOT = "/usr/lib/ocf"
OCF_RC = {
    0: "success", 1: "err_generic", 2: "err_args", 3: "err_unimplemented", 4: "err_perm",
    5: "err_installed", 6: "err_configured", 7: "not_running", 8: "running_master", 9: "failed_master",
}  # fmt: skip
OCF_LOG = "paceline-lab-ocf.log"  # in the node's /var/log
TOOLS = ("ip", "nsenter", "unshare", "losetup", "nft", "tc", "mount")


def unavailable() -> str | None:
    """Why labs cannot run here, or None."""
    if os.geteuid() != 0:
        return "the lab needs root"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return "missing tools: " + ", ".join(missing)
    return None


def owner_tag() -> str:
    return f"{OWNER_PREFIX}{os.getpid()}"


@contextmanager
def running_lab(name: str, nodes: int = 2, **options: Any) -> Iterator[Lab]:
    """A lab for the duration of the block, removed even when the block fails."""
    lab = Lab.up(name, nodes, owner=owner_tag(), **options)
    try:
        yield lab
    finally:
        lab.down()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(registry: Registry | None = None) -> list[str]:
    """Remove test labs of this process and of test processes that no longer exist."""
    mine = owner_tag()

    def ours(rec: LabRecord) -> bool:
        return rec.owner.startswith(OWNER_PREFIX) and (
            rec.owner == mine or not _alive(rec.owner_pid)
        )

    return down_all(registry, which=ours)


@dataclass(frozen=True, slots=True)
class OcfResult:
    agent: str
    action: str
    rc: int
    elapsed: float
    output: str

    @property
    def rc_name(self) -> str:
        return OCF_RC.get(self.rc, "?")

    def __str__(self) -> str:
        return f"{self.agent} {self.action}: rc={self.rc} ({self.rc_name}) in {self.elapsed:.2f}s"


def run_ocf(
    lab: Lab,
    node: str,
    agent: str,
    action: str,
    params: Mapping[str, str] | None = None,
    *,
    instance: str | None = None,
    timeout_ms: int = 60000,
    provider: str = "heartbeat",
) -> OcfResult:
    """Run the real OCF agent ``agent`` inside ``node`` with the environment Pacemaker gives it."""
    env = {
        "OCF_ROOT": OCF_ROOT,
        "OCF_RESOURCE_INSTANCE": instance or f"lab_{agent}",
        "OCF_RESOURCE_TYPE": agent,
        "OCF_RESOURCE_PROVIDER": provider,
        "OCF_RESKEY_CRM_meta_timeout": str(timeout_ms),
        "CRM_meta_timeout": str(timeout_ms),
        **{f"OCF_RESKEY_{k}": v for k, v in (params or {}).items()},
    }
    # Output goes to a log in the node, not to a pipe: a daemon the agent starts (mysqld)
    # would hold the pipe open and the call would never return.
    log = lab.dirs(node).sub("log") / OCF_LOG
    offset = log.stat().st_size if log.exists() else 0
    script = f'echo "== $0 $1" >>/var/log/{OCF_LOG}; exec "$0" "$1" >>/var/log/{OCF_LOG} 2>&1'
    start = time.monotonic()
    proc = lab.exec(
        node,
        ["sh", "-c", script, f"{OCF_ROOT}/resource.d/{provider}/{agent}", action],
        env=env,
        timeout=timeout_ms / 1000 + 10,
    )
    elapsed = time.monotonic() - start
    with open(log, "rb") as f:
        f.seek(offset)
        output = f.read().decode(errors="replace")
    return OcfResult(agent, action, proc.returncode, elapsed, output)
