"""crm edit speed: statements applied one at a time versus one load of the same text.

- ``statements``: 400 one-shot ``crm.apply_statement`` calls, each on the CIB
  the previous one returned, against one ``crm.load`` of the same 400 lines.
- ``cli``: 300 lines piped into ``paceline configure`` (each line a staged
  edit, one commit at the end), against ``paceline configure load update`` of
  a file with the same 300 lines (one process each, so start-up is in both).
- ``xml``: ``crm.load_cib`` (the migrations, run on the model as decoded) of
  every corpus CIB, against decoding the same files (``decode_cib``).

``run()`` returns seconds (best of a few rounds) and the ratios
``one-at-a-time / one load``; the goal of issue 10 is 3 or less. Nothing is
asserted.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from paceline import crm
from paceline.cib.codec import decode_cib
from paceline.cib.model import Cib

REPO = Path(__file__).resolve().parents[1]
PACELINE = REPO / ".venv" / "bin" / "paceline"


def lines(count: int) -> list[str]:
    """``count`` crm statements of the kinds a configuration is made of."""
    out = ["node node1", "node node2"]
    index = 0
    while len(out) < count:
        rsc = f"p{index}"
        out.append(f"primitive {rsc} ocf:heartbeat:Dummy op monitor interval=10s")
        if index % 3 == 0:
            out.append(f"location l-{rsc} {rsc} 100: node1")
        if index % 3 == 1:
            out.append(f"colocation c-{rsc} inf: {rsc} p{index - 1}")
        if index % 5 == 4:
            # members no constraint names yet: a new group takes over the
            # constraints of its members (as crmsh), which one load does not do
            out.append(f"primitive m{index} ocf:heartbeat:Dummy")
            out.append(f"group g{index} m{index}")
        index += 1
    return out[:count]


def _best(rounds: int, fn: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _statements(count: int, rounds: int) -> dict[str, float]:
    text = "\n".join(lines(count)) + "\n"
    statements = lines(count)

    def one_load() -> None:
        crm.load(Cib(), text)

    def one_at_a_time() -> None:
        cib = Cib()
        for statement in statements:
            cib, _ = crm.apply_statement(cib, statement)

    loaded, _ = crm.load(Cib(), text)
    applied = Cib()
    for statement in statements:
        applied, _ = crm.apply_statement(applied, statement)
    assert applied.configuration == loaded.configuration, "the two paths disagree"
    load_s = _best(rounds, one_load)
    each_s = _best(max(1, rounds - 1), one_at_a_time)
    return {
        "statements": count,
        "one_load_s": round(load_s, 4),
        "one_at_a_time_s": round(each_s, 4),
        "ratio": round(each_s / load_s, 2),
    }


def _paceline(cib: Path, *args: str, stdin: str = "") -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACELINE_")}
    subprocess.run(
        [str(PACELINE), "--cib", str(cib), *args],
        input=stdin,
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )


def _cli(count: int, rounds: int) -> dict[str, float]:
    text = "\n".join(lines(count)) + "\ncommit\n"
    with tempfile.TemporaryDirectory(prefix="paceline-bench-crm-") as tmp:
        work = Path(tmp)
        source = work / "in.crm"
        source.write_text("\n".join(lines(count)) + "\n")

        def piped() -> None:
            cib = work / "piped.xml"
            cib.unlink(missing_ok=True)
            _paceline(cib, "configure", stdin=text)

        def loaded() -> None:
            cib = work / "loaded.xml"
            cib.unlink(missing_ok=True)
            _paceline(cib, "configure", "load", "update", str(source))

        load_s = _best(rounds, loaded)
        piped_s = _best(rounds, piped)
    return {
        "lines": count,
        "one_load_s": round(load_s, 4),
        "piped_s": round(piped_s, 4),
        "ratio": round(piped_s / load_s, 2),
    }


def _xml(rounds: int) -> dict[str, object]:
    shared = Path(os.environ.get("PACELINE_SHARED", REPO.parent / "shared"))
    blobs = [p.read_bytes() for p in sorted((shared / "scheduler-corpus").glob("*.xml"))]
    if not blobs:
        return {"files": 0, "skipped": "no scheduler corpus (set PACELINE_SHARED)"}
    decoded = [decode_cib(data) for data in blobs]

    def here(spec: str) -> bool:
        return spec not in ("ocf:linbit:drbd", "lsb:mysql")

    def decode() -> None:
        for data in blobs:
            decode_cib(data)

    def migrate() -> None:
        for cib in decoded:
            crm.load_cib(Cib(), cib, "replace", agent_exists=here)

    decode_s = _best(rounds, decode)
    migrate_s = _best(rounds, migrate)
    return {
        "files": len(blobs),
        "decode_s": round(decode_s, 4),
        "load_cib_s": round(migrate_s, 4),
        "ratio": round(migrate_s / decode_s, 3) if decode_s else None,
    }


def run(rounds: int = 3) -> dict[str, object]:
    return {
        "statements": _statements(400, rounds),
        "cli": _cli(300, rounds),
        "xml": _xml(rounds),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(rounds=1), indent=2))
