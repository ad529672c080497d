"""The controller: the DC's join, CIB replication and transition execution (pure).

``Controller`` (``core.py``) is fed events and returns effects
(``effects.py``); ``history.py`` is the operation history each node keeps of
its own executor; ``status.py`` edits node states and attributes;
``graph.py`` executes one transition; ``wire.py`` is the message format.
Drivers: ``paceline.runtime.pacelined`` (asyncio) and the simulator.
"""

from paceline.controller.core import TABLE, Controller, DcState
from paceline.controller.effects import (
    Audit,
    Broadcast,
    CancelRecurring,
    Effect,
    ExecRequest,
    Execute,
    Log,
    OpOutcome,
    Reply,
    SaveInput,
    ViewInfo,
    WriteCib,
)
from paceline.controller.history import NodeHistory, OpRecord

__all__ = [
    "TABLE",
    "Audit",
    "Broadcast",
    "CancelRecurring",
    "Controller",
    "DcState",
    "Effect",
    "ExecRequest",
    "Execute",
    "Log",
    "NodeHistory",
    "OpOutcome",
    "OpRecord",
    "Reply",
    "SaveInput",
    "ViewInfo",
    "WriteCib",
]
