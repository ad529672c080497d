"""drbdadm's state verbs of the volume core: roles, invalidate(-remote), detach (pure).

``specs/drbd.md`` §4.5 and §7. Each verb either acts or appends a
``Refused(verb, reason)`` event with DRBD's reason; none raises for a
state it does not like (that is an admin's mistake, not a bug).

- ``primary [--force]`` / ``secondary``: connected, a promotion asks the
  peer first (``RoleRequest``/``RoleReply``); ``--force`` on an Inconsistent
  node while Connected makes it UpToDate in a new generation and the
  full-sync source (DRBD's bring-up of two fresh nodes).
- ``invalidate``: this node's data is discarded and fully resynced from
  the peer. Connected: the disk becomes Inconsistent with every bit set
  (durably), then asks the peer (``SyncRequest``) to start a full sync
  toward it; the peer grants with its ``SyncUuid``, or answers
  ``SyncRefused`` (then we reconnect: the handshake resyncs us by the disk
  states). Disconnected (Secondary only): the disk becomes
  Inconsistent with every bit set, so the next handshake makes it the
  full-sync target. Refused on a Primary: Paceline never serves a Primary's
  reads from the peer, so a Primary cannot be a sync target (DRBD would
  read through the peer).
- ``invalidate-remote``: the peer's data is discarded and fully resynced
  from us. Connected: ``InvalidateRequest`` asks the peer to do what
  ``invalidate`` does (discard first, then ``SyncRequest``). The target
  always commits before the source starts: a ``SyncUuid`` lost with the
  connection must not leave an UpToDate peer whose promotion would then be
  a split brain nobody can detect (the sim's seed 183). Disconnected (Primary only): every bit is
  set, so the next handshake resyncs everything to the peer.
- ``detach``: flush, then give up the local disk: Diskless, the connection
  dropped (StandAlone), clean metadata left for ``attach`` (which is a new
  core from that metadata, in the driver). Refused on a Primary for the
  same reason as invalidate.
"""

from __future__ import annotations

import errno

from paceline.core.errors import ProtocolError
from paceline.core.ports import BlockCompletion
from paceline.replication import wire
from paceline.replication.gi import Flag
from paceline.replication.peerbase import _REPLICATING, FULL_SYNC_FLAG, CoreBase
from paceline.replication.states import ConnState, DiskState, Role
from paceline.replication.volstate import Refused, RoleChanged

BUSY = "Can not start OV/resync since it is already active"
NO_UPTODATE = "Need access to UpToDate data"
READS_THROUGH_PEER = (
    "this node is Primary; a sync target's reads would have to come from the peer, "
    "which Paceline does not do (demote it first)"
)


