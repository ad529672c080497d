"""``paceline sim membership``: random membership scenarios in the simulator.

paceline sim membership [--seeds N] [--first S] [--nodes K] [--small]
paceline sim membership --seed S [--nodes K] [--trace]

Each seed draws a cluster, its links and at least three faults over at
least 50 token periods, runs real membership cores and judges them with
every membership checker. Violations are printed with the command that
replays the seed. Exit status 0 when every seed passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    s = subparsers.add_parser("sim", help="run deterministic simulations of a layer")
    layers = s.add_subparsers(dest="layer", metavar="LAYER", required=True)
    m = layers.add_parser("membership", help="random membership scenarios under every checker")
    m.add_argument("--seeds", type=int, default=100, metavar="N", help="how many seeds (100)")
    m.add_argument("--first", type=int, default=1, metavar="S", help="the first seed (1)")
    m.add_argument("--seed", type=int, default=None, help="run this one seed, verbosely")
    m.add_argument("--nodes", type=int, default=None, metavar="K", help="fix the cluster size")
    m.add_argument("--small", action="store_true", help="2-3 nodes, 1-2 links (as CI)")
    m.add_argument("--trace", action="store_true", help="with --seed: print the whole trace")
    m.set_defaults(func=_membership)


def _membership(args: argparse.Namespace) -> int:
    from paceline.core.errors import ConfigError
    from paceline.sim.membership import draw, run, run_seeds

    if args.nodes is not None and not 1 <= args.nodes <= 32:
        raise ConfigError(f"--nodes {args.nodes} out of range", field="--nodes", expected="1..32")
    if args.seed is not None:
        scenario = draw(args.seed, args.nodes, small=args.small)
        print(f"seed {args.seed}: {scenario.describe()}")
        result = run(args.seed, scenario, sink=print if args.trace else None)
        for violation in result.violations:
            print(f"VIOLATION {violation}")
        print(result.summary())
        return 0 if result.ok else 1
    if args.seeds < 1:
        raise ConfigError(f"--seeds {args.seeds} must be at least 1", field="--seeds")
    failed = run_seeds(args.first, args.seeds, nodes=args.nodes, out=print, small=args.small)
    last = args.first + args.seeds - 1
    print(f"{args.seeds - len(failed)}/{args.seeds} seeds passed (seeds {args.first}..{last})")
    return 1 if failed else 0
