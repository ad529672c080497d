"""Status texts in DRBD's layouts: ``/proc/drbd`` (8.3/8.4), ``drbdadm status`` (9) and
``drbdsetup events2`` (pure).

``specs/drbd.md`` §8. The caller passes a ``VolumeStatus`` snapshot; these
functions only format it. ``events2`` compares two snapshots' objects
(``event_objects``: resource, connection, device, peer-device) and prints
``exists``/``create``/``change``/``destroy`` lines as ``drbdsetup events2`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paceline.replication.states import ConnState, DiskState, Role

SYNCING = {
    ConnState.SYNC_SOURCE,
    ConnState.SYNC_TARGET,
    ConnState.PAUSED_SYNC_S,
    ConnState.PAUSED_SYNC_T,
    ConnState.VERIFY_S,
    ConnState.VERIFY_T,
}


@dataclass(frozen=True, slots=True)
class Progress:
    total_kib: int  # of the resync or verify
    left_kib: int  # still out of sync / to verify
    speed_kib: int  # recent rate, KiB/s
    avg_kib: int  # long-term average, KiB/s
    want_kib: int  # the configured target rate, KiB/s
    stalled: bool = False


@dataclass(frozen=True, slots=True)
class VolumeStatus:
    name: str
    minor: int
    cstate: ConnState
    role: Role
    peer_role: Role
    disk: DiskState
    peer_disk: DiskState
    protocol: str = "C"
    peer_name: str = "peer"
    counters: dict[str, int] = field(default_factory=dict)
    progress: Progress | None = None
    suspended_user: bool = False
    peer_node_id: int | None = None


PROC_COUNTERS = ("ns", "nr", "dw", "dr", "al", "bm", "lo", "pe", "ua", "ap", "ep", "wo", "oos")


def _thousands(n: int) -> str:
    return f"{n:,}"


def progress_lines(st: VolumeStatus) -> list[str]:
    """The bar and the finish/speed line of a resync or verify in progress."""
    p = st.progress
    if p is None or st.cstate not in SYNCING:
        return []
    total = max(p.total_kib, 1)
    permille = (total - p.left_kib) * 1000 // total
    x = permille // 50
    bar = "=" * max(x - 1, 0) + ">" + "." * (20 - x)
    verb = "verified" if st.cstate in (ConnState.VERIFY_S, ConnState.VERIFY_T) else "sync'ed"
    unit, div = ("M", 1024) if p.total_kib > 4 * 1024 * 1024 else ("K", 1)
    line1 = (
        f"\t[{bar}] {verb}:{permille // 10:3d}.{permille % 10}% "
        f"({p.left_kib // div}/{p.total_kib // div}){unit}"
    )
    secs = p.left_kib // p.speed_kib if p.speed_kib else 0
    finish = f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    line2 = f"\tfinish: {finish} speed: {_thousands(p.speed_kib)} ({_thousands(p.avg_kib)})"
    if st.cstate in (ConnState.SYNC_TARGET, ConnState.VERIFY_S):
        line2 += f" want: {_thousands(p.want_kib)}"
    line2 += " K/sec"
    if p.stalled:
        line2 += " (stalled)"
    return [line1, line2]


def _flags(st: VolumeStatus) -> str:
    return "r-" + "-" + ("u" if st.suspended_user else "-") + "--"


def proc_drbd(volumes: list[VolumeStatus], version: str = "8.4.11") -> str:
    """``/proc/drbd``: version lines, then two lines per device (more while syncing)."""
    out = [
        f"version: {version} (api:1/proto:86-101)",
        "GIT-hash: paceline build by paceline",
    ]
    last: int | None = None
    for st in sorted(volumes, key=lambda v: v.minor):
        if last is not None and st.minor != last + 1:
            out.append("")
        last = st.minor
        out.append(
            f"{st.minor:2d}: cs:{st.cstate} ro:{st.role}/{st.peer_role} "
            f"ds:{st.disk}/{st.peer_disk} {st.protocol} {_flags(st)}"
        )
        c = st.counters
        fields = []
        for name in PROC_COUNTERS:
            value = c.get(name, "f" if name == "wo" else 0)
            fields.append(f"{name}:{value}")
        out.append("    " + " ".join(fields))
        out.extend(progress_lines(st))
    return "\n".join(out) + "\n"


def drbdadm_status(st: VolumeStatus) -> str:
    """``drbdadm status RES`` in DRBD 9's layout (two nodes, one volume)."""
    out = [f"{st.name} role:{st.role}", f"  disk:{st.disk}"]
    if st.cstate.conn9() != "Connected":
        out.append(f"  {st.peer_name} connection:{st.cstate.conn9()}")
        return "\n".join(out) + "\n"
    out.append(f"  {st.peer_name} role:{st.peer_role}")
    line = "    "
    if st.cstate.repl9() != "Established":
        line += f"replication:{st.cstate.repl9()} "
    line += f"peer-disk:{st.peer_disk}"
    p = st.progress
    if p is not None and st.cstate in SYNCING:
        done = (p.total_kib - p.left_kib) * 100 / max(p.total_kib, 1)
        line += f" done:{done:.2f}"
    if st.suspended_user:
        line += " resync-suspended:user"
    out.append(line)
    return "\n".join(out) + "\n"


