"""``crm_mon -1`` text: the sections and line layout of Pacemaker 2.1.

The layout is a list of "* " items indented two spaces per level; a
primitive is ``ID<TAB>(AGENT):<TAB> STATE``. Times print in the zone the
caller passes (the CLI passes the local one, as ``crm_mon`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from paceline.cib.model import Role
from paceline.monitor.state import (
    BundleView,
    CloneView,
    FailedAction,
    GroupView,
    NodeView,
    PrimView,
    ResourceView,
    Snapshot,
    natural_key,
)


@dataclass(frozen=True, slots=True)
class TextOptions:
    inactive: bool = False  # -r: "Full List of Resources", stopped ones too
    attributes: bool = False  # -A: "Node Attributes"
    tz: tzinfo = UTC


RC_TEXT = {
    0: "ok",
    1: "error",
    2: "invalid parameter",
    3: "unimplemented feature",
    4: "insufficient privileges",
    5: "not installed",
    6: "not configured",
    7: "not running",
    8: "promoted",
    9: "promoted (failed)",
    190: "OCF_DEGRADED",
    191: "promoted (degraded)",
}
EXEC_STATUS_TEXT = {
    -1: "pending",
    0: "complete",
    1: "Cancelled",
    2: "Timed Out",
    3: "NOT SUPPORTED",
    4: "Error",
    5: "Hard error",
    6: "Fatal error",
    7: "Not installed",
    8: "Internal communication failure",
    9: "Cannot execute now",
    10: "No fence device",
    11: "CIB secrets unavailable",
}


def format_time(epoch: int, tz: tzinfo) -> str:
    """``Thu Dec  3 13:13:47 2026`` (C's ``ctime`` layout)."""
    d = datetime.fromtimestamp(epoch, tz)
    return f"{d:%a %b} {d.day:2d} {d:%H:%M:%S %Y}"


def readable_ms(ms: int) -> str:
    """A duration as Pacemaker prints one: ``142ms``, ``30.160s``, ``2m59.014s``, ``20s``."""
    if ms < 1000:
        return f"{ms}ms"
    out = ""
    rest = ms
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    if rest:
        secs, frac = divmod(rest, 1000)
        out += f"{secs}.{frac:03d}s" if frac else f"{secs}s"
    return out


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def render_text(snap: Snapshot, opts: TextOptions = TextOptions()) -> str:
    lines: list[str] = []
    lines += _summary(snap, opts)
    lines.append("")
    lines += _node_list(snap)
    lines.append("")
    lines += _resources(snap, opts)
    if opts.attributes:
        lines.append("")
        lines += _attributes(snap)
    if snap.failed:
        lines.append("")
        lines.append("Failed Resource Actions:")
        lines += [f"  * {_failed(f, opts.tz)}" for f in snap.failed]
    return "\n".join(lines) + "\n"


def _summary(snap: Snapshot, opts: TextOptions) -> list[str]:
    out = ["Cluster Summary:", f"  * Stack: {snap.stack}"]
    if snap.dc is None:
        out.append("  * Current DC: NONE")
    else:
        quorum = "with" if snap.have_quorum else "WITHOUT"
        out.append(
            f"  * Current DC: {snap.dc} (version {snap.dc_version or 'unknown'})"
            f" - partition {quorum} quorum"
        )
    out.append(f"  * Last updated: {format_time(snap.now, opts.tz)}")
    change = snap.last_written or ""
    if snap.update_user:
        change += f" by {snap.update_user}"
    if snap.update_client:
        change += f" via {snap.update_client}"
    if snap.update_origin:
        change += f" on {snap.update_origin}"
    out.append(f"  * Last change:  {change}")
    out.append(f"  * {_plural(len(snap.nodes), 'node')} configured")
    prims = list(snap.all_prims())
    n = snap.instance_count
    line = f"  * {_plural(n, 'resource instance')} configured"
    extra = []
    disabled = sum(1 for p in prims if p.disabled)
    blocked = sum(1 for p in prims if p.blocked)
    if disabled:
        extra.append(f"{disabled} DISABLED")
    if blocked:
        extra.append(f"{blocked} BLOCKED from further action due to failure")
    if extra:
        line += f" ({', '.join(extra)})"
    out.append(line)
    if snap.maintenance_mode:
        out += [
            "",
            "              *** Resource management is DISABLED ***",
            "  The cluster will not attempt to start, stop or recover services",
        ]
    return out


def node_word(n: NodeView) -> str | None:
    """The state of a node that gets a line of its own (None: in a list)."""
    if n.unclean:
        return "UNCLEAN (online)" if n.online else "UNCLEAN (offline)"
    if n.pending:
        return "pending"
    if n.standby:
        if not n.online:
            return "OFFLINE (standby)"
        return "standby (with active resources)" if n.active_resources else "standby"
    if n.maintenance:
        return "maintenance" if n.online else "OFFLINE (maintenance)"
    if n.online and n.health != "green":
        return f"online (health is {n.health.upper()})"
    return None


def _node_list(snap: Snapshot) -> list[str]:
    out = ["Node List:"]
    online: list[str] = []
    offline: list[str] = []
    for n in snap.nodes:
        word = node_word(n)
        if word is not None:
            out.append(f"  * Node {n.name}: {word}")
        elif n.online:
            online.append(n.name)
        else:
            offline.append(n.name)
    if online:
        out.append(f"  * Online: [ {' '.join(online)} ]")
    if offline:
        out.append(f"  * OFFLINE: [ {' '.join(offline)} ]")
    return out


def _resources(snap: Snapshot, opts: TextOptions) -> list[str]:
    out = ["Full List of Resources:" if opts.inactive else "Active Resources:"]
    unclean = {n.name for n in snap.nodes if n.unclean and not n.online}
    body: list[str] = []
    for r in snap.resources:
        body += _rsc_lines(r, 1, opts, unclean)
    if not body:
        body = ["  * No resources" if opts.inactive else "  * No active resources"]
    return out + body


def _rsc_lines(r: ResourceView, level: int, opts: TextOptions, unclean: set[str]) -> list[str]:
    if isinstance(r, PrimView):
        if not r.active and not opts.inactive:
            return []
        return [_indent(level) + prim_line(r, unclean)]
    if isinstance(r, GroupView):
        return _group_lines(r, level, opts, unclean)
    if isinstance(r, CloneView):
        return _clone_lines(r, level, opts, unclean)
    return _bundle_lines(r, level, opts)


def _indent(level: int) -> str:
    return "  " * level + "* "


def prim_state(p: PrimView, unclean: set[str]) -> str:
    """``Started node1 (unmanaged)``, ``FAILED Promoted n2``, ``Stopped (disabled)``."""
    flags: list[str] = []
    nodes = [n for n, _ in p.roles]
    if any(n in unclean for n in nodes):
        flags.append("UNCLEAN")
    if p.disabled:
        flags.append("disabled")
    if not p.managed:
        flags.append("blocked" if p.blocked else "unmanaged")
    elif p.blocked:
        flags.append("blocked")
    if p.failure_ignored:
        flags.append("failure ignored")
    if p.pending and p.pending not in ("Starting", "Stopping", "Migrating", "Promoting"):
        flags.append(p.pending)
    roles = {role for _, role in p.roles}
    role = max(roles, key=_role_rank) if roles else Role.STOPPED
    if p.pending in ("Starting", "Stopping", "Migrating", "Promoting", "Demoting"):
        word = p.pending
    elif p.failed and p.active:
        word = f"FAILED {role}" if role is Role.PROMOTED else "FAILED"
    else:
        word = str(role)
    if p.orphan:
        word = f"ORPHANED {word}"
    flag_text = f" ({', '.join(flags)})" if flags else ""
    if len(nodes) > 1:
        listed = " ".join(nodes)
        return f"{word}{flag_text} [ {listed} ]"
    if nodes:
        return f"{word} {nodes[0]}{flag_text}"
    return f"{word}{flag_text}"


def _role_rank(role: Role) -> int:
    return {Role.STOPPED: 0, Role.STARTED: 1, Role.UNPROMOTED: 2, Role.PROMOTED: 3}[role]


def prim_line(p: PrimView, unclean: set[str]) -> str:
    return f"{p.id}\t({p.agent}):\t {prim_state(p, unclean)}"


def _group_lines(g: GroupView, level: int, opts: TextOptions, unclean: set[str]) -> list[str]:
    if not g.active and not opts.inactive:
        return []
    flags = []
    inactive = sum(1 for m in g.members if not m.active)
    if inactive and not opts.inactive:
        flags.append(f"{inactive} member{'s' if inactive != 1 else ''} inactive")
    if not g.managed:
        flags.append("unmanaged")
    if g.disabled:
        flags.append("disabled")
    head = f"Resource Group: {g.id}" + (f" ({', '.join(flags)})" if flags else "") + ":"
    out = [_indent(level) + head]
    for m in g.members:
        out += _rsc_lines(m, level + 1, opts, unclean)
    return out


def _simple(m: PrimView | GroupView, unclean: set[str]) -> Role | None:
    """The role an anonymous clone's instance shows in a node list, or None
    when the instance must be printed in full."""
    prims = [m] if isinstance(m, PrimView) else m.members
    roles = set()
    nodes = set()
    for p in prims:
        if not p.active or p.failed or not p.managed or p.pending or p.blocked:
            return None
        if p.failure_ignored or any(n in unclean for n, _ in p.roles) or len(p.roles) > 1:
            return None
        roles |= {r for _, r in p.roles}
        nodes |= {n for n, _ in p.roles}
    if len(roles) != 1 or len(nodes) != 1:
        return None
    return roles.pop()


def _clone_lines(c: CloneView, level: int, opts: TextOptions, unclean: set[str]) -> list[str]:
    if not c.active and not opts.inactive:
        return []
    flags = []
    if c.promotable:
        flags.append("promotable")
    if c.unique:
        flags.append("unique")
    if not c.managed:
        flags.append("unmanaged")
    if c.disabled:
        flags.append("disabled")
    head = f"Clone Set: {c.id} [{c.child_id}]" + (f" ({', '.join(flags)})" if flags else "") + ":"
    out = [_indent(level) + head]
    if c.unique:  # every instance, the stopped ones too (a group only when active)
        for m in c.members:
            if isinstance(m, PrimView):
                out.append(_indent(level + 1) + prim_line(m, unclean))
            else:
                out += _rsc_lines(m, level + 1, opts, unclean)
        return out
    by_role: dict[Role, list[str]] = {}
    active_nodes: set[str] = set()
    for m in c.members:
        prims = [m] if isinstance(m, PrimView) else m.members
        for p in prims:
            active_nodes |= {n for n, _ in p.roles}
        role = _simple(m, unclean)
        if role is None:
            out += _rsc_lines(m, level + 1, opts, unclean)
        else:
            node = next(n for p in prims for n, _ in p.roles)
            by_role.setdefault(role, []).append(node)
    order = (Role.PROMOTED, Role.UNPROMOTED, Role.STARTED)
    for role in order:
        if role in by_role:
            listed = " ".join(sorted(by_role[role], key=natural_key))
            out.append(f"{_indent(level + 1)}{role}: [ {listed} ]")
    if opts.inactive:
        stopped = [n for n in c.all_nodes if n not in active_nodes]
        if stopped:
            word = "Stopped (disabled)" if c.disabled else "Stopped"
            out.append(f"{_indent(level + 1)}{word}: [ {' '.join(stopped)} ]")
    return out


def _bundle_lines(b: BundleView, level: int, opts: TextOptions) -> list[str]:
    if not opts.inactive:
        return []
    return [_indent(level) + f"Container bundle set: {b.id} [{b.image}]:"]


def _attributes(snap: Snapshot) -> list[str]:
    out = ["Node Attributes:"]
    for n in snap.nodes:
        if not n.online:
            continue
        out.append(f"  * Node: {n.name}:")
        for name, value in n.attributes:
            if name.startswith(("fail-count-", "last-failure-", "#")) or name in (
                "standby",
                "maintenance",
                "shutdown",
            ):
                continue
            out.append(f"    * {name:<32}\t: {value:<10}")
    return out


def task_text(f: FailedAction) -> str:
    """``probe``, ``10s-interval monitor`` (whole seconds above one, else ms), ``start``."""
    if f.task == "monitor" and not f.interval_ms:
        return "probe"
    if not f.interval_ms:
        return f.task
    ms = f.interval_ms
    text = f"{ms // 1000}s" if ms > 1000 and ms % 1000 == 0 else f"{ms}ms"
    return f"{text}-interval {f.task}"


def _failed(f: FailedAction, tz: tzinfo) -> str:
    text = f"{f.rsc} {task_text(f)} on {f.node} "
    if f.op_status == 0:
        text += f"returned '{RC_TEXT.get(f.rc, 'unknown')}'"
    else:
        text += f"could not be executed ({EXEC_STATUS_TEXT.get(f.op_status, 'unknown')})"
    if f.exit_reason:
        text += f" ({f.exit_reason})"
    if f.last_rc_change:
        text += f" at {format_time(f.last_rc_change, tz)}"
        if f.exec_time:
            text += f" after {readable_ms(f.exec_time)}"
    return text
