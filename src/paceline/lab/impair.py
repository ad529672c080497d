"""Network impairments of a lab as data, and the rules that enforce them (no I/O).

The lab keeps one ``Impairments`` value per lab (in its registry record). A
fault adds to it, ``heal`` empties it, and after each change every node's
filter is rewritten whole from the value: there is no incremental state to
drift. Enforcement happens inside each node's network namespace, on its own
interfaces, with an nftables ``netdev`` table (it sees ARP too, so a cut
link is cut for every protocol):

- a *block* ``src -> dst via pubR`` drops, at ``dst``'s ``pubR`` ingress,
  frames whose source MAC is ``src``'s ``pubR`` (MACs are fixed by the plan);
  ``via repA-B`` drops everything arriving on that cable at ``dst``;
- *loss* drops a percentage of frames (``numgen random``) on a link: at
  both ends' ingress for a cable, at the node's ingress and egress for a
  public port;
- *slow* is a token-bucket rate limit (``tc tbf``) on every sending end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from paceline.core.errors import ConfigError
from paceline.lab.plan import LabPlan, PublicPort, RepLink

TABLE = "paceline_lab"
RATE_RE = re.compile(r"\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)")


@dataclass(frozen=True, slots=True, order=True)
class Block:
    """Frames from ``src`` to ``dst`` over ``via`` (``pub0``, ``pub1`` or a cable name) are dropped."""

    src: str
    dst: str
    via: str


@dataclass(frozen=True, slots=True)
class Impairments:
    blocks: frozenset[Block] = frozenset()
    loss: tuple[tuple[str, int], ...] = ()  # (link name, percent)
    slow: tuple[tuple[str, str], ...] = ()  # (link name, tc rate)

    def to_json(self) -> dict[str, Any]:
        return {
            "blocks": [[b.src, b.dst, b.via] for b in sorted(self.blocks)],
            "loss": [list(x) for x in self.loss],
            "slow": [list(x) for x in self.slow],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Impairments:
        return cls(
            blocks=frozenset(Block(*b) for b in data.get("blocks", [])),
            loss=tuple((str(n), int(p)) for n, p in data.get("loss", [])),
            slow=tuple((str(n), str(r)) for n, r in data.get("slow", [])),
        )

    def with_loss(self, link: str, percent: int) -> Impairments:
        rest = tuple(x for x in self.loss if x[0] != link)
        return replace(self, loss=(*rest, (link, percent)) if percent else rest)

    def with_slow(self, link: str, rate: str | None) -> Impairments:
        rest = tuple(x for x in self.slow if x[0] != link)
        return replace(self, slow=(*rest, (link, rate)) if rate else rest)


def parse_groups(plan: LabPlan, spec: str) -> list[list[str]]:
    """``node1`` (node1 against the rest) or ``node1,node2/node3`` (slash between sides)."""
    groups = [[n for n in part.split(",") if n] for part in spec.split("/")]
    flat = [n for g in groups for n in g]
    for n in flat:
        plan.node(n)  # raises ConfigError naming the valid nodes
    if any(not g for g in groups) or len(set(flat)) != len(flat):
        raise ConfigError(
            "bad partition",
            field="partition",
            text=spec,
            expected="NODE[,NODE...][/NODE[,NODE...]...] with each node at most once",
        )
    if len(groups) == 1:
        rest = [n for n in plan.node_names if n not in flat]
        if not rest:
            raise ConfigError("a partition needs two sides", field="partition", text=spec)
        groups.append(rest)
    return groups


def _vias(plan: LabPlan, via: str, a: str, b: str) -> list[str]:
    """The links between nodes ``a`` and ``b`` selected by ``via`` (all, pub, rep, pubR)."""
    if via not in ("all", "pub", "rep") and via not in {f"pub{r}" for r in range(plan.rings)}:
        raise ConfigError(
            "bad link selection",
            field="--via",
            text=via,
            expected="all, pub, rep or " + ", ".join(f"pub{r}" for r in range(plan.rings)),
        )
    out: list[str] = []
    if via in ("all", "pub") or via.startswith("pub"):
        rings = range(plan.rings) if via in ("all", "pub") else [int(via[3:])]
        out += [f"pub{r}" for r in rings]
    if via in ("all", "rep"):
        out += [r.ifname for r in plan.node(a).reps if r.peer_of(a) == b]
    return out


def partition(
    plan: LabPlan, groups: Sequence[Sequence[str]], *, via: str = "all", one_way: bool = False
) -> frozenset[Block]:
    """Blocks that split ``groups`` from each other; ``one_way``: only traffic leaving ``groups[0]``."""
    blocks: set[Block] = set()
    for i, gi in enumerate(groups):
        for j, gj in enumerate(groups):
            if i == j or (one_way and i != 0):
                continue
            for src in gi:
                for dst in gj:
                    blocks.update(Block(src, dst, v) for v in _vias(plan, via, src, dst))
    return frozenset(blocks)


def check_percent(percent: int) -> int:
    if not 0 <= percent <= 100:
        raise ConfigError("bad loss", field="--percent", text=str(percent), expected="0..100")
    return percent


def check_rate(rate: str) -> str:
    if not RATE_RE.fullmatch(rate):
        raise ConfigError(
            "bad rate", field="--rate", text=rate, expected="a tc rate such as 1mbit or 500kbit"
        )
    return rate


@dataclass(slots=True)
class _Chains:
    ingress: dict[str, list[str]] = field(default_factory=dict)
    egress: dict[str, list[str]] = field(default_factory=dict)

    def add(self, hook: str, ifname: str, rule: str) -> None:
        getattr(self, hook).setdefault(ifname, []).append(rule)


def render_nft(plan: LabPlan, node: str, imp: Impairments) -> str:
    """The nft script that makes ``node``'s filter exactly what ``imp`` says (idempotent)."""
    me = plan.node(node)
    chains = _Chains()
    for b in sorted(imp.blocks):
        if b.dst != node:
            continue
        if b.via.startswith("pub"):
            src_mac = plan.node(b.src).mac_of(b.via)
            chains.add("ingress", b.via, f"ether saddr {src_mac} drop")
        else:
            chains.add("ingress", b.via, "drop")
    for name, percent in imp.loss:
        link = plan.link(name)
        rule = "drop" if percent >= 100 else f"numgen random mod 100 < {percent} drop"
        if isinstance(link, PublicPort) and link.node == node:
            chains.add("ingress", link.ifname, rule)
            chains.add("egress", link.ifname, rule)
        elif isinstance(link, RepLink) and node in (link.a, link.b):
            chains.add("ingress", link.ifname, rule)
    lines = [f"table netdev {TABLE}", f"delete table netdev {TABLE}"]
    if not chains.ingress and not chains.egress:
        return "\n".join(lines) + "\n"
    lines.append(f"table netdev {TABLE} {{")
    for hook in ("ingress", "egress"):
        for ifname, rules in sorted(getattr(chains, hook).items()):
            assert ifname in me.ifnames, (node, ifname)
            lines.append(f"  chain {hook}_{ifname.replace('-', '_')} {{")
            lines.append(
                f'    type filter hook {hook} device "{ifname}" priority -100; policy accept;'
            )
            lines.extend(f"    {r}" for r in rules)
            lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Shaper:
    """Where a rate limit goes: the egress of ``ifname`` in ``netns`` (None = the host)."""

    netns: str | None
    ifname: str


def shapers(plan: LabPlan, links: Iterable[str]) -> list[Shaper]:
    """Where a rate limit on each link goes: every end that sends into it."""
    out: list[Shaper] = []
    for name in links:
        link = plan.link(name)
        if isinstance(link, PublicPort):
            out.append(Shaper(plan.node(link.node).netns, link.ifname))
            out.append(Shaper(None, link.host_ifname))
        else:
            out.append(Shaper(plan.node(link.a).netns, link.ifname))
            out.append(Shaper(plan.node(link.b).netns, link.ifname))
    return out


def tbf_args(rate: str) -> list[str]:
    """``tc qdisc replace`` arguments for a token bucket at ``rate`` (burst sized for small links)."""
    return ["root", "tbf", "rate", rate, "burst", "32kb", "latency", "200ms"]
