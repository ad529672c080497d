"""``python -m paceline.sim --seed N [--scenario NAME]``: run one simulation, print its trace.

Exit status 0 when every checker passed, 1 when one found a violation (the
violations are listed after the trace), 2 on bad arguments.
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
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, scenario in sorted(SCENARIOS.items()):
            print(f"{name:<10} {scenario.nodes} nodes, {scenario.duration:g} s, {scenario.nemesis}")
        print("swarm      drawn from the seed: nodes, link faults, clock skew, nemesis")
        return 0
    scenario = scenario_for(args.scenario, args.seed)
    result = run(args.seed, scenario, sink=None if args.quiet else print)
    for violation in result.violations:
        print(f"VIOLATION {violation}")
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `... | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
