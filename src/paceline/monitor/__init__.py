"""What ``paceline status`` shows, as pure functions of a CIB.

``snapshot(cib, now)`` reads the configuration and the status section into a
``Snapshot`` (nodes and their state, the resource tree with where each
instance runs and in which role, failed actions, the summary figures);
``render_text`` prints it as Pacemaker 2.1's ``crm_mon -1`` does and
``render_xml`` as ``crm_mon --output-as=xml`` does. No I/O: the CLI reads the
CIB and passes the wall clock and the time zone in.
"""

from __future__ import annotations

from paceline.monitor.state import Snapshot, snapshot
from paceline.monitor.text import TextOptions, render_text
from paceline.monitor.xmlout import render_xml

__all__ = ["Snapshot", "TextOptions", "render_text", "render_xml", "snapshot"]
