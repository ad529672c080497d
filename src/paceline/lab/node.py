"""A node's life on the host side: prepare its disks, power it on and off, run commands in it.

A node is its network namespace (its NICs, kept while it is off) plus, while
it runs, fresh mount, UTS, IPC and PID namespaces whose PID 1 is
``paceline.lab.init``. Its processes are found through that init only:
the host PID recorded in the registry, checked against the command line
(which names the node's boot file) before any signal is sent.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import paceline
from paceline.lab import cgroup
from paceline.lab.layout import PERSISTENT, VOLATILE, NodeDirs, boot_config, upper_dirs_to_create
from paceline.lab.plan import LabPlan
from paceline.lab.sh import CLEAN_PATH, LabError, in_netns, run

INIT_MODULE = "paceline.lab.init"
BOOT_TIMEOUT = 20.0


def checkout_dir() -> Path:
    """The source tree Paceline runs from (``src/paceline`` -> the checkout)."""
    return Path(paceline.__file__).resolve().parents[2]


def node_dirs(labdir: Path, node: str) -> NodeDirs:
    return NodeDirs(labdir / "nodes" / node)


def shared_dir(labdir: Path) -> Path:
    return labdir / "shared"


# ---------------------------------------------------------------- processes


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _alive(pid: int) -> bool:
    return _state(pid) not in ("Z", "X", None)


def is_init_of(pid: int, dirs: NodeDirs) -> bool:
    """``pid`` is the running init of the node whose boot file is in ``dirs``."""
    cmd = cmdline(pid)  # [python, -m, paceline.lab.init, BOOT_JSON]; its launcher reads alike
    return cmd[1:4] == ["-m", INIT_MODULE, str(dirs.boot_config)] and _alive(pid)


def find_inits(dirs: NodeDirs) -> list[int]:
    """Every live init started with this node's boot file (after a crash, the record may lack it)."""
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and is_init_of(int(p.name), dirs)
    ]


