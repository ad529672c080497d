"""``paceline cluster start|stop|status|init|join|reload``, and the client of the node daemon.

paceline cluster start            start this node's daemon (supervised: restarted if it dies)
paceline cluster stop             stop it (resources keep running: ``node standby`` first)
paceline cluster status           this node's view (node, DC, ring, members, state)
paceline cluster init|join        write a new cluster's files
paceline cluster reload           re-read corosync.conf on this running node (nodes added or
                                  removed, votes, timing); edit the file on every node and
                                  reload each; what cannot change live is refused, nothing applied

``call`` talks to ``ROOT/run/paceline/node.sock`` for every live verb
(``node``, ``resource``, ``attribute``, ``status``, ``configure``); every
change goes through the DC with the CIB version it was made on, so a
concurrent change is refused (and redone once on a fresh read), never
overwritten.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paceline.cli.paths import paths_from
from paceline.core.errors import ConfigError, PacelineError

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
CALL_TIMEOUT = 20.0


def register(subparsers: Any) -> None:
    c = subparsers.add_parser("cluster", help="start or stop this node's daemon")
    csub = c.add_subparsers(dest="cluster_verb", metavar="VERB", required=True)
    s = csub.add_parser("start", help="start pacelined on this node (supervised)")
    s.set_defaults(func=_start)
    s = csub.add_parser("stop", help="stop pacelined on this node")
    s.set_defaults(func=_stop)
    s = csub.add_parser("status", help="this node's view of the cluster (one line per field)")
    s.set_defaults(func=_daemon_status)
    s = csub.add_parser(
        "init", help="write corosync.conf, an authkey and an empty CIB for a new cluster"
    )
    s.add_argument("--name", default="paceline", help="cluster_name")
    s.add_argument("--node", action="append", required=True, metavar="NAME=ADDR",
                   help="a node and its ring0 address (repeat; ids are given in order)")  # fmt: skip
    s.add_argument("--token", type=int, default=None, metavar="MS", help="totem token (ms)")
    s.add_argument("--force", action="store_true", help="overwrite existing files")
    s.set_defaults(func=_init)
    s = csub.add_parser(
        "reload", help="re-read corosync.conf and apply it on this running node (no restart)"
    )
    s.add_argument("--socket", default=None, help="control socket of the daemon to ask")
    s.set_defaults(func=_reload)
    s = csub.add_parser(
        "join", help="take a cluster's corosync.conf and authkey (copied from a member)"
    )
    s.add_argument("--conf", required=True, help="the cluster's corosync.conf")
    s.add_argument("--authkey", required=True, help="the cluster's authkey")
    s.add_argument("--force", action="store_true", help="overwrite existing files")
    s.set_defaults(func=_join)

    # ``node`` and ``resource`` are parsed by paceline.cli.node / paceline.cli.resource,
    # which run the same functions on a CIB file or, through ``call``, on the cluster
    # (``paceline.cli.admin_backend``)


# ---------------------------------------------------------------- client


def socket_path(args: argparse.Namespace) -> Path:
    return paths_from(args).run / "node.sock"


def call(args: argparse.Namespace, op: str, **kwargs: Any) -> Any:
    from paceline.runtime.control import ControlClient, ControlError

    path = socket_path(args)
    if not path.exists():
        raise ConfigError(
            f"the node daemon is not running here ({path} is missing)",
            expected="'paceline cluster start' first (or --cib FILE to work offline)",
        )
    try:
        with ControlClient(path, timeout=CALL_TIMEOUT) as client:
            return client.call(op, kwargs)
    except ControlError as exc:
        raise PacelineError(f"{op}: {exc}") from None


def live_committer(args: argparse.Namespace) -> Callable[[Any, Any], Any] | None:
    """For ``paceline configure`` without ``--cib``: commit through the node daemon
    when it runs here (None when it does not: the CIB file is edited offline)."""
    if not socket_path(args).exists():
        return None

    def commit_live(base: Any, new: Any) -> Any:
        from paceline.cib.codec import decode_cib, encode_cib

        try:
            call(args, "cib-replace", xml=encode_cib(new).decode(), base=str(base.version),
                 what="configure commit", who=who())  # fmt: skip
        except PacelineError as exc:
            raise ConfigError(f"commit refused by the cluster: {exc}") from None
        got = call(args, "cib")
        return decode_cib(got["xml"].encode(), file="<live CIB>")

    return commit_live


def who() -> str:
    return os.environ.get("SUDO_USER") or os.environ.get("USER") or "root"


# ---------------------------------------------------------------- resource cleanup


def live_cleanup(args: argparse.Namespace) -> int:
    """``resource cleanup`` on the running cluster: the DC forgets the history and
    fail counts and tells the nodes to forget theirs (they re-probe)."""
    res = call(args, "cleanup", rsc=args.rsc, node=args.node, who=who())
    print(f"{res['message']} (CIB {res['version']})")
    return 0


# ---------------------------------------------------------------- daemon


def _pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def _start(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    sup = paths.run / "supervise.pid"
    if _pid(sup) is not None:
        print(f"pacelined is already running (supervisor pid {_pid(sup)})")
        return 0
    paths.run.mkdir(parents=True, exist_ok=True)
    paths.log.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "paceline.runtime.supervise", "--root", str(paths.root)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd="/",
    )
    deadline = time.monotonic() + START_TIMEOUT
    sock = paths.run / "node.sock"
    while time.monotonic() < deadline:
        if sock.exists() and _pid(paths.run / "pacelined.pid") is not None:
            print(f"pacelined started (pid {_pid(paths.run / 'pacelined.pid')})")
            return 0
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    tail = ""
    with contextlib.suppress(OSError):
        tail = (paths.log / "pacelined.out").read_text()[-800:]
    raise PacelineError(f"pacelined did not start: {tail.strip() or 'no output'}")


def _stop(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    targets = [
        p for p in (_pid(paths.run / "supervise.pid"), _pid(paths.run / "pacelined.pid")) if p
    ]
    if not targets:
        print("pacelined is not running")
        return 0
    os.kill(targets[0], signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if all(_gone(p) for p in targets):
            print("pacelined stopped")
            return 0
        time.sleep(0.05)
    raise PacelineError(f"pacelined (pid {targets}) did not stop within {STOP_TIMEOUT:.0f}s")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True
    return False


def init_conf_text(name: str, nodes: list[tuple[str, str]], token: int | None) -> str:
    """A corosync.conf (3.x nodelist style, authenticated) for ``nodes`` (name, address)."""
    lines = ["totem {", "    version: 2", f"    cluster_name: {name}", "    crypto_cipher: none"]
    lines += ["    crypto_hash: sha256", "    keyfile: /etc/paceline/authkey"]
    if token is not None:
        lines.append(f"    token: {token}")
    lines += ["}", "nodelist {"]
    for i, (node, addr) in enumerate(nodes, 1):
        lines += [
            "    node {",
            f"        name: {node}",
            f"        nodeid: {i}",
            f"        ring0_addr: {addr}",
            "    }",
        ]
    lines += ["}", "quorum {", "    provider: corosync_votequorum"]
    if len(nodes) == 2:
        lines.append("    two_node: 1")
    return "\n".join([*lines, "}"]) + "\n"


def _install(path: Path, data: bytes, mode: int, force: bool) -> None:
    if path.exists() and not force:
        raise ConfigError(f"{path} exists", expected="--force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    print(f"wrote {path}")


def _empty_cib(args: argparse.Namespace) -> None:
    from paceline.cib.model import Cib
    from paceline.cib.store import write_cib

    path = paths_from(args).cib
    if path.exists() and not args.force:
        print(f"kept {path} (it exists)")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_cib(path, Cib(), allow_older=True)
    print(f"wrote {path} (empty; the cluster's newest CIB wins when it forms)")


def _check_conf(text: str, where: str) -> None:
    from paceline.membership.config import load

    load(text, where)  # raises ConfigError with file:line:column


def _init(args: argparse.Namespace) -> int:
    nodes: list[tuple[str, str]] = []
    for spec in args.node:
        name, sep, addr = spec.partition("=")
        if not sep or not name or not addr:
            raise ConfigError(f"--node {spec!r}", field="--node", expected="NAME=ADDRESS")
        nodes.append((name, addr))
    text = init_conf_text(args.name, nodes, args.token)
    _check_conf(text, "<generated corosync.conf>")
    paths = paths_from(args)
    _install(paths.etc / "corosync.conf", text.encode(), 0o644, args.force)
    _install(paths.etc / "authkey", os.urandom(256), 0o400, args.force)
    _empty_cib(args)
    print("copy corosync.conf and authkey to the other nodes and run 'paceline cluster join' there")
    return 0


def _join(args: argparse.Namespace) -> int:
    conf = Path(args.conf).read_text()
    _check_conf(conf, args.conf)
    key = Path(args.authkey).read_bytes()
    if len(key) < 128:
        raise ConfigError(
            f"the authkey has {len(key)} bytes", file=args.authkey, expected="at least 128"
        )
    paths = paths_from(args)
    _install(paths.etc / "corosync.conf", conf.encode(), 0o644, args.force)
    _install(paths.etc / "authkey", key, 0o400, args.force)
    _empty_cib(args)
    print("now 'paceline cluster start'")
    return 0


def _daemon_status(args: argparse.Namespace) -> int:
    st = call(args, "status")
    for key in ("node", "dc", "ring", "members", "quorate", "state", "version", "running"):
        value = st.get(key)
        if isinstance(value, list):
            value = " ".join(value)
        print(f"{key}: {value}")
    return 0


def _reload(args: argparse.Namespace) -> int:
    """``cluster reload``: the membership's ``reload`` op on this node (pacelined's
    node.sock, else the stand-alone membershipd's socket)."""
    from paceline.cli.membership import ask
    from paceline.runtime.control import ControlError

    try:
        res = ask(args, "reload", timeout=CALL_TIMEOUT)
    except ControlError as exc:
        if exc.code == "invalid":
            raise PacelineError(f"reload refused, nothing changed: {exc.message}") from None
        raise PacelineError(f"reload: {exc.message} (is the daemon running?)") from None
    for note in res.get("notes", []):
        print(note)

    def ids(key: str) -> str:
        return " ".join(str(n) for n in res[key]) or "none"

    print(
        f"reloaded {res['file']}: nodes added {ids('added')}, removed {ids('removed')}, "
        f"changed {ids('changed')}; token {res['token_ms']} ms"
    )
    st = res.get("state")
    if st is not None:
        print(
            f"quorum: expected votes {st['expected_votes']}, total votes {st['total_votes']}, "
            f"quorum {st['quorum']}, {'quorate' if st['quorate'] else 'NOT quorate'}"
        )
    return 0
