"""Closed sets of names in the CIB, as ``StrEnum`` whose values are the XML spellings.

Legacy spellings are mapped by the codec on load (``Master`` -> ``Promoted``,
``Slave`` -> ``Unpromoted``, node type ``normal`` -> ``member``); the model only
ever holds the modern names.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STOPPED = "Stopped"
    STARTED = "Started"
    UNPROMOTED = "Unpromoted"
    PROMOTED = "Promoted"


class AgentClass(StrEnum):
    """A resource agent's standard (the ``class`` attribute)."""

    OCF = "ocf"
    LSB = "lsb"
    HEARTBEAT = "heartbeat"
    STONITH = "stonith"
    UPSTART = "upstart"
    SERVICE = "service"
    SYSTEMD = "systemd"
    NAGIOS = "nagios"


class OnFail(StrEnum):
    IGNORE = "ignore"
    BLOCK = "block"
    DEMOTE = "demote"
    STOP = "stop"
    RESTART = "restart"
    STANDBY = "standby"
    FENCE = "fence"
    RESTART_CONTAINER = "restart-container"


class Action(StrEnum):
    """Actions a constraint or resource set can name."""

    START = "start"
    PROMOTE = "promote"
    DEMOTE = "demote"
    STOP = "stop"


class OrderKind(StrEnum):
    OPTIONAL = "Optional"
    MANDATORY = "Mandatory"
    SERIALIZE = "Serialize"


class LossPolicy(StrEnum):
    STOP = "stop"
    DEMOTE = "demote"
    FENCE = "fence"
    FREEZE = "freeze"


class Discovery(StrEnum):
    """``resource-discovery`` of a location constraint."""

    ALWAYS = "always"
    NEVER = "never"
    EXCLUSIVE = "exclusive"


class SetOrdering(StrEnum):
    """Legacy ``ordering`` attribute of a resource set."""

    GROUP = "group"
    LISTED = "listed"


class BooleanOp(StrEnum):
    AND = "and"
    OR = "or"


class ExprOp(StrEnum):
    LT = "lt"
    GT = "gt"
    LTE = "lte"
    GTE = "gte"
    EQ = "eq"
    NE = "ne"
    DEFINED = "defined"
    NOT_DEFINED = "not_defined"


class ExprType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    VERSION = "version"


class ValueSource(StrEnum):
    LITERAL = "literal"
    PARAM = "param"
    META = "meta"


class DateOp(StrEnum):
    IN_RANGE = "in_range"
    GT = "gt"
    LT = "lt"
    DATE_SPEC = "date_spec"


class NodeType(StrEnum):
    MEMBER = "member"
    PING = "ping"
    REMOTE = "remote"


class ContainerEngine(StrEnum):
    DOCKER = "docker"
    RKT = "rkt"
    PODMAN = "podman"


class AclKind(StrEnum):
    READ = "read"
    WRITE = "write"
    DENY = "deny"
