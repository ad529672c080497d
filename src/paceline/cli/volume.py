"""``paceline volume``: drbdadm's verbs for replicated volumes.

paceline volume create-md RES [--force]     fresh metadata on the backing disk (offline)
paceline volume up RES                      start paceline-volumed RES (attach)
paceline volume down RES                    demote if need be, clean metadata, stop the daemon
paceline volume primary RES [--force]       promote (--overwrite-data-of-peer = --force;
                                            8.3's -- --overwrite-data-of-peer primary RES too)
paceline volume secondary RES               demote (refused while the device is open)
paceline volume connect RES [--discard-my-data]   from StandAlone, connect to the peer
paceline volume disconnect RES              drop the connection (StandAlone)
paceline volume attach|detach RES           take the backing disk (again) / give it up (Diskless)
paceline volume invalidate RES              discard this node's data: full resync from the peer
paceline volume invalidate-remote RES       discard the peer's data: full resync from this node
paceline volume verify RES [--start S] [--stop S]   online verify (sectors), marks out-of-sync;
                                            without --start it goes on where a lost
                                            connection stopped the last one
paceline volume events [RES|all] [--now]    drbdsetup events2: state, then each change
paceline volume status [RES|all] [--proc]   drbdadm status (DRBD 9 layout), or /proc/drbd
paceline volume role|cstate|dstate RES      8.4's one-liners (local/peer)
paceline volume dump [RES|all]              the configuration as it was parsed

``--node NAME`` (or ``PACELINE_NODE``) says which ``on HOST`` section is this
node (default: the host name). Exit codes follow drbdadm: 10 for an
unknown or unconfigured resource, 17 when promotion is refused for lack
of UpToDate data, 11 for other refused state changes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from paceline.cli.paths import paths_from
from paceline.core.errors import ConfigError
from paceline.core.paths import Paths
from paceline.replication import status as render
from paceline.replication.metadata import MetadataError
from paceline.replication.resconf import Config, Resource
from paceline.replication.states import ConnState, DiskState, Role
from paceline.runtime import volume_conf, volume_disk
from paceline.runtime.control import ControlError, call
from paceline.runtime.volume_api import NEED_UPTODATE, node_name, socket_path

EXIT_NO_RESOURCE = 10
EXIT_REFUSED = 11
EXIT_NEED_UPTODATE = 17
UP_TIMEOUT = 20.0  # seconds `up` waits for the daemon to answer
DOWN_TIMEOUT = 30.0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("volume", help="replicated volumes (drbdadm's verbs)")
    p.add_argument("--node", default=None, help="this node's name (default PACELINE_NODE, uname)")
    sub = p.add_subparsers(dest="volume_verb", metavar="VOLUME_VERB", required=True)

    def verb(name: str, help: str, func: Any, *, optional: bool = False) -> argparse.ArgumentParser:
        v: argparse.ArgumentParser = sub.add_parser(name, help=help)
        if optional:
            v.add_argument("resource", nargs="?", default="all", metavar="RES")
        else:
            v.add_argument("resource", metavar="RES")
        v.set_defaults(func=func)
        return v

    cm = verb("create-md", "write fresh metadata on the backing disk", cmd_create_md)
    cm.add_argument("--force", action="store_true", help="overwrite existing metadata")
    verb("up", "start the volume daemon (attach)", cmd_up)
    verb("down", "stop the volume daemon (detach)", cmd_down)
    pr = verb("primary", "promote to Primary", cmd_primary)
    pr.add_argument("--force", action="store_true", help="accept data that is not UpToDate")
    pr.add_argument(
        "--overwrite-data-of-peer", dest="force", action="store_true", help="8.3's --force"
    )
    verb("secondary", "demote to Secondary", cmd_secondary)
    co = verb("connect", "connect to the peer again (from StandAlone)", cmd_connect)
    co.add_argument(
        "--discard-my-data", action="store_true", help="this node is the split-brain victim"
    )
    verb("disconnect", "drop the connection to the peer (StandAlone)", cmd_disconnect)
    for name, text in (
        ("attach", "attach the backing disk of a Diskless volume"),
        ("detach", "give up the backing disk (Diskless)"),
        ("invalidate", "discard this node's data; full resync from the peer"),
        ("invalidate-remote", "discard the peer's data; full resync from this node"),
    ):
        verb(name, text, cmd_state_verb)
    ve = verb("verify", "online verify against the peer (verify-alg)", cmd_verify)
    ve.add_argument("--start", type=int, default=None, metavar="SECTOR")
    ve.add_argument("--stop", type=int, default=None, metavar="SECTOR")
    ev = verb("events", "state changes as drbdsetup events2 prints them", cmd_events, optional=True)
    ev.add_argument("--now", action="store_true", help="print the current state and exit")
    ev.add_argument("--interval", type=float, default=0.1, help=argparse.SUPPRESS)
    st = verb("status", "drbdadm status (or /proc/drbd with --proc)", cmd_status, optional=True)
    st.add_argument("--proc", action="store_true", help="the /proc/drbd layout (8.4)")
    for name in ("role", "cstate", "dstate"):
        verb(name, f"print the {name}", cmd_oneliner)
    verb("dump", "print the parsed configuration", cmd_dump, optional=True)
    # 8.3's spelling: drbdadm -- --overwrite-data-of-peer primary RES (and --discard-my-data)
    old = sub.add_parser("--", help="8.3's spelling: -- --overwrite-data-of-peer primary RES")
    old.add_argument("--overwrite-data-of-peer", dest="force", action="store_true")
    old.add_argument("--discard-my-data", action="store_true")
    old.add_argument("target", choices=["primary", "connect"], metavar="primary|connect")
    old.add_argument("resource", metavar="RES")
    old.set_defaults(func=cmd_old_options)


# -- helpers ------------------------------------------------------------------


def _config(paths: Paths) -> Config:
    return volume_conf.load(root=paths.root)


def _resource(config: Config, name: str) -> Resource:
    if name not in config.resources:
        raise ConfigError(
            f"no resource {name!r} in the volume configuration",
            expected=" or ".join(sorted(config.resources)) or "a resource section",
        )
    return config.resources[name]


def _names(config: Config, name: str) -> list[str]:
    if name == "all":
        return sorted(config.resources)
    _resource(config, name)
    return [name]


def _ask(paths: Paths, name: str, op: str, **args: Any) -> Any:
    return call(socket_path(paths, name), op, args, timeout=60.0)


def _state(paths: Paths, name: str) -> dict[str, Any] | None:
    """The daemon's status, or None when it is not running."""
    try:
        result: dict[str, Any] = _ask(paths, name, "status")
    except ControlError as exc:
        if exc.code == "unreachable":
            return None
        raise
    return result


