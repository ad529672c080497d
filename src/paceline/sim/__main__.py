"""``python -m paceline.sim --seed N [--scenario NAME]``: run one simulation, print its trace.

``--count K`` runs seeds N .. N+K-1 instead (VOPR style) and prints one line
per seed that failed, then a total; rerun a failing seed alone to see its
trace. Exit status 0 when every checker passed, 1 when one found a
violation (listed after the trace), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from paceline.sim.scenario import SCENARIOS, run, scenario_for


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m paceline.sim", description="Run one deterministic simulation."
    )
    parser.add_argument("--seed", type=int, default=1, help="the run's seed (default 1)")
    parser.add_argument(
        "--scenario",
        choices=[*sorted(SCENARIOS), "swarm"],
        default="chaos",
        help="default: chaos; swarm draws the whole scenario from the seed",
    )
    parser.add_argument("--quiet", action="store_true", help="print the summary only")
    parser.add_argument(
        "--count", type=int, default=1, metavar="K", help="run K seeds from --seed on, quietly"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, scenario in sorted(SCENARIOS.items()):
            print(f"{name:<10} {scenario.nodes} nodes, {scenario.duration:g} s, {scenario.nemesis}")
        print("swarm      drawn from the seed: nodes, link faults, clock skew, nemesis")
        return 0
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.count > 1:
        return _many(args.scenario, args.seed, args.count)
    scenario = scenario_for(args.scenario, args.seed)
    result = run(args.seed, scenario, sink=None if args.quiet else print)
    for violation in result.violations:
        print(f"VIOLATION {violation}")
    print(result.summary())
    return 0 if result.ok else 1


def _many(name: str, first: int, count: int) -> int:
    failed = 0
    for seed in range(first, first + count):
        result = run(seed, scenario_for(name, seed))
        if not result.ok:
            failed += 1
            print(f"FAILED {result.summary()}: {result.violations[0]}")
    print(f"{count - failed}/{count} seeds passed ({name}, seeds {first}..{first + count - 1})")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `... | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
