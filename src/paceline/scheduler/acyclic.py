"""Keeping the transition graph acyclic.

Contradicting constraints (``a then b`` and ``b then a``) would make a
graph no one can execute. The edges inside each strongly connected part are
taken again one by one, those within one resource first and then in key
order, and an edge that would close a cycle is dropped; the rest of the
graph is untouched.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def components(nodes: Sequence[N], succ: dict[N, list[N]]) -> list[list[N]]:
    """Strongly connected components of more than one node (iterative Tarjan)."""
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on: set[N] = set()
    stack: list[N] = []
    out: list[list[N]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on.add(v)
            kids = succ.get(v, [])
            if i < len(kids):
                work.append((v, i + 1))
                w = kids[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def break_cycles(
    edges: list[tuple[N, N]], rank: Mapping[tuple[N, N], tuple[bool, str, str]]
) -> list[tuple[N, N]]:
    """``edges`` without those that close a cycle (``rank``: the order edges are kept in)."""
    edges = [e for e in edges if e[0] != e[1]]
    succ: dict[N, list[N]] = {}
    nodes: list[N] = []
    for a, b in edges:
        if a not in succ:
            succ[a] = []
            nodes.append(a)
        succ[a].append(b)
    parts = components(nodes, succ)
    if not parts:
        return edges
    member = {n: i for i, comp in enumerate(parts) for n in comp}
    inside = [e for e in edges if e[0] in member and member[e[0]] == member.get(e[1])]
    keep = [e for e in edges if not (e[0] in member and member[e[0]] == member.get(e[1]))]
    kept: dict[N, list[N]] = {}
    for a, b in sorted(set(inside), key=lambda e: rank[e]):
        # would b reach a already?
        seen: set[N] = set()
        todo = [b]
        found = False
        while todo:
            x = todo.pop()
            if x == a:
                found = True
                break
            if x not in seen:
                seen.add(x)
                todo += kept.get(x, ())
        if not found:
            kept.setdefault(a, []).append(b)
            keep.append((a, b))
    return keep