def pid_ns_members(init_pid: int) -> list[int]:
    """Host PIDs of every process in the PID namespace whose init is ``init_pid``."""
    try:
        ns = os.readlink(f"/proc/{init_pid}/ns/pid")
    except OSError:
        return []
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if os.readlink(p / "ns/pid") == ns:
                    out.append(int(p.name))
            except OSError:
                continue
    return out


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until ``pid`` has exited and, if possible, been reaped by its parent (a node's init
    by its launcher: then the kernel has also reaped every other process of the node)."""
    deadline = time.monotonic() + timeout
    zombie_since = None
    while Path(f"/proc/{pid}").exists():
        now = time.monotonic()
        if not _alive(pid):  # exited; reap it if it is our child, else give its parent a moment
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            zombie_since = zombie_since or now
            if now - zombie_since > 0.5:  # a parent that never reaps (a finished CLI's child)
                return True
        elif now > deadline:
            return False
        time.sleep(0.005)
    return True


# ---------------------------------------------------------------- disks


def _copy_dir_skeleton(src: Path, dst: Path) -> None:
    """The directories of ``src`` with their owners and modes, no files (a fresh /var/log)."""
    for here, subdirs, _files in os.walk(src):
        rel = Path(here).relative_to(src)
        for name in subdirs:
            s, d = Path(here) / name, dst / rel / name
            if s.is_symlink():
                continue
            st = s.stat()
            d.mkdir(exist_ok=True)
            os.chown(d, st.st_uid, st.st_gid)
            os.chmod(d, st.st_mode & 0o7777)


def prepare(plan: LabPlan, labdir: Path, node: str, host_hosts: str) -> NodeDirs:
    """The node's persistent directories, made once (a new machine's disk)."""
    dirs = node_dirs(labdir, node)
    for name in PERSISTENT + VOLATILE:
        dirs.sub(name).mkdir(parents=True, exist_ok=True)
    etc = dirs.sub("etc.upper")
    (etc / "hostname").write_text(f"{node}\n")
    lab_lines = "\n".join(plan.hosts_lines())
    (etc / "hosts").write_text(f"{host_hosts.rstrip()}\n# paceline lab {plan.name}\n{lab_lines}\n")
    for sub in upper_dirs_to_create():
        (dirs.sub("var.upper") / sub).mkdir(parents=True, exist_ok=True)
    _copy_dir_skeleton(Path("/var/log"), dirs.sub("log"))
    if Path("/var/lib/apache2").is_dir():
        shutil.copytree("/var/lib/apache2", dirs.sub("apache2"), symlinks=True, dirs_exist_ok=True)
    if _has_user("mysql"):
        shutil.chown(dirs.sub("mysql"), "mysql", "mysql")
    return dirs


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _fresh(path: Path, mode: int = 0o755) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.chmod(path, mode)


# ---------------------------------------------------------------- power


def visible_paths(extra: Sequence[str] = ()) -> tuple[str, ...]:
    """Host paths every node must see at the same path, even under its private ``/tmp`` or
    ``/run``: the checkout running Paceline, its virtual environment, and ``extra``."""
    checkout = checkout_dir()
    out = [str(checkout)]
    if not Path(sys.prefix).resolve().is_relative_to(checkout):
        out.append(str(Path(sys.prefix).resolve()))
    return tuple(out) + tuple(str(Path(p).resolve()) for p in extra)


def boot(
    plan: LabPlan, labdir: Path, node: str, *, cgroup_dir: Path | None, visible: tuple[str, ...]
) -> int:
    """Start the node's init; return its host PID once the node is up."""
    dirs = node_dirs(labdir, node)
    for name in VOLATILE:  # /run, /tmp and /dev's private layer start empty at each boot
        _fresh(dirs.sub(name), 0o1777 if name == "tmp" else 0o755)
    (dirs.sub("run") / "lock").mkdir(mode=0o1777)
    os.chmod(dirs.sub("run") / "lock", 0o1777)
    procs = None
    if cgroup_dir is not None:
        procs = str(cgroup.make_node(cgroup_dir, node) / "cgroup.procs")
    checkout = checkout_dir()
    cfg = boot_config(node, dirs, shared_dir(labdir), cgroup_procs=procs, rebinds=visible)
    dirs.boot_config.write_text(json.dumps(cfg.to_json(), indent=1))
    netns = plan.node(node).netns
    argv = in_netns(netns, [
        "unshare", "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child", "--mount-proc",
        "--propagation", "private", "--",
        sys.executable, "-m", INIT_MODULE, str(dirs.boot_config),
    ])  # fmt: skip
    env = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "PYTHONPATH": str(checkout / "src")}
    with open(dirs.console, "ab") as console:
        launcher = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=console, stderr=console,
            env=env, start_new_session=True, close_fds=True,
        )  # fmt: skip
    deadline = time.monotonic() + BOOT_TIMEOUT
    while not dirs.ready.exists():
        if launcher.poll() is not None or time.monotonic() > deadline:
            launcher.kill()  # --kill-child: the init, if forked, dies with its launcher
            launcher.wait()
            tail = dirs.console.read_text(errors="replace").strip().splitlines()[-3:]
            raise LabError(
                f"{node} did not boot: {' / '.join(tail) or 'no output'} (see {dirs.console})"
            )
        time.sleep(0.01)
    children = Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children").read_text().split()
    init = int(children[0])
    assert is_init_of(init, dirs), (node, init)
    return init


def kill_init(pid: int | None, dirs: NodeDirs) -> None:
    """SIGKILL the node's init (verified first): the kernel kills its whole PID namespace."""
    pids = {pid} if pid is not None and is_init_of(pid, dirs) else set()
    pids.update(find_inits(dirs))
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for p in pids:
        if not wait_gone(p, 10.0):
            raise LabError(f"init {p} of {dirs.root.name} survived SIGKILL")


def terminate_init(pid: int, dirs: NodeDirs, grace: float) -> bool:
    """Clean shutdown: SIGTERM to init, which TERMs every process; True if it ended in time."""
    if not is_init_of(pid, dirs):
        return True
    os.kill(pid, signal.SIGTERM)
    return wait_gone(pid, grace)


