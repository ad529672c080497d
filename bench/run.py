"""Run every benchmark module (``bench/bench_*.py``) and write one JSON report.

Each module exposes ``run() -> dict``: figures measured on this machine, with
a reference measured in the same run so that ratios compare like with like.
Benchmarks are not tests: nothing here passes or fails on a figure.

    python -m bench.run [--out FILE] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.run")
    ap.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    ap.add_argument("--only", nargs="*", help="module names (e.g. bench_cib)")
    args = ap.parse_args(argv)
    names = args.only or discover()
    report: dict[str, object] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "kernel": platform.release(),
        },
        "results": {},
    }
    results: dict[str, object] = {}
    failed = 0
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            results[name] = module.run()
        except Exception as exc:  # a broken benchmark is reported, the others still run
            failed += 1
            results[name] = {
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(),
            }
        print(f"bench: {name} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    report["results"] = results
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(json.dumps(report, indent=2, sort_keys=True))
    print(f"bench: report written to {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
