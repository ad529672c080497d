"""The status section: per-node state, transient attributes, and the
resource operation history (``lrm``), plus ticket state.

Values that Pacemaker versions wrote differently over time (``in_ccm`` as a
boolean or a timestamp, ``crmd`` as ``online``/``offline`` or a timestamp)
are kept as text; counters, codes and times are integers.
"""

from __future__ import annotations

from dataclasses import dataclass

from paceline.cib.model.rules import NvSetItem


@dataclass(frozen=True, slots=True)
class LrmRscOp:
    """``<lrm_rsc_op>``: one operation history entry. ``interval`` is in ms;
    times are epoch seconds (``last_run``/``last_rc_change``) or ms
    (``exec_time``/``queue_time``). Legacy underscore spellings
    (``last_run``...) are read into the same fields."""

    id: str
    operation: str
    call_id: int
    rc_code: int
    op_status: int
    interval: int
    operation_key: str | None = None
    crm_feature_set: str | None = None
    transition_key: str | None = None
    transition_magic: str | None = None
    crm_debug_origin: str | None = None
    last_run: int | None = None
    last_rc_change: int | None = None
    exec_time: int | None = None
    queue_time: int | None = None
    op_digest: str | None = None
    op_force_restart: str | None = None
    op_restart_digest: str | None = None
    op_secure_params: str | None = None
    op_secure_digest: str | None = None
    exit_reason: str | None = None
    on_node: str | None = None
    migrate_source: str | None = None
    migrate_target: str | None = None
    migrate_from: str | None = None


@dataclass(frozen=True, slots=True)
class LrmResource:
    """``<lrm_resource>``: the agent and the history entries in document order."""

    id: str
    agent_class: str
    agent_type: str
    provider: str | None = None
    container: str | None = None
    ops: tuple[LrmRscOp, ...] = ()
    shutdown_lock: int | None = None  # when a shutdown lock was taken (epoch seconds)


@dataclass(frozen=True, slots=True)
class Lrm:
    """``<lrm>``; ``resources_id`` is the rare id of ``<lrm_resources>``."""

    id: str
    resources: tuple[LrmResource, ...] = ()
    uname: str | None = None
    resources_id: str | None = None


@dataclass(frozen=True, slots=True)
class TransientAttributes:
    """``<transient_attributes>``: node attributes (``attrd_updater``) and
    transient utilization (``attrd_updater -z``)."""

    id: str
    instance_attributes: tuple[NvSetItem, ...] = ()
    utilization: tuple[NvSetItem, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeState:
    """``<node_state>``; ``id`` may be absent in hand-made test CIBs."""

    id: str | None = None
    uname: str | None = None
    in_ccm: str | None = None
    crmd: str | None = None
    join: str | None = None
    expected: str | None = None
    crm_debug_origin: str | None = None
    shutdown: str | None = None
    clear_shutdown: str | None = None
    ha: str | None = None
    remote_node: str | None = None
    node_fenced: str | None = None
    node_in_maintenance: str | None = None
    transient_attributes: TransientAttributes | None = None
    lrm: Lrm | None = None


@dataclass(frozen=True, slots=True)
class TicketState:
    """``<ticket_state>``; ``attributes`` are the other (name, value) pairs in
    document order, which ``crm_ticket --set-attr`` writes and the schema
    allows (status is free-form there)."""

    id: str
    granted: bool | None = None
    last_granted: int | None = None
    standby: bool | None = None
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Status:
    """``<status>``; ``tickets`` None means no ``<tickets>`` element.
    ``orphan_lrms`` are ``<lrm>`` elements directly inside ``<status>``,
    outside every ``node_state`` (some of Pacemaker's own test inputs have
    them; Pacemaker reads no history from them, and neither do we)."""

    node_states: tuple[NodeState, ...] = ()
    tickets: tuple[TicketState, ...] | None = None
    orphan_lrms: tuple[Lrm, ...] = ()
