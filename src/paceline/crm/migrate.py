"""What a classic configuration names that does not hold here, and what we do instead.

Two tables live in this module, as data that later work extends:

- ``PROPERTY_MIGRATIONS``: cluster properties that Pacemaker 2.0 dropped or
  renamed (its CIB schema rejects them), and properties the cluster maintains
  by itself. It is ``paceline.cib.upgrade.CLUSTER_PROPERTIES`` (what
  Pacemaker's own upgrade does to an old CIB, one table for both layers)
  followed by ``CRM_PROPERTIES``, what only crm text loses; each entry is a
  ``NameRule`` that says what becomes of the property and why.
- ``AGENT_SUBSTITUTIONS``: resource agents a classic setup names that may be
  absent here, and the agent that stands in for them. Whether an agent exists
  is the caller's knowledge (a predicate it passes in): this package never
  looks at the file system.

Every change applied is reported as a ``Notice`` (what, where, why); nothing
is changed silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from paceline.cib.upgrade import CLUSTER_PROPERTIES, Fate, NameRule, find_rule
from paceline.core.errors import Location

__all__ = [
    "AGENT_SUBSTITUTIONS",
    "CRM_PROPERTIES",
    "PROPERTY_MIGRATIONS",
    "ROLE_RENAMES",
    "AgentExists",
    "AgentSubstitution",
    "Notice",
    "NoticeKind",
    "find_property_migration",
    "find_substitution",
]

AgentExists = Callable[[str], bool]
"""Answers "is the agent ``class:provider:type`` (or ``class:type``) installed here?"."""


class NoticeKind(StrEnum):
    MOVED = "moved"
    RENAMED = "renamed"
    DROPPED = "dropped"
    SUBSTITUTED = "substituted"
    MODERNIZED = "modernized"
    UPDATED = "updated"  # changed because an object it named was deleted
    DELETED = "deleted"  # removed along with an object it depended on


@dataclass(frozen=True, slots=True)
class Notice:
    """One change made while loading a configuration, for the CLI to print."""

    kind: NoticeKind
    what: str
    why: str
    file: str | None = None
    line: int | None = None

    @property
    def location(self) -> Location:
        return Location(self.file, self.line)

    def __str__(self) -> str:
        return f"{self.location}: {self.what} ({self.why})"


CRM_PROPERTIES: tuple[NameRule, ...] = (
    NameRule("dc-version", Fate.DROP, "the cluster sets it itself"),
)
"""What crm text loses beyond Pacemaker's upgrade (``CLUSTER_PROPERTIES``).

``dc-version`` is a property the cluster maintains (the DC writes it),
valid in every schema, so Pacemaker's upgrade keeps it in an old CIB; a
``crm configure show`` of a running cluster carries it, and text loaded
back must not pin a stale version.
"""

PROPERTY_MIGRATIONS: tuple[NameRule, ...] = CLUSTER_PROPERTIES + CRM_PROPERTIES
"""Every cluster property rule ``paceline.crm.load`` applies, first match wins."""


def find_property_migration(name: str, value: str | None) -> NameRule | None:
    """The first entry of ``PROPERTY_MIGRATIONS`` that applies to ``name=value``."""
    return find_rule(PROPERTY_MIGRATIONS, name, value)


ROLE_RENAMES: dict[str, str] = {"Master": "Promoted", "Slave": "Unpromoted"}
"""Legacy role names and their OCF 1.1 / Pacemaker 2.1 names."""


@dataclass(frozen=True, slots=True)
class AgentSubstitution:
    """Use ``replacement`` where a configuration names ``original`` and it is absent.

    Agents are written ``class:provider:type`` (``class:type`` for lsb and the
    like), as in crm text.
    """

    original: str
    replacement: str
    why: str
    ours: bool = False
    """The stand-in ships with Paceline: used even where it is not installed yet."""


AGENT_SUBSTITUTIONS: tuple[AgentSubstitution, ...] = (
    AgentSubstitution(
        "ocf:linbit:drbd",
        "ocf:paceline:drbd",
        "DRBD is not installed here; Paceline's replicated volume agent stands in for it",
        ours=True,
    ),
    AgentSubstitution(
        "lsb:mysql",
        "lsb:mariadb",
        "Debian 12 ships MariaDB, whose init script is called mariadb",
    ),
)


def find_substitution(agent: str, agent_exists: AgentExists | None) -> AgentSubstitution | None:
    """The substitution for ``agent``, if it is absent here and its stand-in is
    present (or ships with Paceline).

    Without a predicate nothing is known to be absent, so nothing is substituted.
    """
    if agent_exists is None:
        return None
    for entry in AGENT_SUBSTITUTIONS:
        if entry.original != agent or agent_exists(agent):
            continue
        if entry.ours or agent_exists(entry.replacement):
            return entry
    return None
