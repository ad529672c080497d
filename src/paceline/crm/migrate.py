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
- ``PARAMETER_SUBSTITUTIONS``: resource parameters a classic setup gives
  that cannot hold here (``fstype=reiserfs`` on a kernel without ReiserFS),
  and the parameter that stands in for them. Each entry says which of the
  caller's predicates decides (``Needs``); without that predicate the entry
  never applies.

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
    "PARAMETER_SUBSTITUTIONS",
    "PROPERTY_MIGRATIONS",
    "ROLE_RENAMES",
    "AgentExists",
    "AgentSubstitution",
    "FilesystemSupported",
    "Needs",
    "Notice",
    "NoticeKind",
    "ParameterSubstitution",
    "find_parameter_substitution",
    "find_property_migration",
    "find_substitution",
]

AgentExists = Callable[[str], bool]
"""Answers "is the agent ``class:provider:type`` (or ``class:type``) installed here?"."""

FilesystemSupported = Callable[[str], bool]
"""Answers "can a filesystem of this type (``ext4``, as in ``fstype=``) be used here?"."""


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


class Needs(StrEnum):
    """What must hold here for a ``ParameterSubstitution`` to apply, and so which
    of the caller's predicates decides."""

    FILESYSTEM = "filesystem"
    """The value is a filesystem type not supported here and the new value one
    that is (``filesystem_supported``)."""


@dataclass(frozen=True, slots=True)
class ParameterSubstitution:
    """Where a resource of ``agent`` sets ``name=value`` and ``needs`` holds here,
    set ``new_name=new_value`` instead (None: the name, or value, is kept).

    ``agent`` is spelled as in crm text and matched against the agent the
    configuration names, before any ``AGENT_SUBSTITUTIONS`` (so that an entry
    can rename the parameters of an agent that was replaced). ``value`` None
    matches any value.
    """

    agent: str
    name: str
    value: str | None
    why: str
    needs: Needs
    new_name: str | None = None
    new_value: str | None = None


PARAMETER_SUBSTITUTIONS: tuple[ParameterSubstitution, ...] = (
    ParameterSubstitution(
        "ocf:heartbeat:Filesystem",
        "fstype",
        "reiserfs",
        "ReiserFS is not supported by this kernel (removed from Linux 6.13); ext4 stands in for it",
        Needs.FILESYSTEM,
        new_value="ext4",
    ),
)
"""Every resource parameter substitution ``paceline.crm.load`` applies, first match wins."""


def find_parameter_substitution(
    agent: str,
    name: str,
    value: str | None,
    *,
    filesystem_supported: FilesystemSupported | None,
) -> ParameterSubstitution | None:
    """The entry of ``PARAMETER_SUBSTITUTIONS`` that applies to ``name=value`` of a
    resource of ``agent`` here.

    An entry whose predicate was not passed in never applies: without knowing
    what is missing here, nothing is substituted.
    """
    for entry in PARAMETER_SUBSTITUTIONS:
        if entry.agent != agent or entry.name != name:
            continue
        if entry.value is not None and entry.value != value:
            continue
        if entry.needs is Needs.FILESYSTEM:
            if filesystem_supported is None or value is None:
                continue
            stand_in = entry.new_value if entry.new_value is not None else value
            if filesystem_supported(value) or not filesystem_supported(stand_in):
                continue
        return entry
    return None
