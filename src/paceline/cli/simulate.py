"""``paceline simulate``: crm_simulate for a CIB file.

    paceline simulate -x FILE [-S|-R] [-D DOT] [--batch DIR]
    paceline simulate --shadow NAME [-S|-R]     a shadow CIB (``configure cib new``)

Prints ``Current cluster status``, ``Transition Summary`` and (with ``-S``)
``Revised Cluster Status`` in crm_simulate's form; ``-D`` writes the graph
as Graphviz dot. Imports are lazy: start-up time is what a user feels.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paceline.cib.model import Cib
    from paceline.scheduler import Cluster, Transition


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="compute what the cluster would do (as crm_simulate)",
        description="Schedule a CIB file as crm_simulate does and print the transition.",
    )
    parser.add_argument("-x", "--xml-file", metavar="FILE", help="the CIB XML file")
    parser.add_argument("-S", "--simulate", action="store_true", help="simulate the transition")
    parser.add_argument("-R", "--run", action="store_true", help="compute the transition")
    parser.add_argument("-D", "--save-dotfile", metavar="FILE", help="write the graph as dot")
    parser.add_argument("--batch", metavar="DIR", help="schedule every *.xml of DIR")
    parser.add_argument(
        "--shadow",
        metavar="NAME",
        help="the shadow CIB NAME (paceline configure cib new NAME); without -x and "
        "--shadow, the shadow in use (CIB_shadow or 'configure cib use')",
    )
    parser.set_defaults(func=run)


def _load(path: Path) -> Cib:
    from paceline.cib.codec import decode_cib

    return decode_cib(path.read_bytes(), file=str(path))


def _status(cluster: Cluster, placement: dict[str, str | None] | None) -> list[str]:
    from paceline.cib.model import Role

    online = sorted(n for n, i in cluster.nodes.items() if i.online)
    offline = sorted(n for n, i in cluster.nodes.items() if not i.online)
    out = ["  * Node List:"]
    if online:
        out.append(f"    * Online: [ {' '.join(online)} ]")
    if offline:
        out.append(f"    * OFFLINE: [ {' '.join(offline)} ]")
    out += ["", "  * Full List of Resources:"]
    for rid, rsc in cluster.rscs.items():
        if placement is None:
            where = [f"{'FAILED ' if n in rsc.failed else ''}{n}" for n in rsc.running]
            state = " ".join(where)
            role = "Started" if rsc.running else "Stopped"
            if rsc.running and any(r is Role.PROMOTED for r in rsc.running.values()):
                role = "Promoted"
            text = f"{role} {state}".strip() if not rsc.failed else state
        else:
            node = placement.get(rid)
            text = f"Started {node}" if node else "Stopped"
        out.append(f"    * {rid}\t({rsc.agent}):\t {text}")
    return out


def now(cib: Cib) -> int:
    """The time to schedule ``cib`` at: its execution-date, else the wall clock (as crm_simulate)."""
    if cib.execution_date is not None:
        return cib.execution_date
    import time

    return int(time.time())


def _one(path: Path, dot: str | None, simulate: bool) -> str:
    from paceline.scheduler import schedule_with_state

    cib = _load(path)
    cluster, transition = schedule_with_state(cib, now(cib))
    if dot:
        from paceline.scheduler import to_dot

        Path(dot).write_text(to_dot(transition), encoding="utf-8")
    return render(cluster, transition, simulate)


def render(cluster: Cluster, t: Transition, simulate: bool) -> str:
    """crm_simulate's text: current status, transition summary, revised status."""
    lines = ["Current cluster status:", *_status(cluster, None), "", "Transition Summary:"]
    lines += [f"  * {s}" for s in t.summary]
    if simulate:
        lines += ["", "Revised Cluster Status:", *_status(cluster, t.placement)]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.batch:
        for path in sorted(Path(args.batch).glob("*.xml")):
            try:
                text = _one(path, str(path.with_suffix(".out.dot")), True)
            except Exception as exc:  # one bad file must not stop the batch
                print(f"paceline: {path.name}: {exc}", file=sys.stderr)
                continue
            path.with_suffix(".out").write_text(text, encoding="utf-8")
        return 0
    if args.xml_file and args.shadow:
        print("paceline simulate: -x FILE or --shadow NAME, not both", file=sys.stderr)
        return 2
    if args.xml_file:
        path = Path(args.xml_file)
    else:
        from paceline.cli.shadow import shadow_file

        found = shadow_file(args, args.shadow)  # a clear error for an unknown one
        if found is None:
            print("paceline simulate: -x FILE (or --shadow NAME) is needed", file=sys.stderr)
            return 2
        path = found
    sys.stdout.write(_one(path, args.save_dotfile, args.simulate or not args.run))
    return 0
