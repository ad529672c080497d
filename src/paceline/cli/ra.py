"""``paceline ra``: the resource agents installed here, as ``crm ra`` shows them.

    paceline ra classes          the classes (ocf with its providers)
    paceline ra list CLASS [PROVIDER]
    paceline ra info AGENT       rendered from the agent's meta-data

AGENT is ``class:provider:type``, ``class:type``, ``provider:type`` or a bare
ocf type (``Dummy`` is ``ocf:heartbeat:Dummy``, as crm resolves it).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paceline.executor.agents import AgentCatalog
    from paceline.executor.ocf import AgentDescription


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ra", help="resource agents: classes, list, info (as crm ra)", description=__doc__
    )
    verbs = parser.add_subparsers(dest="ra_verb", metavar="classes|list|info")
    verbs.add_parser("classes", help="the resource classes and ocf providers").set_defaults(
        func=run_classes
    )
    listing = verbs.add_parser("list", help="the agents of a class")
    listing.add_argument("cls", metavar="CLASS")
    listing.add_argument("provider", metavar="PROVIDER", nargs="?")
    listing.set_defaults(func=run_list)
    info = verbs.add_parser("info", aliases=["meta"], help="an agent's parameters and actions")
    info.add_argument("agent", metavar="AGENT")
    info.set_defaults(func=run_info)


def _catalog() -> AgentCatalog:
    from paceline.executor.agents import scan_agents

    return scan_agents()


def run_classes(args: argparse.Namespace) -> int:
    catalog = _catalog()
    providers = sorted({n.split(":")[1] for n in catalog.names if n.startswith("ocf:")})
    for cls in sorted(set(catalog.classes()) | {"service"}):
        print(f"{cls} / {' '.join(providers)}" if cls == "ocf" and providers else cls)
    return 0


def _columns(names: list[str], width: int = 79) -> str:
    if not names:
        return ""
    cell = max(len(n) for n in names) + 2
    per_line = max(1, width // cell)
    rows = [names[i : i + per_line] for i in range(0, len(names), per_line)]
    return "\n".join("".join(n.ljust(cell) for n in row).rstrip() for row in rows)


def run_list(args: argparse.Namespace) -> int:
    catalog = _catalog()
    cls = args.cls
    wanted: list[str] = []
    for name in catalog.names:
        parts = name.split(":")
        if (cls == "service" and parts[0] in ("lsb", "systemd")) or (
            parts[0] == cls and (args.provider is None or parts[1] == args.provider)
        ):
            wanted.append(parts[-1])
    if not wanted:
        print(
            f"paceline: error: no agents of class {cls}"
            + (f" and provider {args.provider}" if args.provider else ""),
            file=sys.stderr,
        )
        return 1
    print(_columns(sorted(set(wanted))))
    return 0


def resolve(catalog: AgentCatalog, agent: str) -> str | None:
    """The full name of ``agent`` as crm resolves a short one (heartbeat first)."""
    parts = agent.split(":")
    if len(parts) == 3 or (
        len(parts) == 2 and parts[0] in ("lsb", "stonith", "systemd", "service")
    ):
        return agent if catalog.exists(agent) else None
    if len(parts) == 2:
        candidates = [f"ocf:{parts[0]}:{parts[1]}"]
    else:
        others = sorted(
            n for n in catalog.names if n.startswith("ocf:") and n.endswith(f":{agent}")
        )
        candidates = [f"ocf:heartbeat:{agent}", f"ocf:pacemaker:{agent}", *others]
        candidates += [f"lsb:{agent}", f"stonith:{agent}", f"systemd:{agent}"]
    return next((c for c in candidates if c in catalog.names), None)


def render_info(spec: str, d: AgentDescription) -> str:
    """``crm ra info``'s layout: title, long description, parameters, actions."""
    out = [f"{d.shortdesc or d.name} ({spec})", ""]
    if d.longdesc:
        out += [textwrap.fill(d.longdesc, 79), ""]
    if d.parameters:
        out += ["Parameters (*: required, []: default):", ""]
        for p in d.parameters:
            default = f", [{p.default}]" if p.default not in (None, "") else ""
            star = "*" if p.required else ""
            out.append(f"{p.name}{star} ({p.type}{default}): {p.shortdesc}".rstrip())
            if p.longdesc and p.longdesc != p.shortdesc:
                out.append(
                    textwrap.fill(p.longdesc, 79, initial_indent="    ", subsequent_indent="    ")
                )
            out.append("")
    if d.actions:
        out += ["Operations' defaults (advisory minimum):", ""]
        for a in d.actions:
            extra = [
                f"{k}={v}"
                for k, v in (("timeout", a.timeout), ("interval", a.interval), ("depth", a.depth))
                if v is not None
            ]
            role = f"_{a.role}" if a.role else ""
            out.append(f"    {(a.name + role).ljust(18)}{' '.join(extra)}".rstrip())
    return "\n".join(out).rstrip() + "\n"


def _lsb_info(spec: str) -> str:
    """An init script's LSB header (``Short-Description``, ``Description``)."""
    from paceline.executor.lsb import script_path

    short, desc = "", ""
    try:
        with open(script_path(spec.split(":")[1]), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("# Short-Description:"):
                    short = line.split(":", 1)[1].strip()
                elif line.startswith("# Description:"):
                    desc = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{short or spec} ({spec})\n" + (f"\n{desc}\n" if desc else "")


def run_info(args: argparse.Namespace) -> int:
    catalog = _catalog()
    spec = resolve(catalog, args.agent)
    if spec is None:
        print(f"paceline: error: no such resource agent: {args.agent}", file=sys.stderr)
        return 1
    if spec.startswith(("lsb:", "service:")):
        sys.stdout.write(_lsb_info(spec))
        return 0
    description = catalog.describe(spec) if catalog.describe is not None else None
    if description is None:
        print(f"paceline: error: {spec} printed no valid meta-data", file=sys.stderr)
        return 1
    sys.stdout.write(render_info(spec, description))
    return 0
