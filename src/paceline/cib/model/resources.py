"""Resources: primitives, templates, groups, clones (incl. promotable and the
legacy ``master`` element) and bundles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from paceline.cib.model.enums import AgentClass, ContainerEngine, OnFail, Role
from paceline.cib.model.rules import NvSetItem


@dataclass(frozen=True, slots=True)
class Op:
    """``<op>``: ``interval``/``timeout``/``start_delay`` are duration text as
    written (``"10s"``, ``"0"``, ``"PT1M"``); ``interval_origin`` excludes
    ``start_delay`` in the schema."""

    id: str
    name: str
    interval: str
    timeout: str | None = None
    description: str | None = None
    start_delay: str | None = None
    interval_origin: str | None = None
    enabled: bool | None = None
    record_pending: bool | None = None
    role: Role | None = None
    on_fail: OnFail | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    written: tuple[str, ...] = field(default=(), compare=False)
    """The XML names of the attributes (``interval``, ``timeout``...; not ``id``
    and ``name``) in the order they were written, crm text or XML: crmsh prints
    an op's attributes in that order, and so do we (``in_written_order``).
    Not part of what the op means: ops differing only in it are equal."""


_V = TypeVar("_V")


def in_written_order(
    pairs: Sequence[tuple[str, _V]], written: Sequence[str]
) -> list[tuple[str, _V]]:
    """``(xml name, value)`` pairs in the order of ``written``; names it does not
    list keep their place after those it does."""
    if not written:
        return list(pairs)
    rank = {name: index for index, name in enumerate(written)}
    last = len(rank)
    return sorted(pairs, key=lambda pair: rank.get(pair[0], last))


@dataclass(frozen=True, slots=True)
class Primitive:
    """``<primitive>``: either an agent (``agent_class``[:``provider``]:``agent_type``)
    or a ``template`` reference. ``operations_id``/``operations_ref`` are the
    ids of the ``<operations>`` wrapper (rare)."""

    id: str
    agent_class: AgentClass | None = None
    provider: str | None = None
    agent_type: str | None = None
    template: str | None = None
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    utilization: tuple[NvSetItem, ...] = ()
    operations: tuple[Op, ...] = ()
    operations_id: str | None = None
    operations_ref: str | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    """``<template>``: a primitive skeleton that primitives reference by id."""

    id: str
    agent_class: AgentClass
    agent_type: str
    provider: str | None = None
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    utilization: tuple[NvSetItem, ...] = ()
    operations: tuple[Op, ...] = ()
    operations_id: str | None = None
    operations_ref: str | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    children: tuple[Primitive, ...]
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Clone:
    """``<clone>``; promotable when its meta has ``promotable=true`` or when it
    was written as the legacy ``<master>`` element (``legacy_master``), which
    is kept as such so that the crm shell can show it as ``ms``."""

    id: str
    child: Primitive | Group
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    legacy_master: bool = False
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Container:
    """The ``<docker>``/``<rkt>``/``<podman>`` element of a bundle (legacy
    ``masters`` is read as ``promoted_max``)."""

    engine: ContainerEngine
    image: str
    replicas: int | None = None
    replicas_per_host: int | None = None
    promoted_max: int | None = None
    run_command: str | None = None
    network: str | None = None
    options: str | None = None


@dataclass(frozen=True, slots=True)
class PortMapping:
    """Either ``port`` [``internal_port``] or a ``range`` like ``"3000-3010"``."""

    id: str
    port: int | None = None
    internal_port: int | None = None
    range: str | None = None


@dataclass(frozen=True, slots=True)
class BundleNetwork:
    ip_range_start: str | None = None
    control_port: int | None = None
    host_interface: str | None = None
    host_netmask: int | None = None
    add_host: bool | None = None
    port_mappings: tuple[PortMapping, ...] = ()


@dataclass(frozen=True, slots=True)
class StorageMapping:
    """Exactly one of ``source_dir``/``source_dir_root`` is set."""

    id: str
    target_dir: str
    source_dir: str | None = None
    source_dir_root: str | None = None
    options: str | None = None


@dataclass(frozen=True, slots=True)
class Bundle:
    """``<bundle>``; ``storage`` None means no ``<storage>`` element."""

    id: str
    container: Container
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    network: BundleNetwork | None = None
    storage: tuple[StorageMapping, ...] | None = None
    primitive: Primitive | None = None
    comments: tuple[str, ...] = ()


Resource = Primitive | Group | Clone | Bundle
"""A top-level resource (templates are kept apart in ``Configuration.templates``)."""
