"""The configuration section: nodes, fencing topology, tags, alerts, ACLs and
the ``Configuration`` that holds them with resources and constraints."""

from __future__ import annotations

from dataclasses import dataclass

from paceline.cib.model.constraints import Constraint
from paceline.cib.model.enums import AclKind, NodeType
from paceline.cib.model.resources import Resource, Template
from paceline.cib.model.rules import NvSetItem
from paceline.cib.score import Score


@dataclass(frozen=True, slots=True)
class Node:
    """``<node>``: ``id`` is text (a number for corosync nodes, a name for remotes)."""

    id: str
    uname: str
    type: NodeType | None = None
    description: str | None = None
    score: Score | None = None
    instance_attributes: tuple[NvSetItem, ...] = ()
    utilization: tuple[NvSetItem, ...] = ()
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FencingLevel:
    """``<fencing-level>``: a target (one of ``target``, ``target_pattern``,
    ``target_attribute`` + ``target_value``), an ``index`` 1..9 and devices."""

    id: str
    index: int
    devices: tuple[str, ...]
    target: str | None = None
    target_pattern: str | None = None
    target_attribute: str | None = None
    target_value: str | None = None


@dataclass(frozen=True, slots=True)
class Tag:
    """``<tag>``: ``refs`` are the ``obj_ref`` ids in order."""

    id: str
    refs: tuple[str, ...]
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertSelect:
    """``<select>`` of an alert: which events it receives."""

    attributes: tuple[tuple[str, str], ...] | None = None  # (id, name); None: no element
    fencing: bool = False
    nodes: bool = False
    resources: bool = False


@dataclass(frozen=True, slots=True)
class AlertRecipient:
    id: str
    value: str
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    path: str
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    select: AlertSelect | None = None
    recipients: tuple[AlertRecipient, ...] = ()
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AclPermission:
    """``<acl_permission>``: one of ``xpath``, ``reference`` or ``object_type``
    [+ ``attribute``] says what it applies to."""

    id: str
    kind: AclKind
    xpath: str | None = None
    reference: str | None = None
    object_type: str | None = None
    attribute: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AclRole:
    id: str
    permissions: tuple[AclPermission, ...] = ()
    description: str | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AclTarget:
    """``<acl_target>`` (a user; legacy ``acl_user``); ``roles`` are role ids."""

    id: str
    roles: tuple[str, ...] = ()
    name: str | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AclGroup:
    """``<acl_group>`` (a unix group)."""

    id: str
    roles: tuple[str, ...] = ()
    name: str | None = None
    comments: tuple[str, ...] = ()


AclEntry = AclTarget | AclGroup | AclRole


@dataclass(frozen=True, slots=True)
class Configuration:
    """``<configuration>``. Every tuple keeps document order.

    ``crm_config`` holds the ``cluster_property_set`` blocks; ``templates`` the
    ``<template>`` elements of ``<resources>``, which ``resources`` (Primitive,
    Group, Clone, Bundle) does not include.
    """

    crm_config: tuple[NvSetItem, ...] = ()
    nodes: tuple[Node, ...] = ()
    resources: tuple[Resource, ...] = ()
    templates: tuple[Template, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    rsc_defaults: tuple[NvSetItem, ...] = ()
    op_defaults: tuple[NvSetItem, ...] = ()
    fencing_topology: tuple[FencingLevel, ...] = ()
    tags: tuple[Tag, ...] = ()
    alerts: tuple[Alert, ...] = ()
    acls: tuple[AclEntry, ...] = ()
    fencing_topology_comments: tuple[str, ...] = ()
    """The comments of ``<fencing-topology>``, which crm shows as one object."""