def exec_argv(
    init_pid: int,
    argv: Sequence[str],
    *,
    group: Path | None,
    env: Mapping[str, str] | None = None,
    term: str = "dumb",
) -> list[str]:
    """The host command line that runs ``argv`` inside the node, clean environment,
    placed in the node's cgroup (so a freeze catches it too)."""
    base = ["env", "-i", f"PATH={CLEAN_PATH}", "LANG=C.UTF-8", "HOME=/root", f"TERM={term}"]
    base += [f"{k}={v}" for k, v in (env or {}).items()]
    cmd = ["nsenter", "-t", str(init_pid), "-a", "--wd=/", "--", *base, *argv]
    return cgroup.wrap(group, cmd)


# ---------------------------------------------------------------- freezer


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def signal_all(init_pid: int, sig: signal.Signals, timeout: float = 10.0) -> int:
    """Send ``sig`` to every process of the node (the freezer's fallback); returns how many.
    For SIGSTOP, returns once every one of them is stopped (or gone)."""
    sent = []
    for p in pid_ns_members(init_pid):
        try:
            os.kill(p, sig)
            sent.append(p)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while sig == signal.SIGSTOP and time.monotonic() < deadline:
        if all(_state(p) in ("T", "Z", "X", None) for p in sent):
            break
        time.sleep(0.005)
    return len(sent)


# ---------------------------------------------------------------- loop devices


def loop_devices() -> list[dict[str, str]]:
    out = run(
        ["losetup", "--json", "--list", "-O", "NAME,BACK-INO,BACK-MAJ:MIN,BACK-FILE"], check=False
    )
    if out.returncode != 0 or not out.stdout.strip():
        return []
    return [
        {k: str(v).strip() for k, v in dev.items()}
        for dev in json.loads(out.stdout).get("loopdevices", [])
    ]


def _identity(dev: dict[str, str]) -> str:
    return f"{dev['name']} {dev['back-maj:min']} {dev['back-ino']}"


def _backing_key(dev: dict[str, str]) -> tuple[int, int] | None:
    """(st_dev, st_ino) of a loop device's backing file."""
    try:
        major, minor = (int(x) for x in dev["back-maj:min"].split(":"))
        return os.makedev(major, minor), int(dev["back-ino"])
    except (KeyError, ValueError):
        return None


def _file_keys(root: Path) -> set[tuple[int, int]]:
    keys = set()
    for here, _dirs, files in os.walk(root):
        for f in files:
            try:
                st = os.lstat(os.path.join(here, f))
            except OSError:
                continue
            keys.add((st.st_dev, st.st_ino))
    return keys


def _mounted_devices(mountinfo: Path) -> set[str]:
    try:
        return {line.split()[2] for line in mountinfo.read_text().splitlines()}
    except OSError:
        return set()


def private_devices(init_pid: int | None) -> set[str]:
    """``major:minor`` of filesystems mounted in the node but not on the host (its overlays,
    tmpfs, a FUSE volume): a loop backed by one of them belongs to that node alone. Read
    while the node runs; its mount namespace goes with its last process."""
    if init_pid is None:
        return set()
    return _mounted_devices(Path(f"/proc/{init_pid}/mountinfo")) - _mounted_devices(
        Path("/proc/self/mountinfo")
    )


def loop_identity(device: str) -> str | None:
    """``NAME MAJ:MIN INO`` of a loop device's backing file, recorded at attach time so that
    a device detached meanwhile and reused by somebody else is never detached by the lab."""
    for d in loop_devices():
        if d["name"] == device:
            return _identity(d)
    return None


def loops_to_detach(recorded: Sequence[str], root: Path, private: set[str]) -> list[str]:
    """The loop devices a node (or a lab: ``root`` = its directory) leaves behind, from one
    ``losetup`` listing: those ``recorded`` (``loop_identity``) whose device still has the
    same backing file; those whose backing file is under ``root``, matched by device and
    inode (a loop attached inside a node shows a path the host cannot resolve); and those
    backed on one of the ``private`` filesystems (``private_devices``)."""
    devices = loop_devices()
    if not devices:
        return []
    wanted = set(recorded)
    keys = _file_keys(root)
    return [
        d["name"]
        for d in devices
        if _identity(d) in wanted or d.get("back-maj:min") in private or _backing_key(d) in keys
    ]


def detach_loops(devices: Sequence[str]) -> None:
    for dev in sorted(set(devices)):
        run(["losetup", "-d", dev], check=False)
