"""``paceline sim SCENARIO --seeds N``: deterministic simulations of the pure cores.

    paceline sim replication --seeds 200          # seeds 1..200, one line per failure
    paceline sim replication --seed 17 --trace    # one seed, its whole trace
    paceline sim membership --seeds 200 [--nodes K] [--small]

``membership`` draws each seed's cluster size (or takes ``--nodes``), links
and faults (``paceline.sim.membership``) and prints each violation with the
command that replays its seed.

A scenario is a module with ``run(seed) -> sim.system.RunResult``; add yours
to ``SCENARIOS`` (name -> module) and the verb runs it. Exit status 0 when
every seed passed every checker, 1 otherwise. Any failure replays from its seed.
"""

from __future__ import annotations

import argparse
import importlib
from functools import partial

SCENARIOS: dict[str, tuple[str, str]] = {
    "replication": ("paceline.sim.replication", "replicated volume: two nodes, link, disks"),
}
"""scenario name -> (module with ``run(seed)``, one line of help)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="run deterministic simulations with faults and checkers",
        description="Run seeded simulations of a core with faults; report checker violations.",
    )
    sub = parser.add_subparsers(dest="scenario", metavar="SCENARIO", required=True)
    for name, (module, text) in SCENARIOS.items():
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--seeds", type=int, default=1, metavar="N", help="run N seeds")
        p.add_argument("--seed", type=int, default=1, metavar="S", help="the first seed (1)")
        p.add_argument("--trace", action="store_true", help="print each run's trace")
        p.set_defaults(func=partial(run, module))
    m = sub.add_parser(
        "membership",
        help="membership cores under random faults (crash, partitions, cables, loss, pause)",
    )
    m.add_argument("--seeds", type=int, default=1, metavar="N", help="run N seeds")
    m.add_argument("--seed", type=int, default=1, metavar="S", help="the first seed (1)")
    m.add_argument("--nodes", type=int, default=None, metavar="K", help="fix the cluster size")
    m.add_argument("--small", action="store_true", help="2-3 nodes, 1-2 links (as CI)")
    m.add_argument("--trace", action="store_true", help="with one seed: print its trace")
    m.set_defaults(func=_membership)


def _membership(args: argparse.Namespace) -> int:
    from paceline.core.errors import ConfigError
    from paceline.sim.membership import draw, run_seeds
    from paceline.sim.membership import run as run_one

    if args.nodes is not None and not 1 <= args.nodes <= 32:
        raise ConfigError(f"--nodes {args.nodes} out of range", field="--nodes", expected="1..32")
    if args.seeds < 1:
        raise ConfigError(f"--seeds {args.seeds} must be at least 1", field="--seeds")
    if args.seeds == 1:
        scenario = draw(args.seed, args.nodes, small=args.small)
        print(f"seed {args.seed}: {scenario.describe()}")
        result = run_one(args.seed, scenario, sink=print if args.trace else None)
        for violation in result.violations:
            print(f"VIOLATION {violation}")
        print(result.summary())
        return 0 if result.ok else 1
    failed = run_seeds(args.seed, args.seeds, nodes=args.nodes, out=print, small=args.small)
    last = args.seed + args.seeds - 1
    print(f"{args.seeds - len(failed)}/{args.seeds} seeds passed (seeds {args.seed}..{last})")
    return 1 if failed else 0


def run(module: str, args: argparse.Namespace) -> int:
    if args.seeds < 1:
        print("paceline sim: --seeds must be at least 1")
        return 2
    scenario = importlib.import_module(module)
    failed = 0
    last = args.seed + args.seeds - 1
    for seed in range(args.seed, last + 1):
        result = scenario.run(seed)
        if args.trace:
            print("\n".join(result.trace))
        if not result.ok:
            failed += 1
            print(f"FAILED {result.summary()}")
            for violation in result.violations:
                print(f"  {violation}")
        elif args.seeds == 1 or args.trace:
            print(result.summary())
    print(f"{args.seeds - failed}/{args.seeds} seeds passed (seeds {args.seed}..{last})")
    return 1 if failed else 0
