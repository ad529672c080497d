"""DRBD's roles, connection, replication and disk states, with DRBD's names (pure).

The enums are ordered as DRBD orders them (``specs/drbd.md`` §2), so that
``DiskState.OUTDATED < DiskState.UP_TO_DATE`` compares as DRBD's code does.
``str()`` of a member is the name DRBD prints (``UpToDate``, ``WFConnection``).
"""

from __future__ import annotations

import enum


class _Named(enum.IntEnum):
    def __str__(self) -> str:
        return _NAMES[type(self).__name__][self.value]

    @classmethod
    def parse(cls, text: str) -> _Named:
        names = _NAMES[cls.__name__]
        for i, name in enumerate(names):
            if name == text:
                return cls(i)
        raise ValueError(f"{text!r} is not a {cls.__name__} ({', '.join(names)})")


class Role(_Named):
    UNKNOWN = 0
    PRIMARY = 1
    SECONDARY = 2


class ConnState(_Named):
    """8.4's ``cs:`` (one per device); 9's connection state is ``conn9()``."""

    STAND_ALONE = 0
    DISCONNECTING = 1
    UNCONNECTED = 2
    TIMEOUT = 3
    BROKEN_PIPE = 4
    NETWORK_FAILURE = 5
    PROTOCOL_ERROR = 6
    WF_CONNECTION = 7
    WF_REPORT_PARAMS = 8
    TEAR_DOWN = 9
    CONNECTED = 10
    STARTING_SYNC_S = 11
    STARTING_SYNC_T = 12
    WF_BITMAP_S = 13
    WF_BITMAP_T = 14
    WF_SYNC_UUID = 15
    SYNC_SOURCE = 16
    SYNC_TARGET = 17
    PAUSED_SYNC_S = 18
    PAUSED_SYNC_T = 19
    VERIFY_S = 20
    VERIFY_T = 21
    AHEAD = 22
    BEHIND = 23

    def conn9(self) -> str:
        """DRBD 9's connection state for this 8.4 state."""
        if self in (ConnState.WF_CONNECTION, ConnState.WF_REPORT_PARAMS):
            return "Connecting"
        if self >= ConnState.CONNECTED:
            return "Connected"
        return str(self)

    def repl9(self) -> str:
        """DRBD 9's replication state for this 8.4 state."""
        if self < ConnState.CONNECTED:
            return "Off"
        if self == ConnState.CONNECTED:
            return "Established"
        return str(self)


class DiskState(_Named):
    DISKLESS = 0
    ATTACHING = 1
    FAILED = 2
    NEGOTIATING = 3
    INCONSISTENT = 4
    OUTDATED = 5
    DUNKNOWN = 6
    CONSISTENT = 7
    UP_TO_DATE = 8


_NAMES = {
    "Role": ("Unknown", "Primary", "Secondary"),
    "ConnState": (
        "StandAlone",
        "Disconnecting",
        "Unconnected",
        "Timeout",
        "BrokenPipe",
        "NetworkFailure",
        "ProtocolError",
        "WFConnection",
        "WFReportParams",
        "TearDown",
        "Connected",
        "StartingSyncS",
        "StartingSyncT",
        "WFBitMapS",
        "WFBitMapT",
        "WFSyncUUID",
        "SyncSource",
        "SyncTarget",
        "PausedSyncS",
        "PausedSyncT",
        "VerifyS",
        "VerifyT",
        "Ahead",
        "Behind",
    ),
    "DiskState": (
        "Diskless",
        "Attaching",
        "Failed",
        "Negotiating",
        "Inconsistent",
        "Outdated",
        "DUnknown",
        "Consistent",
        "UpToDate",
    ),
}
