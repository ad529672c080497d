"""``ocf:paceline:drbd``: the promotable OCF agent of a replicated volume.

It accepts the parameters of ``ocf:linbit:drbd`` (``drbd_resource``,
``drbdconf``, ``adjust_master_score``…), so the reference configuration runs
once ``paceline configure load`` has substituted the agent (``crm.migrate``
``AGENT_SUBSTITUTIONS``). Installed as a two-line script under
``/usr/lib/ocf/resource.d/paceline/drbd`` (``install``; ``make install-agents``)
that runs this module with the project's interpreter.

Actions (OCF 1.1 exit codes):

- ``start``: ``paceline volume up`` (nothing if up); a volume found Primary
  is demoted; the promotion score is published.
- ``stop``: demote if Primary, ``paceline volume down``, remove the score.
- ``promote`` / ``demote``: ``primary`` / ``secondary``; refused promotion
  (no UpToDate data, drbdadm's 17) or demotion (device open) -> 1.
- ``monitor``: 8 Primary, 0 Secondary, 7 not running; a daemon that died
  (its socket left behind) -> 1, or 9 if it was Primary (the device is gone
  under whatever used it). Refreshes the score, except for a probe that
  finds nothing running.
- ``notify``: refresh the score. ``validate-all``, ``meta-data``.

Promotion scores (``crm_master -l reboot``, DRBD's agent's table with the
``adjust_master_score`` values c r l g = 0 10 1000 10000): Primary and
UpToDate -> g; Secondary UpToDate with the peer's disk known -> g, unknown
-> l; not UpToDate but the peer UpToDate -> r; otherwise removed (c = 0
removes).
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OCF_SUCCESS = 0
OCF_ERR_GENERIC = 1
OCF_ERR_ARGS = 2
OCF_ERR_UNIMPLEMENTED = 3
OCF_ERR_INSTALLED = 5
OCF_ERR_CONFIGURED = 6
OCF_NOT_RUNNING = 7
OCF_RUNNING_PROMOTED = 8
OCF_FAILED_PROMOTED = 9

DEFAULT_SCORES = "0 10 1000 10000"
CRM_MASTER_TIMEOUT = 30.0

META_DATA = """<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="drbd" version="1.0">
<version>1.1</version>
<longdesc lang="en">
Manages a Paceline replicated volume (paceline-volumed) as a promotable clone:
the Primary exposes /dev/drbdN and /dev/drbd/by-res/NAME. Accepts the
parameters of ocf:linbit:drbd.
</longdesc>
<shortdesc lang="en">Paceline replicated volume (DRBD compatible)</shortdesc>
<parameters>
<parameter name="drbd_resource" unique="1" required="1">
<longdesc lang="en">The name of the resource in the .res configuration.</longdesc>
<shortdesc lang="en">resource name</shortdesc>
<content type="string"/>
</parameter>
<parameter name="drbdconf" unique="0">
<longdesc lang="en">Accepted for ocf:linbit:drbd compatibility; Paceline reads
/etc/paceline/volumes.d/*.res, else /etc/drbd.conf.</longdesc>
<shortdesc lang="en">configuration file (ignored)</shortdesc>
<content type="string" default="/etc/drbd.conf"/>
</parameter>
<parameter name="adjust_master_score" unique="0">
<longdesc lang="en">Four promotion scores: only Consistent, a peer UpToDate,
local UpToDate with the peer unknown, local UpToDate with the peer known.</longdesc>
<shortdesc lang="en">promotion scores</shortdesc>
<content type="string" default="0 10 1000 10000"/>
</parameter>
<parameter name="ignore_missing_notifications" unique="0">
<longdesc lang="en">Do not require notify=true on the clone.</longdesc>
<shortdesc lang="en">ignore missing notifications</shortdesc>
<content type="boolean" default="false"/>
</parameter>
</parameters>
<actions>
<action name="start" timeout="240s"/>
<action name="promote" timeout="90s"/>
<action name="demote" timeout="90s"/>
<action name="notify" timeout="90s"/>
<action name="stop" timeout="100s"/>
<action name="monitor" depth="0" timeout="20s" interval="20s" role="Promoted"/>
<action name="monitor" depth="0" timeout="20s" interval="30s" role="Unpromoted"/>
<action name="meta-data" timeout="5s"/>
<action name="validate-all" timeout="30s"/>
</actions>
</resource-agent>
"""


class Agent:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.res = env.get("OCF_RESKEY_drbd_resource", "")
        self.root = Path(env.get("PACELINE_ROOT", "/"))

    # -- talking to the volume -------------------------------------------------

    def volume(self, *args: str) -> tuple[int, str]:
        """``paceline volume ARGS`` in this process: (exit code, what it printed)."""
        from paceline.cli.main import main

        argv = ["--root", str(self.root), "volume"]
        if self.env.get("PACELINE_NODE"):
            argv += ["--node", self.env["PACELINE_NODE"]]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            rc = main([*argv, *args])
        text = out.getvalue().strip()
        if text:
            print(f"paceline volume {' '.join(args)}: {text}", file=sys.stderr)
        return rc, text

    def state(self) -> dict[str, Any] | None:
        from paceline.core.paths import Paths
        from paceline.runtime.control import ControlError, call
        from paceline.runtime.volume_api import socket_path

        try:
            result: dict[str, Any] = call(socket_path(Paths(self.root), self.res), "status")
        except ControlError as exc:
            if exc.code == "unreachable":
                return None
            raise
        return result

    def died(self) -> tuple[bool, bool]:
        """(the daemon died leaving its socket, it was Primary then)."""
        from paceline.core.paths import Paths
        from paceline.runtime.volume_api import mountpoint, socket_path

        paths = Paths(self.root)
        left = socket_path(paths, self.res).exists()
        was_primary = mountpoint(paths, self.res).with_name(f"{self.res}.loop").exists()
        return left, was_primary

    # -- promotion scores --------------------------------------------------------

    def scores(self) -> tuple[int, int, int, int]:
        text = self.env.get("OCF_RESKEY_adjust_master_score", DEFAULT_SCORES)
        values = [int(v) for v in text.split()]
        if len(values) != 4:
            raise ValueError(text)
        return values[0], values[1], values[2], values[3]

    def score_of(self, st: dict[str, Any]) -> int:
        c, r, local, g = self.scores()
        if st["disk"] == "UpToDate":
            if st["role"] == "Primary" or st["peer_disk"] != "DUnknown":
                return g
            return local
        if st["peer_disk"] == "UpToDate":
            return r
        if st["disk"] == "Consistent":
            return c
        return 0

    def crm_master(self, *args: str) -> None:
        sbin = self.env.get("HA_SBIN_DIR")
        tool = os.path.join(sbin, "crm_master") if sbin else "crm_master"
        cmd = [tool, "-q", "-l", "reboot", *args]
        try:
            subprocess.run(cmd, check=False, timeout=CRM_MASTER_TIMEOUT, capture_output=True)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"{shlex.join(cmd)}: {exc}", file=sys.stderr)

    def publish(self, st: dict[str, Any] | None) -> None:
        score = self.score_of(st) if st is not None else 0
        if score > 0:
            self.crm_master("-v", str(score))
        else:
            self.crm_master("-D")

    # -- actions -------------------------------------------------------------------

    def validate(self) -> int:
        if not self.res:
            print("drbd_resource is required", file=sys.stderr)
            return OCF_ERR_CONFIGURED
        try:
            self.scores()
        except ValueError:
            print("adjust_master_score needs four integers", file=sys.stderr)
            return OCF_ERR_CONFIGURED
        if "OCF_RESKEY_CRM_meta_clone_max" in self.env:
            notify = self.env.get("OCF_RESKEY_CRM_meta_notify", "false").lower()
            ignore = self.env.get("OCF_RESKEY_ignore_missing_notifications", "false").lower()
            if notify not in ("true", "yes", "1") and ignore not in ("true", "yes", "1"):
                print("the clone needs meta notify=true", file=sys.stderr)
                return OCF_ERR_CONFIGURED
            if self.env.get("OCF_RESKEY_CRM_meta_clone_node_max", "1") != "1":
                print("clone-node-max must be 1", file=sys.stderr)
                return OCF_ERR_CONFIGURED
        rc, _ = self.volume("dump", self.res)
        return OCF_SUCCESS if rc == 0 else OCF_ERR_CONFIGURED

    def monitor(self) -> int:
        st = self.state()
        probe = self.env.get("OCF_RESKEY_CRM_meta_interval", "0") == "0"
        if st is None:
            left, was_primary = self.died()
            if left:
                print(f"{self.res}: the volume daemon died", file=sys.stderr)
                return OCF_FAILED_PROMOTED if was_primary else OCF_ERR_GENERIC
            if not probe:
                self.publish(None)
            return OCF_NOT_RUNNING
        self.publish(st)
        if st["disk"] in ("Failed", "Diskless"):
            return OCF_FAILED_PROMOTED if st["role"] == "Primary" else OCF_ERR_GENERIC
        return OCF_RUNNING_PROMOTED if st["role"] == "Primary" else OCF_SUCCESS

    def start(self) -> int:
        st = self.state()
        if st is None:
            left, _ = self.died()
            if left:  # a dead daemon's leftovers: up cleans them
                print(f"{self.res}: restarting after the volume daemon died", file=sys.stderr)
            rc, _ = self.volume("up", self.res)
            if rc != 0:
                return OCF_ERR_GENERIC
            st = self.state()
        if st is not None and st["role"] == "Primary":
            rc, _ = self.volume("secondary", self.res)
            if rc != 0:
                return OCF_ERR_GENERIC
            st = self.state()
        self.publish(st)
        return OCF_SUCCESS if st is not None else OCF_ERR_GENERIC

    def stop(self) -> int:
        st = self.state()
        if st is not None:
            if st["role"] == "Primary":
                rc, _ = self.volume("secondary", self.res)
                if rc != 0:
                    return OCF_ERR_GENERIC
            rc, _ = self.volume("down", self.res)
            if rc != 0:
                return OCF_ERR_GENERIC
        self.crm_master("-D")
        return OCF_SUCCESS

    def promote(self) -> int:
        st = self.state()
        if st is None:
            return OCF_NOT_RUNNING
        if st["role"] != "Primary":
            rc, _ = self.volume("primary", self.res)
            if rc != 0:
                self.publish(self.state())
                return OCF_ERR_GENERIC
        self.publish(self.state())
        return OCF_SUCCESS

    def demote(self) -> int:
        st = self.state()
        if st is None:
            return OCF_NOT_RUNNING
        if st["role"] == "Primary":
            rc, _ = self.volume("secondary", self.res)
            if rc != 0:
                return OCF_ERR_GENERIC
        self.publish(self.state())
        return OCF_SUCCESS

    def notify(self) -> int:
        kind = self.env.get("OCF_RESKEY_CRM_meta_notify_type", "")
        if kind == "post":
            self.publish(self.state())
        return OCF_SUCCESS

    def run(self, action: str) -> int:
        if action == "meta-data":
            sys.stdout.write(META_DATA)
            return OCF_SUCCESS
        actions = {
            "start": self.start,
            "stop": self.stop,
            "monitor": self.monitor,
            "status": self.monitor,
            "promote": self.promote,
            "demote": self.demote,
            "notify": self.notify,
            "validate-all": self.validate,
        }
        if action not in actions:
            return OCF_ERR_UNIMPLEMENTED
        if action != "validate-all" and not self.res:
            print("drbd_resource is required", file=sys.stderr)
            return OCF_ERR_CONFIGURED
        if action in ("start", "promote"):
            rc = self.validate()
            if rc != OCF_SUCCESS:
                return rc
        return actions[action]()


def install(ocf_root: Path = Path("/usr/lib/ocf"), python: str = sys.executable) -> Path:
    """Write ``OCF_ROOT/resource.d/paceline/drbd`` (idempotent); return its path."""
    path = ocf_root / "resource.d/paceline/drbd"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"#!/bin/sh\nexec '{python}' -m paceline.runtime.ocf_drbd \"$@\"\n"
    if not path.exists() or path.read_text() != text:
        tmp = path.with_name(".drbd.tmp")
        tmp.write_text(text)
        tmp.chmod(0o755)
        os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["install"]:
        root = Path(args[1]) if len(args) > 1 else Path("/usr/lib/ocf")
        print(install(root))
        return 0
    if len(args) != 1:
        print("usage: drbd {start|stop|monitor|promote|demote|notify|meta-data|validate-all}")
        return OCF_ERR_ARGS
    return Agent(os.environ).run(args[0])


if __name__ == "__main__":
    sys.exit(main())