def volume_status(state: dict[str, Any]) -> render.VolumeStatus:
    return render.VolumeStatus(
        name=state["name"],
        minor=int(state["minor"]),
        cstate=ConnState.parse(state["cstate"]),  # type: ignore[arg-type]
        role=Role.parse(state["role"]),  # type: ignore[arg-type]
        peer_role=Role.parse(state["peer_role"]),  # type: ignore[arg-type]
        disk=DiskState.parse(state["disk"]),  # type: ignore[arg-type]
        peer_disk=DiskState.parse(state["peer_disk"]),  # type: ignore[arg-type]
        protocol=state["protocol"],
        peer_name=state["peer_name"],
        counters=dict(state.get("counters", {})),
        progress=render.Progress(**state["progress"]) if state.get("progress") else None,
        peer_node_id=state.get("peer_node_id"),
    )


def _refused(exc: ControlError, name: str) -> int:
    print(f"{name}: {exc.message}", file=sys.stderr)
    if NEED_UPTODATE in exc.message:
        return EXIT_NEED_UPTODATE
    return EXIT_REFUSED


def _not_up(name: str) -> int:
    print(f"{name}: No such resource (not up: paceline volume up {name})", file=sys.stderr)
    return EXIT_NO_RESOURCE


# -- verbs --------------------------------------------------------------------


