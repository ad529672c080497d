"""Utilization and ``placement-strategy``.

``default`` places by score, then on the node with the fewest resources.
The other strategies also keep each node's capacity (its ``utilization``
attributes): a resource goes only where what it needs still fits (a group
as a whole, at its first member); ``minimal`` then packs (no spreading by
count), ``balanced`` prefers the node with more capacity left, and
``utilization`` spreads by count as ``default`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cmp_to_key

from paceline.scheduler import values as v


def amounts(pairs: Mapping[str, str]) -> dict[str, int]:
    return {k: v.score(x, 0) for k, x in pairs.items()}


def fits(need: Mapping[str, int], left: Mapping[str, int]) -> bool:
    return all(left.get(k, 0) >= n for k, n in need.items() if n > 0)


def _more_left(a: Mapping[str, int], b: Mapping[str, int]) -> int:
    """Negative when node ``a`` has more capacity left than ``b`` (attribute by attribute)."""
    score = 0
    for k in set(a) | set(b):
        x, y = a.get(k, 0), b.get(k, 0)
        score += (x < y) - (x > y)
    return score


def order_nodes(
    nodes: list[str],
    scores: Mapping[str, int],
    count: Mapping[str, int],
    running: Mapping[str, object],
    strategy: str,
    left: Mapping[str, Mapping[str, int]],
) -> list[str]:
    """``nodes`` best first: score, then (balanced) capacity left, then fewest
    resources (not for minimal), then where it runs, then name."""

    def cmp(a: str, b: str) -> int:
        if scores[a] != scores[b]:
            return -1 if scores[a] > scores[b] else 1
        if strategy == "balanced":
            c = _more_left(left.get(a, {}), left.get(b, {}))
            if c:
                return -1 if c < 0 else 1
        if strategy != "minimal" and count[a] != count[b]:
            return -1 if count[a] < count[b] else 1
        if (a in running) != (b in running):
            return -1 if a in running else 1
        return (a > b) - (a < b)

    return sorted(nodes, key=cmp_to_key(cmp))
