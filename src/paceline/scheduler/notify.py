"""Clone notifications (``notify=true``): the pre- and post-notifications
around each kind of instance action a transition has.

For an operation OP (demote, stop, start, promote, in that order) the clone
goes ``pre_notify_OP`` -> every recipient's ``INST_pre_notify_OP`` ->
``confirmed-pre_notify_OP`` -> ``OP`` -> the instances' OP actions -> ``OPed``
-> ``post_notify_OPed`` -> every recipient's post-notification ->
``confirmed-post_notify_OPed``, and each confirmed post-notification comes
before the next operation's pre-notification and before the recurring
monitors the transition starts. Pre-notifications go to the instances
active before the operation, post-notifications to those active after it.
An instance known by a history name is notified under that name, its
post-notification keyed by the completed task (``running``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from paceline.scheduler import values as v

if TYPE_CHECKING:
    from paceline.scheduler.clones import CloneInfo
    from paceline.scheduler.plan import Act, Plan
    from paceline.scheduler.unpack import Cluster

DONE = {"start": "running", "stop": "stopped", "promote": "promoted", "demote": "demoted"}
ORDER = ("demote", "stop", "start", "promote")


def notifications(
    cluster: Cluster,
    info: CloneInfo,
    plans: dict[str, Plan],
    by_task: dict[str, dict[str, Act]],
    monitors: list[Act],
    pseudo: Callable[[str, str], Act],
    real: Callable[[str, str, str], Act],
    edges: list[tuple[Act, Act]],
) -> None:
    """Add the notification actions and orderings of clone ``info``; orders
    between the clone and other resources then hold for the whole round
    (what comes after an instance action waits for its post-notification,
    what comes before it precedes the pre-notification)."""
    if not v.is_true(info.meta.get("notify")):
        return
    names = _names(cluster, info.all_rids)
    outside = [(a, b) for a, b in edges if (a.rsc in names) != (b.rsc in names)]
    rids = info.all_rids
    before = {r: plans[r].cur for r in rids if plans[r].cur is not None}
    stopping = {r for r in rids if r in by_task["stop"]}
    after = {r: plans[r].nxt for r in rids if plans[r].nxt is not None and r not in stopping}
    after |= {r: plans[r].nxt for r in rids if r in by_task["start"]}
    staying = {r: n for r, n in before.items() if r not in stopping}
    recipients = {
        "demote": (before, before),
        "stop": (before, staying),
        "start": (staying, after),
        "promote": (after, after),
    }
    last: Act | None = None
    for op in ORDER:
        doing = [by_task[op][r] for r in rids if r in by_task[op]]
        if not doing:
            continue
        pre, post = recipients[op]
        p_pre = pseudo(f"pre_notify_{op}", op)
        c_pre = pseudo(f"confirmed-pre_notify_{op}", op)
        whole, done = pseudo(op, op), pseudo(DONE[op], op)
        p_post = pseudo(f"post_notify_{DONE[op]}", op)
        c_post = pseudo(f"confirmed-post_notify_{DONE[op]}", op)
        edges += [(p_pre, c_pre), (c_pre, whole), (whole, done), (done, p_post), (p_post, c_post)]
        for rid, node in sorted(pre.items()):
            if node is None or not cluster.nodes[node].online:
                continue
            n = real(rid, f"pre_notify_{op}", node)
            edges += [(p_pre, n), (n, c_pre)]
        for rid, node in sorted(post.items()):
            if node is None or not cluster.nodes[node].online:
                continue
            named = cluster.rscs[rid].clone_name is not None
            n = real(rid, f"post_notify_{DONE[op] if named else op}", node)
            edges += [(p_post, n), (n, c_post)]
        edges += [(whole, a) for a in doing] + [(a, done) for a in doing]
        if last is not None:
            edges.append((last, p_pre))
        if op in ("start", "promote"):
            edges += [(c_post, m) for m in monitors if m.rsc in names]
        mine = set(doing)
        for a, b in outside:
            if a in mine and not b.pseudo:
                edges.append((c_post, b))
            elif b in mine and not a.pseudo:
                edges.append((a, p_pre))
        last = c_post


def _names(cluster: Cluster, rids: list[str]) -> set[str]:
    return {cluster.rscs[r].action_name for r in rids}