def role_line(st: VolumeStatus) -> str:
    """``drbdadm role`` (8.4: local/peer)."""
    return f"{st.role}/{st.peer_role}"


def dstate_line(st: VolumeStatus) -> str:
    return f"{st.disk}/{st.peer_disk}"


# -- drbdsetup events2 -----------------------------------------------------------

Objects = dict[str, dict[str, str]]
"""An object kind (``resource``, ``connection``, ``device``, ``peer-device``) -> its
fields in events2's order, identifying ones first (``_KEYS``)."""
_KEYS = {
    "resource": ("name",),
    "connection": ("name", "peer-node-id", "conn-name"),
    "device": ("name", "volume", "minor"),
    "peer-device": ("name", "peer-node-id", "conn-name", "volume"),
}


def event_objects(st: VolumeStatus) -> Objects:
    """The four objects ``drbdsetup events2`` reports for a two-node, one-volume resource."""
    peer: dict[str, str] = {"name": st.name}
    if st.peer_node_id is not None:
        peer["peer-node-id"] = str(st.peer_node_id)
    peer["conn-name"] = st.peer_name
    connected = st.cstate.conn9() == "Connected"
    done = ""
    p = st.progress
    if p is not None and st.cstate in SYNCING:
        done = f"{(p.total_kib - p.left_kib) * 100 / max(p.total_kib, 1):.2f}"
    peer_device = {
        **peer,
        "volume": "0",
        "replication": st.cstate.repl9(),
        "peer-disk": str(st.peer_disk),
        "resync-suspended": "user" if st.suspended_user else "no",
    }
    if done:
        peer_device["done"] = done
    return {
        "resource": {"name": st.name, "role": str(st.role), "suspended": "no"},
        "connection": {
            **peer,
            "connection": st.cstate.conn9(),
            "role": str(st.peer_role if connected else Role.UNKNOWN),
        },
        "device": {"name": st.name, "volume": "0", "minor": str(st.minor), "disk": str(st.disk)},
        "peer-device": peer_device,
    }


def _line(verb: str, kind: str, fields: dict[str, str]) -> str:
    return " ".join([verb, kind, *(f"{k}:{v}" for k, v in fields.items())])


def events2(before: Objects, after: Objects, *, exists: bool = False) -> list[str]:
    """The events2 lines from ``before`` to ``after`` (``{}``: the resource is not up).

    ``exists``: the first report (``drbdsetup events2`` starts with the state as it
    is); then objects that appear are ``create``, vanish ``destroy``, and change
    ``change`` with their identifying fields and only what changed."""
    out: list[str] = []
    for kind in _KEYS:
        if kind in after and kind not in before:
            out.append(_line("exists" if exists else "create", kind, after[kind]))
        elif kind in after:
            old, new = before[kind], after[kind]
            changed = {k: v for k, v in new.items() if old.get(k) != v}
            if changed:
                ids = {k: new[k] for k in _KEYS[kind] if k in new}
                out.append(_line("change", kind, {**ids, **changed}))
    for kind in reversed(tuple(_KEYS)):
        if kind in before and kind not in after:
            ids = {k: before[kind][k] for k in _KEYS[kind] if k in before[kind]}
            out.append(_line("destroy", kind, ids))
    return out
