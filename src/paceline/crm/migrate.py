"""What a classic configuration names that does not hold here, and what we do instead.

Two tables live in this module, as data that later work extends:

- ``PROPERTY_MIGRATIONS``: cluster properties that Pacemaker 2.0 dropped or
  renamed (its CIB schema rejects them), and properties the cluster maintains
  by itself. Each entry says what becomes of the property and why.
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

from paceline.core.errors import Location

__all__ = [
    "AGENT_SUBSTITUTIONS",
    "PROPERTY_MIGRATIONS",
    "ROLE_RENAMES",
    "AgentExists",
    "AgentSubstitution",
    "Notice",
    "NoticeKind",
    "PropertyFate",
    "PropertyMigration",
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


class PropertyFate(StrEnum):
    RENAME = "rename"  # same section, new name
    RSC_DEFAULTS = "rsc_defaults"  # moved to rsc_defaults (possibly renamed)
    OP_DEFAULTS = "op_defaults"  # moved to op_defaults (possibly renamed)
    DROP = "drop"  # not stored


@dataclass(frozen=True, slots=True)
class PropertyMigration:
    """What becomes of the cluster property ``name``.

    ``only_values``: the entry applies only to these values (None: any value).
    ``new_value``: the value written instead (None: unchanged).
    """

    name: str
    fate: PropertyFate
    why: str
    new_name: str | None = None
    only_values: frozenset[str] | None = None
    new_value: str | None = None

    def applies_to(self, name: str, value: str | None) -> bool:
        if name != self.name:
            return False
        return self.only_values is None or (value is not None and value in self.only_values)


_P2 = "Pacemaker 2.0 dropped it"
_MAINTAINED = "the cluster sets it itself"

_RENAMED_UNDERSCORES = (
    ("cluster_recheck_interval", "cluster-recheck-interval"),
    ("dc_deadtime", "dc-deadtime"),
    ("election_timeout", "election-timeout"),
    ("no_quorum_policy", "no-quorum-policy"),
    ("remove_after_stop", "remove-after-stop"),
    ("shutdown_escalation", "shutdown-escalation"),
    ("startup_fencing", "startup-fencing"),
    ("stonith_action", "stonith-action"),
    ("stonith_enabled", "stonith-enabled"),
    ("stop_orphan_actions", "stop-orphan-actions"),
    ("stop_orphan_resources", "stop-orphan-resources"),
    ("symmetric_cluster", "symmetric-cluster"),
)

PROPERTY_MIGRATIONS: tuple[PropertyMigration, ...] = (
    PropertyMigration(
        "default-resource-stickiness",
        PropertyFate.RSC_DEFAULTS,
        f"{_P2}; it is the resource-stickiness default of every resource",
        new_name="resource-stickiness",
    ),
    PropertyMigration(
        "default_resource_stickiness",
        PropertyFate.RSC_DEFAULTS,
        f"{_P2}; it is the resource-stickiness default of every resource",
        new_name="resource-stickiness",
    ),
    PropertyMigration(
        "is-managed-default",
        PropertyFate.RSC_DEFAULTS,
        f"{_P2}; it is the is-managed default of every resource",
        new_name="is-managed",
    ),
    PropertyMigration(
        "is_managed_default",
        PropertyFate.RSC_DEFAULTS,
        f"{_P2}; it is the is-managed default of every resource",
        new_name="is-managed",
    ),
    PropertyMigration(
        "default-action-timeout",
        PropertyFate.OP_DEFAULTS,
        f"{_P2}; it is the timeout default of every operation",
        new_name="timeout",
    ),
    PropertyMigration(
        "default_action_timeout",
        PropertyFate.OP_DEFAULTS,
        f"{_P2}; it is the timeout default of every operation",
        new_name="timeout",
    ),
    PropertyMigration(
        "default-resource-failure-stickiness",
        PropertyFate.RSC_DEFAULTS,
        f"{_P2}; -INFINITY meant: move away after the first failure",
        new_name="migration-threshold",
        only_values=frozenset({"-INFINITY", "-inf", "-infinity"}),
        new_value="1",
    ),
    PropertyMigration(
        "default-resource-failure-stickiness",
        PropertyFate.DROP,
        f"{_P2}; set migration-threshold in rsc_defaults instead",
    ),
    PropertyMigration(
        "default-migration-threshold",
        PropertyFate.DROP,
        f"{_P2}; set migration-threshold in rsc_defaults instead",
    ),
    PropertyMigration(
        "expected-quorum-votes",
        PropertyFate.DROP,
        "quorum belongs to the quorum configuration (corosync.conf) since Pacemaker 2.0",
    ),
    PropertyMigration(
        "cluster-infrastructure",
        PropertyFate.DROP,
        f"{_MAINTAINED}, and Pacemaker 2.0 rejects the legacy stacks",
        only_values=frozenset(
            {
                "openais",
                "classic openais",
                "classic openais (with plugin)",
                "heartbeat",
                "cman",
            }
        ),
    ),
    PropertyMigration("dc-version", PropertyFate.DROP, _MAINTAINED),
    PropertyMigration(
        "notification-agent",
        PropertyFate.DROP,
        f"{_P2}; configure an alert instead",
    ),
    PropertyMigration(
        "notification-recipient",
        PropertyFate.DROP,
        f"{_P2}; configure an alert instead",
    ),
    PropertyMigration(
        "transition_idle_timeout",
        PropertyFate.RENAME,
        f"{_P2}; cluster-delay is the modern name",
        new_name="cluster-delay",
    ),
    *(
        PropertyMigration(
            old, PropertyFate.RENAME, f"{_P2}; {new} is the modern name", new_name=new
        )
        for old, new in _RENAMED_UNDERSCORES
    ),
)


def find_property_migration(name: str, value: str | None) -> PropertyMigration | None:
    """The first entry of ``PROPERTY_MIGRATIONS`` that applies to ``name=value``."""
    for entry in PROPERTY_MIGRATIONS:
        if entry.applies_to(name, value):
            return entry
    return None


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
