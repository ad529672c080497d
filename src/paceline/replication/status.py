"""Status texts in DRBD's layouts: ``/proc/drbd`` (8.3/8.4) and ``drbdadm status`` (9) (pure).

``specs/drbd.md`` §8. The caller passes a ``VolumeStatus`` snapshot; these
functions only format it.
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
        if st.cstate == ConnState.STAND_ALONE and st.disk == DiskState.DISKLESS:
            out.append(f"{st.minor:2d}: cs:Unconfigured")
            continue
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
