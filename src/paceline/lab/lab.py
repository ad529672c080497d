"""A lab: several namespaced nodes on this machine, their networks and their power.

``Lab.up()`` records the lab in the registry first, then builds it; any
failure on the way tears down what exists. ``Lab.down()`` and
``down_all()`` work from the registry record alone, so they also clean up
after a process that was killed in the middle of ``up``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from paceline.lab import cgroup, net, node, scenario
from paceline.lab.layout import NodeDirs
from paceline.lab.plan import LabPlan, build_plan, check_lab_name, prefix_for
from paceline.lab.registry import LabRecord, PowerInfo, Registry, labs_root
from paceline.lab.sh import CLEAN_PATH, LabError, run

DEFAULT_NAME = "default"
POWER_MODULE = "paceline.lab.power"
POWER_PORT = 8443
POWER_USER = "paceline"


def _host_hosts() -> str:
    try:
        return Path("/etc/hosts").read_text()
    except OSError:
        return "127.0.0.1 localhost\n"


class Lab:
    """Handle on a lab of the registry (it holds no state of its own)."""

    def __init__(self, name: str = DEFAULT_NAME, registry: Registry | None = None) -> None:
        self.name = check_lab_name(name)
        self.registry = registry or Registry()

    # ------------------------------------------------------------ views

    @property
    def record(self) -> LabRecord:
        return self.registry.require(self.name)

    @property
    def plan(self) -> LabPlan:
        return self.record.plan

    @property
    def labdir(self) -> Path:
        return Path(self.record.labdir)

    def dirs(self, name: str) -> NodeDirs:
        return node.node_dirs(self.labdir, self.plan.node(name).name)

    @property
    def shared(self) -> Path:
        """The lab's shared directory (``/var/lab`` inside every node)."""
        return node.shared_dir(self.labdir)

    def _cgroup(self, rec: LabRecord, name: str) -> Path | None:
        return Path(rec.cgroup) / name if rec.cgroup else None

    def init_pid(self, name: str) -> int | None:
        return _live_init(self.record, name)

    def running(self, name: str) -> bool:
        return self.init_pid(name) is not None

    # ------------------------------------------------------------ up / down

    @classmethod
    def up(
        cls,
        name: str = DEFAULT_NAME,
        nodes: int = 2,
        *,
        rings: int = 1,
        arbitrator: bool = False,
        scenario_name: str = "bare",
        owner: str = "cli",
        power_api: bool = True,
        keep_visible: Sequence[str] = (),
        registry: Registry | None = None,
    ) -> Lab:
        """Record, build and power on a lab. ``keep_visible``: host directories the nodes must
        see at the same path although a private mount (``/tmp``, ``/run``) would hide them."""
        scenario.check_scenario(scenario_name)
        build_plan(name, 0, nodes, rings=rings, arbitrator=arbitrator)  # bad shapes fail here
        registry = registry or Registry()

        def record(index: int) -> LabRecord:
            prefix = prefix_for(index)
            return LabRecord(
                name=check_lab_name(name), index=index, nodes=nodes, rings=rings,
                arbitrator=arbitrator, scenario=scenario_name,
                labdir=str(labs_root() / prefix), checkout=str(node.checkout_dir()),
                owner=owner, owner_pid=os.getpid(), created=time.time(),
                visible=node.visible_paths(keep_visible),
            )  # fmt: skip

        rec = registry.create(record)
        lab = cls(name, registry)
        try:
            lab._build(rec, power_api)
        except BaseException:
            lab.down()
            raise
        return lab

    def _build(self, rec: LabRecord, power_api: bool) -> None:
        plan = rec.plan
        labdir = Path(rec.labdir)
        labdir.mkdir(parents=True, exist_ok=True)
        os.chmod(labdir, 0o755)  # services of the nodes (mysql) must reach their dirs
        node.shared_dir(labdir).mkdir(exist_ok=True)
        group = cgroup.lab_group(plan.prefix)
        rec = self.registry.set(self.name, cgroup=str(group) if group else None)
        setup = cgroup.make_node(group, "setup") if group else None  # killed by down
        net.create(plan, setup)
        hosts = _host_hosts()
        dirs = {n: node.prepare(plan, labdir, n, hosts) for n in plan.node_names}
        scenario.prepare(rec.scenario, dirs, group=setup)
        with ThreadPoolExecutor(max_workers=len(plan.nodes)) as pool:
            list(pool.map(self.power_on, plan.node_names))
        if power_api:
            self._start_power_api()
        self.registry.set(self.name, state="up")

    def down(self) -> bool:
        """Remove the lab and everything it made; safe on a half-built or half-removed lab.
        False when there is no lab of that name (nothing was done)."""
        rec = self.registry.get(self.name)
        if rec is None:
            return False
        plan = rec.plan
        labdir = Path(rec.labdir)
        self._stop_power_api(rec)
        private: set[str] = set()
        for n in plan.nodes:
            private |= node.private_devices(_live_init(rec, n.name))
            cg = self._cgroup(rec, n.name)
            if cg is not None and cg.exists():
                cgroup.set_frozen(cg, False)
            node.kill_init(rec.inits.get(n.name), node.node_dirs(labdir, n.name))
        if rec.cgroup:  # stragglers of an interrupted set-up: every process of the lab's group
            cgroup.kill_all(Path(rec.cgroup))
        recorded = [d for devs in rec.loops.values() for d in devs]
        node.detach_loops(node.loops_to_detach(recorded, labdir, private))
        net.destroy(plan)
        if rec.cgroup:
            cgroup.remove(Path(rec.cgroup))
        _unmount_under(labdir)
        if labdir.exists():
            run(["rm", "-rf", "--one-file-system", str(labdir)], check=False)
        for empty in (Path(rec.cgroup).parent if rec.cgroup else None, labdir.parent):
            if empty is not None:
                try:
                    empty.rmdir()  # the shared parents go with the last lab
                except OSError:
                    pass
        self.registry.remove(self.name)

    # ------------------------------------------------------------ power

    def power_on(self, name: str) -> None:
        rec = self.record
        n = rec.plan.node(name)
        if _live_init(rec, name) is not None:
            return
        net.nics_up(n)
        group = Path(rec.cgroup) if rec.cgroup else None
        pid = node.boot(rec.plan, Path(rec.labdir), name, cgroup_dir=group, visible=rec.visible)
        self.registry.update(self.name, lambda r: replace(r, inits={**r.inits, name: pid}))
        self.sync_wires()

    def power_off(self, name: str) -> None:
        """Pull the plug: NICs dark, every process dead at once, addresses and loops gone."""
        rec = self.record
        n = rec.plan.node(name)
        dirs = node.node_dirs(Path(rec.labdir), name)
        net.nics_down(n)
        cg = self._cgroup(rec, name)
        private = node.private_devices(_live_init(rec, name))
        node.kill_init(rec.inits.get(name), dirs)
        if cg is not None and cg.exists():
            cgroup.set_frozen(cg, False)
        net.flush(n)
        node.detach_loops(node.loops_to_detach(rec.loops.get(name, ()), dirs.root, private))

        def forget(r: LabRecord) -> LabRecord:
            return replace(
                r,
                inits={k: v for k, v in r.inits.items() if k != name},
                loops={k: v for k, v in r.loops.items() if k != name},
                frozen=tuple(x for x in r.frozen if x != name),
            )

        self.registry.update(self.name, forget)
        self.sync_wires()

    def shutdown(self, name: str, grace: float = 30.0) -> None:
        """Clean shutdown: every process gets SIGTERM and time to exit, then the power goes."""
        rec = self.record
        pid = _live_init(rec, name)
        if pid is not None:
            if name in rec.frozen:
                self.thaw(name)
            node.terminate_init(pid, node.node_dirs(Path(rec.labdir), name), grace)
        self.power_off(name)

    def reboot(self, name: str) -> None:
        self.shutdown(name)
        self.power_on(name)

    def freeze(self, name: str) -> None:
        """Stop every process of the node (it falls silent but keeps its state)."""
        self._set_frozen(name, True)

    def thaw(self, name: str) -> None:
        self._set_frozen(name, False)

    def _set_frozen(self, name: str, frozen: bool) -> None:
        """cgroup v2 freezer when usable, else SIGSTOP / SIGCONT to every process of the node."""
        rec = self.record
        pid = self._require_running(rec, name)
        cg = self._cgroup(rec, name)
        if cg is not None:
            cgroup.set_frozen(cg, frozen)
        else:
            node.signal_all(pid, signal.SIGSTOP if frozen else signal.SIGCONT)

        def mark(r: LabRecord) -> LabRecord:
            rest = {x for x in r.frozen if x != name}
            return replace(r, frozen=tuple(sorted(rest | ({name} if frozen else set()))))

        self.registry.update(self.name, mark)

    def _require_running(self, rec: LabRecord, name: str) -> int:
        pid = _live_init(rec, name)
        if pid is None:
            raise LabError(f"{name} is powered off (lab {self.name})")
        return pid

    # ------------------------------------------------------------ commands

    def exec_argv(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        term: str = "dumb",
    ) -> list[str]:
        rec = self.record
        pid = self._require_running(rec, name)
        return node.exec_argv(pid, argv, group=self._cgroup(rec, name), env=env, term=term)

    def exec(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 120.0,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside node ``name`` with a clean environment; output captured.

        A daemon started this way must not keep stdout/stderr (init scripts close them;
        an OCF agent may not: see ``fixtures.run_ocf``), or the call waits for it."""
        proc = subprocess.run(
            self.exec_argv(name, argv, env=env),
            input=input, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise LabError(
                f"{name}: {' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
            )
        return proc

    def attach_loop(self, name: str, image: str, *options: str) -> str:
        """``losetup`` inside the node (``image`` as the node sees it); detached at power-off."""
        dev = self.exec(
            name, ["losetup", "-f", "--show", *options, image], check=True
        ).stdout.strip()
        ident = node.loop_identity(dev)
        if ident is not None:
            self.registry.update(
                self.name,
                lambda r: replace(r, loops={**r.loops, name: (*r.loops.get(name, ()), ident)}),
            )
        return dev

    def processes(self, name: str) -> list[int]:
        """Host PIDs of every process of the node, its init included."""
        pid = self.init_pid(name)
        return node.pid_ns_members(pid) if pid is not None else []

    # ------------------------------------------------------------ cables

    def sync_wires(self) -> None:
        """Set every replication cable's carrier from the record: a node sees carrier on a
        cable iff the cable is plugged and the node at the far end is powered."""
        with self.registry.locked():  # one writer at a time, or an older view could win
            rec = self.record
            running = [n for n in rec.plan.node_names if _live_init(rec, n) is not None]
            net.set_wires(rec.plan, rec.plan.wire_states(rec.pulled, running))

    # ------------------------------------------------------------ power API

    def _start_power_api(self) -> None:
        rec = self.record
        address = rec.plan.host_address(0)
        info = PowerInfo(
            address=address, port=POWER_PORT, user=POWER_USER, secret=os.urandom(16).hex()
        )
        self.registry.set(self.name, power=info)
        log = open(Path(rec.labdir) / "power.log", "ab")  # noqa: SIM115 - handed to the child
        with log:
            group = cgroup.make_node(Path(rec.cgroup), "power") if rec.cgroup else None
            argv = [
                sys.executable,
                "-m",
                POWER_MODULE,
                "--name",
                self.name,
                "--registry",
                str(self.registry.root),
            ]
            proc = subprocess.Popen(
                cgroup.wrap(group, argv),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                env={"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "PYTHONPATH": str(node.checkout_dir() / "src")},
            )  # fmt: skip
        self.registry.set(self.name, power=replace(info, pid=proc.pid))
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection((address, POWER_PORT), timeout=0.5).close()
                return
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise LabError(
                        f"power API of lab {self.name} did not start (see {rec.labdir}/power.log)"
                    ) from None
                time.sleep(0.05)

    def _stop_power_api(self, rec: LabRecord) -> None:
        if rec.power is None or rec.power.pid is None:
            return
        pid = rec.power.pid
        if not is_power_server(pid, rec.name, self.registry.root):
            return
        os.kill(pid, signal.SIGTERM)
        if not node.wait_gone(pid, 5.0):
            os.kill(pid, signal.SIGKILL)
            node.wait_gone(pid, 5.0)

    # ------------------------------------------------------------ status

    def status(self) -> dict[str, Any]:
        rec = self.record
        plan = rec.plan
        nodes = {}
        for n in plan.nodes:
            pid = _live_init(rec, n.name)
            nodes[n.name] = {
                "state": "off" if pid is None else ("frozen" if n.name in rec.frozen else "on"),
                "init_pid": pid,
                "processes": len(node.pid_ns_members(pid)) if pid else 0,
                "netns": n.netns,
                "addresses": [p.address for p in n.ports] + [r.address_of(n.name) for r in n.reps],
            }
        return {
            "name": rec.name,
            "index": rec.index,
            "prefix": rec.prefix,
            "state": rec.state,
            "scenario": rec.scenario,
            "owner": rec.owner,
            "labdir": rec.labdir,
            "host_addresses": [plan.host_address(r) for r in range(plan.rings)],
            "vip": plan.vip(0),
            "power_api": None
            if rec.power is None
            else {
                "url": f"https://{rec.power.address}:{rec.power.port}/redfish/v1",
                "pid": rec.power.pid,
                "running": rec.power.pid is not None
                and is_power_server(rec.power.pid, rec.name, self.registry.root),
            },
            "pulled": list(rec.pulled),
            "impairments": rec.impairments.to_json(),
            "nodes": nodes,
        }


def _live_init(rec: LabRecord, name: str) -> int | None:
    """The host PID of node ``name``'s init if it runs (the recorded PID, verified)."""
    pid = rec.inits.get(name)
    if pid is not None and node.is_init_of(pid, node.node_dirs(Path(rec.labdir), name)):
        return pid
    return None


def is_power_server(pid: int, name: str, registry_root: Path) -> bool:
    cmd = node.cmdline(pid)
    return POWER_MODULE in cmd and name in cmd and str(registry_root) in cmd


def _unmount_under(root: Path) -> None:
    """Host mounts below the lab's directory (none normally; a crash in odd places may leave one)."""
    prefix = str(root).rstrip("/") + "/"
    targets = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        target = line.split()[4]
        if target.startswith(prefix):
            targets.append(target)
    for target in sorted(targets, key=len, reverse=True):
        run(["umount", "-l", target], check=False)


def down_all(
    registry: Registry | None = None, *, which: Callable[[LabRecord], bool] | None = None
) -> list[str]:
    """Remove every lab of the registry (or those ``which`` selects); returns their names."""
    registry = registry or Registry()
    removed = []
    for rec in registry.records():
        if which is None or which(rec):
            Lab(rec.name, registry).down()
            removed.append(rec.name)
    return removed