def cmd_create_md(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    res = _resource(_config(paths), args.resource)
    layout = volume_disk.Layout.of(res, res.host(node_name(args.node)))
    if _state(paths, res.name) is not None:
        print(f"{res.name}: the volume is up; down it before create-md", file=sys.stderr)
        return EXIT_REFUSED
    if volume_disk.has_md(layout) and not args.force:
        print(
            f"{res.name}: {layout.meta} already holds metadata; "
            f"paceline volume create-md --force {res.name} overwrites it",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    print(volume_disk.create_md(layout))
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    res = _resource(_config(paths), args.resource)
    node = node_name(args.node)
    layout = volume_disk.Layout.of(res, res.host(node))
    if _state(paths, res.name) is not None:
        print(f"{res.name}: Failure: (161) Minor or volume exists already", file=sys.stderr)
        return EXIT_NO_RESOURCE
    try:
        volume_disk.read_md(layout)
    except MetadataError as exc:
        print(f"{res.name}: {exc} (paceline volume create-md {res.name})", file=sys.stderr)
        return EXIT_REFUSED
    paths.log.mkdir(parents=True, exist_ok=True)
    logfile = paths.log / f"volume-{res.name}.log"
    cmd = [sys.executable, "-m", "paceline.runtime.volumed", res.name]
    cmd += ["--root", str(paths.root), "--node", node]
    with open(logfile, "ab") as log, open(os.devnull, "rb") as null:
        proc = subprocess.Popen(
            cmd, stdin=null, stdout=log, stderr=log, start_new_session=True, close_fds=True
        )
    deadline = time.monotonic() + UP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"{res.name}: the volume daemon exited ({proc.returncode}):", file=sys.stderr)
            print(_tail(logfile), file=sys.stderr)
            return EXIT_REFUSED
        if _state(paths, res.name) is not None:
            return 0
        time.sleep(0.05)
    print(f"{res.name}: the volume daemon did not answer in {UP_TIMEOUT:g} s", file=sys.stderr)
    return EXIT_REFUSED


def _tail(path: Path, lines: int = 10) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def cmd_down(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    res = _resource(_config(paths), args.resource)
    state = _state(paths, res.name)
    if state is None:
        return 0  # already down, as drbdadm down
    try:
        _ask(paths, res.name, "down")
    except ControlError as exc:
        if exc.code != "unreachable":
            return _refused(exc, res.name)
    pid = int(state["pid"])
    deadline = time.monotonic() + DOWN_TIMEOUT
    while time.monotonic() < deadline:
        if not _alive(pid):
            return 0
        time.sleep(0.05)
    print(f"{res.name}: the volume daemon (pid {pid}) is still running", file=sys.stderr)
    return EXIT_REFUSED


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (our own child in tests) is gone for every purpose
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _role_change(args: argparse.Namespace, op: str, **op_args: Any) -> int:
    paths = paths_from(args)
    res = _resource(_config(paths), args.resource)
    try:
        _ask(paths, res.name, op, **op_args)
    except ControlError as exc:
        if exc.code == "unreachable":
            return _not_up(res.name)
        return _refused(exc, res.name)
    return 0


def cmd_primary(args: argparse.Namespace) -> int:
    return _role_change(args, "primary", force=args.force)


def cmd_old_options(args: argparse.Namespace) -> int:
    """``-- --overwrite-data-of-peer primary RES`` / ``-- --discard-my-data connect RES``."""
    if args.target == "primary":
        return cmd_primary(args)
    return cmd_connect(args)


def cmd_secondary(args: argparse.Namespace) -> int:
    return _role_change(args, "secondary")


def cmd_connect(args: argparse.Namespace) -> int:
    return _role_change(args, "connect", discard_my_data=args.discard_my_data)


def cmd_disconnect(args: argparse.Namespace) -> int:
    return _role_change(args, "disconnect")


def cmd_state_verb(args: argparse.Namespace) -> int:
    return _role_change(args, args.volume_verb)


def cmd_verify(args: argparse.Namespace) -> int:
    return _role_change(args, "verify", start=args.start, stop=args.stop)


def cmd_events(args: argparse.Namespace) -> int:
    """``drbdsetup events2 [--now]``: ``exists`` lines, ``exists -``, then changes
    (sampled from the daemons' status every ``--interval`` seconds)."""
    paths = paths_from(args)
    names = _names(_config(paths), args.resource)
    seen: dict[str, render.Objects] = {}
    first = True
    try:
        while True:
            for name in names:
                state = _state(paths, name)
                now = render.event_objects(volume_status(state)) if state else {}
                for line in render.events2(seen.get(name, {}), now, exists=first):
                    print(line, flush=True)
                seen[name] = now
            if first:
                print("exists -", flush=True)
                first = False
                if args.now:
                    return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def cmd_status(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    config = _config(paths)
    names = _names(config, args.resource)
    states = {n: _state(paths, n) for n in names}
    if args.proc:
        up = [volume_status(s) for s in states.values() if s is not None]
        sys.stdout.write(render.proc_drbd(up))
        return 0
    rc = 0
    shown = 0
    for name, state in states.items():
        if state is None:
            if args.resource != "all":
                rc = _not_up(name)
            continue
        if shown:
            print()
        sys.stdout.write(render.drbdadm_status(volume_status(state)))
        shown += 1
    if args.resource == "all" and not shown:
        print("# No currently configured DRBD found.")
    return rc


def cmd_oneliner(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    res = _resource(_config(paths), args.resource)
    state = _state(paths, res.name)
    if state is None:
        print("Unconfigured")
        return 0 if args.volume_verb == "cstate" else EXIT_NO_RESOURCE
    st = volume_status(state)
    if args.volume_verb == "role":
        print(render.role_line(st))
    elif args.volume_verb == "dstate":
        print(render.dstate_line(st))
    else:
        print(st.cstate)
    return 0


def cmd_dump(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    config = _config(paths)
    out = [dump_resource(_resource(config, n)) for n in _names(config, args.resource)]
    sys.stdout.write("\n".join(out))
    return 0


def _options(name: str, values: dict[str, Any], indent: str) -> list[str]:
    if not values:
        return []
    lines = [f"{indent}{name} {{"]
    for key, value in values.items():
        if value is True:
            lines.append(f"{indent}    {key};")
        elif value is False:
            lines.append(f"{indent}    {key} no;")
        else:
            lines.append(f"{indent}    {key} {_quote(value)};")
    return [*lines, f"{indent}}}"]


def _quote(value: Any) -> str:
    text = str(value)
    if not text or any(c in text for c in ' \t;{}"#'):
        return '"' + text.replace('"', '\\"') + '"'
    return text


def dump_resource(res: Resource) -> str:
    """``drbdadm dump RES``: the resource with everything inherited filled in."""
    where = f"{res.file}:{res.line}" if res.file else "(text)"
    lines = [f"# resource {res.name} on {where}", f"resource {res.name} {{"]
    for host in res.hosts.values():
        lines.append(f"    on {host.name} {{")
        if host.node_id is not None:
            lines.append(f"        node-id {host.node_id};")
        lines.append(f"        device           {host.device} minor {host.minor};")
        lines.append(f"        disk             {host.disk};")
        if host.address is not None:
            lines.append(f"        address          {host.address.family} {host.address};")
        meta = host.meta_disk
        if host.meta_index is not None:
            meta += f" [{host.meta_index}]"
        lines.append(f"        meta-disk        {meta};")
        lines.append("    }")
    lines += _options("net", {"protocol": res.protocol, **res.net}, "    ")
    lines += _options("disk", res.disk, "    ")
    lines += _options("startup", res.startup, "    ")
    lines += _options("options", res.options, "    ")
    lines += _options("handlers", res.handlers, "    ")
    lines.append("}")
    return "\n".join(lines) + "\n"
