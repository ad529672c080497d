"""The result of an administrative edit, and the version bump it implies."""

from __future__ import annotations

from dataclasses import dataclass

from paceline.cib.model import Cib
from paceline.cib.versions import bump_epoch, bump_num_updates


@dataclass(frozen=True, slots=True)
class Edit:
    """``cib`` after the edit; ``notes`` are what the tool tells the user
    (one line each); ``changed`` False when the CIB already was so (the
    version is then left alone)."""

    cib: Cib
    notes: tuple[str, ...] = ()
    changed: bool = True


def finish(before: Cib, after: Cib, notes: tuple[str, ...] = ()) -> Edit:
    """Bump the version as Pacemaker does: a configuration change bumps
    ``epoch`` (and resets ``num_updates``), a status-only change bumps
    ``num_updates``; no change, no bump."""
    if after.configuration != before.configuration:
        return Edit(bump_epoch(after), notes)
    if after.status != before.status:
        return Edit(bump_num_updates(after), notes)
    return Edit(before, notes, changed=False)