class VerbsMixin(CoreBase):
    """Roles, invalidate, invalidate-remote and detach (see the module docstring)."""

    # -- roles ------------------------------------------------------------------------

    def promote(self, now: float, *, force: bool = False) -> None:
        """``drbdadm primary [--force]``; the outcome is a RoleChanged or Refused event.

        Connected, the peer is asked first (``RoleRequest``). ``--force`` on an
        Inconsistent node while Connected (the bring-up of two fresh nodes) makes
        this node UpToDate in a new generation and the full-sync source, as DRBD."""
        self._now = now
        if self.role == Role.PRIMARY:
            return
        why = self._promote_refusal(force)
        if why:
            self._events.append(Refused("primary", why))
            return
        c = self.conn
        if c is not None and self.connected:
            c.role_n += 1
            c.role_request = c.role_n
            c.role_force = force and self.disk < DiskState.UP_TO_DATE
            self._send(wire.RoleRequest(c.role_n))
            return
        if force and self.disk < DiskState.UP_TO_DATE:
            self._force_up_to_date()
        elif self.disk == DiskState.CONSISTENT:
            self._set_disk(DiskState.UP_TO_DATE)  # the peer is unknown: outdated, as we see it
        self.gi = self.gi.promote_disconnected(self.rng)
        self._become_primary()

    def _force_up_to_date(self) -> None:
        """``--force``: whatever this disk holds is now the data (UpToDate)."""
        self._set_disk(DiskState.UP_TO_DATE)
        self.flags |= Flag.CONSISTENT | Flag.WAS_UP_TO_DATE
        self.flags &= ~FULL_SYNC_FLAG
        self._meta_dirty = True

    def _promote_refusal(self, force: bool) -> str:
        if self.disk == DiskState.DISKLESS:
            return "no local disk"
        if self.cstate == ConnState.WF_REPORT_PARAMS:
            return "the connection handshake is in progress"
        c = self.conn
        if c is not None and self.connected:
            if c.role_request:
                return "a promotion is already in progress"
            if c.peer_role == Role.PRIMARY and not self.config.allow_two_primaries:
                return "the peer is Primary (allow-two-primaries is off)"
            if self.disk >= DiskState.UP_TO_DATE and self.cstate in _REPLICATING:
                return ""
            if not force:
                return f"need an UpToDate disk, have {self.disk} ({self.cstate})"
            if self.cstate != ConnState.CONNECTED:
                return f"a resync is running ({self.cstate}): wait for it, or disconnect first"
            if c.peer_disk >= DiskState.UP_TO_DATE:
                return (
                    "the peer is UpToDate: --force would discard its good data (disconnect first)"
                )
            if c.version < wire.SyncRequest.SINCE:
                return f"the peer speaks replication protocol {c.version} (disconnect first)"
            return ""
        if self.disk < DiskState.CONSISTENT and not force:
            return f"need an UpToDate disk, have {self.disk} (use --force to overwrite the peer)"
        return ""

    def _become_primary(self) -> None:
        self.role = Role.PRIMARY
        self.gi = self.gi.mark_role(True)
        self.flags |= Flag.PRIMARY_IND | Flag.CRASHED_PRIMARY
        self._meta_dirty = True
        self._events.append(RoleChanged(Role.PRIMARY))
        if self.connected:
            self._send(wire.State(int(self.role), int(self.disk)))

    def demote(self, now: float) -> None:
        """``drbdadm secondary``: refused while upper-layer requests are in flight."""
        self._now = now
        if self.role != Role.PRIMARY:
            return
        if self.busy:
            self._events.append(Refused("secondary", "the device is in use (requests in flight)"))
            return
        if self.unacknowledged:
            # protocol A/B: writes completed but not yet on the peer's disk
            self._events.append(Refused("secondary", "the peer has not yet written every write"))
            return
        if self.cstate == ConnState.WF_REPORT_PARAMS:
            self._events.append(Refused("secondary", "the connection handshake is in progress"))
            return
        self._become_secondary()

    def _become_secondary(self) -> None:
        self.role = Role.SECONDARY
        self.gi = self.gi.mark_role(False)
        self.flags &= ~Flag.PRIMARY_IND
        self._meta_dirty = True
        self._events.append(RoleChanged(Role.SECONDARY))
        if self.connected:
            self._send(wire.State(int(self.role), int(self.disk)))
        if self.conn is not None and self.cstate in _REPLICATING:
            self._close_epoch(self._now)  # so the activity log drains
        self._maybe_clear_crashed()

    def _on_role_request(self, m: wire.RoleRequest, now: float) -> None:
        c = self._c()
        reason = ""
        if self.role == Role.PRIMARY and not self.config.allow_two_primaries:
            reason = "the peer is Primary"
        elif c.role_request and self.config.node < self.config.peer:
            reason = "concurrent promotion (the lower node id wins)"
        if not reason:
            c.peer_role = Role.PRIMARY  # from now on we must not promote ourselves
        self._send(wire.RoleReply(m.n, not reason, reason))

    def _on_role_reply(self, m: wire.RoleReply, now: float) -> None:
        c = self._c()
        if m.n != c.role_request:
            raise ProtocolError(f"RoleReply {m.n} not asked for")
        c.role_request = 0
        if not m.granted:
            self._events.append(Refused("primary", m.reason))
            return
        force, c.role_force = c.role_force, False
        why = self._promote_refusal(force)
        if why:
            self._events.append(Refused("primary", why))
            self._send(wire.State(int(self.role), int(self.disk)))
            return
        if force and self.disk < DiskState.UP_TO_DATE:
            self._force_up_to_date()
            self.gi = self.gi.new_current(self.rng, primary=True)
            self._become_primary()
            self._start_source(now, full=True)  # the peer learns it by our SyncUuid
            return
        self._become_primary()

    # -- invalidate, detach ---------------------------------------------------------

    def _refuse(self, verb: str, reason: str) -> None:
        self._events.append(Refused(verb, reason))

    def _connected_refusal(self) -> str:
        """Why a full sync cannot start on this connection now ('' if it can)."""
        c = self.conn
        assert c is not None
        if self.cstate == ConnState.WF_REPORT_PARAMS:
            return "the connection handshake is in progress"
        if self.cstate != ConnState.CONNECTED:
            return f"{BUSY} ({self.cstate})"
        if c.version < wire.SyncRequest.SINCE:
            return (
                f"the peer speaks replication protocol {c.version}, which cannot start "
                "a full sync while Connected (upgrade it, or disconnect first)"
            )
        return ""

    def invalidate(self, now: float) -> None:
        """``drbdadm invalidate``: discard this node's data, fully resync from the peer."""
        self._now = now
        if self.disk == DiskState.DISKLESS:
            return self._refuse("invalidate", "no local disk (attach first)")
        if self.role == Role.PRIMARY:
            return self._refuse("invalidate", READS_THROUGH_PEER)
        c = self.conn
        if c is not None and self.cstate != ConnState.WF_CONNECTION:
            why = self._connected_refusal()
            if not why and c.peer_disk < DiskState.UP_TO_DATE:
                why = f"{NO_UPTODATE}: the peer's disk is {c.peer_disk}"
            if why:
                return self._refuse("invalidate", why)
            c.sync_n += 1
            self._ask_for_full_sync(c.sync_n)
            return None
        self._discard_local()  # disconnected: the next handshake makes us the target
        return None

    def _discard_local(self) -> None:
        """This disk is Inconsistent with every bit set, durably, before anything else:
        from now on it cannot be promoted, whatever happens to the connection."""
        self.bitmap.set_all()
        self.flags = (self.flags & ~Flag.CONSISTENT) | FULL_SYNC_FLAG
        self._set_disk(DiskState.INCONSISTENT)
        self._persist()

    def _ask_for_full_sync(self, n: int) -> None:
        """The target's side of a full sync started while Connected: commit, then ask.

        The target discards its data first, so a SyncUuid lost with the connection
        can never leave an UpToDate peer that a promotion would split from us."""
        c = self._c()
        self._discard_local()
        c.sync_request = n
        self._send(wire.SyncRequest(n))
        self._set_cstate(ConnState.WF_SYNC_UUID, "waiting for the peer to start the sync")

    def invalidate_remote(self, now: float) -> None:
        """``drbdadm invalidate-remote``: the peer is fully resynced from this node."""
        self._now = now
        if self.disk < DiskState.UP_TO_DATE:
            return self._refuse("invalidate-remote", f"{NO_UPTODATE}: this disk is {self.disk}")
        c = self.conn
        if c is not None and self.cstate != ConnState.WF_CONNECTION:
            why = self._connected_refusal()
            if not why and c.peer_role == Role.PRIMARY:
                why = "the peer is Primary: it cannot become a sync target (demote it first)"
            if why:
                return self._refuse("invalidate-remote", why)
            c.sync_n += 1
            c.invalidate_request = c.sync_n
            self._send(wire.InvalidateRequest(c.sync_n))  # the peer commits, then asks
            return None
        if self.role != Role.PRIMARY:
            return self._refuse(
                "invalidate-remote",
                "a disconnected Secondary does not know the peer is behind "
                "(connect first, or make this node Primary)",
            )
        self.bitmap.set_all()  # the next handshake resyncs every block to the peer
        self._persist()
        return None

    def _on_invalidate_request(self, m: wire.InvalidateRequest, now: float) -> None:
        """The peer ran ``invalidate-remote``: discard our data and ask it for the sync."""
        why = ""
        if self.cstate != ConnState.CONNECTED:
            why = f"{BUSY} ({self.cstate})"
        elif self.role == Role.PRIMARY:
            why = "the peer is Primary: it cannot become a sync target (demote it first)"
        if why:
            self._send(wire.SyncRefused(m.n, why))
            return
        self._ask_for_full_sync(m.n)

    def _on_sync_request(self, m: wire.SyncRequest, now: float) -> None:
        """The peer discarded its data (``invalidate``, or ours ``-remote``): be its source."""
        c = self._c()
        if c.invalidate_request == m.n:
            c.invalidate_request = 0
        why = ""
        if self.cstate != ConnState.CONNECTED:
            why = f"{BUSY} ({self.cstate})"
        elif self.disk < DiskState.UP_TO_DATE:
            why = f"{NO_UPTODATE}: the peer's disk is {self.disk}"
        if why:
            self._send(wire.SyncRefused(m.n, why))
            return
        self._start_source(now, full=True)

    def _on_sync_refused(self, m: wire.SyncRefused, now: float) -> None:
        c = self._c()
        if m.n and m.n == c.invalidate_request:
            c.invalidate_request = 0
            self._refuse("invalidate-remote", f"the peer refused: {m.reason}")
            return
        if not m.n or m.n != c.sync_request:
            raise ProtocolError(f"SyncRefused {m.n} not asked for")
        c.sync_request = 0
        # our data is already discarded: a new handshake makes us the target, if it can
        self._refuse("invalidate", f"the peer refused: {m.reason}; reconnecting")
        self._send(wire.Disconnect("the sync this node asked for was refused"))
        self._lose(now, f"the peer refused the sync: {m.reason}", ConnState.WF_CONNECTION)

    def detach(self, now: float) -> None:
        """``drbdadm detach``: flush, then Diskless (a ``DiskChanged`` says when)."""
        self._now = now
        if self.disk == DiskState.DISKLESS:
            return self._refuse("detach", "the disk is already Diskless")
        if self.role == Role.PRIMARY:
            return self._refuse("detach", READS_THROUGH_PEER)
        if self.conn is not None:
            self._send(wire.Disconnect("the peer detached its disk"))
            self._lose(now, "detach requested", ConnState.STAND_ALONE)
        else:
            self._set_cstate(ConnState.STAND_ALONE, "detach requested")
        self._local_flush(self._detach_flushed)
        return None

    def _detach_flushed(self, completion: BlockCompletion) -> None:
        if not completion.ok:
            return  # disk_done detaches for the error (full sync when attached again)
        for queue in self._busy.values():  # writes of the dropped connection, not yet issued
            while queue:
                request, callback, _rid = queue.popleft()
                callback(BlockCompletion(request, errno.EIO))
        self._busy.clear()
        self._set_disk(DiskState.DISKLESS)
        self._persist()
