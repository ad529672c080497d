"""Network faults of a lab, one call each: cables, partitions, loss, slow links.

Power faults (power-off, freeze, ...) are methods of ``Lab``; this module
holds the network ones and the dispatcher ``inject(lab, kind, target)`` the
CLI uses. Partition, loss and slow change the lab's ``Impairments`` in its
record and rewrite every node's filter from it (``paceline.lab.impair``).

Cable pull: on a public port the switch side goes down, so the node sees
NO-CARRIER on ``pubR``; on a replication cable the lab's wire namespace
takes the carrier away from both ends. Plug undoes it. Either way the
node's NIC stays administratively up, as with a real cable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from paceline.core.errors import ConfigError
from paceline.lab import impair
from paceline.lab.lab import Lab
from paceline.lab.plan import LabPlan, Link, PublicPort
from paceline.lab.registry import LabRecord
from paceline.lab.sh import in_netns, ip_batch, run

KINDS = (
    "power-off", "power-on", "shutdown", "reboot", "freeze", "thaw",
    "cable-pull", "cable-plug", "partition", "heal", "loss", "slow",
)  # fmt: skip


def _set_cables(lab: Lab, links: tuple[Link, ...], pulled: bool) -> list[str]:
    names = [link.name for link in links]

    def mark(r: LabRecord) -> LabRecord:
        rest = {x for x in r.pulled if x not in names}
        return replace(r, pulled=tuple(sorted(rest | (set(names) if pulled else set()))))

    lab.registry.update(lab.name, mark)
    state = "down" if pulled else "up"  # on a public port: the switch side of the node's port
    ip_batch([f"link set {lk.host_ifname} {state}" for lk in links if isinstance(lk, PublicPort)])
    lab.sync_wires()
    return names


def cable_pull(lab: Lab, target: str) -> list[str]:
    """Pull the cable ``target`` (``node1:pub0``, ``rep1-2``), or every cable of a node:
    the NICs at its ends lose carrier (NO-CARRIER) and stay administratively up."""
    return _set_cables(lab, lab.plan.targets(target), pulled=True)


def cable_plug(lab: Lab, target: str) -> list[str]:
    return _set_cables(lab, lab.plan.targets(target), pulled=False)


def apply_filters(lab: Lab, rec: LabRecord) -> None:
    """Rewrite every node's filter from the record's impairments."""
    plan = rec.plan
    for n in plan.nodes:
        script = impair.render_nft(plan, n.name, rec.impairments)
        run(in_netns(n.netns, ["nft", "-f", "-"]), input=script)


def _change(lab: Lab, change: Callable[[impair.Impairments], impair.Impairments]) -> LabRecord:
    rec = lab.registry.update(lab.name, lambda r: replace(r, impairments=change(r.impairments)))
    apply_filters(lab, rec)
    return rec


def partition(lab: Lab, spec: str, *, via: str = "all", one_way: bool = False) -> int:
    """Split the nodes (``node1`` or ``node1,node2/node3``); returns how many blocks are in force."""
    plan = lab.plan
    blocks = impair.partition(plan, impair.parse_groups(plan, spec), via=via, one_way=one_way)
    rec = _change(lab, lambda imp: replace(imp, blocks=imp.blocks | blocks))
    return len(rec.impairments.blocks)


def loss(lab: Lab, target: str, percent: int) -> list[str]:
    impair.check_percent(percent)
    names = [link.name for link in lab.plan.targets(target)]

    def change(imp: impair.Impairments) -> impair.Impairments:
        for name in names:
            imp = imp.with_loss(name, percent)
        return imp

    _change(lab, change)
    return names


def _shape(plan: LabPlan, names: list[str], rate: str | None) -> None:
    """Rate-limit the links ``names`` (None: lift the limit), one ``tc`` per namespace."""
    verb, args = ("del", "root") if rate is None else ("replace", " ".join(impair.tbf_args(rate)))
    lines: dict[str | None, list[str]] = {}
    for s in impair.shapers(plan, names):
        lines.setdefault(s.netns, []).append(f"qdisc {verb} dev {s.ifname} {args}")
    for netns, batch in lines.items():
        ip_batch(batch, netns, check=rate is not None, tool="tc")


def slow(lab: Lab, target: str, rate: str) -> list[str]:
    impair.check_rate(rate)
    plan = lab.plan
    names = [link.name for link in plan.targets(target)]
    _shape(plan, names, rate)

    def change(imp: impair.Impairments) -> impair.Impairments:
        for name in names:
            imp = imp.with_slow(name, rate)
        return imp

    lab.registry.update(lab.name, lambda r: replace(r, impairments=change(r.impairments)))
    return names


def heal(lab: Lab) -> None:
    """Lift every partition, loss and rate limit (pulled cables stay pulled)."""
    rec = lab.record
    _shape(rec.plan, [name for name, _ in rec.impairments.slow], None)
    _change(lab, lambda imp: impair.Impairments())


def inject(
    lab: Lab,
    kind: str,
    target: str | None,
    *,
    via: str = "all",
    one_way: bool = False,
    percent: int = 10,
    rate: str = "1mbit",
) -> str:
    """One fault by name (the CLI's ``lab fault KIND TARGET``); returns a one-line summary."""
    power: dict[str, Callable[[str], None]] = {
        "power-off": lab.power_off,
        "power-on": lab.power_on,
        "shutdown": lab.shutdown,
        "reboot": lab.reboot,
        "freeze": lab.freeze,
        "thaw": lab.thaw,
    }
    if kind == "heal":
        heal(lab)
        return "healed: no partition, loss or rate limit left"
    if target is None:
        raise ConfigError(f"{kind} needs a target", field="TARGET", expected="NODE or LINK")
    if kind in power:
        lab.plan.node(target)
        power[kind](target)
        return f"{kind} {target}"
    if kind == "cable-pull":
        return "pulled " + ", ".join(cable_pull(lab, target))
    if kind == "cable-plug":
        return "plugged " + ", ".join(cable_plug(lab, target))
    if kind == "partition":
        n = partition(lab, target, via=via, one_way=one_way)
        return f"partition {target} via {via}{' one-way' if one_way else ''}: {n} blocks in force"
    if kind == "loss":
        return f"loss {percent}% on " + ", ".join(loss(lab, target, percent))
    if kind == "slow":
        return f"rate {rate} on " + ", ".join(slow(lab, target, rate))
    raise ConfigError("unknown fault", field="KIND", text=kind, expected=", ".join(KINDS))
