"""``paceline sim SCENARIO --seeds N``: deterministic simulations of the pure cores.

    paceline sim replication --seeds 200          # seeds 1..200, one line per failure
    paceline sim replication --seed 17 --trace    # one seed, its whole trace

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
