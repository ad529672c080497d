"""Administrative edits of a CIB, as Pacemaker's command-line tools write them.

Pure functions from a ``Cib`` to an ``Edit`` (the new CIB, with its version
bumped as Pacemaker bumps it, and the notices the tool would print):

- nodes (``paceline.admin.nodes``): standby/online, maintenance/ready,
  delete (``crm_node --remove``), as
  ``crm_standby`` / ``crm_attribute`` write them (a permanent attribute in
  the node's ``instance_attributes``, or a transient one in the status
  section for the ``reboot`` lifetime);
- resources (``paceline.admin.resources``): move/ban/clear with the
  ``cli-prefer-RSC`` / ``cli-ban-RSC-on-NODE`` location constraints of
  ``crm_resource`` (and their ``date lt`` lifetime rule), start/stop
  (``target-role``), cleanup (history and fail counts).

The CLI's verbs call these on a file (``--cib``) or, later, through the node
daemon; both go through one ``Backend`` (``paceline.cli.admin_backend``).
"""

from __future__ import annotations

from paceline.admin.edit import Edit
from paceline.admin.nodes import node_delete, node_list, node_maintenance, node_standby
from paceline.admin.resources import (
    resource_ban,
    resource_cleanup,
    resource_clear,
    resource_move,
    resource_target_role,
)

__all__ = [
    "Edit",
    "node_delete",
    "node_list",
    "node_maintenance",
    "node_standby",
    "resource_ban",
    "resource_cleanup",
    "resource_clear",
    "resource_move",
    "resource_target_role",
]
