"""``paceline lab``: namespaced multi-node clusters on this machine (needs root).

paceline lab up [--name N] [--nodes K] [--rings R] [--arbitrator] [--scenario bare|lamp]
paceline lab down [--name N | --all]
paceline lab status [--name N | --all] [--json]
paceline lab exec [--name N] NODE -- CMD...
paceline lab shell [--name N] NODE
paceline lab fault [--name N] KIND [TARGET] [--via V] [--one-way] [--percent P] [--rate R]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

from paceline.core.errors import ConfigError

DEFAULT_NAME = "default"  # the lab name when --name is omitted (as paceline.lab.lab.DEFAULT_NAME)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("lab", help="namespaced test clusters on this machine (root)")
    sub = p.add_subparsers(dest="lab_verb", metavar="LAB_VERB", required=True)

    def verb(name: str, help: str) -> argparse.ArgumentParser:
        v: argparse.ArgumentParser = sub.add_parser(name, help=help)
        v.add_argument("--name", default=DEFAULT_NAME, help=f"lab name (default {DEFAULT_NAME})")
        return v

    up = verb("up", "build a lab and power its nodes on")
    up.add_argument("--nodes", type=int, default=2, help="number of nodes, 1-8 (default 2)")
    up.add_argument("--rings", type=int, default=1, help="public links per node, 1-2 (default 1)")
    up.add_argument(
        "--arbitrator", action="store_true", help="add a host 'arbitrator' on the public network"
    )
    up.add_argument("--scenario", default="bare", help="bare (default) or lamp")
    up.add_argument(
        "--no-power-api", action="store_true", help="do not serve the Redfish power API"
    )
    up.set_defaults(func=cmd_up)

    down = verb("down", "remove a lab and everything it made")
    down.add_argument(
        "--all", action="store_true", help="every lab of the registry (crashed runs too)"
    )
    down.set_defaults(func=cmd_down)

    st = verb("status", "show a lab")
    st.add_argument("--all", action="store_true", help="every lab of the registry")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.set_defaults(func=cmd_status)

    ex = verb("exec", "run a command inside a node")
    ex.add_argument("node", metavar="NODE")
    ex.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD")
    ex.set_defaults(func=cmd_exec)

    sh = verb("shell", "an interactive shell inside a node")
    sh.add_argument("node", metavar="NODE")
    sh.set_defaults(func=cmd_shell)

    fp = verb("fence-params", "fence_redfish parameters (stdin format) that power NODE of the lab")
    fp.add_argument("node", metavar="NODE")
    fp.set_defaults(func=cmd_fence_params)

    f = verb("fault", "inject a fault")
    f.add_argument("kind", metavar="KIND", help="power-off, power-on, shutdown, reboot, freeze, thaw, "
                   "cable-pull, cable-plug, partition, heal, loss, slow")  # fmt: skip
    f.add_argument("target", nargs="?", metavar="TARGET",
                   help="NODE, LINK (node1:pub0, rep1-2), or for partition SIDES (node1,node2/node3)")  # fmt: skip
    f.add_argument(
        "--via", default="all", help="partition: all, pub, rep, pub0, pub1 (default all)"
    )
    f.add_argument(
        "--one-way", action="store_true", help="partition: drop only traffic leaving the first side"
    )
    f.add_argument(
        "--percent", type=int, default=10, help="loss: percent of frames dropped (default 10)"
    )
    f.add_argument("--rate", default="1mbit", help="slow: tc rate (default 1mbit)")
    f.set_defaults(func=cmd_fault)


def _need_root() -> None:
    if os.geteuid() != 0:
        raise ConfigError("the lab needs root (namespaces, bridges, mounts)", field="lab")


def cmd_up(args: argparse.Namespace) -> int:
    _need_root()
    from paceline.lab.lab import Lab

    lab = Lab.up(
        args.name, args.nodes, rings=args.rings, arbitrator=args.arbitrator,
        scenario_name=args.scenario, power_api=not args.no_power_api,
    )  # fmt: skip
    _print_status(lab.status())
    note = SCENARIO_NOTES.get(args.scenario)
    if note:
        print(note)
    return 0


SCENARIO_NOTES = {
    "lamp": "  lamp: Apache and MariaDB are installed and configured on every node, and stopped: "
    "the cluster's resources start them (or: lab exec NODE -- service apache2 start)",
}
"""What ``lab up --scenario`` prepared, said as it is (the services are not running)."""


def cmd_down(args: argparse.Namespace) -> int:
    _need_root()
    from paceline.lab.lab import Lab, down_all

    if args.all:
        removed = down_all()
        print("removed: " + (", ".join(removed) if removed else "nothing"))
    elif Lab(args.name).down():
        print(f"removed: {args.name}")
    else:
        raise ConfigError(
            f"no lab named {args.name}: nothing removed",
            field="--name",
            expected="the name of a lab (paceline lab status --all lists them)",
        )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    _need_root()
    from paceline.lab.lab import Lab
    from paceline.lab.registry import Registry

    names = [r.name for r in Registry().records()] if args.all else [args.name]
    states = [Lab(n).status() for n in names]
    if args.json:
        print(json.dumps(states if args.all else states[0], indent=1))
    else:
        for s in states:
            _print_status(s)
        if not states:
            print("no lab")
    return 0


def _print_status(s: dict[str, Any]) -> None:
    print(
        f"lab {s['name']} ({s['prefix']}, {s['scenario']}, {s['state']}): host {', '.join(s['host_addresses'])}, vip {s['vip']}"
    )
    if s["power_api"]:
        api = s["power_api"]
        state = f"pid {api['pid']}" if api["running"] else "NOT RUNNING"
        print(f"  power API {api['url']} ({state}; credentials: lab fence-params NODE)")
    for name, n in s["nodes"].items():
        print(
            f"  {name:<10} {n['state']:<6} init={n['init_pid'] or '-':<8} procs={n['processes']:<3} {' '.join(n['addresses'])}"
        )
    if s["pulled"]:
        print(f"  pulled: {', '.join(s['pulled'])}")
    imp = s["impairments"]
    if imp["blocks"] or imp["loss"] or imp["slow"]:
        print(f"  impairments: {len(imp['blocks'])} blocks, loss {imp['loss']}, slow {imp['slow']}")


def cmd_exec(args: argparse.Namespace) -> int:
    _need_root()
    from paceline.lab.lab import Lab

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise ConfigError("nothing to run", field="CMD", expected="lab exec NODE -- CMD [ARG...]")
    lab = Lab(args.name)
    lab.plan.node(args.node)
    return subprocess.call(lab.exec_argv(args.node, command, term=os.environ.get("TERM", "dumb")))


def cmd_shell(args: argparse.Namespace) -> int:
    _need_root()
    from paceline.lab.lab import Lab

    lab = Lab(args.name)
    lab.plan.node(args.node)
    argv = lab.exec_argv(args.node, ["/bin/bash", "-l"], term=os.environ.get("TERM", "dumb"))
    sys.stdout.flush()
    os.execvp(argv[0], argv)


def cmd_fence_params(args: argparse.Namespace) -> int:
    _need_root()
    from paceline.lab.lab import Lab
    from paceline.lab.power import fence_params

    for key, value in fence_params(Lab(args.name).record, args.node).items():
        print(f"{key}={value}")
    return 0


def cmd_fault(args: argparse.Namespace) -> int:
    _need_root()
    from paceline.lab.faults import inject
    from paceline.lab.lab import Lab

    print(inject(Lab(args.name), args.kind, args.target, via=args.via, one_way=args.one_way,
                 percent=args.percent, rate=args.rate))  # fmt: skip
    return 0
