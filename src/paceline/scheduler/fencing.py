"""Fencing: which nodes are unclean, and the stonith actions that recover them.

With ``stonith-enabled`` (the default) a node that is expected up but has
left the membership, whose controller is gone, or that was never seen
(``startup-fencing``) is unclean: its resources still count as active
there until it is fenced. The transition fences it (``stonith 'reboot'
NODE``, or ``'off'`` with ``stonith-action=poweroff``) when the cluster
may fence (quorum, or ``no-quorum-policy=ignore``); the stops of what ran
there become pseudo-actions implied by the fencing, and every start and
promote of a resource that requires fencing waits for it.
"""

from __future__ import annotations

from paceline.cib.model import NodeState
from paceline.scheduler import values as v


def _member(text: str | None) -> bool:
    return text is not None and (v.is_true(text) or text.isdigit())


def _peer_online(text: str | None) -> bool:
    return text is not None and (text == "online" or text.isdigit())


def node_status(ns: NodeState, fencing: bool) -> tuple[bool, bool, str | None]:
    """(online, pending, why it is unclean or None) for one ``node_state``."""
    in_ccm, crmd, join, expected = ns.in_ccm, ns.crmd, ns.join, ns.expected
    if not fencing:
        online = _member(in_ccm) and _peer_online(crmd) and join in (None, "member")
        return online, False, None
    if join == "nack":
        return False, False, "peer failed Pacemaker membership criteria"
    if expected == "down" or (expected is None and not _member(in_ccm)):
        pending = _member(in_ccm) and _peer_online(crmd) and join != "member"
        if _member(in_ccm) and _peer_online(crmd) and join == "member":
            return True, False, None
        return False, pending, None
    if not _member(in_ccm):
        return False, False, "peer is no longer part of the cluster"
    if not _peer_online(crmd):
        return False, False, "peer process is no longer available"
    if join in (None, "member"):
        return True, False, None
    if join in ("pending", "down"):
        return False, True, None
    return False, False, "peer was in an unknown state"


def fence_action(options: dict[str, str]) -> str:
    """The stonith action name: ``reboot`` or ``off``."""
    action = options.get("stonith-action", "reboot")
    return "off" if action in ("off", "poweroff") else "reboot"
